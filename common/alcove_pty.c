/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alcove's own pty for `alcovectl enter` (alcove_pty.h). Order matters: the pid comes from
 * the state and is proved to be that alcove's init by a pidfd (start time, user namespace);
 * /proc/<pid>/root is opened next, and the pidfd must still say "running" afterwards, so the
 * /proc entry opened was that process and not a recycled pid's.
 */
#include "alcove_pty.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
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

/* dev/pts/ptmx beneath root, never through a symlink: ns root's /dev may hold anything. */
static int open_ptmx(int rootfd)
{
	struct open_how how = {
	    .flags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
	};

	return RET_NERRNO(syscall(SYS_openat2, rootfd, "dev/pts/ptmx", &how, sizeof(how)));
}

int alcove_pty_open(const char *name, uid_t owner, int *ret_master, int *ret_slave)
{
	_cleanup_close_ int rootfd = -1, master = -1, slave = -1;
	struct statfs sfs;
	struct stat st;
	int unlock = 0, r;

	r = open_init_root(name, &rootfd);
	if (r < 0)
		return r;
	master = open_ptmx(rootfd);
	if (master < 0)
		return master;
	if (fstat(master, &st) < 0 || fstatfs(master, &sfs) < 0)
		return negative_errno();
	if (!alcove_ptmx_ok(st.st_mode, st.st_rdev, (unsigned long)sfs.f_type))
		return -EPERM;
	/* what unlockpt() does; grantpt() is nothing on devpts */
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return negative_errno();
	/* the slave by the master, not by a name in a /dev that ns root may arrange */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	/* the login's, as sshd chowns a login's pty (the group is the instance's gid=5) */
	if (fchown(slave, owner, (gid_t)-1) < 0)
		return negative_errno();
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}
