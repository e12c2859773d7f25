/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alcove's own pty for `alcovectl enter` (alcove_pty.h). Order matters: the pid comes from
 * the state and is proved to be that alcove's init by a pidfd (start time, pid namespace);
 * /proc/<pid>/root is opened next, and the pidfd must still say "running" afterwards, so the
 * /proc entry opened was that process and not a recycled pid's.
 */
#include "alcove_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"
#include "enter_client.h"
#include "macro.h"
#include "statefile.h"

/* init's root directory, O_PATH, once the state's pid is proved to be the alcove's init. */
static int open_init_root(const char *name, int *ret)
{
	_cleanup_close_ int dirfd = -1, pidfd = -1, rootfd = -1;
	struct pollfd p = {.events = POLLIN};
	AlcoveState st;
	char path[64];
	int r;

	r = alcove_run_dir(name, path, sizeof(path));
	if (r < 0)
		return r;
	dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	r = statefile_read(dirfd, &st);
	if (r < 0)
		return r;
	r = statefile_alive(&st, &pidfd);
	if (r <= 0)
		return r < 0 ? r : -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)st.pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return negative_errno();
	/* a pidfd polls readable once its process has exited: still running, so the pid was
	 * not reused between the check and the open */
	p.fd = pidfd;
	if (poll(&p, 1, 0) != 0)
		return -ESRCH;
	*ret = TAKE_FD(rootfd);
	return 0;
}

int alcove_pty_open(const char *name, uid_t owner, int *ret_master, int *ret_slave)
{
	_cleanup_close_ int rootfd = -1, master = -1, slave = -1;
	int r;

	r = open_init_root(name, &rootfd);
	if (r < 0)
		return r;
	r = alcove_ptmx_open(rootfd, "dev/pts/ptmx", &master, &slave);
	if (r < 0)
		return r;
	/* the login's, as sshd chowns a login's pty (the group is the instance's gid=5) */
	if (fchown(slave, owner, (gid_t)-1) < 0)
		return negative_errno();
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}
