/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Where sshd's configuration makes sshd serve sftp in its own process (internal-sftp), for the
 * PAM module and alcovectl. sshd's session child runs in the lobby, on the host's view, not in
 * the alcove: what internal-sftp serves there is the host's /etc, /usr, /var (docs/DESIGN.md
 * §9). PAM runs once per connection, before any channel is asked for, so a contained login is
 * refused when its sshd is set up to serve sftp itself.
 *
 * Read as sshd reads it (OpenSSH servconf.c): keywords case-insensitive, `Key value` and
 * `Key=value`, `#` comments, quoted arguments; `Include` globs (relative to /etc/ssh), at most
 * 16 deep, a Match in an included file ending with that file; the first global `Subsystem
 * NAME` and `ForceCommand` win. A `Match` block is what sshd decides per connection: without
 * one its findings are marked in_match (`Match all` ends a block); sshd_config_sftp_conn()
 * evaluates the blocks for one connection. No logging.
 *
 * ChrootDirectory (not none) is such a finding too: sshd chroots the session child and runs the
 * passwd shell inside the jail, where the lobby's alcove-enter is not (finding.chroot).
 */

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "sshd_match.h"

#define SSHD_CONFIG_DEFAULT "/etc/ssh/sshd_config"
#define SSHD_CONFIG_MAX_DEPTH 16
#define SSHD_KEY_FILES_MAX 16
#define SSHD_SFTP_SERVER "/usr/lib/openssh/sftp-server"

typedef struct SshdSftpFinding {
	char where[320]; /* FILE:LINE */
	char text[160];	 /* "Subsystem sftp internal-sftp", "ForceCommand internal-sftp -R" */
	bool in_match;	 /* inside a Match block: sshd decides per connection */
	bool forced;	 /* ForceCommand (else Subsystem) */
	bool chroot;	 /* not sftp: ChrootDirectory (sshd runs the shell in the jail) */
	/* with a connection: the Match criteria assumed to select it (sshd_match.h), or "" */
	char unknown[128];
} SshdSftpFinding;

/* What a login and alcovectl need: the first of each kind, and how many there are. */
typedef struct SshdSftp {
	SshdSftpFinding global; /* outside any Match block: every connection */
	SshdSftpFinding match;	/* inside one */
	size_t n_global, n_match;
	/* Every file sshd may read key lines from for some connection, as sshd_config names it
	 * (%h, %u, %U, relative to the home): a key line's command="internal-sftp" is served
	 * in-process too (OpenSSH session.c do_exec()), and files in the home are the tenant's
	 * (common/keys_check.h). The first global AuthorizedKeysFile (sshd's default
	 * .ssh/authorized_keys .ssh/authorized_keys2 without one), every Match block's, then
	 * AuthorizedPrincipalsFile's (its lines take options too). None when a global
	 * ForceCommand wins over key options: the first global one is not `none`, and no Match
	 * block has a ForceCommand (which may be none). key_files_overflow: more than fit. */
	/* PermitTunnel (ssh -w) as sshd applies it: the first global one; with a connection the
	 * first selecting Match block's wins over it. tunnel_where: FILE:LINE ("" for sshd's
	 * default, no). n_match_tunnel: PermitTunnel lines in Match blocks (without one). */
	bool tunnel;
	char tunnel_where[320];
	char tunnel_value[32];
	size_t n_match_tunnel;
	/* UseDNS yes (the first global one; sshd's default is no): PAM_RHOST is a reverse DNS
	 * name, which rhost rules match toward containment (common/policy_match.c) */
	bool use_dns;
	char use_dns_where[320];
	/* X11 forwarding's xauth, which sshd runs on the host with the tenant's ~/.Xauthority:
	 * the first global X11Forwarding yes (sshd's default is no), whether a Match block has
	 * one (x11_match), and the first global XAuthLocation ("" for sshd's default, sshd
	 * refuses it in a Match block) with its FILE:LINE */
	bool x11_forwarding, x11_match;
	char xauth_location[256];
	char xauth_where[320];
	char key_files[SSHD_KEY_FILES_MAX][256];
	size_t n_key_files;
	bool key_files_overflow;
} SshdSftp;

/* Reads path (and its Includes). A missing path is a configuration without any: 0. -errno
 * with *e (stage "sshd_config") naming the file (and line) that could not be read, expanded
 * or nested. Files are opened O_NONBLOCK|O_CLOEXEC following symlinks as sshd does (root's
 * files in root's /etc), must be regular files (-EISDIR for a directory, -EINVAL for
 * anything else) and are bounded to 256 KiB each. */
int sshd_config_sftp(const char *path, SshdSftp *ret, AlcError *e);

/* The same for one connection: `match` is the internal-sftp sshd would serve it from a Match
 * block that selects it (or is assumed to, sshd_match.h), as sshd picks it: the first selecting
 * block's ForceCommand or `Subsystem NAME` wins. Match blocks that do not select it count for
 * nothing. Only worth its cost when sshd_config_sftp() found internal-sftp in a Match block. */
int sshd_config_sftp_conn(const char *path, const SshdConn *conn, SshdSftp *ret, AlcError *e);

/* What sshd lets into its session child's environment from outside root's files
 * (ctl/bash_env.h): the first global PermitUserEnvironment (~/.ssh/environment; sshd refuses
 * it in a Match block), and the AcceptEnv patterns of every line (the client's variables),
 * global or in any Match block: which block selects a connection is not decided here. */
#define SSHD_ACCEPT_ENV_MAX 32
typedef struct SshdEnv {
	char permit_user_env[128]; /* its value as sshd compares it: "", sshd's default (no) */
	char permit_user_env_where[320];
	char accept_env[SSHD_ACCEPT_ENV_MAX][64];
	char accept_env_where[SSHD_ACCEPT_ENV_MAX][320];
	size_t n_accept_env;
	bool accept_env_overflow; /* more patterns than fit, or a longer one: not kept */
} SshdEnv;

/* Reads path (and its Includes) as sshd_config_sftp() does, into *ret. */
int sshd_config_env(const char *path, SshdEnv *ret, AlcError *e);

/* When sshd forwards X11 (globally or in a Match block) with an XAuthLocation other than
 * bounded (the lobby's, whose xauth alcove-enter runs under limits): the warning naming its
 * FILE:LINE, into buf; false when there is none. Pure. */
bool sshd_xauth_warning(const SshdSftp *s, const char *bounded, char *buf, size_t size);

/* What to write instead, naming sftp-server: "Subsystem sftp /usr/lib/openssh/sftp-server"
 * or "ForceCommand /usr/lib/openssh/sftp-server". */
const char *sshd_sftp_advice(const SshdSftpFinding *f);
/* "sshd serves sftp in-process, outside the alcove", or for ChrootDirectory why that is not
 * contained either. */
const char *sshd_finding_why(const SshdSftpFinding *f);

/* Whether exe (the PAM application's /proc/self/exe) is sshd: sshd, or the sshd-session and
 * sshd-auth that OpenSSH 9.8 and 10 split off, " (deleted)" after an upgrade included. Its
 * PAM service is no sign: any name through a link, or PAMServiceName (OpenSSH 9.8). */
bool sshd_exe_is_sshd(const char *exe);
