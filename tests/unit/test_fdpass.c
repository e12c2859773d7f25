/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/fdpass.c, the one SCM_RIGHTS primitive: fds arrive close-on-exec; whatever is
 * truncated (the message, the control data, one fd past the limit that CMSG_SPACE's rounding
 * lets through) or foreign (a cmsg other than SCM_RIGHTS) is refused with every fd that came
 * closed: the count of our open fds is the same before and after.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdpass.h"

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

static void test_roundtrip_cloexec(void **state)
{
	int sv[2], p[2], got[4] = {-1, -1, -1, -1};
	char buf[16];
	size_t n_fds;
	char c = 0;

	pair(sv);
	assert_int_equal(pipe(p), 0); /* without O_CLOEXEC: the receiver's copies must have it */
	assert_int_equal(fdpass_send(sv[0], "hello", 5, p, 2, 0), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, 4, &n_fds, 0), 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(n_fds, 2);
	for (size_t i = 0; i < n_fds; i++)
		assert_true(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
	/* they are the pipe's ends */
	assert_int_equal(write(got[1], "x", 1), 1);
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	fdpass_close(got, n_fds);
	assert_int_equal(got[0], -1);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

/* Room for 3 is rounded up to room for 4: a 4th fd arrives without MSG_CTRUNC and is closed;
 * 5 and 8 make the kernel truncate. None is kept. */
static void test_too_many_fds(void **state)
{
	int sv[2], fds[8] = {0, 1, 2, 0, 1, 2, 0, 1}, got[3];
	char buf[8];
	size_t n_fds = 99;
	int before;

	pair(sv);
	before = count_fds();
	for (size_t n = 4; n <= 8; n++) {
		assert_int_equal(fdpass_send(sv[0], "m", 1, fds, n, 0), 0);
		assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, 3, &n_fds, 0),
				 -EMSGSIZE);
		assert_int_equal(n_fds, 0);
		assert_int_equal(count_fds(), before);
	}
	/* no fds expected: any is truncation */
	assert_int_equal(fdpass_send(sv[0], "m", 1, fds, 1, 0), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), NULL, 0, &n_fds, 0), -EMSGSIZE);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_long_message(void **state)
{
	int sv[2], fds[1] = {0}, got[1];
	char buf[4];
	size_t n_fds;
	int before;

	pair(sv);
	before = count_fds();
	assert_int_equal(fdpass_send(sv[0], "too long", 8, fds, 1, 0), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, 1, &n_fds, 0), -EMSGSIZE);
	assert_int_equal(n_fds, 0);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

/* With SO_PASSCRED every message carries SCM_CREDENTIALS too: not ours to accept. */
static void test_foreign_cmsg(void **state)
{
	int sv[2], fds[1] = {0}, got[16], one = 1;
	char buf[8];
	size_t n_fds;
	int before;

	pair(sv);
	assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	before = count_fds();
	assert_int_equal(fdpass_send(sv[0], "m", 1, fds, 1, 0), 0);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, 16, &n_fds, 0), -EBADMSG);
	assert_int_equal(n_fds, 0);
	assert_int_equal(count_fds(), before);
	close(sv[0]);
	close(sv[1]);
}

static void test_eof_and_limits(void **state)
{
	int sv[2], fds[FDPASS_MAX_FDS + 1] = {0}, got[1];
	char buf[8];
	size_t n_fds = 99;

	pair(sv);
	assert_int_equal(fdpass_send(sv[0], "m", 1, fds, FDPASS_MAX_FDS + 1, 0), -EINVAL);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, FDPASS_MAX_FDS + 1, &n_fds, 0),
			 -EINVAL);
	close(sv[0]);
	assert_int_equal(fdpass_recv(sv[1], buf, sizeof(buf), got, 1, &n_fds, 0), 0);
	assert_int_equal(n_fds, 0);
	assert_int_equal(fdpass_send(sv[1], "m", 1, NULL, 0, 0), -EPIPE); /* never SIGPIPE */
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_cloexec),
	    cmocka_unit_test(test_too_many_fds),
	    cmocka_unit_test(test_long_message),
	    cmocka_unit_test(test_foreign_cmsg),
	    cmocka_unit_test(test_eof_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
