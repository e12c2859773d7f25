/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pam_alcove's check that the account did not change during the login
 * (pam_module/account_race.c): times in, decision out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../pam_module/account_race.h"

/* Booted 1000 s ago at wall time 1,700,000,000; the process started 100 s after boot (10000
 * ticks at 100 Hz): at wall time 1,699,999,100. */
static const AccountClock clk = {
    .start_ticks = 10000, .hz = 100, .boot = {.tv_sec = 1000}, .real = {.tv_sec = 1700000000}};
#define START 1699999100

static void test_start_in_wall_time(void **state)
{
	assert_int_equal(account_race_start_ns(&clk), (int64_t)START * 1000000000);
}

static void test_changed_long_before(void **state)
{
	assert_false(account_race_changed(&clk, &(struct timespec){.tv_sec = START - 3600}));
}

static void test_changed_after(void **state)
{
	/* usermod during the login, seconds after sshd's monitor started */
	assert_true(account_race_changed(&clk, &(struct timespec){.tv_sec = START + 2}));
	assert_true(account_race_changed(&clk, &(struct timespec){.tv_sec = START + 30}));
}

static void test_last_change_is_the_later_time(void **state)
{
	/* cp -p / rsync -a / vipw: an mtime from before the login on a file renamed in during
	 * it, whose ctime the rename set to now: the ctime decides */
	struct timespec mtime = {.tv_sec = START - 60}, ctime = {.tv_sec = START + 2};
	struct timespec t = account_race_last_change(&mtime, &ctime);

	assert_true(account_race_changed(&clk, &t));
	/* a clock set back between two writes: the later one still counts */
	t = account_race_last_change(&ctime, &mtime);
	assert_int_equal(t.tv_sec, START + 2);
	mtime.tv_sec = ctime.tv_sec = START - 60;
	t = account_race_last_change(&mtime, &ctime);
	assert_false(account_race_changed(&clk, &t));
}

static void test_one_tick_of_slack(void **state)
{
	/* the start is truncated to a tick (10 ms at 100 Hz): a change inside that tick may
	 * predate the process; the first nanosecond past it does not */
	assert_false(account_race_changed(&clk, &(struct timespec){START, 0}));
	assert_false(account_race_changed(&clk, &(struct timespec){START, 10000000}));
	assert_true(account_race_changed(&clk, &(struct timespec){START, 10000001}));
}

static void test_start_in_the_future_clamped(void **state)
{
	/* a start tick beyond the boot clock (cannot happen; clocks read in the wrong order)
	 * counts as "started now": a change before now is not after it */
	AccountClock c = clk;

	c.start_ticks = 200000;
	assert_int_equal(account_race_start_ns(&c), (int64_t)1700000000 * 1000000000);
	assert_false(account_race_changed(&c, &(struct timespec){.tv_sec = 1700000000 - 1}));
	assert_true(account_race_changed(&c, &(struct timespec){.tv_sec = 1700000000 + 1}));
}

static void test_other_tick_rate(void **state)
{
	/* 250 Hz: 25000 ticks is the same start, and the slack is 4 ms */
	AccountClock c = clk;

	c.hz = 250;
	c.start_ticks = 25000;
	assert_int_equal(account_race_start_ns(&c), (int64_t)START * 1000000000);
	assert_false(account_race_changed(&c, &(struct timespec){START, 4000000}));
	assert_true(account_race_changed(&c, &(struct timespec){START, 4000001}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_start_in_wall_time),
	    cmocka_unit_test(test_changed_long_before),
	    cmocka_unit_test(test_changed_after),
	    cmocka_unit_test(test_last_change_is_the_later_time),
	    cmocka_unit_test(test_one_tick_of_slack),
	    cmocka_unit_test(test_start_in_the_future_clamped),
	    cmocka_unit_test(test_other_tick_rate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
