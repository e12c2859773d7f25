/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How many lines a kind of tenant-made event may write to the journal: init's stderr is a
 * journald stream, the tenant's only way into the host's journal, and every refused connection,
 * malformed request or failed session start wrote a line (~22000 lines/s from one process of the
 * tenant's). journald then rate-limits the whole unit, the alcove's real lines with them
 * ("stop requested by", a hold dropped), rotates away other users' history, and init blocks
 * in write() while journald is behind. So LOG_BUDGET_BURST lines per window of
 * LOG_BUDGET_WINDOW_USEC, then one line with the count of those left out. Pure: the caller
 * gives the time.
 */

#include <stdbool.h>
#include <stdint.h>

#define LOG_BUDGET_BURST 20
#define LOG_BUDGET_WINDOW_USEC 10000000ULL /* 10 s */

typedef struct LogBudget {
	uint64_t window_start; /* CLOCK_MONOTONIC µs; 0: no window open */
	unsigned lines;	       /* written in this window */
	unsigned suppressed;   /* left out in this window */
} LogBudget;

/* Whether a line may be written at now; else it is counted as left out. *ret_left_out: the
 * lines left out in a window that ended before now, for the caller to report first (0: none). */
bool log_budget_take(LogBudget *b, uint64_t now, unsigned *ret_left_out);
/* At now: the number of lines left out in a window that has ended, which the caller reports
 * (0: nothing to report, or the window is still open); the window is closed then. */
unsigned log_budget_expire(LogBudget *b, uint64_t now);
/* When log_budget_expire() will have something to report; UINT64_MAX: never. */
uint64_t log_budget_deadline(const LogBudget *b);
