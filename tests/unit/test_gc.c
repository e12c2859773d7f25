/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gc's decisions (helper/verbs/gc_names.c): what is half-built, what is user data, which run dirs
 * are dead, which scopes belong to a user, the bounded report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../helper/verbs/gc_names.h"

static void test_persist_complete_is_kept(void **state)
{
	PersistScan s = {.has_layer = true, .has_upper = true, .has_work = true};
	const char *why;

	assert_int_equal(gc_persist_action(&s, false, &why), GC_KEEP);
	s.upper_has_data = true;
	assert_int_equal(gc_persist_action(&s, true, &why), GC_KEEP); /* force never */
	assert_string_equal(why, "complete");
}

static void test_persist_half_built_is_removed(void **state)
{
	PersistScan empty = {.empty = true};
	PersistScan layer_only = {.has_layer = true};
	PersistScan no_upper = {.has_layer = true, .has_work = true};
	PersistScan no_work = {.has_layer = true, .has_upper = true};
	const char *why;

	assert_int_equal(gc_persist_action(&empty, false, &why), GC_REMOVE);
	assert_string_equal(why, "empty");
	assert_int_equal(gc_persist_action(&layer_only, false, &why), GC_REMOVE);
	assert_string_equal(why, "layer/upper and layer/work missing");
	assert_int_equal(gc_persist_action(&no_upper, false, &why), GC_REMOVE);
	assert_string_equal(why, "layer/upper missing");
	assert_int_equal(gc_persist_action(&no_work, false, &why), GC_REMOVE);
	assert_string_equal(why, "layer/work missing, layer/upper empty");
}

static void test_persist_user_data_needs_force(void **state)
{
	PersistScan s = {.has_layer = true, .has_upper = true, .upper_has_data = true};
	const char *why;

	assert_int_equal(gc_persist_action(&s, false, &why), GC_KEEP_DATA);
	assert_non_null(strstr(why, "holds the user's files"));
	assert_int_equal(gc_persist_action(&s, true, &why), GC_REMOVE);
}

static void test_persist_unknown_is_left_alone(void **state)
{
	PersistScan no_layer = {.other_entries = true};
	PersistScan extra = {.has_layer = true, .other_entries = true};
	const char *why;

	assert_int_equal(gc_persist_action(&no_layer, true, &why), GC_KEEP_ODD);
	assert_int_equal(gc_persist_action(&extra, true, &why), GC_KEEP_ODD);
}

static void test_run_action(void **state)
{
	const char *why;

	assert_int_equal(gc_run_action(0, true, &why), GC_KEEP);
	assert_int_equal(gc_run_action(0, false, &why), GC_REMOVE);
	assert_string_equal(why, "init is gone");
	assert_int_equal(gc_run_action(-ENOENT, false, &why), GC_REMOVE);
	assert_non_null(strstr(why, "no state"));
	assert_int_equal(gc_run_action(-EBADMSG, false, &why), GC_REMOVE);
	assert_non_null(strstr(why, "corrupt"));
	assert_int_equal(gc_run_action(-EFBIG, false, &why), GC_REMOVE);
	/* a read that failed for now says nothing: its init may run, kept */
	assert_int_equal(gc_run_action(-EMFILE, false, &why), GC_KEEP_ODD);
	assert_non_null(strstr(why, "may run"));
	assert_int_equal(gc_run_action(-EIO, false, &why), GC_KEEP_ODD);
	assert_true(gc_state_read_failed(-ENOMEM));
	assert_false(gc_state_read_failed(-ENOENT));
	assert_false(gc_state_read_failed(-EBADMSG));
	assert_false(gc_state_read_failed(0));
}

static void test_names(void **state)
{
	uid_t uid = 0;

	assert_true(gc_is_persist_name("alice"));
	assert_false(gc_is_persist_name("images"));
	assert_false(gc_is_persist_name(".."));
	assert_false(gc_is_persist_name("-x"));
	assert_int_equal(gc_name_uid("1000", &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gc_name_uid("1000-0123abcd", &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gc_name_uid("shell", &uid), -EINVAL);
	assert_int_equal(gc_name_uid("1000-xyz", &uid), -EINVAL);
	assert_int_equal(gc_name_uid("99999999999", &uid), -EINVAL);
}

static void test_scope_is_ours(void **state)
{
	assert_true(gc_scope_is_ours("alcove-alice.scope", NULL, 0));
	assert_false(gc_scope_is_ours("session-1.scope", NULL, 0));
	assert_false(gc_scope_is_ours("alcove-.scope", NULL, 0));
	assert_false(gc_scope_is_ours("alcove-alice.service", NULL, 0));
	assert_true(gc_scope_is_ours("alcove-alice.scope", "alice", 1000));
	assert_false(gc_scope_is_ours("alcove-alice2.scope", "alice", 1000));
	/* systemd-escape: '-' -> \x2d */
	assert_true(gc_scope_is_ours("alcove-ci\\x2drunner.scope", "ci-runner", 1001));
	assert_false(gc_scope_is_ours("alcove-ci-runner.scope", "ci-runner", 1001));
	assert_true(gc_scope_is_ours("alcove-1000\\x2d0123abcd.scope", "alice", 1000));
	assert_false(gc_scope_is_ours("alcove-10000\\x2d0123abcd.scope", "alice", 1000));
}

static void test_report_bounded(void **state)
{
	GcReport r = {0};
	const char *text;
	unsigned lines = 0;

	gc_report_add(&r, "removed %s: %s", "/run/alcove/1000", "init is gone");
	assert_string_equal(gc_report_text(&r), "removed /run/alcove/1000: init is gone\n");
	gc_report_add(&r, "a\nb");
	for (int i = 0; i < 1000; i++)
		gc_report_add(&r, "line %d of a long report about leftovers", i);
	text = gc_report_text(&r);
	assert_true(strlen(text) < sizeof(r.buf));
	assert_non_null(strstr(text, "a b\n"));
	assert_non_null(strstr(text, " more not shown\n"));
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_true(lines > 10 && lines < 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_persist_complete_is_kept),
	    cmocka_unit_test(test_persist_half_built_is_removed),
	    cmocka_unit_test(test_persist_user_data_needs_force),
	    cmocka_unit_test(test_persist_unknown_is_left_alone),
	    cmocka_unit_test(test_run_action),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_scope_is_ours),
	    cmocka_unit_test(test_report_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
