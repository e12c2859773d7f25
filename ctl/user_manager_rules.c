/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether any login of a user can be contained, for `alcovectl user-manager`. Matches user
 * and group keys with policy_decide()'s own policy_rule_matches_user(); a service, tty or
 * rhost key can only be judged per login, so it is read the safe way: a contain rule with
 * one may contain some login, a skip rule with one may let some login through to the rules
 * below.
 */
#include "user_manager_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_reason(UserManagerDecision *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void set_reason(UserManagerDecision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* A glob that every value matches, the absent one ("") included: none, or only '*'. */
static bool glob_matches_any(const char *pattern)
{
	return !pattern || strspn(pattern, "*") == strlen(pattern);
}

static bool skips_every_login(const Rule *r)
{
	/* rhost is an address or prefix (common/policy_rhost.c) that never matches a login
	 * without one, so only a rule without it covers every login. */
	return r->action == RULE_SKIP && glob_matches_any(r->service) && glob_matches_any(r->tty) &&
	       !r->rhost;
}

void user_manager_decide(const Policy *p, const Login *l, UserManagerDecision *ret)
{
	*ret = (UserManagerDecision){.allowed = false};
	if (l->uid == 0) {
		/* Host uid 0 is never mapped into an alcove: no rule can contain root. */
		ret->allowed = true;
		set_reason(ret, "root is never contained");
		return;
	}
	if (policy_name_is_hostile(l->user)) {
		set_reason(ret, "the user name is not safe to match; its logins are refused");
		return;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const Rule *r = &p->rules[i];

		if (!policy_rule_matches_user(r, l))
			continue;
		if (r->action == RULE_CONTAIN || skips_every_login(r)) {
			ret->rule = r;
			ret->rule_index = i;
			ret->allowed = r->action == RULE_SKIP;
			set_reason(ret, "rule #%zu (line %d) %s", i + 1, r->line,
				   ret->allowed ? "skips every login of the user"
						: "may contain a login of the user");
			return;
		}
	}
	ret->allowed = p->default_action != RULE_CONTAIN;
	set_reason(ret, ret->allowed ? "no rule may contain a login of the user "
				       "(default_action = \"skip\")"
				     : "a login that no rule decides is contained "
				       "(default_action = \"contain\")");
}
