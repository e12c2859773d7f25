/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "frozen.h"
#include "macro.h"

/* The "frozen" of the cgroup.events at rel beneath the scope's directory (rel "" for the
 * scope's own). rel is ns root's naming: resolved beneath scopefd, never through a symlink,
 * so nothing outside the scope is read whatever it holds. */
static int events_frozen(int scopefd, const char *rel)
{
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX], text[512];
	size_t len;
	int r;

	if (snprintf(path, sizeof(path), "%s%scgroup.events", rel, *rel ? "/" : "") >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open_beneath(scopefd, path, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	r = read_fd_whole(fd, text, sizeof(text), &len);
	if (r < 0)
		return r;
	return cgroup_events_frozen(text, len);
}

/* init's cgroup v2 path, read while its pidfd says it lives: the pid is still init's. */
static int init_cgroup(pid_t pid, int pidfd, char *ret, size_t size)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	char proc[64], text[PATH_MAX + 64];
	size_t len;
	int r;

	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", (int)pid);
	r = read_file_at(AT_FDCWD, proc, 0, text, sizeof(text), &len);
	if (r < 0)
		return r;
	if (poll(&p, 1, 0) != 0) /* exited (or poll failed): the text may be another's */
		return -ESRCH;
	return cgroup_v2_path(text, len, ret, size);
}

bool init_freezable(const AlcoveState *st)
{
	return st->cgroup[0] && strcmp(st->mode, "root") == 0;
}

int init_frozen(const AlcoveState *st, int pidfd)
{
	_cleanup_close_ int scopefd = -1;
	char path[PATH_MAX];
	const char *rel;
	int r;

	if (!init_freezable(st))
		return 0;
	r = init_cgroup(st->pid, pidfd, path, sizeof(path));
	if (r < 0)
		return r;
	rel = cgroup_below(st->cgroup, path);
	if (!rel) /* ns root cannot write the scope's parent: not a place init can be */
		return -EXDEV;
	scopefd = open(st->cgroup, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (scopefd < 0)
		return negative_errno();
	/* the scope's cgroup.freeze is root's: frozen there is systemctl freeze, the admin's */
	r = events_frozen(scopefd, "");
	if (r != 0 || !*rel)
		return r < 0 ? r : 0;
	return events_frozen(scopefd, rel);
}
