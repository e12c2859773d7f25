/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rundir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "enter_client.h"
#include "fdwait.h"
#include "fileio.h"
#include "lock.h"
#include "macro.h"
#include "paths.h"
#include "state.h"

bool rundir_name_of_uid(const char *name, uid_t uid)
{
	char prefix[16];
	size_t n;

	if (!alcove_name_is_valid(name))
		return false;
	n = (size_t)snprintf(prefix, sizeof(prefix), "%u", (unsigned)uid);
	return strncmp(name, prefix, n) == 0 && (name[n] == '\0' || name[n] == '-');
}

int rundir_remove_if_over(int runfd, const char *name)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	AlcoveState st;
	int r;

	r = lock_alcove_nowait(runfd, name, &dirfd, &lockfd);
	if (r == -ENOENT)
		return 2; /* gone already */
	if (r == -EWOULDBLOCK || r == -EAGAIN)
		return 0; /* someone else is at it */
	if (r < 0)
		return r;
	r = statefile_read(dirfd, &st);
	if (r == 0)
		r = statefile_alive(&st, NULL) == 0 ? -ENOENT : 0;
	if (r != -ENOENT)
		return 0; /* alive, corrupt, or cannot tell */
	r = state_remove_dir(runfd, name, dirfd);
	return r < 0 ? r : 1;
}

int rundir_remove_when_ended(int runfd, const char *name, int wait_ms)
{
	_cleanup_close_ int dirfd = -1, pidfd = -1;
	AlcoveState st;
	int r;

	dirfd = paths_openat(runfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0)
		return dirfd;
	/* without the lock: waiting must not keep a login of the user from building anew */
	if (statefile_read(dirfd, &st) == 0 && statefile_alive(&st, &pidfd) > 0) {
		r = fd_wait_readable(pidfd, monotonic_ms() + wait_ms);
		if (r == -ETIMEDOUT)
			return 0; /* still ending: the next open or gc removes it */
		if (r < 0)
			return r;
	}
	return rundir_remove_if_over(runfd, name);
}

int rundir_sweep(int runfd, uid_t uid, const char *except, unsigned *ret_kept)
{
	struct dirent *de;
	int r, removed = 0;
	unsigned kept = 0;
	DIR *d;

	r = opendir_fd(runfd, &d);
	if (r < 0)
		return r;
	/* an entry removed while the directory is read may or may not be returned (POSIX
	 * readdir): one that is gone is just not found by the lock */
	while ((de = readdir(d))) {
		if (!rundir_name_of_uid(de->d_name, uid) || (except && !strcmp(de->d_name, except)))
			continue;
		r = rundir_remove_if_over(runfd, de->d_name);
		if (r == 1)
			removed++;
		else if (r <= 0)
			kept++; /* alive, busy, corrupt, or failed to go: still there */
	}
	closedir(d);
	if (ret_kept)
		*ret_kept = kept;
	return removed;
}
