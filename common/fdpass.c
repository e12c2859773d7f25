/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fdpass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"

typedef union {
	char buf[CMSG_SPACE(sizeof(int) * FDPASS_MAX_FDS)];
	struct cmsghdr align;
} FdControl;

int fdpass_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds, int flags)
{
	FdControl control;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (n_fds > FDPASS_MAX_FDS)
		return -EINVAL;
	if (n_fds > 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

void fdpass_close(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			(void)close(fds[i]);
			fds[i] = -1;
		}
}

/* Takes every fd out of every SCM_RIGHTS cmsg into fds[0..max); the rest is closed. */
static int collect_fds(struct msghdr *msg, int *fds, size_t max, size_t *n_fds)
{
	int r = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			r = -EBADMSG;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*n_fds < max)
				fds[(*n_fds)++] = fd;
			else {
				(void)close(fd);
				r = -EMSGSIZE;
			}
		}
	}
	return r;
}

ssize_t fdpass_recv(int sock, void *buf, size_t size, int *fds, size_t max_fds,
		    size_t *ret_n_fds, int flags)
{
	FdControl control;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;
	int r;

	*ret_n_fds = 0;
	if (max_fds > FDPASS_MAX_FDS)
		return -EINVAL;
	if (max_fds > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds);
	}
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	r = collect_fds(&msg, fds, max_fds, ret_n_fds);
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		r = -EMSGSIZE;
	if (r < 0 || n == 0) {
		fdpass_close(fds, *ret_n_fds);
		*ret_n_fds = 0;
		return r < 0 ? r : 0;
	}
	return n;
}
