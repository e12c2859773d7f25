/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errbuf.h"

static void test_formats(void **state)
{
	char err[32] = "old";

	errbuf_set(err, sizeof(err), "%s of %d", "stop", 7);
	assert_string_equal(err, "stop of 7");
	errno = ENOENT;
	errbuf_set(err, sizeof(err), "open: %m");
	assert_string_equal(err, "open: No such file or directory");
}

static void test_truncates(void **state)
{
	char err[6];

	errbuf_set(err, sizeof(err), "%s", "abcdefghij");
	assert_string_equal(err, "abcde");
}

/* No buffer, or one of size 0: nothing is written (err may be NULL). */
static void test_no_buffer(void **state)
{
	char err[4] = "xyz";

	errbuf_set(NULL, 16, "%s", "lost");
	errbuf_set(err, 0, "%s", "lost");
	assert_string_equal(err, "xyz");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_formats),
	    cmocka_unit_test(test_truncates),
	    cmocka_unit_test(test_no_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
