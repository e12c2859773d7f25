/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcove-init's command line (init/args.c): what the helper passes, and what it refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../init/args.h"

static int parse(InitArgs *a, const char *const *args)
{
	char *argv[16] = {"alcove-init"};
	AlcError e;
	int argc = 1;

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	return init_args_parse(argc, argv, a, &e);
}

static void test_args_full(void **state)
{
	InitArgs a;
	const char *args[] = {"--uid=1000",       "--gid=1000",     "--groups=5,27,100",
			      "--home=/home/a",   "--on-last-logout=idle", "--idle-timeout=30",
			      "--no-new-privs",   "--cgroup",       "--user=alice", NULL};

	assert_int_equal(parse(&a, args), 0);
	assert_int_equal(a.uid, 1000);
	assert_int_equal(a.gid, 1000);
	assert_int_equal(a.n_groups, 3);
	assert_int_equal(a.groups[2], 100);
	assert_string_equal(a.home, "/home/a");
	assert_int_equal(a.on_last_logout, LIFE_IDLE);
	assert_int_equal(a.idle_timeout_sec, 30);
	assert_true(a.no_new_privs);
	assert_true(a.cgroup);
	assert_string_equal(a.user, "alice");
}

static void test_args_minimal(void **state)
{
	InitArgs a;
	const char *args[] = {"--uid=0", "--gid=0", "--home=/root", "--on-last-logout=keep", NULL};

	assert_int_equal(parse(&a, args), 0);
	assert_int_equal(a.n_groups, 0);
	assert_false(a.no_new_privs);
	assert_false(a.cgroup);
	assert_false(a.keep_groups);
	assert_null(a.user);
}

static void test_args_keep_groups(void **state)
{
	InitArgs a;
	const char *args[] = {"--uid=1000", "--gid=1000", "--keep-groups", "--home=/h",
			      "--on-last-logout=keep", NULL};

	assert_int_equal(parse(&a, args), 0);
	assert_true(a.keep_groups);
	assert_int_equal(a.n_groups, 0);
}

static void test_args_bad(void **state)
{
	InitArgs a;
#define BAD(...)                                                                                   \
	do {                                                                                       \
		const char *args[] = {__VA_ARGS__, NULL};                                          \
		assert_int_equal(parse(&a, args), -EINVAL);                                        \
	} while (0)
#define BASE "--gid=1", "--home=/h", "--on-last-logout=stop"
	BAD("--uid=1", BASE, "--uid=2");           /* repeated */
	BAD("--uid=-1", BASE);                     /* sign */
	BAD("--uid=4294967295", BASE);             /* (uid_t)-1 */
	BAD("--uid=01", BASE);                     /* leading zero */
	BAD("--uid= 1", BASE);
	BAD("--uid=", BASE);
	BAD("--uid", BASE);
	BAD("--uid=1", BASE, "--cgroup=yes");      /* flag with a value */
	BAD("--uid=1", BASE, "--frobnicate");
	BAD("--uid=1", BASE, "extra");
	BAD("--uid=1", BASE, "--groups=1,,2");
	BAD("--uid=1", BASE, "--groups=1,");
	BAD("--uid=1", BASE, "--groups=a");
	BAD("--uid=1", BASE, "--groups=5", "--keep-groups"); /* one or the other */
	BAD("--uid=1", BASE, "--keep-groups=1");
	BAD("--uid=1", BASE, "--idle-timeout=5");  /* not idle */
	BAD("--uid=1", "--gid=1", "--home=relative", "--on-last-logout=stop");
	BAD("--uid=1", "--gid=1", "--home=/h", "--on-last-logout=idle"); /* no timeout */
	BAD("--uid=1", "--gid=1", "--home=/h", "--on-last-logout=never");
	BAD("--uid=1", "--gid=1", "--home=/h");   /* missing policy */
	BAD("--gid=1", "--home=/h", "--on-last-logout=keep"); /* missing uid */
}

/* The refusal as one AlcError: errno, stage and the line init logs. */
static void test_args_error(void **state)
{
	char *argv[] = {(char *)"alcove-init", (char *)"--gid=1", (char *)"--home=/h",
			(char *)"--on-last-logout=stop", NULL};
	InitArgs a;
	AlcError e = {0};

	assert_int_equal(init_args_parse(4, argv, &a, &e), -EINVAL);
	assert_int_equal(e.err, EINVAL);
	assert_string_equal(e.stage, "arguments");
	assert_string_equal(e.msg, "missing --uid");
}

static void test_parse_id(void **state)
{
	uint32_t v;

	assert_int_equal(parse_id("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_id("4294967294", &v), 0);
	assert_int_equal(v, 4294967294u);
	assert_int_equal(parse_id("99999999999", &v), -EINVAL);
	assert_int_equal(parse_id("1x", &v), -EINVAL);
	assert_int_equal(parse_id("+1", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_full),
		cmocka_unit_test(test_args_minimal),
		cmocka_unit_test(test_args_keep_groups),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_args_error),
		cmocka_unit_test(test_parse_id),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
