/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The comparison of account_race.h: data in, decision out (tests/unit/test_account_race.c). */
#include "account_race.h"

#define NSEC_PER_SEC 1000000000LL

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

static int64_t tick_ns(const AccountClock *clk)
{
	return clk->hz > 0 ? NSEC_PER_SEC / clk->hz : NSEC_PER_SEC;
}

int64_t account_race_start_ns(const AccountClock *clk)
{
	/* how long ago the process started, by the boot clock, taken from the wall clock read
	 * at the same moment (the wall clock may have been set since boot: its start is not) */
	int64_t age = ts_ns(&clk->boot) - (int64_t)clk->start_ticks * tick_ns(clk);

	return ts_ns(&clk->real) - (age > 0 ? age : 0);
}

struct timespec account_race_last_change(const struct timespec *mtime, const struct timespec *ctime)
{
	return ts_ns(ctime) > ts_ns(mtime) ? *ctime : *mtime;
}

bool account_race_changed(const AccountClock *clk, const struct timespec *changed)
{
	/* One tick of slack: the start is truncated to ticks, so a file written in the tick
	 * the process started in may be older than the process. No lookup of the application's
	 * falls in that tick: sshd's comes after the key exchange, many ms later. */
	return ts_ns(changed) > account_race_start_ns(clk) + tick_ns(clk);
}
