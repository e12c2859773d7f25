/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether the tenant's environment reaches a bash that runs on the host. After the session
 * opens, sshd's session child (the user, in the lobby) runs ~/.ssh/rc, /etc/ssh/sshrc and
 * X11's xauth through popen(), the host's /bin/sh, with the login's environment. dash (Debian)
 * reads no code from it; bash does: SHELLOPTS=xtrace with PS4='$(cmd)', exported functions
 * (BASH_FUNC_name%%, or BASH_FUNC_name() on older distributions' patches), BASHOPTS, and
 * BASH_ENV or ENV in some modes. The tenant sets that environment through pam_env's
 * user_readenv (~/.pam_environment, in the home they write from inside the alcove), sshd's
 * PermitUserEnvironment (~/.ssh/environment) or an AcceptEnv pattern (the client's variables).
 * Pure, unit-tested; ctl/sshd_check.c gathers the inputs and says it.
 */

#include <stdbool.h>
#include <stddef.h>

/* The variables bash takes code from, as they are probed: "BASH_FUNC_x%%" for every function */
#define BASH_ENV_NAMES "SHELLOPTS, BASHOPTS, PS4, BASH_ENV, ENV, BASH_FUNC_*"

typedef struct BashEnvInput {
	const char *sh;		       /* /bin/sh resolved (realpath), NULL when it could not be */
	bool user_readenv;	       /* pam_env user_readenv=1 in sshd's PAM stack */
	const char *permit_user_env;   /* sshd's PermitUserEnvironment value, NULL or "": no */
	const char *const *accept_env; /* sshd's AcceptEnv patterns (`*`, `?` wildcards) */
	size_t n_accept_env;
} BashEnvInput;

typedef struct BashEnvRoutes {
	bool user_readenv;
	const char *permit_name; /* a variable PermitUserEnvironment lets in, or NULL */
	bool accept;		 /* an AcceptEnv pattern lets one in: */
	size_t accept_index;	 /* the first such pattern */
	const char *accept_name; /* and the variable */
} BashEnvRoutes;

/* Whether path (resolved) is bash: its base name starts with "bash". */
bool bash_env_is_bash(const char *path);

/* Which of the routes let the tenant's environment reach bash, into *ret (none when /bin/sh
 * is not bash); true when any does. */
bool bash_env_routes(const BashEnvInput *in, BashEnvRoutes *ret);
