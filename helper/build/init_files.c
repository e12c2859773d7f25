/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "init": alcove-init next to the helper, and the fds it starts with: the listening
 * control and admin sockets in /run/alcove/<name>, and /dev/null.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dirs.h"
#include "macro.h"
#include "lib/paths.h"

/* alcove-init next to our own executable, root's and writable by nobody else. */
int prepare_init(BuildCtx *c)
{
	struct stat st;
	int fd;

	fd = openat(c->spec->exe_dirfd, "alcove-init", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return build_error(c, negative_errno(), "alcove-init next to alcove-helper: %m");
	c->cs.init_fd = fd;
	if (fstat(fd, &st) < 0)
		return build_error(c, negative_errno(), "alcove-init: %m");
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    !(st.st_mode & S_IXUSR))
		return build_error(c, -EPERM,
				   "alcove-init must be a root-owned executable writable "
				   "only by root (owner %u, mode %04o)",
				   (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* A listening socket at /run/alcove/<name>/<file>, root's, born 0600 (never connectable by
 * others, not even for a moment). */
static int listen_at(BuildCtx *c, const char *file, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, r;

	r = alcove_run_path(c->spec->name, file, sa.sun_path, sizeof(sa.sun_path));
	if (r < 0)
		return build_error(c, r, "name the %s socket of %s: %m", file,
				   c->spec->name);
	if (unlinkat(c->spec->rundirfd, file, 0) < 0 && errno != ENOENT)
		return build_error(c, negative_errno(), "remove stale %s: %m", sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return build_error(c, negative_errno(), "%s socket: %m", file);
	*ret_fd = fd;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return build_error(c, negative_errno(), "bind %s: %m", sa.sun_path);
	if (listen(fd, 64) < 0)
		return build_error(c, negative_errno(), "listen on %s: %m", sa.sun_path);
	return 0;
}

/*
 * The listening sockets init serves, created here socket-activation style: control (0600,
 * owner U once the build is done and the layer's quota set again) for the user's sessions, admin
 * (0600, root's, in the root 0711 run dir) for the helper and alcovectl. Only the admin socket's
 * file permission, which nobody but host root passes, authorizes HOLD/RELEASE/STOP/STATUS: init
 * cannot tell host root from an unmapped id of the user's range by SO_PEERCRED.
 */
int prepare_control(BuildCtx *c)
{
	int fd, r;

	/* root's until the open hands it over (helper/verbs/open.c, hand_control()) */
	r = listen_at(c, ALCOVE_RUN_CONTROL, &c->cs.control_fd);
	if (r < 0)
		return r;
	r = listen_at(c, ALCOVE_RUN_ADMIN, &c->cs.admin_fd);
	if (r < 0)
		return r;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return build_error(c, negative_errno(), "/dev/null: %m");
	c->cs.null_fd = fd;
	/* init's stderr, the journal stream, is connected by the child as the alcove's ns root
	 * (init_spawn.c) */
	return 0;
}
