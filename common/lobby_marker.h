/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The lobby marker: what alcove-enter knows of the lobby it runs in, independently of the
 * alcove's control socket (which goes away when the alcove ends while sshd keeps the login's
 * connection, and with it the lobby, open). The helper mounts a read-only tmpfs of its own
 * (host root's, in the initial user namespace) on LOBBY_MARKER_DIR in each lobby, holding the
 * file LOBBY_MARKER_FILE:
 *
 *     uid=<the login user's uid>\n
 *     name=<the alcove's name>\n
 *     shell=<the login user's passwd shell>\n
 *
 * The shell is there so that alcove-enter needs no passwd lookup: it is static (it runs as
 * the user on the host, whose environment the user sets), and NSS in a static program
 * dlopen()s its modules through $LD_LIBRARY_PATH. The helper looked the shell up as root.
 *
 * The marker's tmpfs also holds the directory LOBBY_PTS_DIR, where the lobby mounts the
 * alcove's devpts: sshd allocates a login's pty from the host's devpts (so that utmp, wtmp and
 * who name it as on any host login: each alcove's own devpts numbers from 0, and utmp keeps
 * one record per line), and alcove-enter relays it to a pty of the alcove's, taken there.
 *
 * On the host LOBBY_MARKER_DIR is an empty root-owned directory. Pure: format and parse.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dirs.h"

#define LOBBY_MARKER_DIR ALCOVE_RUN_DIR "/lobby"
#define LOBBY_MARKER_FILE "login"
#define LOBBY_PTS_NAME "pts"
#define LOBBY_PTS_DIR LOBBY_MARKER_DIR "/" LOBBY_PTS_NAME
#define LOBBY_SHELL_MAX 1024 /* with its NUL; the marker's tmpfs has one page */
#define LOBBY_MARKER_MAX (64 + LOBBY_SHELL_MAX)
/* The root-owned files the real login shell and the real xauth are bound onto in a lobby,
 * where alcove-enter covers their paths (helper/build/lobby.c); on the host empty files. */
#define LOBBY_SHELL_ANCHOR ALCOVE_RUN_DIR "/shell"
#define LOBBY_XAUTH_ANCHOR ALCOVE_RUN_DIR "/xauth"
/* The root-owned directory the alcove's home volume is attached on in a lobby (nosuid, nodev,
 * noexec, nosymfollow), for sshd's xauth only: the home's own path shows an empty directory
 * there, since root code and sshd's child read files of a home by its path (~/.pam_environment,
 * ~/.ssh/environment, ~/.ssh/rc) and would follow the tenant's symlinks or block on a FIFO
 * (helper/build/lobby.c). On the host an empty directory. */
#define LOBBY_HOME_ANCHOR ALCOVE_RUN_DIR "/home"
/* Where xauth run in a lobby keeps X11's cookie for the lobby's user (alcove-enter sets
 * XAUTHORITY): the alcove's ~/.Xauthority, where X clients inside look. */
#define LOBBY_XAUTHORITY LOBBY_HOME_ANCHOR "/.Xauthority"
/* sshd's default XAuthLocation (Debian's too), the xauth a lobby bounds; another one in
 * sshd_config is not covered (check-config and explain warn). */
#define LOBBY_XAUTH_PATH "/usr/bin/xauth"

typedef struct LobbyMarker {
	uid_t uid;
	char name[32];		     /* an alcove name: "<uid>" or "<uid>-<8 hex>" */
	char shell[LOBBY_SHELL_MAX]; /* an absolute path without a newline */
} LobbyMarker;

/* -EINVAL for a name that is not an alcove name or a shell that is not an absolute path
 * without newlines; -E2BIG if buf is too small. Returns the length written. */
int lobby_marker_format(const LobbyMarker *m, char *buf, size_t len);
/* Exactly the three lines above, in that order; -EBADMSG otherwise (a name that is not an
 * alcove name, a uid that is not a decimal number below 2^32-1, a shell that is not an
 * absolute path shorter than LOBBY_SHELL_MAX, anything else). */
int lobby_marker_parse(const char *buf, size_t len, LobbyMarker *ret);
