/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/log.c: the first error remembered for a tool's one-line answer (alcovectl --json). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"

/* No target: nothing is written anywhere, only remembered. */
static int setup(void **state)
{
	log_setup("t", 0, false);
	log_remember_errors(true);
	return 0;
}

/* The first error line wins, as "ident: message" (%m its errno); later errors, warnings and
 * lines said around log_full() do not replace it. */
static void test_first_error_wins(void **state)
{
	assert_null(log_first_error());
	log_warning("a warning first");
	log_info("some information");
	assert_null(log_first_error());
	assert_int_equal(log_error_errno(-ENOENT, "No such user '%s': %m", "x"), -ENOENT);
	log_error("a clean-up failed after it");
	log_remember_error_line("t x: a usage line");
	assert_string_equal(log_first_error(), "t: No such user 'x': No such file or directory");
}

/* A usage line said first is the first error too; log_remember_errors() starts over. */
static void test_line_first_and_start_over(void **state)
{
	log_remember_error_line("t x: unknown verb 'y'");
	log_error("later");
	assert_string_equal(log_first_error(), "t x: unknown verb 'y'");
	log_remember_errors(true);
	assert_null(log_first_error());
	log_full(LOG_CRIT, 0, NULL, "worse than an error");
	assert_string_equal(log_first_error(), "t: worse than an error");
}

/* Not asked for (the PAM module, the helper): nothing is kept; a long line is cut. */
static void test_off_and_cut(void **state)
{
	char big[4096];

	log_remember_errors(false);
	log_error("not kept");
	assert_null(log_first_error());
	log_remember_errors(true);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_error("%s", big);
	assert_true(strlen(log_first_error()) > 100 && strlen(log_first_error()) < sizeof(big));
	assert_memory_equal(log_first_error(), "t: aaa", 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_first_error_wins, setup),
	    cmocka_unit_test_setup(test_line_first_and_start_over, setup),
	    cmocka_unit_test_setup(test_off_and_cut, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
