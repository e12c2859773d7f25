/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dirs.h"
#include "fdwait.h"
#include "macro.h"
#include "paths.h"

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* 1: locked and still linked; 0: lost a race with a remover, try again. how: flock's. */
static int lock_once(int runfd, const char *name, bool create, int how, int *ret_dirfd,
		     int *ret_lockfd)
{
	static const DirSpec dir_spec = {.uid = 0, .gid = 0, .mode = 0711, .check = MODE_EXACT};
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	struct stat a, b;
	int r;

	if (create) {
		r = paths_ensure_dir(runfd, name, &dir_spec, &dirfd);
		/* made (by us or another open), then removed before we held its lock: a sweep
		 * (rundir.c) found it without a lock or a state, as a leftover */
		if (r == -ENOENT)
			return 0;
	} else {
		dirfd = paths_openat(runfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		r = dirfd < 0 ? dirfd : 0;
		if (r == 0 &&
		    (fstat(dirfd, &a) < 0 || a.st_uid != 0 || (a.st_mode & 07777) != 0711))
			r = -EPERM;
	}
	if (r < 0)
		return r;
	lockfd = paths_openat(dirfd, ALCOVE_RUN_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (lockfd == -ENOENT)
		return 0; /* directory removed under us */
	if (lockfd < 0)
		return lockfd;
	if (flock(lockfd, how) < 0)
		return negative_errno();
	if (fstat(lockfd, &a) < 0)
		return negative_errno();
	if (fstatat(dirfd, ALCOVE_RUN_LOCK, &b, AT_SYMLINK_NOFOLLOW) < 0 || !same_inode(&a, &b))
		return 0;
	if (fstat(dirfd, &a) < 0)
		return negative_errno();
	if (fstatat(runfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0 || !same_inode(&a, &b))
		return 0;
	*ret_dirfd = TAKE_FD(dirfd);
	*ret_lockfd = TAKE_FD(lockfd);
	return 1;
}

static int lock_retrying(int runfd, const char *name, bool create, int how, int *ret_dirfd,
			 int *ret_lockfd)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		int r = lock_once(runfd, name, create, how, ret_dirfd, ret_lockfd);

		if (r != 0)
			return r < 0 ? r : 0;
	}
	return -EAGAIN;
}

int lock_alcove(int runfd, const char *name, bool create, int *ret_dirfd, int *ret_lockfd)
{
	return lock_retrying(runfd, name, create, LOCK_EX, ret_dirfd, ret_lockfd);
}

/* Sleeps before the next try of a lock, *pause_ms doubling up to 50 ms; -ETIMEDOUT once
 * deadline_ms has passed. */
static int lock_pause(long long deadline_ms, long long *pause_ms)
{
	long long left = deadline_ms - monotonic_ms();
	struct timespec ts;

	if (left <= 0)
		return -ETIMEDOUT;
	if (*pause_ms > left)
		*pause_ms = left;
	ts = (struct timespec){.tv_sec = *pause_ms / 1000, .tv_nsec = *pause_ms % 1000 * 1000000};
	(void)nanosleep(&ts, NULL);
	*pause_ms = *pause_ms * 2 > 50 ? 50 : *pause_ms * 2;
	return 0;
}

int lock_alcove_until(int runfd, const char *name, bool create, long long deadline_ms,
		      int *ret_dirfd, int *ret_lockfd)
{
	long long pause_ms = 1;
	int r;

	/* flock() has no timeout and the helper's signals are its own (no alarm()): polled, so
	 * an uncontended lock costs one call. */
	for (;;) {
		r = lock_retrying(runfd, name, create, LOCK_EX | LOCK_NB, ret_dirfd, ret_lockfd);
		if (r != -EWOULDBLOCK)
			return r;
		r = lock_pause(deadline_ms, &pause_ms);
		if (r < 0)
			return r;
	}
}

int lock_fd_until(int fd, int how, long long deadline_ms)
{
	long long pause_ms = 1;
	int r;

	while (flock(fd, how | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return negative_errno();
		r = lock_pause(deadline_ms, &pause_ms);
		if (r < 0)
			return r;
	}
	return 0;
}

int lock_sessions_until(int runfd, long long deadline_ms, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	/* "." first: not an alcove's name, so gc, list and the sweeps pass it by */
	fd = paths_openat(runfd, ".sessions.lock", O_RDWR | O_CREAT | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600)
		return -EPERM;
	r = lock_fd_until(fd, LOCK_EX, deadline_ms);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lock_alcove_nowait(int runfd, const char *name, int *ret_dirfd, int *ret_lockfd)
{
	return lock_retrying(runfd, name, false, LOCK_EX | LOCK_NB, ret_dirfd, ret_lockfd);
}

int lock_layer(int userfd, bool create, bool shared, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* O_NONBLOCK|O_NOCTTY: whatever sits there, the open itself must not wait or act */
	fd = paths_openat(userfd, ALCOVE_LIB_LOCK,
			  O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | (create ? O_CREAT : 0),
			  0600);
	if (fd < 0)
		return fd == -ELOOP ? -EPERM : fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 07777) != 0600 ||
	    st.st_nlink != 1)
		return -EPERM;
	if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}
