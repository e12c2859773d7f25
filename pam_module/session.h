/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What pam_alcove does for a session (DESIGN §1, §8). The entry points in pam_alcove.c map
 * the outcome to a PAM code, in that one place.
 */

#include <security/pam_modules.h>

#include "options.h"

typedef enum {
	OUTCOME_SKIPPED,     /* the policy does not select this login: PAM_IGNORE */
	OUTCOME_CONTAINED,   /* the application now lives in the lobby: PAM_SUCCESS */
	OUTCOME_REFUSED,     /* the policy refuses the login: PAM_SESSION_ERR */
	OUTCOME_FAILED,	     /* error, fail closed: PAM_SESSION_ERR */
	OUTCOME_FAILED_OPEN, /* error, but failure = "open": PAM_SUCCESS, uncontained */
	OUTCOME_CLOSED,	     /* close: done, or nothing was open: PAM_SUCCESS */
} Outcome;

Outcome session_open(pam_handle_t *pamh, const PamOptions *o);
Outcome session_close(pam_handle_t *pamh, const PamOptions *o);
