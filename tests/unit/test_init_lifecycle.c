/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcove-init's lifecycle state machine (init/lifecycle.c): when an alcove ends, by
 * on_last_logout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../init/lifecycle.h"

#define S USEC_PER_SEC

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
		cmocka_unit_test(test_grace_before_first_use),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_stop),
		cmocka_unit_test(test_idle),
		cmocka_unit_test(test_stop_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
