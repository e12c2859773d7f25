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
	OUTCOME_GROUPS_SET,  /* setcred: the alcove's groups set: PAM_SUCCESS */
	OUTCOME_CRED_FAILED, /* setcred: they could not be: PAM_CRED_ERR */
} Outcome;

Outcome session_open(pam_handle_t *pamh, const PamOptions *o);
Outcome session_close(pam_handle_t *pamh, const PamOptions *o);

/* pam_setcred() in a process forked from the one that opened a contained session (sshd's
 * session process): its supplementary groups become the alcove's. setcred.c. */
Outcome session_setcred(pam_handle_t *pamh, int flags);
