/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clone of the alcove's first process into its new namespaces, and the id maps the root
 * helper writes for it. The user namespace is created by the root helper, so it is owned by
 * host root and U cannot setns into it (DESIGN §2).
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

/*
 * clone3 without a stack behaves like fork: the child continues here with a copy of our
 * memory and fd table. CLONE_NEWPID makes it PID 1 of the new PID namespace: it later execs
 * alcove-init itself, so the alcove's PID 1 never forks before the scope has it (DESIGN §6).
 */
int userns_clone(bool network_none, int *ret_pidfd, pid_t *ret_pid)
{
	int pidfd = -1;
	struct clone_args args = {
	    .flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS |
		     CLONE_PIDFD | (network_none ? CLONE_NEWNET : 0),
	    .pidfd = (uint64_t)(uintptr_t)&pidfd,
	    .exit_signal = SIGCHLD,
	};
	long pid;

	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		*ret_pid = 0;
		return 0;
	}
	/* the pidfd of clone3 is close-on-exec already */
	*ret_pidfd = pidfd;
	*ret_pid = (pid_t)pid;
	return 0;
}

static int write_map(pid_t pid, const char *file, const char *text)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	size_t len = strlen(text);
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	/* the kernel takes a map once and in one write(): no partial retry is possible */
	n = write(fd, text, len);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int userns_write_maps(pid_t pid, const char *uid_map, const char *gid_map)
{
	int r;

	/* setgroups stays "allow": root writes the maps, and init sets supplementary groups */
	r = write_map(pid, "uid_map", uid_map);
	if (r < 0)
		return r;
	return write_map(pid, "gid_map", gid_map);
}
