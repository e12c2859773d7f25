/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl user-manager`: may this user have a systemd user manager (user@UID.service) on
 * the host? Pure, unit-tested.
 *
 * The manager reads units, environment.d and generators from the user's home, which a
 * contained user writes from inside the alcove, and runs them with the host's namespaces. So
 * it is allowed only when no login of the user, by any PAM service, from any tty or rhost,
 * can be contained: policy_decide() answers for one login, this for all of them at once.
 */

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

typedef struct UserManagerDecision {
	bool allowed;
	const Rule *rule; /* the rule that decided; NULL for root, a bad name or no rule */
	size_t rule_index;
	char reason[256]; /* one line, for the journal */
} UserManagerDecision;

/* l->service, l->tty and l->rhost are ignored: every value is considered. Rules in order:
 * one whose user and group keys do not match the user is passed over; the first that does
 * and that contains decides "no" (some login reaches it); one that skips decides "yes" only
 * when it skips every login (no rhost key; no service or tty key, or "*"), else the rules after it
 * still apply to the logins it does not cover. Then default_action. Root is always allowed
 * (never contained; p is not read then); a hostile name never. */
void user_manager_decide(const Policy *p, const Login *l, UserManagerDecision *ret);
