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
	assert_string_equal(w[0].text,
			    "limits.MemoryMax is not enforced: cgroup = \"none\" runs the "
			    "alcove without a systemd scope");
	assert_int_equal(w[1].line, 9);
	assert_non_null(strstr(w[1].text, "limits.TasksMax"));
	assert_int_equal(w[2].line, 11);
	assert_string_equal(w[2].text, "idle_timeout is not used: on_last_logout is not \"idle\"");
	/* bounded by max */
	assert_int_equal(policy_profile_warnings(&p, w, 2), 2);
	profile_done(&p);
}

/* persist = false: a layer_quota from the file sizes the tmpfs upper (memory), not a disk */
static void test_layer_quota_without_layer(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	p.persist = false;
	p.layer_quota = 20u << 20;
	p.origin[PKEY_LAYER_QUOTA] = (Origin){"defaults", 4};
	p.tmp_size = (TmpfsSize){.bytes = 8u << 20};
	/* defaults' quota, inherited by a profile that turns persist off: a default, not meant
	 * for this profile's disk */
	p.origin[PKEY_PERSIST] = (Origin){"x", 2};
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	p.origin[PKEY_PERSIST] = (Origin){"defaults", 3};
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_int_equal(w[0].line, 4);
	assert_string_equal(w[0].text,
			    "layer_quota limits no disk: persist = false keeps no layer; the "
			    "throw-away upper is a tmpfs in memory, sized by the smaller of "
			    "layer_quota and tmp_size (8M)");
	p.layer_inodes = 1000;
	p.origin[PKEY_LAYER_INODES] = (Origin){"x", 6};
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 2);
	assert_int_equal(w[1].line, 6);
	assert_non_null(strstr(w[1].text, "smaller of layer_inodes and tmp_inodes (262144)"));
	p.persist = true; /* a real layer: the quota limits its disk, nothing to say */
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	profile_done(&p);
}

/* share = "session": the limits are per session's alcove, so they multiply */
static void test_limits_per_session(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	p.share = SHARE_SESSION;
	p.origin[PKEY_SHARE] = (Origin){"x", 7};
	p.limits.set =
	    (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX) | (1u << LIMIT_CPU_WEIGHT);
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_int_equal(w[0].line, 7);
	assert_string_equal(
	    w[0].text, "limits MemoryMax, TasksMax bound each session, not the user: share = "
		       "\"session\" gives every session's alcove its own, so a user's sessions "
		       "at once use up to max_sessions (16) times them");
	p.max_sessions = 0;
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0].text, "up to any number of times them"));
	p.limits.set = 1u << LIMIT_CPU_WEIGHT; /* a weight is a share already */
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	p.limits.set = 1u << LIMIT_MEMORY_MAX;
	p.cgroup = CGROUP_NONE; /* then nothing is enforced at all: that warning alone */
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0].text, "cgroup = \"none\""));
	profile_done(&p);
}

/* share = "session" with idle: no login returns to a session alcove, so it stops instead */
static void test_idle_session(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	p.on_last_logout = LOGOUT_IDLE;
	p.idle_timeout = 600;
	p.origin[PKEY_ON_LAST_LOGOUT] = (Origin){"x", 4};
	p.origin[PKEY_IDLE_TIMEOUT] = (Origin){"x", 5};
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 0);
	assert_int_equal(profile_last_logout(&p), LOGOUT_IDLE);
	p.share = SHARE_SESSION;
	p.limits.set = 0; /* per session: said apart (test_limits_per_session) */
	assert_int_equal(profile_last_logout(&p), LOGOUT_STOP);
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_int_equal(w[0].line, 4);
	assert_string_equal(w[0].text,
			    "on_last_logout = \"idle\" has no effect with share = \"session\": no "
			    "login can return to a session alcove; it stops at its last logout");
	p.on_last_logout = LOGOUT_KEEP; /* keep does what it says: a process left keeps it */
	assert_int_equal(profile_last_logout(&p), LOGOUT_KEEP);
	assert_int_equal(policy_profile_warnings(&p, w, POLICY_MAX_WARNINGS), 1);
	assert_non_null(strstr(w[0].text, "idle_timeout is not used"));
	profile_done(&p);
}

/* A limit whose controller the kernel lacks is named with it; a whole word must match */
static void test_missing_controllers(void **state)
{
	Profile p;
	PolicyWarning w[POLICY_MAX_WARNINGS];

	(void)state;
	assert_int_equal(profile_init_builtin(&p, "x"), 0);
	p.limits.set = (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX) | (1u << LIMIT_IO_WEIGHT);
	p.limit_origin[LIMIT_TASKS_MAX] = (Origin){"x", 5};
	assert_int_equal(policy_controller_warnings(&p, "cpuset cpu io memory hugetlb pids rdma\n",
						    w, POLICY_MAX_WARNINGS),
			 0);
	assert_int_equal(policy_controller_warnings(&p, "cpuset cpu iox memory hugetlb\n", w,
						    POLICY_MAX_WARNINGS),
			 2);
	assert_int_equal(w[0].line, 5);
	assert_string_equal(
	    w[0].text, "limits.TasksMax is not enforced: this kernel's cgroup v2 has no pids "
		       "controller (/sys/fs/cgroup/cgroup.controllers); systemd sets it on the "
		       "scope and nothing applies it");
	assert_non_null(strstr(w[1].text, "limits.IOWeight"));
	assert_int_equal(policy_controller_warnings(&p, NULL, w, POLICY_MAX_WARNINGS), 0);
	p.cgroup = CGROUP_NONE; /* policy_profile_warnings() says it */
	assert_int_equal(policy_controller_warnings(&p, "", w, POLICY_MAX_WARNINGS), 0);
	profile_done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_profile_has_none),
	    cmocka_unit_test(test_each_no_op_is_named),
	    cmocka_unit_test(test_layer_quota_without_layer),
	    cmocka_unit_test(test_limits_per_session),
	    cmocka_unit_test(test_idle_session),
	    cmocka_unit_test(test_missing_controllers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
