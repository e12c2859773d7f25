/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proto_io.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "macro.h"

int proto_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds, int flags)
{
	if (n_fds > PROTO_MAX_FDS)
		return -EINVAL;
	return fdpass_send(sock, buf, len, fds, n_fds, flags);
}

void proto_packet_close_fds(ProtoPacket *pkt)
{
	fdpass_close(pkt->fds, pkt->n_fds);
	pkt->n_fds = 0;
}

int proto_recv(int sock, ProtoPacket *pkt, int flags)
{
	ssize_t n;

	pkt->len = 0;
	/* SEQPACKET: 0 bytes is the peer's orderly shutdown (a valid packet is never empty). */
	n = fdpass_recv(sock, pkt->buf, sizeof(pkt->buf), pkt->fds, PROTO_MAX_FDS, &pkt->n_fds,
			flags);
	if (n <= 0)
		return (int)n;
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
