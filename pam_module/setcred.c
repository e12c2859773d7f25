/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The groups of sshd's session process (DESIGN §11). sshd's root monitor opens the session
 * (joining the lobby and the alcove's network ns), then forks the process that serves every
 * channel of the connection: forwards, the X11 listener, the agent socket, and the exec of the
 * login's shell. That process sets the user's host groups with initgroups() and then, still
 * root, calls pam_setcred(PAM_ESTABLISH_CRED), because "PAM credentials may take the form of
 * supplementary groups" (OpenSSH platform_setusercontext_post_groups()), before it drops to
 * the user for good. Here its groups become the alcove's (the user's primary group and the
 * passed-through ones), so a unix-socket forward reaches no more than the alcove would. The
 * opener itself (sshd's monitor before the fork, login, su, sudo) is left alone: its
 * credentials are not what serves the login.
 */
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "log.h"
#include "opened.h"
#include "session.h"

Outcome session_setcred(pam_handle_t *pamh, int flags)
{
	const Opened *s = NULL;
	LogFields f = {.stage = "groups"};

	if (!(flags & (PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED)))
		return OUTCOME_SKIPPED;
	/* nothing stashed: not contained, or not opened yet (sshd's monitor asks before) */
	if (pam_get_data(pamh, DATA_KEY, (const void **)&s) != PAM_SUCCESS || !s)
		return OUTCOME_SKIPPED;
	if (getpid() == s->opener)
		return OUTCOME_SKIPPED;
	f.user = s->user;
	if (setgroups(s->n_groups, s->groups) < 0) {
		/* sshd goes on after a failed setcred when PAM did not authenticate (a key): the
		 * session process then keeps the host groups, which this line reports */
		log_full(LOG_ERR, errno, &f,
			 "Failed to set the groups of alcove %s on the session process %d: %m",
			 s->name, (int)getpid());
		return OUTCOME_CRED_FAILED;
	}
	log_full(LOG_DEBUG, 0, &f, "Session process %d has the groups of alcove %s (%zu)",
		 (int)getpid(), s->name, s->n_groups);
	return OUTCOME_GROUPS_SET;
}
