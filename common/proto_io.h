/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Sending and receiving one control-protocol packet (proto.h) on a SOCK_SEQPACKET
 * socket, with fds by SCM_RIGHTS through fdpass.h, whose rules apply: received fds are
 * always O_CLOEXEC; a truncated packet or truncated control data is rejected with every
 * fd that did arrive closed, so a hostile peer cannot make us leak or keep descriptors.
 * libc only: alcove-init links this statically.
 */

#include <stddef.h>

#include "proto.h"

/* One received packet: the bytes and the fds that came with it. Large (128 KiB): keep it
 * static or on the heap in long-running code. */
typedef struct ProtoPacket {
	_Alignas(8) unsigned char buf[PROTO_MAX_MESSAGE];
	size_t len;
	int fds[PROTO_MAX_FDS];
	size_t n_fds;
} ProtoPacket;

/* Sends buf[0..len) as one packet with n_fds (<= PROTO_MAX_FDS) fds. MSG_NOSIGNAL: a gone
 * peer is -EPIPE, never SIGPIPE. flags are extra send flags (MSG_DONTWAIT). */
int proto_send(int sock, const void *buf, size_t len, const int *fds, size_t n_fds, int flags);

/* Receives one packet into pkt. Returns 1 with a packet, 0 at EOF (the peer closed),
 * -EMSGSIZE when the packet or its control data was truncated (too large, too many fds),
 * -EBADMSG for control data other than SCM_RIGHTS, -errno of recvmsg (-EAGAIN with
 * MSG_DONTWAIT). On any return but 1, pkt holds no fd. */
int proto_recv(int sock, ProtoPacket *pkt, int flags);

/* Closes the fds pkt holds (those not taken out by setting them to -1). */
void proto_packet_close_fds(ProtoPacket *pkt);

/* Encodes m and sends it with fds. */
int proto_send_message(int sock, const ProtoMessage *m, const int *fds, size_t n_fds, int flags);

/* proto_recv() + proto_decode(): 1 with *ret decoded (pointing into pkt; fds in pkt->fds,
 * owned by the caller), 0 at EOF, < 0 on error; a packet that does not decode is
 * -EBADMSG with its fds closed. Call proto_message_done(ret) when done. */
int proto_recv_message(int sock, ProtoPacket *pkt, ProtoMessage *ret, int flags);
