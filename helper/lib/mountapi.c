/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "mountapi.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

/*
 * A detached clone (OPEN_TREE_CLONE) of a shared mount joins the original's peer group
 * (fs/namespace.c clone_mnt()), and mounts propagate between peers whatever user namespace
 * owns their mount namespaces. systemd makes / shared: a clone of /home/U attached in a
 * root-mode alcove was a peer of the host's /home, so a tmpfs ns root mounted under ~ showed
 * on the host (and in every alcove cloned from the same source); a clone of the alcove's /tmp
 * for the lobby followed whatever propagation ns root had set on it. So every clone is made
 * private (its whole tree with AT_RECURSIVE) before anyone gets it.
 */
int mnt_open_tree(int dfd, const char *path, unsigned flags)
{
	struct mount_attr attr = {.propagation = MS_PRIVATE};
	int fd, r;

	fd = RET_NERRNO(syscall(SYS_open_tree, dfd, path, flags | OPEN_TREE_CLOEXEC));
	if (fd < 0 || !(flags & OPEN_TREE_CLONE))
		return fd;
	r = RET_NERRNO(syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (flags & AT_RECURSIVE),
			       &attr, sizeof(attr)));
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int mnt_setattr(int dfd, const char *path, unsigned flags, uint64_t attr_set, uint64_t attr_clr,
		int userns_fd)
{
	struct mount_attr attr = {
	    .attr_set = attr_set,
	    .attr_clr = attr_clr,
	    .propagation = 0,
	    .userns_fd = userns_fd >= 0 ? (uint64_t)userns_fd : 0,
	};

	return RET_NERRNO(syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr)));
}

int mnt_move(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned flags)
{
	return RET_NERRNO(syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags));
}

int mnt_fsopen(const char *fstype)
{
	return RET_NERRNO(syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC));
}

int mnt_fsconfig_string(int fsfd, const char *key, const char *value)
{
	return RET_NERRNO(syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_STRING, key, value, 0));
}

int mnt_fsconfig_flag(int fsfd, const char *key)
{
	return RET_NERRNO(syscall(SYS_fsconfig, fsfd, FSCONFIG_SET_FLAG, key, NULL, 0));
}

int mnt_fsmount(int fsfd, uint64_t attrs)
{
	int r;

	r = RET_NERRNO(syscall(SYS_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	if (r < 0)
		return r;
	return RET_NERRNO(syscall(SYS_fsmount, fsfd, FSMOUNT_CLOEXEC, attrs));
}

int mnt_attach(int mntfd, int target_fd)
{
	return mnt_move(mntfd, "", target_fd, "",
			MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Options are simple here (ours, no commas inside values); split on ',' and '='. */
int mnt_new_fs(const char *fstype, const char *options, uint64_t attrs)
{
	_cleanup_close_ int fsfd = -1;
	char buf[256];
	char *opt, *save = NULL;
	int r;

	fsfd = mnt_fsopen(fstype);
	if (fsfd < 0)
		return fsfd;
	if (options && *options) {
		if (strlen(options) >= sizeof(buf))
			return -E2BIG;
		strcpy(buf, options);
		for (opt = strtok_r(buf, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
			char *eq = strchr(opt, '=');

			if (eq) {
				*eq = '\0';
				r = mnt_fsconfig_string(fsfd, opt, eq + 1);
			} else
				r = mnt_fsconfig_flag(fsfd, opt);
			if (r < 0)
				return r;
		}
	}
	return mnt_fsmount(fsfd, attrs);
}
