/* SPDX-License-Identifier: GPL-2.0-or-later */
/* user_manager_decide(): a user manager only for users no login of whom can be contained. */
#include "policy_testlib.h"

#include "../../ctl/user_manager_rules.h"
#include "macro.h"

#define GROUPS(...) ((const char *const[]){__VA_ARGS__, NULL})

static Login login(const char *user, uid_t uid, const char *const *groups)
{
	size_t n = 0;

	while (groups && groups[n])
		n++;
	return (Login){.user = user, .uid = uid, .gid = 1000, .groups = groups, .n_groups = n};
}

/* Whether policy_decide() contains some login of l among a spread of services, ttys and
 * rhosts (absent ones included). */
static bool some_login_contained(const Policy *p, Login l)
{
	static const char *const services[] = {NULL, "sshd", "login", "su-l", "cron"};
	static const char *const ttys[] = {NULL, "pts/0", "tty1", "ssh"};
	static const char *const rhosts[] = {NULL, "10.0.0.1", "192.168.1.1", "::ffff:10.1.2.3",
					     "host.example"};
	Decision d;

	for (size_t s = 0; s < ELEMENTSOF(services); s++)
		for (size_t t = 0; t < ELEMENTSOF(ttys); t++)
			for (size_t h = 0; h < ELEMENTSOF(rhosts); h++) {
				l.service = services[s];
				l.tty = ttys[t];
				l.rhost = rhosts[h];
				policy_decide(p, &l, &d);
				if (d.kind == DECISION_CONTAIN)
					return true;
			}
	return false;
}

/* The verdict, checked against policy_decide(): allowed means no login is contained. */
static UserManagerDecision verdict(const Policy *p, Login l)
{
	UserManagerDecision d;

	user_manager_decide(p, &l, &d);
	if (d.allowed)
		assert_false(some_login_contained(p, l));
	return d;
}

static const char rules[] =
    "profiles = { staff = { }; };\n"
    "rules = (\n"
    "  { user = \"root\"; action = \"skip\"; },\n"				/* #1, line 3 */
    "  { user = \"admin*\"; action = \"skip\"; },\n"				/* #2 */
    "  { user = \"ops\"; service = \"sshd\"; action = \"skip\"; },\n"		/* #3 */
    "  { group = \"students\"; profile = \"staff\"; },\n"			/* #4 */
    "  { user = \"bob\"; service = \"sshd\"; profile = \"staff\"; },\n"		/* #5 */
    "  { user = \"dave\"; rhost = \"10.0.0.0/8\"; profile = \"staff\"; },\n"	/* #6 */
    "  { user = \"eve\"; tty = \"*\"; service = \"*\"; action = \"skip\"; },\n" /* #7 */
    "  { group = \"wheel\"; action = \"contain\"; }\n"				/* #8 */
    ");\n";

static void test_rules(void **state)
{
	Policy *p = load_ok(rules);
	UserManagerDecision d;

	/* no rule names carol: default_action = "skip" */
	d = verdict(p, login("carol", 1001, GROUPS("carol")));
	assert_true(d.allowed);
	assert_null(d.rule);
	assert_non_null(strstr(d.reason, "default_action = \"skip\""));

	/* a contain rule by group, primary or supplementary */
	d = verdict(p, login("alice", 1002, GROUPS("alice", "students")));
	assert_false(d.allowed);
	assert_int_equal(d.rule_index, 3);
	assert_non_null(strstr(d.reason, "rule #4 (line 6) may contain"));

	/* contained for sshd only: still no manager, whichever service starts it */
	d = verdict(p, login("bob", 1003, GROUPS("bob")));
	assert_false(d.allowed);
	assert_int_equal(d.rule_index, 4);
	d = verdict(p, login("dave", 1004, GROUPS("dave")));
	assert_false(d.allowed);
	assert_int_equal(d.rule_index, 5);

	/* a skip of every login before any contain rule */
	d = verdict(p, login("admin3", 1005, GROUPS("admin3", "students", "wheel")));
	assert_true(d.allowed);
	assert_int_equal(d.rule_index, 1);
	assert_non_null(strstr(d.reason, "skips every login"));
	/* "*" matches every value, the absent one too */
	d = verdict(p, login("eve", 1006, GROUPS("eve", "wheel")));
	assert_true(d.allowed);
	assert_int_equal(d.rule_index, 6);

	/* a skip of sshd logins only: the rules below still contain the others */
	d = verdict(p, login("ops", 1007, GROUPS("ops", "wheel")));
	assert_false(d.allowed);
	assert_int_equal(d.rule_index, 7);
	d = verdict(p, login("ops", 1007, GROUPS("ops")));
	assert_true(d.allowed);
	assert_null(d.rule);

	/* root: always, whatever rules say of its groups */
	d = verdict(p, login("root", 0, GROUPS("root", "students", "wheel")));
	assert_true(d.allowed);
	assert_non_null(strstr(d.reason, "root"));
	d = verdict(p, login("toor", 0, GROUPS("wheel")));
	assert_true(d.allowed);
	policy_free(p);
}

static void test_default_action_contain(void **state)
{
	Policy *p = load_ok("rules = ( { group = \"staff\"; action = \"skip\"; },\n"
			    "  { user = \"ci\"; service = \"cron\"; action = \"skip\"; } );\n"
			    "default_action = \"contain\";\n");
	UserManagerDecision d;

	d = verdict(p, login("zed", 1010, GROUPS("zed")));
	assert_false(d.allowed);
	assert_null(d.rule);
	assert_non_null(strstr(d.reason, "default_action = \"contain\""));
	d = verdict(p, login("ci", 1011, GROUPS("ci")));
	assert_false(d.allowed);
	d = verdict(p, login("sam", 1012, GROUPS("sam", "staff")));
	assert_true(d.allowed);
	assert_int_equal(d.rule_index, 0);
	/* root, without any rule for it: allowed; the policy is not even read */
	user_manager_decide(NULL, &(Login){.user = "root", .uid = 0}, &d);
	assert_true(d.allowed);
	policy_free(p);
}

/* A skip rule by rhost leaves every login without an address (console, su) to the rules
 * below: no rhost pattern matches those. */
static void test_rhost_skip(void **state)
{
	Policy *p =
	    load_ok("rules = ( { user = \"ann\"; rhost = \"10.0.0.0/8\"; action = \"skip\"; },\n"
		    "  { user = \"bo\"; tty = \"*\"; action = \"skip\"; },\n"
		    "  { action = \"contain\"; } );\n");
	UserManagerDecision d;

	d = verdict(p, login("ann", 1030, GROUPS("ann")));
	assert_false(d.allowed);
	assert_int_equal(d.rule_index, 2);
	d = verdict(p, login("bo", 1031, GROUPS("bo")));
	assert_true(d.allowed);
	assert_int_equal(d.rule_index, 1);
	policy_free(p);
}

/* Names the module refuses (and so never lets in uncontained) get no manager either; a name
 * that is only unsafe as a path is matched like any other. */
static void test_names(void **state)
{
	Policy *p = load_ok("rules = ( { user = \"a*\"; profile = \"defaults\"; } );\n");
	UserManagerDecision d;

	user_manager_decide(p, &(Login){.user = "../x", .uid = 1020}, &d);
	assert_false(d.allowed);
	assert_null(d.rule);
	user_manager_decide(p, &(Login){.user = "", .uid = 1021}, &d);
	assert_false(d.allowed);
	d = verdict(p, login("ann@corp", 1022, GROUPS("staff")));
	assert_false(d.allowed);
	d = verdict(p, login("bo@corp", 1023, GROUPS("staff")));
	assert_true(d.allowed);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_default_action_contain),
	    cmocka_unit_test(test_rhost_skip),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
