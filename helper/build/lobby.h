/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The lobby: the mount namespace the PAM application (sshd's monitor, login, su) joins for one
 * login. It is a copy of the HOST mount tree, made MS_SLAVE|MS_REC, with these changes
 * (DESIGN §2, §11):
 *   - U's login shell path        -> read-only bind of alcove-enter
 *   - /run/alcove/shell           -> bind of the real login shell (for callers that are not U)
 *   - LOBBY_XAUTH_PATH            -> read-only bind of alcove-enter, which runs the real
 *                                    xauth, bound on /run/alcove/xauth, under limits (sshd's
 *                                    X11 forwarding runs it in the lobby), if the host has one
 *   - /dev/pts                    -> stays the host's (sshd's pty is a host terminal, in
 *                                    utmp as on any login); the alcove's devpts is attached
 *                                    under the marker, where alcove-enter relays through it
 *   - /tmp                        -> the alcove's /tmp
 *   - /run/alcove/lobby           -> a read-only tmpfs of host root's holding the marker
 *                                    (uid and alcove name, lobby_marker.h) alcove-enter
 *                                    trusts instead of the control socket
 *   - /run, the parent of U's home -> masked for U, the same for root (lobby_mask.h);
 *                                    /run/alcove and U's home stay reachable
 *   - /var/lib/alcove, /dev/net    -> an empty read-only tmpfs, root's, 0700 (/dev/net
 *                                    stays when the policy allows tunnels)
 *   - /var/tmp, /dev/shm           -> an empty tmpfs of the lobby's own, 1777
 * The PAM application never sees the alcove's own tree: root code running there would run
 * files U can write. It does join the alcove's network ns (lobby_build returns it), which
 * holds nothing U can make root run.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dirs.h"
#include "error.h"
#include "lobby_marker.h" /* LOBBY_*_ANCHOR, LOBBY_XAUTH_PATH */
#include "policy.h"

typedef struct LobbySpec {
	int init_pidfd;		/* pidfd of the alcove's init: its mount ns holds /tmp and devpts */
	const char *name;	/* the alcove's name (/run/alcove/<name>) */
	uid_t uid;		/* the login user */
	gid_t gid;		/* the login user's primary group */
	const char *shell;	/* U's login shell path from passwd */
	int enter_dirfd;	/* the directory of alcove-enter (the helper's own) */
	const char *enter_name; /* its name there: "alcove-enter" */
	const char *home;	/* U's passwd home: its parent is masked, it stays (or NULL) */
	const char *home_source; /* the host directory the alcove has there (its home volume):
				  * the passwd home, or a home pattern's; with home */
	bool tun;		/* the policy allows tunnels: /dev/net stays */
	bool host_image;	/* image = "/": the alcove shows the host's /var/lib, /srv... */
	bool network_host;	/* network = "host": init's network ns must be one of the host's */
	/* host directories the tenant writes from inside (a home pattern's, writable profile
	 * mounts' sources): noexec, nosuid, nodev where the lobby shows them */
	const char *writable[1 + POLICY_MAX_MOUNTS];
	size_t n_writable;
} LobbySpec;

/*
 * Runs in alcove-helper: root, host mount ns, single-threaded. The work happens in a short-lived
 * child so the helper itself never changes namespace. Creates /run/alcove/shell and
 * /run/alcove/xauth (empty files) and /run/alcove/lobby (an empty directory) on the host if
 * missing.
 *
 * U's shell path is resolved once, in the lobby, through directories root owns and nobody else
 * may write, to a root-owned regular file writable by root only (shell_path.h); anything else
 * refuses the lobby (-EPERM, -ENOTDIR, -ENOEXEC...) with err naming the shell and the component.
 *
 * The alcove's home must be the home volume (home_source: the root of what is mounted at home
 * inside is that directory): in root mode U, its ns root, may have mounted something else
 * there; otherwise -EPERM with a message.
 *
 * The alcove's /tmp must still be the tmpfs the helper made (root-owned, 1777, a tmpfs): in
 * root mode U, its ns root, may have replaced it inside, and root code works in the lobby's
 * /tmp; otherwise -EPERM with a message.
 *
 * Returns 0 and *ret (O_CLOEXEC fds, below): the lobby mount ns, and the alcove's network and
 * UTS ns unless the alcove shares this process's; the application joins them all, so that
 * sshd's channels (forwards, X11 listeners and xauth's cookie, which is keyed by the host
 * name) are the alcove's. Or -errno with *ret untouched and *e (may be NULL) filled: stage
 * "lobby", the message naming the object when it can say more than the errno (else the
 * errno's text): -ESRCH when init is gone or exiting (an alcove ending right now), -ENOENT when
 * the shell or alcove-enter is missing. e->tenant says whether it failed on what the user
 * controls: the alcove's own tree (its /tmp, devpts, an init that is gone), or a clone refused
 * for want of pids (EAGAIN: with cgroup = "none" the user's own processes may fill the PAM
 * application's cgroup).
 */
typedef struct LobbyNs {
	int mnt; /* the lobby */
	int net; /* the alcove's network ns, or -1 when it is the caller's (network = "host") */
	int uts; /* the alcove's UTS ns (its hostname), or -1 when it is the caller's */
} LobbyNs;

int lobby_build(const LobbySpec *spec, LobbyNs *ret, AlcError *e);
