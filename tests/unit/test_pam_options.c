/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pam_alcove.so's module arguments (pam_module/options.c), and the groups of open's answer
 * it keeps for setcred (pam_module/opened.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../pam_module/opened.h"
#include "../../pam_module/options.h"

static void test_defaults(void **state)
{
	PamOptions o;

	pam_options_parse(0, NULL, &o);
	assert_string_equal(o.config, SYSCONFDIR "/alcove/alcove.conf");
	assert_string_equal(o.helper, LIBEXECDIR "/alcove-helper");
	assert_false(o.debug);
	assert_null(o.sshd_config);
	assert_int_equal(o.n_unknown, 0);
	assert_null(o.invalid);
}

static void test_all_known(void **state)
{
	const char *argv[] = {"config=/run/a.conf", "debug", "helper=/opt/x/alcove-helper",
			      "sshd_config=/etc/ssh/other_config"};
	PamOptions o;

	pam_options_parse(4, argv, &o);
	assert_string_equal(o.sshd_config, "/etc/ssh/other_config");
	assert_string_equal(o.config, "/run/a.conf");
	assert_string_equal(o.helper, "/opt/x/alcove-helper");
	assert_true(o.debug);
	assert_int_equal(o.n_unknown, 0);
	assert_null(o.invalid);
}

static void test_last_one_wins(void **state)
{
	const char *argv[] = {"config=/a", "config=/b"};
	PamOptions o;

	pam_options_parse(2, argv, &o);
	assert_string_equal(o.config, "/b");
}

static void test_unknown_kept_for_logging(void **state)
{
	const char *argv[] = {"debug=1", "configx=/a", "config", "nodebug", "config=/ok"};
	PamOptions o;

	pam_options_parse(5, argv, &o);
	/* "debug=1" and "config" (no value) are not the options they resemble */
	assert_false(o.debug);
	assert_int_equal(o.n_unknown, 4);
	assert_string_equal(o.unknown[0], "debug=1");
	assert_string_equal(o.unknown[1], "configx=/a");
	assert_string_equal(o.unknown[2], "config");
	assert_string_equal(o.unknown[3], "nodebug");
	assert_string_equal(o.config, "/ok");
}

static void test_many_unknown_counted(void **state)
{
	const char *argv[PAM_OPTIONS_MAX_UNKNOWN + 3];
	PamOptions o;

	for (size_t i = 0; i < PAM_OPTIONS_MAX_UNKNOWN + 3; i++)
		argv[i] = "x";
	pam_options_parse(PAM_OPTIONS_MAX_UNKNOWN + 3, argv, &o);
	assert_int_equal(o.n_unknown, PAM_OPTIONS_MAX_UNKNOWN + 3);
}

static void test_relative_paths_invalid(void **state)
{
	const char *argv[] = {"config=alcove.conf", "helper=", "helper=bin/h"};
	PamOptions o;

	pam_options_parse(3, argv, &o);
	assert_string_equal(o.invalid, "config=alcove.conf"); /* the first one is reported */
	assert_string_equal(o.config, SYSCONFDIR "/alcove/alcove.conf");
	assert_string_equal(o.helper, LIBEXECDIR "/alcove-helper");
}

static void test_null_argv_entry_ignored(void **state)
{
	const char *argv[] = {NULL, "debug"};
	PamOptions o;

	pam_options_parse(2, argv, &o);
	assert_true(o.debug);
	assert_int_equal(o.n_unknown, 0);
}

static void test_groups_parsed(void **state)
{
	Opened s = {0};

	assert_int_equal(opened_parse_groups(&s, "1001"), 0);
	assert_int_equal(s.n_groups, 1);
	assert_int_equal(s.groups[0], 1001);
	assert_int_equal(opened_parse_groups(&s, "1001,5,4294967294"), 0);
	assert_int_equal(s.n_groups, 3);
	assert_int_equal(s.groups[1], 5);
	assert_int_equal(s.groups[2], 4294967294u);
}

/* Anything but decimal gids separated by single commas is refused: no set of groups is made up
 * from an answer that is not one. */
static void test_groups_refused(void **state)
{
	const char *bad[] = {NULL, "", ",", "1001,", ",1001", "1001,,5", "-1", "+5", " 5",
			     "5 ", "1001;5", "4294967295", "99999999999999999999", "0x10"};
	char many[(POLICY_MAX_GROUPS + 2) * 3] = "";
	Opened s = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(opened_parse_groups(&s, bad[i]), -EINVAL);
	for (int i = 0; i < POLICY_MAX_GROUPS + 1; i++)
		strcat(many, i ? ",7" : "7");
	assert_int_equal(opened_parse_groups(&s, many), 0);
	assert_int_equal(s.n_groups, POLICY_MAX_GROUPS + 1);
	strcat(many, ",7");
	assert_int_equal(opened_parse_groups(&s, many), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_all_known),
	    cmocka_unit_test(test_last_one_wins),
	    cmocka_unit_test(test_unknown_kept_for_logging),
	    cmocka_unit_test(test_many_unknown_counted),
	    cmocka_unit_test(test_relative_paths_invalid),
	    cmocka_unit_test(test_null_argv_entry_ignored),
	    cmocka_unit_test(test_groups_parsed),
	    cmocka_unit_test(test_groups_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
