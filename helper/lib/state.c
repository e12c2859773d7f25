/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "dirs.h"
#include "fileio.h"
#include "holds.h"
#include "macro.h"
#include "paths.h"

int state_write(int dirfd, const AlcoveState *s)
{
	_cleanup_close_ int fd = -1;
	char buf[STATEFILE_MAX];
	int n, r;

	n = statefile_format(s, buf, sizeof(buf));
	if (n < 0)
		return n;
	if (unlinkat(dirfd, ALCOVE_RUN_STATE_TMP, 0) < 0 && errno != ENOENT)
		return negative_errno();
	fd = paths_openat(dirfd, ALCOVE_RUN_STATE_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	/* no fsync: the file describes running processes, which a power loss ends too (and /run
	 * is a tmpfs); rename() alone makes it atomic against a helper killed mid-write */
	r = write_all(fd, buf, (size_t)n);
	if (r < 0)
		return r;
	if (renameat(dirfd, ALCOVE_RUN_STATE_TMP, dirfd, ALCOVE_RUN_STATE) < 0)
		return negative_errno();
	return 0;
}

static int unlink_if_present(int dirfd, const char *name)
{
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

int state_remove_leftovers(int dirfd, const char *name)
{
	int r;

	/* first, while the records are there: an alcove whose state goes has ended, and a login
	 * still held on it keeps its /tmp in that login's lobby (holds.h) */
	r = holds_end(dirfd, name);
	if (r < 0)
		return r;
	r = unlink_if_present(dirfd, ALCOVE_RUN_STATE);
	if (r < 0)
		return r;
	r = unlink_if_present(dirfd, ALCOVE_RUN_STATE_TMP);
	if (r < 0)
		return r;
	r = unlink_if_present(dirfd, ALCOVE_RUN_LAYERS); /* build/image.c */
	if (r < 0)
		return r;
	r = unlink_if_present(dirfd, ALCOVE_RUN_ADMIN);
	if (r < 0)
		return r;
	return unlink_if_present(dirfd, ALCOVE_RUN_CONTROL);
}

int state_remove_dir(int runfd, const char *name, int dirfd)
{
	int r;

	r = state_remove_leftovers(dirfd, name);
	if (r < 0)
		return r;
	r = unlink_if_present(dirfd, ALCOVE_RUN_LOCK);
	if (r < 0)
		return r;
	/* ENOTEMPTY: a racing helper created its lock file already; it keeps the directory */
	if (unlinkat(runfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && errno != ENOTEMPTY)
		return negative_errno();
	return 0;
}
