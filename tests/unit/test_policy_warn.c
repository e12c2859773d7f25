/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy_profile_warnings(): every key that will not take effect, and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "policy_warn.h"

static void test_clean_profile_has_none(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	/* builtin: a layer quota with persist = true and cgroup = "systemd": nothing to say */
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	p.persist = false; /* the quota then sizes the tmpfs upper: nothing to say either */
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	profile_done(&p);
}

static void test_each_no_op_is_named(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	p.cgroup = CGROUP_NONE;
	p.limits.set = (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX);
	p.limit_origin[LIMIT_MEMORY_MAX] = (Origin){"defaults", 3};
	p.limit_origin[LIMIT_TASKS_MAX] = (Origin){"x", 9};
	p.persist = false;
	p.origin[PKEY_IDLE_TIMEOUT] = (Origin){"x", 11};
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 3);
	assert_int_equal(w[0].line, 3);
	assert_string_equal(w[0].text, "limits.MemoryMax is not enforced: cgroup = \"none\" runs the "
					"alcove without a systemd scope");
	assert_int_equal(w[1].line, 9);
	assert_non_null(strstr(w[1].text, "limits.TasksMax"));
	assert_int_equal(w[2].line, 11);
	assert_string_equal(w[2].text, "idle_timeout is not used: on_last_logout is not \"idle\"");
	/* bounded by max */
	assert_int_equal(policy_profile_warnings(&p, w, 2), 2);
	profile_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_profile_has_none),
	    cmocka_unit_test(test_each_no_op_is_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
