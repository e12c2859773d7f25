/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcove-init's pure parts: the command line and the lifecycle state machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../init/args.h"
#include "../../init/lifecycle.h"

#define S USEC_PER_SEC

static int parse(InitArgs *a, const char *const *args)
{
	char *argv[16] = {"alcove-init"};
	char err[256];
	int argc = 1;

	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	return init_args_parse(argc, argv, a, err, sizeof(err));
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

static LifeAction step(Lifecycle *l, unsigned in_use, bool children, uint64_t now,
		       uint64_t *deadline)
{
	return lifecycle_step(l, in_use, children, now, deadline);
}

static void test_grace_before_first_use(void **state)
{
	Lifecycle l;
	uint64_t d;

	for (LifePolicy p = LIFE_KEEP; p <= LIFE_IDLE; p++) {
		lifecycle_init(&l, p, 10 * S, 1000);
		assert_int_equal(step(&l, 0, false, 1000, &d), LIFE_RUN);
		assert_true(d == 1000 + LIFE_GRACE_USEC);
		assert_int_equal(step(&l, 0, false, 1000 + LIFE_GRACE_USEC - 1, &d), LIFE_RUN);
		/* never used: ends at the grace deadline, whatever the policy */
		assert_int_equal(step(&l, 0, false, 1000 + LIFE_GRACE_USEC, &d), LIFE_EXIT);
	}
	/* with a child left (cannot really happen before use) stop/idle terminate it */
	lifecycle_init(&l, LIFE_STOP, 0, 0);
	assert_int_equal(step(&l, 0, true, LIFE_GRACE_USEC, &d), LIFE_TERM_ALL);
}

static void test_keep(void **state)
{
	Lifecycle l;
	uint64_t d;

	lifecycle_init(&l, LIFE_KEEP, 0, 0);
	assert_int_equal(step(&l, 1, true, 5, &d), LIFE_RUN);
	assert_true(d == LIFE_NEVER);
	/* the last session ended, a background process lives on (tmux) */
	assert_int_equal(step(&l, 0, true, 10, &d), LIFE_RUN);
	assert_true(d == LIFE_NEVER);
	assert_int_equal(step(&l, 0, true, 10 + 3600 * S, &d), LIFE_RUN);
	/* a new login and logout */
	assert_int_equal(step(&l, 1, true, 20 + 3600 * S, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, true, 30 + 3600 * S, &d), LIFE_RUN);
	/* the process ends */
	assert_int_equal(step(&l, 0, false, 40 + 3600 * S, &d), LIFE_EXIT);
}

static void test_stop(void **state)
{
	Lifecycle l;
	uint64_t d;

	lifecycle_init(&l, LIFE_STOP, 0, 0);
	assert_int_equal(step(&l, 2, true, 5, &d), LIFE_RUN);
	assert_int_equal(step(&l, 1, true, 6, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, true, 7, &d), LIFE_TERM_ALL);
	assert_int_equal(step(&l, 0, true, 7, &d), LIFE_RUN);
	assert_true(d == 7 + LIFE_KILL_DELAY_USEC);
	/* a login arriving while stopping does not undo it */
	assert_int_equal(step(&l, 1, true, 8, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, true, 7 + LIFE_KILL_DELAY_USEC, &d), LIFE_KILL_ALL);
	assert_int_equal(step(&l, 0, true, 7 + LIFE_KILL_DELAY_USEC, &d), LIFE_RUN);
	assert_true(d == LIFE_NEVER);
	assert_int_equal(step(&l, 0, false, 8 + LIFE_KILL_DELAY_USEC, &d), LIFE_EXIT);

	/* everything ends on SIGTERM: no SIGKILL needed */
	lifecycle_init(&l, LIFE_STOP, 0, 0);
	assert_int_equal(step(&l, 1, true, 5, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, true, 7, &d), LIFE_TERM_ALL);
	assert_int_equal(step(&l, 0, false, 8, &d), LIFE_EXIT);

	/* nothing left at logout: exit at once */
	lifecycle_init(&l, LIFE_STOP, 0, 0);
	assert_int_equal(step(&l, 1, true, 5, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, false, 7, &d), LIFE_EXIT);
}

static void test_idle(void **state)
{
	Lifecycle l;
	uint64_t d;

	lifecycle_init(&l, LIFE_IDLE, 10 * S, 0);
	assert_int_equal(step(&l, 1, true, 1 * S, &d), LIFE_RUN);
	assert_int_equal(step(&l, 0, true, 2 * S, &d), LIFE_RUN);
	assert_true(d == 12 * S);
	assert_int_equal(step(&l, 0, true, 11 * S, &d), LIFE_RUN);
	/* used again before the timeout: the clock restarts at the next logout */
	assert_int_equal(step(&l, 1, true, 11 * S, &d), LIFE_RUN);
	assert_true(d == LIFE_NEVER);
	assert_int_equal(step(&l, 0, true, 20 * S, &d), LIFE_RUN);
	assert_true(d == 30 * S);
	assert_int_equal(step(&l, 0, true, 30 * S, &d), LIFE_TERM_ALL);
	assert_int_equal(step(&l, 0, false, 31 * S, &d), LIFE_EXIT);
}

static void test_stop_request(void **state)
{
	Lifecycle l;
	uint64_t d;

	lifecycle_init(&l, LIFE_KEEP, 0, 0);
	assert_int_equal(step(&l, 3, true, 1, &d), LIFE_RUN);
	lifecycle_request_stop(&l, 2);
	lifecycle_request_stop(&l, 1000); /* a second request does not move the deadline */
	assert_int_equal(step(&l, 3, true, 2, &d), LIFE_TERM_ALL);
	assert_int_equal(step(&l, 3, true, 2, &d), LIFE_RUN);
	assert_true(d == 2 + LIFE_KILL_DELAY_USEC);
	assert_int_equal(step(&l, 3, true, 2 + LIFE_KILL_DELAY_USEC, &d), LIFE_KILL_ALL);
	assert_int_equal(step(&l, 0, false, 3 + LIFE_KILL_DELAY_USEC, &d), LIFE_EXIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_full),
		cmocka_unit_test(test_args_minimal), cmocka_unit_test(test_args_keep_groups),
		cmocka_unit_test(test_args_bad),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_grace_before_first_use),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_stop_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
