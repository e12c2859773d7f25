/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A ptmx checked before it is used (alcove_pty.h): for `alcovectl enter` beneath init's root,
 * for alcove-enter's relay in the lobby's mount of the alcove's devpts. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "alcove_pty.h"
#include "macro.h"

/* the pty multiplexer's device number (Documentation/admin-guide/devices.txt: 5,2 /dev/ptmx) */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2

bool alcove_ptmx_ok(mode_t mode, dev_t rdev, unsigned long fs_type)
{
	return S_ISCHR(mode) && major(rdev) == PTMX_MAJOR && minor(rdev) == PTMX_MINOR &&
	       fs_type == DEVPTS_SUPER_MAGIC;
}

int alcove_ptmx_open(int dirfd, const char *path, int *ret_master, int *ret_slave)
{
	struct open_how how = {
	    .flags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
	    .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
	};
	_cleanup_close_ int master = -1, slave = -1;
	struct statfs sfs;
	struct stat st;
	int unlock = 0;

	master = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	if (master < 0)
		return negative_errno();
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
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}
