/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the control protocol decoder (common/proto.h, proto_io.h): alcove-init
 * decodes packets from any process the control socket lets in, so every byte sequence must
 * end in a decoded message or -EBADMSG, never in a crash, a leak or an out-of-bounds read.
 *
 * Oracles beyond the sanitizers:
 *  - a packet that decodes re-encodes to exactly the same bytes (the format has one spelling,
 *    so a decoder that accepts something the encoder would not write is a bug);
 *  - the decoded strings lie inside the packet and the ENTER arrays end in NULL at argc/envc;
 *    the ENTER umask is permission bits, its limit count bounded, each soft <= hard;
 *  - the same bytes sent over a real SOCK_SEQPACKET pair with the fds the type wants decode
 *    to the same result through proto_recv_message(), and no fd stays open afterwards.
 *
 * tests/unit/test_fuzz_corpus.c includes this file to replay tests/fuzz/corpus/proto/ under
 * ASan in `make check-unit` (FUZZ_ONE_INPUT renames the entry point there).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "enter_client.h"
#include "proto.h"
#include "proto_io.h"

#include "fuzz.h"

#ifndef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT LLVMFuzzerTestOneInput
#endif

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size);

static _Alignas(8) unsigned char fuzz_proto_out[PROTO_MAX_MESSAGE];

static int fuzz_str_inside(const char *s, const uint8_t *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;

	return p >= buf && p < buf + len && memchr(p, '\0', (size_t)(buf + len - p)) != NULL;
}

static void fuzz_check_decoded(const ProtoMessage *m, const uint8_t *buf, size_t len)
{
	int n;

	switch (m->type) {
	case PROTO_ENTER:
		fuzz_check(fuzz_str_inside(m->enter.path, buf, len) && m->enter.path[0]);
		fuzz_check(fuzz_str_inside(m->enter.cwd, buf, len));
		fuzz_check(m->enter.argc >= 1 && m->enter.argc <= PROTO_MAX_ARGS);
		fuzz_check(m->enter.envc <= PROTO_MAX_ARGS);
		for (uint32_t i = 0; i < m->enter.argc; i++)
			fuzz_check(fuzz_str_inside(m->enter.argv[i], buf, len));
		fuzz_check(m->enter.argv[m->enter.argc] == NULL);
		for (uint32_t i = 0; i < m->enter.envc; i++)
			fuzz_check(fuzz_str_inside(m->enter.envp[i], buf, len));
		fuzz_check(m->enter.envp[m->enter.envc] == NULL);
		fuzz_check(m->enter.umask <= 0777 && m->enter.n_rlimits <= PROTO_MAX_RLIMITS);
		for (uint32_t i = 0; i < m->enter.n_rlimits; i++)
			fuzz_check(m->enter.rlimits[i].cur <= m->enter.rlimits[i].max);
		break;
	case PROTO_ERROR:
		fuzz_check(m->error.error > 0 && fuzz_str_inside(m->error.message, buf, len));
		break;
	case PROTO_HOLD:
	case PROTO_RELEASE:
		fuzz_check(fuzz_str_inside(m->session, buf, len));
		fuzz_check(proto_session_is_valid(m->session));
		break;
	default:
		break;
	}
	/* One spelling per message: what decodes must re-encode to the same bytes. */
	n = proto_encode(m, fuzz_proto_out, sizeof(fuzz_proto_out));
	fuzz_check(n >= 0 && (size_t)n == len && memcmp(fuzz_proto_out, buf, len) == 0);
}

/* The number of fds a receiver would see with this packet: what its header's type wants. */
static size_t fuzz_fds_for(const uint8_t *data, size_t size)
{
	uint16_t type;

	if (size < PROTO_HEADER_SIZE)
		return 0;
	memcpy(&type, data + 6, 2);
	return proto_type_fds((ProtoType)type);
}

/* The lowest free fd number: an fd leaked by the receive path would take it. */
static int fuzz_lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	fuzz_check(fd >= 0);
	close(fd);
	return fd;
}

/* Sends the bytes over a real SEQPACKET pair with n_fds copies of /dev/null and receives them
 * with proto_recv_message(): the answer must match the pure decoder's, and no fd may stay. */
static void fuzz_over_socket(const uint8_t *data, size_t size, size_t n_fds, int expect)
{
	static ProtoPacket pkt;
	static int sv[2] = {-1, -1}, null_fd = -1;
	int fds[PROTO_MAX_FDS], before, r;
	ProtoMessage m;

	if (size == 0 || size > PROTO_MAX_MESSAGE)
		return; /* a 0-byte packet is EOF; a larger one does not fit the receive buffer */
	if (sv[0] < 0) {
		fuzz_check(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
		null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		fuzz_check(null_fd >= 0);
	}
	for (size_t i = 0; i < PROTO_MAX_FDS; i++)
		fds[i] = null_fd;
	before = fuzz_lowest_free_fd();
	fuzz_check(proto_send(sv[0], data, size, fds, n_fds, MSG_DONTWAIT) == 0);
	r = proto_recv_message(sv[1], &pkt, &m, MSG_DONTWAIT);
	if (expect == 0) {
		fuzz_check(r == 1 && pkt.n_fds == n_fds);
		proto_message_done(&m);
		proto_packet_close_fds(&pkt);
	} else
		fuzz_check(r == expect);
	fuzz_check(fuzz_lowest_free_fd() == before);
}

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size)
{
	size_t want = fuzz_fds_for(data, size);
	char *s;
	int r = 0;

	/* Every fd count: only the one the type wants may decode. */
	for (size_t n_fds = 0; n_fds <= PROTO_MAX_FDS; n_fds++) {
		ProtoMessage m;
		int k = proto_decode(data, size, n_fds, &m);

		fuzz_check(k == 0 || k == -EBADMSG || k == -ENOMEM);
		if (k == 0) {
			fuzz_check(n_fds == want);
			fuzz_check_decoded(&m, data, size);
			proto_message_done(&m);
		}
		if (n_fds == want)
			r = k;
	}
	if (r != -ENOMEM)
		fuzz_over_socket(data, size, want, r);

	/* The string validators, on the input as one C string. */
	s = malloc(size + 1);
	fuzz_check(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)proto_session_is_valid(s);
	(void)alcove_name_is_valid(s);
	free(s);
	return 0;
}
