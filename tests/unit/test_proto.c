/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control protocol: encode/decode round trips and every way a packet can be wrong;
 * proto_io over a real socketpair (fds, CLOEXEC, truncation, fd leaks). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "control_client.h"
#include "fdpass.h"
#include "macro.h"
#include "proto.h"
#include "proto_io.h"

static unsigned char buf[PROTO_MAX_MESSAGE + 64];

static const char *const test_argv[] = {"-bash", "-c", "echo hi; exit 7", NULL};
static const char *const test_envp[] = {"HOME=/home/a", "TERM=xterm", "", "X==y", NULL};

/* Payload offsets of the ENTER fields before the strings. */
#define ENTER_UMASK (PROTO_HEADER_SIZE + 12)
#define ENTER_NRLIMITS (PROTO_HEADER_SIZE + 16)
#define ENTER_RLIMIT(i) (PROTO_HEADER_SIZE + 20 + 16 * (i))
#define TEST_NRLIMITS 16

static ProtoMessage enter_message(void)
{
	ProtoMessage m = {
	    .type = PROTO_ENTER,
	    .enter = {.path = "/bin/bash",
		      .cwd = "/home/a",
		      .argc = 3,
		      .envc = 4,
		      .argv = test_argv,
		      .envp = test_envp,
		      .umask = 027,
		      .n_rlimits = TEST_NRLIMITS},
	};

	/* distinct values per resource and half, unlimited (all ones) for a few */
	for (uint32_t i = 0; i < TEST_NRLIMITS; i++)
		m.enter.rlimits[i] = i % 5 == 4 ? (ProtoRlimit){UINT64_MAX, UINT64_MAX}
						: (ProtoRlimit){100 + i, (uint64_t)1 << (32 + i)};
	return m;
}

static int encode_enter_default(void)
{
	ProtoMessage m = enter_message();
	return proto_encode(&m, buf, sizeof(buf));
}

static void put32(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, 4);
}

static void test_enter_roundtrip(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	assert_true(len > PROTO_HEADER_SIZE);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_int_equal(d.type, PROTO_ENTER);
	assert_string_equal(d.enter.path, "/bin/bash");
	assert_string_equal(d.enter.cwd, "/home/a");
	assert_int_equal(d.enter.argc, 3);
	assert_int_equal(d.enter.envc, 4);
	for (int i = 0; i < 3; i++)
		assert_string_equal(d.enter.argv[i], test_argv[i]);
	assert_null(d.enter.argv[3]);
	for (int i = 0; i < 4; i++)
		assert_string_equal(d.enter.envp[i], test_envp[i]);
	assert_null(d.enter.envp[4]);
	assert_int_equal(d.enter.umask, 027);
	assert_int_equal(d.enter.n_rlimits, TEST_NRLIMITS);
	for (uint32_t i = 0; i < TEST_NRLIMITS; i++) {
		ProtoMessage m = enter_message();

		assert_true(d.enter.rlimits[i].cur == m.enter.rlimits[i].cur);
		assert_true(d.enter.rlimits[i].max == m.enter.rlimits[i].max);
	}
	proto_message_done(&d);
}

/* The type init reads from a peeked control packet's header, to know whether fds belong. */
static void test_header_type(void **state)
{
	int len = encode_enter_default();

	assert_int_equal(proto_header_type(buf, (size_t)len), PROTO_ENTER);
	assert_int_equal(proto_header_type(buf, PROTO_HEADER_SIZE - 1), 0);
	buf[6] = 0xff; /* an unknown type */
	assert_int_equal(proto_header_type(buf, (size_t)len), 0);
}

static void test_enter_empty_env_and_cwd(void **state)
{
	ProtoMessage m = enter_message(), d;
	int len;

	m.enter.envc = 0;
	m.enter.envp = NULL;
	m.enter.cwd = "";
	len = proto_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_string_equal(d.enter.cwd, "");
	assert_int_equal(d.enter.envc, 0);
	assert_null(d.enter.envp[0]);
	proto_message_done(&d);
}

static void test_enter_limits_edges(void **state)
{
	ProtoMessage m = enter_message(), d;
	int len;

	/* no limits at all, and the most the protocol carries */
	m.enter.n_rlimits = 0;
	m.enter.umask = 0;
	len = proto_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_int_equal(d.enter.n_rlimits, 0);
	assert_int_equal(d.enter.umask, 0);
	assert_string_equal(d.enter.path, "/bin/bash");
	proto_message_done(&d);
	m.enter.n_rlimits = PROTO_MAX_RLIMITS;
	m.enter.umask = 0777;
	for (uint32_t i = 0; i < PROTO_MAX_RLIMITS; i++)
		m.enter.rlimits[i] = (ProtoRlimit){i, i};
	len = proto_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_int_equal(d.enter.n_rlimits, PROTO_MAX_RLIMITS);
	assert_int_equal(d.enter.umask, 0777);
	assert_true(d.enter.rlimits[PROTO_MAX_RLIMITS - 1].max == PROTO_MAX_RLIMITS - 1);
	proto_message_done(&d);

	/* what getrlimit()/umask() cannot give is not encoded */
	m = enter_message();
	m.enter.umask = 01000;
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = enter_message();
	m.enter.n_rlimits = PROTO_MAX_RLIMITS + 1;
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = enter_message();
	m.enter.rlimits[3] = (ProtoRlimit){.cur = 2, .max = 1};
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
}

static void put64(size_t off, uint64_t v)
{
	memcpy(buf + off, &v, 8);
}

static void test_enter_limit_counts_that_lie(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();
	const uint32_t lies[] = {TEST_NRLIMITS + 1,	/* the path's bytes read as a limit */
				 TEST_NRLIMITS - 1,	/* the last limit read as strings */
				 0,			/* every limit read as strings */
				 PROTO_MAX_RLIMITS + 1, /* over the bound */
				 0xffffffffu};

	for (size_t i = 0; i < ELEMENTSOF(lies); i++) {
		put32(ENTER_NRLIMITS, lies[i]);
		assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	}
	put32(ENTER_NRLIMITS, TEST_NRLIMITS);

	/* a umask with more than permission bits */
	put32(ENTER_UMASK, 01000);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(ENTER_UMASK, 0xffffffffu);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(ENTER_UMASK, 0777);

	/* a soft limit above its hard one */
	put64(ENTER_RLIMIT(7), 1ull << 40);
	put64(ENTER_RLIMIT(7) + 8, (1ull << 40) - 1);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put64(ENTER_RLIMIT(7) + 8, 1ull << 40);

	/* the same bytes with honest values decode */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_int_equal(d.enter.umask, 0777);
	assert_true(d.enter.rlimits[7].cur == 1ull << 40 && d.enter.rlimits[7].max == 1ull << 40);
	assert_string_equal(d.enter.path, "/bin/bash");
	proto_message_done(&d);
}

static void roundtrip(const ProtoMessage *m, size_t n_fds, ProtoMessage *ret)
{
	int len = proto_encode(m, buf, sizeof(buf));

	assert_true(len >= PROTO_HEADER_SIZE);
	assert_int_equal(proto_decode(buf, (size_t)len, n_fds, ret), 0);
	assert_int_equal(ret->type, m->type);
}

static void test_small_roundtrips(void **state)
{
	ProtoMessage d;

	roundtrip(&(ProtoMessage){.type = PROTO_STARTED, .pid = 42}, 0, &d);
	assert_int_equal(d.pid, 42);
	roundtrip(&(ProtoMessage){.type = PROTO_EXITED, .wait_status = 0x8b}, 0, &d);
	assert_int_equal(d.wait_status, 0x8b);
	roundtrip(&(ProtoMessage){.type = PROTO_SIGNAL, .signo = SIGINT}, 0, &d);
	assert_int_equal(d.signo, SIGINT);
	roundtrip(&(ProtoMessage){.type = PROTO_ERROR, .error = {ENOENT, "exec '/x'"}}, 0, &d);
	assert_int_equal(d.error.error, ENOENT);
	assert_string_equal(d.error.message, "exec '/x'");
	roundtrip(&(ProtoMessage){.type = PROTO_HOLD, .session = "1000-abc:7"}, 1, &d);
	assert_string_equal(d.session, "1000-abc:7");
	roundtrip(&(ProtoMessage){.type = PROTO_RELEASE, .session = "s1"}, 0, &d);
	assert_string_equal(d.session, "s1");
	roundtrip(&(ProtoMessage){.type = PROTO_STOP}, 0, &d);
	roundtrip(&(ProtoMessage){.type = PROTO_STATUS}, 0, &d);
	roundtrip(&(ProtoMessage){.type = PROTO_OK}, 0, &d);
	roundtrip(
	    &(ProtoMessage){.type = PROTO_STATUS_REPLY, .status = {3, 2, 17, 0x123456789abcdefULL}},
	    0, &d);
	assert_int_equal(d.status.sessions, 3);
	assert_int_equal(d.status.holds, 2);
	assert_int_equal(d.status.processes, 17);
	assert_true(d.status.start_usec == 0x123456789abcdefULL);
	assert_int_equal(d.status.flags, 0);
	roundtrip(&(ProtoMessage){.type = PROTO_STATUS_REPLY,
				  .status = {.processes = 1, .flags = PROTO_STATUS_STOPPING}},
		  0, &d);
	assert_int_equal(d.status.flags, PROTO_STATUS_STOPPING);
}

/* STATUS_REPLY's flags word: a bit nobody defined is refused both ways. */
static void test_status_unknown_flag(void **state)
{
	ProtoMessage d, m = {.type = PROTO_STATUS_REPLY, .status = {.flags = 2}};
	int len;

	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.status.flags = 0;
	len = proto_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	put32(PROTO_HEADER_SIZE + 12, 2);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
}

/* STATUS_REPLY with the activity stamp is 32 bytes of payload; without it (what an init from
 * before the field sends) 24 bytes, which still decodes, with activity 0. A 32-byte reply with
 * a 0 stamp has two spellings of one message and is refused, as is any length in between. */
static void test_status_activity_lengths(void **state)
{
	ProtoMessage d, m = {.type = PROTO_STATUS_REPLY,
			     .status = {.sessions = 1, .activity_usec = 1764883812000001ULL}};
	int len;

	len = proto_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, PROTO_HEADER_SIZE + 32);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), 0);
	assert_true(d.status.activity_usec == 1764883812000001ULL);
	m.status.activity_usec = 0;
	len = proto_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, PROTO_HEADER_SIZE + 24);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), 0);
	assert_true(d.status.activity_usec == 0);
	/* the long form with a 0 stamp */
	m.status.activity_usec = 1;
	len = proto_encode(&m, buf, sizeof(buf));
	assert_int_equal(len, PROTO_HEADER_SIZE + 32);
	memset(buf + PROTO_HEADER_SIZE + 24, 0, 8);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	/* 28 bytes: half a stamp */
	put32(8, 28);
	assert_int_equal(proto_decode(buf, PROTO_HEADER_SIZE + 28, 0, &d), -EBADMSG);
}

static void test_header_bytes(void **state)
{
	int len = proto_encode(&(ProtoMessage){.type = PROTO_STOP}, buf, sizeof(buf));

	assert_int_equal(len, PROTO_HEADER_SIZE);
	assert_memory_equal(buf, "ALCV", 4);
}

static void test_every_truncation_fails(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	for (int i = 0; i < len; i++)
		assert_int_equal(proto_decode(buf, (size_t)i, 3, &d), -EBADMSG);
	/* a prefix whose header length is fixed up to match is still refused (missing strings) */
	for (int i = PROTO_HEADER_SIZE; i < len; i++) {
		put32(8, (uint32_t)(i - PROTO_HEADER_SIZE));
		assert_int_equal(proto_decode(buf, (size_t)i, 3, &d), -EBADMSG);
	}
}

static void test_bad_header(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	buf[0] = 'X';
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	encode_enter_default();
	buf[4] = 2; /* version */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	encode_enter_default();
	buf[12] = 1; /* reserved */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	encode_enter_default();
	buf[6] = 0; /* type 0 */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	buf[6] = 99;
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	encode_enter_default();
	put32(8, (uint32_t)len); /* header length that disagrees with the packet */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
}

static void test_wrong_fd_count(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	assert_int_equal(proto_decode(buf, (size_t)len, 2, &d), -EBADMSG);
	assert_int_equal(proto_decode(buf, (size_t)len, 4, &d), -EBADMSG);
	len = proto_encode(&(ProtoMessage){.type = PROTO_STOP}, buf, sizeof(buf));
	assert_int_equal(proto_decode(buf, (size_t)len, 1, &d), -EBADMSG);
	len = proto_encode(&(ProtoMessage){.type = PROTO_HOLD, .session = "x"}, buf, sizeof(buf));
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
}

static void test_counts_that_lie(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	put32(PROTO_HEADER_SIZE + 4, 4); /* argc 4: the 4th "argv" eats the first env string */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 4, 2); /* argc 2: one string left over at the end */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 4, 0); /* no argv[0] */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 4, PROTO_MAX_ARGS + 1);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 4, 0xffffffffu);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 4, 3);
	put32(PROTO_HEADER_SIZE + 8, 0xffffffffu); /* envc */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE + 8, 4);
	put32(PROTO_HEADER_SIZE, 1); /* unknown flag */
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE, 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	proto_message_done(&d);
}

static void test_missing_nul(void **state)
{
	ProtoMessage d;
	int len = encode_enter_default();

	buf[len - 1] = 'x';
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), -EBADMSG);
	len = proto_encode(&(ProtoMessage){.type = PROTO_ERROR, .error = {EIO, "m"}}, buf,
			   sizeof(buf));
	buf[len - 1] = 'x';
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	len =
	    proto_encode(&(ProtoMessage){.type = PROTO_RELEASE, .session = "ab"}, buf, sizeof(buf));
	buf[len - 1] = 'x';
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
}

static void test_trailing_and_fixed_sizes(void **state)
{
	ProtoMessage d;
	int len = proto_encode(&(ProtoMessage){.type = PROTO_STARTED, .pid = 1}, buf, sizeof(buf));

	buf[len] = 0;
	put32(8, 5);
	assert_int_equal(proto_decode(buf, (size_t)len + 1, 0, &d), -EBADMSG);
	put32(8, 3);
	assert_int_equal(proto_decode(buf, (size_t)len - 1, 0, &d), -EBADMSG);
	len = proto_encode(&(ProtoMessage){.type = PROTO_OK}, buf, sizeof(buf));
	buf[len] = 0;
	put32(8, 1);
	assert_int_equal(proto_decode(buf, (size_t)len + 1, 0, &d), -EBADMSG);
	len = encode_enter_default();
	buf[len] = 0;
	put32(8, (uint32_t)(len + 1 - PROTO_HEADER_SIZE));
	assert_int_equal(proto_decode(buf, (size_t)len + 1, 3, &d), -EBADMSG);
}

static void test_bad_values(void **state)
{
	ProtoMessage d;
	int len;

	len = proto_encode(&(ProtoMessage){.type = PROTO_SIGNAL, .signo = 1}, buf, sizeof(buf));
	put32(PROTO_HEADER_SIZE, 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE, 100);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	len = proto_encode(&(ProtoMessage){.type = PROTO_ERROR, .error = {EIO, ""}}, buf,
			   sizeof(buf));
	put32(PROTO_HEADER_SIZE, 0); /* errno 0 */
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE, (uint32_t)-5);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	/* a number no kernel gives as errno (a ptraced init's choice), which encode never
	 * writes: malformed */
	put32(PROTO_HEADER_SIZE, 4095);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), 0);
	assert_int_equal(d.error.error, 4095);
	put32(PROTO_HEADER_SIZE, 4096);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	put32(PROTO_HEADER_SIZE, INT32_MAX);
	assert_int_equal(proto_decode(buf, (size_t)len, 0, &d), -EBADMSG);
	assert_int_equal(proto_encode(&(ProtoMessage){.type = PROTO_ERROR, .error = {4096, "m"}},
				      buf, sizeof(buf)),
			 -EINVAL);

	assert_int_equal(
	    proto_encode(&(ProtoMessage){.type = PROTO_SIGNAL, .signo = 0}, buf, sizeof(buf)),
	    -EINVAL);
	assert_int_equal(
	    proto_encode(&(ProtoMessage){.type = PROTO_HOLD, .session = "a b"}, buf, sizeof(buf)),
	    -EINVAL);
	assert_int_equal(proto_encode(&(ProtoMessage){.type = 0}, buf, sizeof(buf)), -EINVAL);
	ProtoMessage m = enter_message();
	m.enter.path = "";
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	m = enter_message();
	m.enter.argc = 0;
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
}

static void test_session_ids(void **state)
{
	char s[PROTO_SESSION_MAX + 2];

	assert_true(proto_session_is_valid("1000-deadbeef:4711"));
	assert_false(proto_session_is_valid(""));
	assert_false(proto_session_is_valid("a b"));
	assert_false(proto_session_is_valid("a\nb"));
	assert_false(proto_session_is_valid("\xc3\xa9"));
	memset(s, 'a', sizeof(s));
	s[PROTO_SESSION_MAX] = 0;
	assert_true(proto_session_is_valid(s));
	s[PROTO_SESSION_MAX] = 'a';
	s[PROTO_SESSION_MAX + 1] = 0;
	assert_false(proto_session_is_valid(s));
}

/* argv of n copies of arg, NULL-terminated; freed by the caller. */
static const char **make_args(size_t n, const char *arg)
{
	const char **v = calloc(n + 1, sizeof(*v));

	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = arg;
	return v;
}

static void test_oversized(void **state)
{
	ProtoMessage m = enter_message(), d;
	const char **v =
	    make_args(PROTO_MAX_ARGS, "0123456789abcdef0123456789abcdef"); /* 132 KiB */
	int len;

	m.enter.argc = PROTO_MAX_ARGS;
	m.enter.argv = v;
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -E2BIG);
	m.enter.argc = PROTO_MAX_ARGS + 1;
	assert_int_equal(proto_encode(&m, buf, sizeof(buf)), -EINVAL);
	free(v);

	/* the largest argv that fits is accepted */
	v = make_args(PROTO_MAX_ARGS, "");
	m = enter_message();
	m.enter.argc = PROTO_MAX_ARGS;
	m.enter.argv = v;
	m.enter.envc = PROTO_MAX_ARGS;
	m.enter.envp = v;
	len = proto_encode(&m, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(proto_decode(buf, (size_t)len, 3, &d), 0);
	assert_int_equal(d.enter.argc, PROTO_MAX_ARGS);
	proto_message_done(&d);

	/* a buffer that is too small */
	assert_int_equal(proto_encode(&m, buf, 100), -E2BIG);
	free(v);
	assert_int_equal(proto_encode(&(ProtoMessage){.type = PROTO_OK}, buf, 8), -E2BIG);

	/* a packet longer than the maximum, whatever its header says */
	memset(buf, 0, sizeof(buf));
	len = proto_encode(&(ProtoMessage){.type = PROTO_OK}, buf, sizeof(buf));
	put32(8, PROTO_MAX_PAYLOAD + 1);
	assert_int_equal(proto_decode(buf, PROTO_MAX_MESSAGE + 1, 0, &d), -EBADMSG);
}

/* --- proto_io over a socketpair ------------------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static ProtoPacket pkt;

static void test_io_enter_with_fds(void **state)
{
	ProtoMessage m = enter_message(), d;
	int sv[2], fds[3] = {0, 1, 2};
	int before;

	pair(sv);
	before = count_fds();
	assert_int_equal(proto_send_message(sv[0], &m, fds, 3, 0), 0);
	assert_int_equal(proto_recv_message(sv[1], &pkt, &d, 0), 1);
	assert_int_equal(pkt.n_fds, 3);
	assert_int_equal(count_fds(), before + 3);
	for (int i = 0; i < 3; i++)
		assert_true(fcntl(pkt.fds[i], F_GETFD) & FD_CLOEXEC);
	assert_string_equal(d.enter.argv[2], "echo hi; exit 7");
	proto_message_done(&d);
	proto_packet_close_fds(&pkt);
	assert_int_equal(count_fds(), before);

	/* EOF */
	close(sv[0]);
	assert_int_equal(proto_recv_message(sv[1], &pkt, &d, 0), 0);
	close(sv[1]);
}

/* n extra-many fds in one message, past proto_send()'s limit (fdpass_send() takes them). */
static void send_raw_fds(int sock, size_t n)
{
	int fds[8] = {0, 1, 2, 0, 1, 2, 0, 1};
	unsigned char b[PROTO_HEADER_SIZE];

	assert_int_equal(proto_encode(&(ProtoMessage){.type = PROTO_OK}, b, sizeof(b)),
			 PROTO_HEADER_SIZE);
	assert_int_equal(fdpass_send(sock, b, sizeof(b), fds, n, 0), 0);
}

static void test_io_too_many_fds(void **state)
{
	int sv[2], before;
	int fds[4] = {0, 1, 2, 0};

	pair(sv);
	before = count_fds();
	/* 4 fit into the rounded-up control buffer, 5 and 8 make the kernel truncate */
	for (size_t n = 4; n <= 8; n++) {
		send_raw_fds(sv[0], n);
		assert_int_equal(proto_recv(sv[1], &pkt, 0), -EMSGSIZE);
		assert_int_equal(pkt.n_fds, 0);
		assert_int_equal(count_fds(), before);
	}
	assert_int_equal(proto_send(sv[0], pkt.buf, PROTO_HEADER_SIZE, fds, 4, 0), -EINVAL);
	close(sv[0]);
	close(sv[1]);
}

static void test_io_unexpected_fds_closed(void **state)
{
	int sv[2], before, fd = 0;
	ProtoMessage d;

	pair(sv);
	before = count_fds();
	assert_int_equal(proto_send_message(sv[0], &(ProtoMessage){.type = PROTO_STOP}, &fd, 1, 0),
			 0);
	assert_int_equal(proto_recv_message(sv[1], &pkt, &d, 0), -EBADMSG);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_io_oversized_packet(void **state)
{
	int sv[2], before, fd = 0;
	size_t n = PROTO_MAX_MESSAGE + 10;
	unsigned char *big = calloc(1, n);
	int sndbuf = 1 << 20;

	assert_non_null(big);
	pair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)), 0);
	before = count_fds();
	assert_int_equal(proto_send(sv[0], big, n, &fd, 1, 0), 0);
	assert_int_equal(proto_recv(sv[1], &pkt, 0), -EMSGSIZE);
	assert_int_equal(count_fds(), before);
	free(big);
	close(sv[0]);
	close(sv[1]);
}

static void test_io_credentials_cmsg_refused(void **state)
{
	int sv[2], one = 1;

	pair(sv);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	assert_int_equal(proto_send_message(sv[0], &(ProtoMessage){.type = PROTO_OK}, NULL, 0, 0),
			 0);
	assert_int_equal(proto_recv(sv[1], &pkt, 0), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
}

/* control_request against a scripted peer in a child process. */
static void test_control_request(void **state)
{
	int sv[2];
	pid_t pid;
	ProtoMessage answer;
	int status;

	pair(sv);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static ProtoPacket p;
		ProtoMessage m;

		close(sv[0]);
		if (proto_recv_message(sv[1], &p, &m, 0) != 1 || m.type != PROTO_STATUS)
			_exit(1);
		proto_send_message(
		    sv[1], &(ProtoMessage){.type = PROTO_STATUS_REPLY, .status = {1, 2, 3, 4}},
		    NULL, 0, 0);
		if (proto_recv_message(sv[1], &p, &m, 0) != 1 || m.type != PROTO_RELEASE)
			_exit(2);
		proto_send_message(sv[1],
				   &(ProtoMessage){.type = PROTO_ERROR, .error = {ENOENT, "no"}},
				   NULL, 0, 0);
		if (proto_recv_message(sv[1], &p, &m, 0) != 1 || m.type != PROTO_STOP)
			_exit(3);
		_exit(0); /* closes without answering */
	}
	close(sv[1]);
	assert_int_equal(
	    control_request(sv[0], &(ProtoMessage){.type = PROTO_STATUS}, NULL, 0, &answer), 0);
	assert_int_equal(answer.type, PROTO_STATUS_REPLY);
	assert_int_equal(answer.status.processes, 3);
	assert_int_equal(control_request(sv[0],
					 &(ProtoMessage){.type = PROTO_RELEASE, .session = "x"},
					 NULL, 0, &answer),
			 -ENOENT);
	assert_int_equal(
	    control_request(sv[0], &(ProtoMessage){.type = PROTO_STOP}, NULL, 0, &answer),
	    -ECONNRESET);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enter_roundtrip),
	    cmocka_unit_test(test_enter_empty_env_and_cwd),
	    cmocka_unit_test(test_enter_limits_edges),
	    cmocka_unit_test(test_enter_limit_counts_that_lie),
	    cmocka_unit_test(test_small_roundtrips),
	    cmocka_unit_test(test_status_unknown_flag),
	    cmocka_unit_test(test_status_activity_lengths),
	    cmocka_unit_test(test_header_bytes),
	    cmocka_unit_test(test_every_truncation_fails),
	    cmocka_unit_test(test_bad_header),
	    cmocka_unit_test(test_wrong_fd_count),
	    cmocka_unit_test(test_counts_that_lie),
	    cmocka_unit_test(test_missing_nul),
	    cmocka_unit_test(test_trailing_and_fixed_sizes),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_session_ids),
	    cmocka_unit_test(test_oversized),
	    cmocka_unit_test(test_io_enter_with_fds),
	    cmocka_unit_test(test_io_too_many_fds),
	    cmocka_unit_test(test_io_unexpected_fds_closed),
	    cmocka_unit_test(test_io_oversized_packet),
	    cmocka_unit_test(test_io_credentials_cmsg_refused),
	    cmocka_unit_test(test_control_request),
	    cmocka_unit_test(test_header_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
