/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"

int read_fd_whole(int fd, char *buf, size_t size, size_t *ret_len)
{
	size_t off = 0;

	for (;;) {
		ssize_t n = read(fd, buf + off, size - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off == size)
			return -EFBIG;
	}
	*ret_len = off;
	return 0;
}

/* fd (taken: closed on failure) when it is a regular file, with its stat. */
static int regular_fd(int fd, struct stat *ret_st)
{
	_cleanup_close_ int owned = fd;

	if (owned < 0)
		return owned;
	if (fstat(owned, ret_st) < 0)
		return negative_errno();
	if (S_ISDIR(ret_st->st_mode))
		return -EISDIR;
	if (!S_ISREG(ret_st->st_mode))
		return -EBADFD;
	return TAKE_FD(owned);
}

int open_regular(const char *path, struct stat *ret_st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return regular_fd(fd < 0 ? negative_errno() : fd, ret_st);
}

int open_regular_beneath(int dirfd, const char *name, struct stat *ret_st)
{
	return regular_fd(open_beneath(dirfd, name, O_RDONLY | O_NOCTTY | O_NONBLOCK, 0), ret_st);
}

int read_file_at(int dirfd, const char *name, int open_flags, char *buf, size_t size,
		 size_t *ret_len)
{
	_cleanup_close_ int fd = -1;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | open_flags);
	if (fd < 0)
		return negative_errno();
	return read_fd_whole(fd, buf, size, ret_len);
}

int opendir_fd(int dirfd, DIR **ret)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		int r = negative_errno();

		(void)close(fd);
		return r;
	}
	*ret = d;
	return 0;
}

int open_beneath(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
	    .flags = (uint64_t)(flags | O_CLOEXEC),
	    .mode = (flags & O_CREAT) ? mode : 0,
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return RET_NERRNO(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		n = open("/dev/null", O_RDWR); /* the lowest free number: fd itself */
		if (n < 0)
			return negative_errno();
		if (n != fd) {
			(void)close(n);
			return -EBADF;
		}
	}
	return 0;
}
