/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pamd_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

int pamd_read(int dfd, const char *name, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct stat st;
	size_t len;
	int r;

	*ret = NULL;
	/* O_NONBLOCK: a FIFO planted here must not hang user@.service's start. */
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return -EPERM;
	buf = malloc(PAMD_FILE_MAX);
	if (!buf)
		return -ENOMEM;
	r = read_fd_whole(fd, buf, PAMD_FILE_MAX - 1, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}
