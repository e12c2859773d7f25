/* SPDX-License-Identifier: GPL-2.0-or-later */
/* login_from_passwd(): the login is named by the passwd entry NSS returned, never by the
 * spelling that was asked (issue 12, 8b: sssd/LDAP with case_sensitive = false find "ALCIDX"
 * as alcidx; rules, paths and unit names must see alcidx). */
#include <pwd.h>

#include "login.h"
#include "policy_testlib.h"

/* What a case-insensitive NSS answers for getpwnam("ALCIDX"). */
static struct passwd entry(char *name)
{
	return (struct passwd){.pw_name = name,
			       .pw_passwd = (char *)"x",
			       .pw_uid = 4242,
			       .pw_gid = 0,
			       .pw_dir = (char *)"/home/alcidx",
			       .pw_shell = (char *)"/bin/sh"};
}

static void test_named_by_pw_name(void **state)
{
	struct passwd pw = entry((char *)"alcidx");
	Policy *p = load_ok("profiles = { s = { }; };\n"
			    "rules = ( { user = \"alcidx\"; profile = \"s\"; } );\n");
	LoginInfo *li = NULL;
	Decision d;

	assert_int_equal(login_from_passwd(&pw, "sshd", "ssh", "10.0.0.1", &li), 0);
	assert_string_equal(li->user, "alcidx");
	assert_string_equal(li->login.user, "alcidx");
	assert_int_equal(li->uid, 4242);
	assert_string_equal(li->home, "/home/alcidx");
	assert_string_equal(li->login.rhost, "10.0.0.1");
	/* the primary group's name, looked up by gid */
	assert_true(li->login.n_groups >= 1);
	assert_string_equal(li->login.groups[0], "root");
	policy_decide(p, &li->login, &d);
	assert_int_equal(d.kind, DECISION_CONTAIN);
	assert_int_equal(d.rule_index, 0);
	login_info_free(li);
	policy_free(p);
}

static void test_hostile_answer_refused(void **state)
{
	struct passwd pw = entry((char *)"../root");
	LoginInfo *li = NULL;

	assert_int_equal(login_from_passwd(&pw, NULL, NULL, NULL, &li), -EINVAL);
	assert_null(li);
}

/* files NSS is case-sensitive: the name as typed finds nothing, and nothing is guessed */
static void test_lookup_exact(void **state)
{
	LoginInfo *li = NULL;

	assert_int_equal(login_lookup("root", NULL, NULL, NULL, &li), 0);
	assert_string_equal(li->user, "root");
	login_info_free(li);
	li = NULL;
	assert_int_equal(login_lookup("a/b", NULL, NULL, NULL, &li), -EINVAL);
	assert_int_equal(login_lookup("alcid-no-such-user", NULL, NULL, NULL, &li), -ENOENT);
	assert_null(li);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_named_by_pw_name),
	    cmocka_unit_test(test_hostile_answer_refused),
	    cmocka_unit_test(test_lookup_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
