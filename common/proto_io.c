/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto_io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macro.h"

/* Room for one SCM_RIGHTS cmsg with PROTO_MAX_FDS fds. A sender that passes more makes the
 * kernel set MSG_CTRUNC (it closes the fds that did not fit). */
#define PROTO_CMSG_SPACE CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)

int proto_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds, int flags)
{
	union {
		char buf[PROTO_CMSG_SPACE];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (n_fds > PROTO_MAX_FDS)
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
	if ((size_t)n != len) /* SEQPACKET sends all or nothing; be sure */
		return -EIO;
	return 0;
}

static void close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			(void)close(fds[i]);
			fds[i] = -1;
		}
}

void proto_packet_close_fds(ProtoPacket *pkt)
{
	close_fds(pkt->fds, pkt->n_fds);
	pkt->n_fds = 0;
}

/* Takes every fd out of every SCM_RIGHTS cmsg. CMSG_SPACE rounds up, so the kernel may
 * deliver one fd more than PROTO_MAX_FDS without MSG_CTRUNC: extra fds are closed and the
 * packet counts as truncated (-EMSGSIZE). A cmsg other than SCM_RIGHTS is -EBADMSG. */
static int collect_fds(struct msghdr *msg, ProtoPacket *pkt)
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
			if (pkt->n_fds < PROTO_MAX_FDS)
				pkt->fds[pkt->n_fds++] = fd;
			else {
				(void)close(fd);
				r = -EMSGSIZE;
			}
		}
	}
	return r;
}

int proto_recv(int sock, ProtoPacket *pkt, int flags)
{
	union {
		char buf[PROTO_CMSG_SPACE];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = pkt->buf, .iov_len = sizeof(pkt->buf)};
	struct msghdr msg = {
	    .msg_iov = &iov,
	    .msg_iovlen = 1,
	    .msg_control = control.buf,
	    .msg_controllen = sizeof(control.buf),
	};
	ssize_t n;
	int r;

	pkt->len = 0;
	pkt->n_fds = 0;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	r = collect_fds(&msg, pkt);
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		r = -EMSGSIZE;
	if (r < 0) {
		proto_packet_close_fds(pkt);
		return r;
	}
	/* SEQPACKET: 0 bytes is the peer's orderly shutdown (a valid packet is never empty). */
	if (n == 0) {
		proto_packet_close_fds(pkt);
		return 0;
	}
	pkt->len = (size_t)n;
	return 1;
}

int proto_send_message(int sock, const ProtoMessage *m, const int *fds, size_t n_fds, int flags)
{
	_Alignas(8) unsigned char small[PROTO_HEADER_SIZE + 1024];
	_cleanup_free_ unsigned char *big = NULL;
	unsigned char *buf = small;
	size_t size = sizeof(small);
	int len;

	/* Only ENTER and ERROR can outgrow the stack buffer. */
	if (m->type == PROTO_ENTER || m->type == PROTO_ERROR) {
		big = malloc(PROTO_MAX_MESSAGE);
		if (!big)
			return -ENOMEM;
		buf = big;
		size = PROTO_MAX_MESSAGE;
	}
	len = proto_encode(m, buf, size);
	if (len < 0)
		return len;
	return proto_send(sock, buf, (size_t)len, fds, n_fds, flags);
}

int proto_recv_message(int sock, ProtoPacket *pkt, ProtoMessage *ret, int flags)
{
	int r;

	r = proto_recv(sock, pkt, flags);
	if (r <= 0)
		return r;
	r = proto_decode(pkt->buf, pkt->len, pkt->n_fds, ret);
	if (r < 0) {
		proto_packet_close_fds(pkt);
		return r;
	}
	return 1;
}
