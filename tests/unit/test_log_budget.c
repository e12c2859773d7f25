/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../init/log_budget.h"

#define T0 5000000ULL

/* A burst is written, the rest of the window counted, and reported once it has ended. */
static void test_burst_then_count(void **state)
{
	LogBudget b = {0};
	unsigned left;

	for (int i = 0; i < LOG_BUDGET_BURST; i++) {
		assert_true(log_budget_take(&b, T0 + (uint64_t)i, &left));
		assert_int_equal(left, 0);
	}
	for (int i = 0; i < 1000; i++)
		assert_false(log_budget_take(&b, T0 + 100 + (uint64_t)i, &left));
	assert_int_equal(log_budget_deadline(&b), T0 + LOG_BUDGET_WINDOW_USEC);
	assert_int_equal(log_budget_expire(&b, T0 + LOG_BUDGET_WINDOW_USEC - 1), 0);
	assert_int_equal(log_budget_expire(&b, T0 + LOG_BUDGET_WINDOW_USEC), 1000);
	assert_int_equal(log_budget_expire(&b, T0 + 2 * LOG_BUDGET_WINDOW_USEC), 0);
	assert_int_equal(log_budget_deadline(&b), UINT64_MAX);
	assert_true(log_budget_take(&b, T0 + 2 * LOG_BUDGET_WINDOW_USEC, &left));
	assert_int_equal(left, 0);
}

/* A line after the window, before any expire: the count left out comes with it, not lost. */
static void test_take_reports_ended_window(void **state)
{
	LogBudget b = {0};
	unsigned left;

	for (int i = 0; i < LOG_BUDGET_BURST + 7; i++)
		(void)log_budget_take(&b, T0, &left);
	assert_true(log_budget_take(&b, T0 + LOG_BUDGET_WINDOW_USEC + 1, &left));
	assert_int_equal(left, 7);
	assert_int_equal(log_budget_expire(&b, T0 + 3 * LOG_BUDGET_WINDOW_USEC), 0);
}

/* Nothing left out: no deadline, nothing to report. */
static void test_quiet(void **state)
{
	LogBudget b = {0};
	unsigned left;

	assert_int_equal(log_budget_deadline(&b), UINT64_MAX);
	assert_true(log_budget_take(&b, 0, &left));
	assert_int_equal(log_budget_deadline(&b), UINT64_MAX);
	assert_int_equal(log_budget_expire(&b, LOG_BUDGET_WINDOW_USEC * 5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_then_count),
	    cmocka_unit_test(test_take_reports_ended_window),
	    cmocka_unit_test(test_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
