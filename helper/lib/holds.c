/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "holds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "holdfile.h"
#include "log.h"
#include "macro.h"
#include "dirs.h"
#include "paths.h"
#include "statefile.h"

int holds_record(int dirfd, const char *user, const char *session, pid_t pid, int pidfd)
{
	_cleanup_close_ int fd = -1;
	char file[HOLDFILE_NAME_MAX], buf[HOLDFILE_MAX];
	HoldRecord h = {.pid = pid};
	int n, r;

	r = holdfile_name(session, file, sizeof(file));
	if (r < 0)
		return r;
	snprintf(h.user, sizeof(h.user), "%s", user);
	r = proc_starttime(pid, &h.starttime);
	if (r == -ENOENT)
		return -ESRCH; /* no /proc/PID: the caller is gone, and the log says so */
	if (r < 0)
		return r;
	/* The read above was of the process the pidfd holds only if that one still lives now: a
	 * pid is given to another process only once its process has been reaped. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return negative_errno();
	n = holdfile_format(&h, buf, sizeof(buf));
	if (n < 0)
		return n;
	fd = paths_openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	/* no rename: a record torn by a helper killed mid-write does not parse (holdfile.h) */
	r = write_all(fd, buf, (size_t)n);
	if (r < 0)
		(void)unlinkat(dirfd, file, 0);
	return r;
}

int holds_forget(int dirfd, const char *session)
{
	char file[HOLDFILE_NAME_MAX];
	int r = holdfile_name(session, file, sizeof(file));

	if (r < 0)
		return r;
	if (unlinkat(dirfd, file, 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

/* The record `file`, opened as root opens what it wrote: no symlink, no FIFO to wait on, a
 * regular file of root's. */
static int hold_read(int dirfd, const char *file, HoldRecord *ret)
{
	_cleanup_close_ int fd = -1;
	char buf[HOLDFILE_MAX + 1];
	struct stat st;
	size_t len;
	int r;

	fd = open_regular_beneath(dirfd, file, &st);
	if (fd == -EISDIR || fd == -EBADFD)
		return -EPERM;
	if (fd < 0)
		return fd;
	if (st.st_uid != 0 || (st.st_mode & 0022))
		return -EPERM;
	r = read_fd_whole(fd, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	return holdfile_parse(buf, len, ret);
}

/* 1 when the recorded process was sent SIGTERM, 0 when it is gone or not the one recorded,
 * -errno when that cannot be told (then nothing is sent). */
static int hold_end_one(int dirfd, const char *name, const char *file)
{
	_cleanup_close_ int pidfd = -1;
	HoldRecord h;
	uint64_t start = 0;
	int r;

	r = hold_read(dirfd, file, &h);
	if (r < 0)
		return r;
	/* the pidfd first, the start time then: if the recorded process ends and its pid is
	 * reused in between, the start time read is the new process's, which differs */
	pidfd = (int)syscall(SYS_pidfd_open, h.pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : negative_errno();
	r = proc_starttime(h.pid, &start);
	switch (holdfile_verdict(&h, r, start)) {
	case HOLD_GONE:
		return 0;
	case HOLD_OTHER:
		log_debug("Not ending pid %d of %s's record %s/%s/%s: another process now",
			  (int)h.pid, h.user, ALCOVE_RUN_DIR, name, file);
		return 0;
	case HOLD_UNKNOWN:
		return r;
	case HOLD_END:
		break;
	}
	/* an exited process not reaped yet still has its /proc entry; its pidfd reads ready */
	if (poll(&(struct pollfd){.fd = pidfd, .events = POLLIN}, 1, 0) != 0)
		return 0;
	/* sshd's monitor passes SIGTERM to its session process, then runs PAM's close and exits */
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) < 0)
		return errno == ESRCH ? 0 : negative_errno();
	log_system(LOG_NOTICE, &(LogFields){.user = h.user, .stage = "end"},
		   "Ended the login (pid %d) of %s held on the ended alcove %s", (int)h.pid, h.user,
		   name);
	return 1;
}

int holds_end(int dirfd, const char *name)
{
	struct dirent *de;
	int r, ended = 0, err = 0;
	DIR *d;

	r = opendir_fd(dirfd, &d);
	if (r < 0)
		return r;
	while ((errno = 0, de = readdir(d))) {
		if (!holdfile_is_name(de->d_name))
			continue;
		r = hold_end_one(dirfd, name, de->d_name);
		if (r > 0)
			ended++;
		else if (r < 0 && r != -ENOENT)
			log_warning_errno(r,
					  "Failed to end the login recorded in %s/%s/%s of the "
					  "ended alcove: %m (the record goes, its process is left)",
					  ALCOVE_RUN_DIR, name, de->d_name);
		if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT && !err)
			err = negative_errno();
	}
	if (!err && errno != 0)
		err = negative_errno(); /* readdir failed */
	closedir(d);
	return err < 0 ? err : ended;
}
