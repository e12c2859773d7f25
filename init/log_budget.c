/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log_budget.h"

static bool window_open(const LogBudget *b, uint64_t now)
{
	return b->window_start != 0 && now - b->window_start < LOG_BUDGET_WINDOW_USEC;
}

bool log_budget_take(LogBudget *b, uint64_t now, unsigned *ret_left_out)
{
	*ret_left_out = 0;
	if (!window_open(b, now)) {
		*ret_left_out = b->suppressed;
		*b = (LogBudget){.window_start = now ? now : 1}; /* 0 means "none open" */
	}
	if (b->lines < LOG_BUDGET_BURST) {
		b->lines++;
		return true;
	}
	b->suppressed++;
	return false;
}

unsigned log_budget_expire(LogBudget *b, uint64_t now)
{
	unsigned n;

	if (b->window_start == 0 || window_open(b, now))
		return 0;
	n = b->suppressed;
	*b = (LogBudget){0};
	return n;
}

uint64_t log_budget_deadline(const LogBudget *b)
{
	if (b->window_start == 0 || b->suppressed == 0)
		return UINT64_MAX;
	return b->window_start + LOG_BUDGET_WINDOW_USEC;
}
