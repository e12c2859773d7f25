/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pam_alcove.so: the PAM entry points, nothing else. Only the session hooks and setcred do
 * anything; the module never exits, never aborts, and keeps no global state of its own.
 */
#include <security/pam_modules.h>

#include "log.h"
#include "options.h"
#include "session.h"

static void setup(int argc, const char **argv, PamOptions *o)
{
	pam_options_parse(argc, argv, o);
	/* debug also writes to stderr: pamtester, su and login show it on the terminal. */
	log_setup("pam_alcove", LOG_TARGET_SYSTEM | (o->debug ? LOG_TARGET_STDERR : 0), o->debug);
	for (size_t i = 0; i < o->n_unknown && i < PAM_OPTIONS_MAX_UNKNOWN; i++)
		log_warning("Unknown module argument '%s', ignored", o->unknown[i]);
}

/* The one place an outcome becomes a PAM code. */
static int pam_code(Outcome outcome)
{
	switch (outcome) {
	case OUTCOME_SKIPPED:
		return PAM_IGNORE;
	case OUTCOME_CONTAINED:
	case OUTCOME_FAILED_OPEN:
	case OUTCOME_CLOSED:
	case OUTCOME_GROUPS_SET:
		return PAM_SUCCESS;
	case OUTCOME_CRED_FAILED:
		return PAM_CRED_ERR;
	case OUTCOME_REFUSED:
	case OUTCOME_FAILED:
		break;
	}
	return PAM_SESSION_ERR;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	PamOptions o;

	setup(argc, argv, &o);
	return pam_code(session_open(pamh, &o));
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	PamOptions o;

	setup(argc, argv, &o);
	return pam_code(session_close(pamh, &o));
}

/* Not an authentication module: the other stacks pass over it. */
PAM_EXTERN int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}

/* In the auth stack (`auth optional pam_alcove.so`): sshd asks for credentials in its session
 * process, after initgroups(), and that process serves the connection's channels. */
PAM_EXTERN int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	PamOptions o;

	setup(argc, argv, &o);
	return pam_code(session_setcred(pamh, flags));
}

PAM_EXTERN int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_IGNORE;
}
