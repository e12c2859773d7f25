/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * check-config's and explain's view of internal-sftp in sshd's configuration: what
 * pam_alcove does at a contained login through that sshd (pam_module/session.c,
 * common/sshd_config.h), as one line of text each. No output of its own.
 */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "keys_check.h"
#include "login.h"
#include "sshd_config.h"

typedef struct SshdCheck {
	const char *path; /* --sshd-config FILE, or SSHD_CONFIG_DEFAULT */
	int r;		  /* < 0: it could not be read, err says why */
	AlcError err;
	SshdSftp s;
	/* the user's key files, as the module reads them at a login */
	bool keys_checked;
	int keys_r; /* < 0: they could not be checked, keys_err says why */
	AlcError keys_err;
	AuthkeysFinding keys;
	/* internal-sftp in a Match block, for the user (sshd_check_keys_run): whether a block
	 * selects them, with --rhost as PAM_RHOST (without it, Host and Address are assumed to
	 * select them, as LocalPort...) */
	bool match_checked;
	SshdSftp match;
	/* the session and auth stacks of the PAM service (sshd_check_pam_run): pam_session_r,
	 * pam_r (auth; read only when session names it) 1 when it names pam_alcove.so, 0 when
	 * not, -errno when pam_file could not be read */
	bool pam_checked;
	int pam_session_r, pam_r;
	const char *pam_service;
	const char *pam_stack; /* the file the stack starts from: the service's, or "other" */
	char pam_file[128];
	/* what lets the tenant's environment reach a bash /bin/sh (sshd_check_env_run) */
	bool env_checked;
	char sh[256]; /* /bin/sh resolved */
	int env_r;    /* < 0: sshd_config could not be read (sshd_check_refusal() says it) */
	SshdEnv env;
	int readenv_r; /* 1: pam_env user_readenv=1 in readenv_file, 0: none, -errno reading it */
	char readenv_file[128];
} SshdCheck;

void sshd_check_run(const char *path, SshdCheck *ret);

/* The user's key files, as pam_alcove reads them (common/keys_check.h), into c->keys, and the
 * Match blocks with internal-sftp that select the user, into c->match: by their account's
 * name or by typed, the name as given (NULL: the account's), as sshd's Match User sees it. */
void sshd_check_keys_run(SshdCheck *c, const LoginInfo *li, const char *typed);

/* Whether the PAM service's session and auth stacks (its file in /etc/pam.d, or "other" when
 * it has none, and the files their lines include) name pam_alcove.so, into c: without the
 * session line no login is contained, without the auth line sshd's session process keeps the
 * user's host groups (pam_module/setcred.c). */
void sshd_check_pam_run(SshdCheck *c, const char *service);

/* Why contained logins through that sshd are refused (it cannot be read, it serves sftp
 * in-process for every connection, or in a Match block that selects the user), into buf;
 * false when they are not. */
bool sshd_check_refusal(const SshdCheck *c, char *buf, size_t size);

/* The warning for an internal-sftp inside a Match block (for the user: that no block selects
 * them), into buf; false when there is none. */
bool sshd_check_warning(const SshdCheck *c, char *buf, size_t size);

/* The warning for a key file of the user's that forces internal-sftp or lets a certificate
 * force it (logins through sshd are refused), goes through /proc, is too large or could not be
 * read, into buf; false when there is none. A file
 * changed since alcovectl started is not reported: that is about one login, not this one. */
bool sshd_check_keys(const SshdCheck *c, char *buf, size_t size);

/* The warning for a PAM service whose session stack, else whose auth stack, does not name
 * pam_alcove.so, or could not be read, into buf; false when there is none. */
bool sshd_check_pam(const SshdCheck *c, char *buf, size_t size);

/* When /bin/sh is bash (ctl/bash_env.h): sshd_config's PermitUserEnvironment and AcceptEnv,
 * and whether the PAM service's stack has pam_env with user_readenv=1, into c. Nothing is read
 * when /bin/sh is not bash (or cannot be resolved). */
void sshd_check_env_run(SshdCheck *c, const char *service);

/* The warning for a bash /bin/sh that sshd runs on the host with an environment the tenant
 * sets, naming each setting that lets them, into buf; false when there is none. */
bool sshd_check_env(const SshdCheck *c, char *buf, size_t size);

/* The warning for X11 forwarding with an XAuthLocation other than the lobby's xauth, which
 * alcove-enter bounds (LOBBY_XAUTH_PATH, lobby_marker.h), into buf; false when there is none. */
bool sshd_check_xauth(const SshdCheck *c, char *buf, size_t size);
