/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whole-file reads of small files (state files, /proc/pid/stat, /etc/subuid), and directory
 * listings of an fd. Pure libc, no logging: alcove-init links common/ statically without log.c.
 */

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Opens name below dirfd (AT_FDCWD: relative to the cwd, or an absolute path) with
 * O_RDONLY|O_CLOEXEC|O_NOFOLLOW|open_flags and reads it whole into buf, retrying EINTR.
 * -EFBIG when the file fills buf: the caller's bound, so a NUL can always follow the data when
 * it passes size - 1. *ret_len is set only on success.
 */
int read_file_at(int dirfd, const char *name, int open_flags, char *buf, size_t size,
		 size_t *ret_len);

/* The same read, of an fd the caller opened: to its end, -EFBIG when it fills buf. */
int read_fd_whole(int fd, char *buf, size_t size, size_t *ret_len);

/* All of buf to fd, retrying EINTR and short writes; -errno (EPIPE, ENOSPC, EAGAIN on a
 * non-blocking fd). */
int write_all(int fd, const void *buf, size_t len);

/* path opened O_RDONLY|O_CLOEXEC|O_NOCTTY|O_NONBLOCK following symlinks (a FIFO must not hang
 * the caller, a tty must not become its terminal), for a file that must be a regular one:
 * the fd and its stat, or -EISDIR (a directory), -EBADFD (anything else but a regular file),
 * -errno of open/fstat. For files whose owner decides where they point (sshd's and the
 * policy's, root's; a user's keys, read as the user). */
int open_regular(const char *path, struct stat *ret_st);
/* The same for name beneath dirfd as open_beneath() resolves it (no symlink, no magic link,
 * nothing outside dirfd): for files a user may have put there, read by root. */
int open_regular_beneath(int dirfd, const char *name, struct stat *ret_st);

/*
 * A DIR* over a new fd of the directory dirfd refers to, so that the caller's fd keeps its own
 * offset and lifetime (closedir() closes only the new one). -errno; *ret set only on success.
 */
int opendir_fd(int dirfd, DIR **ret);

/* openat2() of path beneath dirfd, never through a symlink or a /proc magic link, with
 * O_CLOEXEC added: how root opens what a user may have influenced. -errno. */
int open_beneath(int dirfd, const char *path, int flags, mode_t mode);

/* fds 0, 1, 2 made open (/dev/null where closed), first thing in main(): a program started with
 * one closed would get it as its first socket or signalfd, and hand that on as a session's or
 * the helper's stdio, or write its log lines into it. -errno. */
int std_fds_open(void);
