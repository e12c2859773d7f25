/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdwait.h"

static void test_readable(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(fd_wait_readable(sv[0], monotonic_ms() + 60000), 0);
	close(sv[0]);
	close(sv[1]);
}

/* The peer gone reads as readable (EOF), so the caller's recv tells what happened. */
static void test_hangup_is_readable(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(fd_wait_readable(sv[0], monotonic_ms() + 60000), 0);
	close(sv[0]);
}

/* A deadline already past polls once without waiting. */
static void test_deadline_passed(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fd_wait_readable(sv[0], monotonic_ms() - 1000), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
}

static void test_monotonic(void **state)
{
	long long a = monotonic_ms(), b = monotonic_ms();

	assert_true(a > 0);
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_readable),
	    cmocka_unit_test(test_hangup_is_readable),
	    cmocka_unit_test(test_deadline_passed),
	    cmocka_unit_test(test_monotonic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
