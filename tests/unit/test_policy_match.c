/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy_decide(): rules in order, first match wins; unsafe names and root decided first. */
#include "policy_testlib.h"

static const char rules[] =
    "profiles = { students = { persist = false; }; staff = { }; };\n"
    "rules = (\n"
    "  { user = \"root\"; action = \"skip\"; },\n"			      /* #1, line 3 */
    "  { user = \"admin*\"; action = \"skip\"; },\n"			      /* #2 */
    "  { group = \"students\"; profile = \"students\"; },\n"		      /* #3 */
    "  { user = \"bob\"; service = \"sshd\"; profile = \"staff\"; },\n"	      /* #4 */
    "  { user = \"carol\"; tty = \"pts/*\"; profile = \"staff\"; },\n"	      /* #5 */
    "  { user = \"dave\"; rhost = \"10.0.0.0/16\"; profile = \"staff\"; },\n" /* #6 */
    "  { group = \"wh?el\"; action = \"contain\"; }\n"			      /* #7 */
    ");\n";

static Policy *policy;

static int setup(void **state)
{
	policy = load_ok(rules);
	return 0;
}

static int teardown(void **state)
{
	policy_free(policy);
	return 0;
}

/* A login with its groups; service/tty/rhost as given. */
static Decision decide(const Policy *p, const char *user, uid_t uid, const char *const *groups,
		       const char *service, const char *tty, const char *rhost)
{
	size_t n = 0;
	Decision d;

	while (groups && groups[n])
		n++;
	Login l = {.user = user,
		   .uid = uid,
		   .gid = 1000,
		   .groups = groups,
		   .n_groups = n,
		   .service = service,
		   .tty = tty,
		   .rhost = rhost};
	policy_decide(p, &l, &d);
	return d;
}

#define GROUPS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void assert_rule(const Decision *d, DecisionKind kind, size_t rule_no)
{
	assert_int_equal(d->kind, kind);
	assert_non_null(d->rule);
	assert_int_equal(d->rule_index, rule_no - 1);
}

static void test_user_and_service(void **state)
{
	Decision d = decide(policy, "bob", 1001, GROUPS("bob"), "sshd", NULL, NULL);

	assert_rule(&d, DECISION_CONTAIN, 4);
	assert_string_equal(d.profile->name, "staff");
	assert_non_null(strstr(d.reason, "rule #4 (line 6)"));

	d = decide(policy, "bob", 1001, GROUPS("bob"), "login", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	assert_null(d.rule);
	assert_non_null(strstr(d.reason, "no rule matched"));
	/* no service given: a rule that names one does not match */
	d = decide(policy, "bob", 1001, GROUPS("bob"), NULL, NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
}

static void test_group_supplementary_and_primary(void **state)
{
	/* students is a supplementary group of alice */
	Decision d =
	    decide(policy, "alice", 1002, GROUPS("alice", "audio", "students"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_CONTAIN, 3);
	assert_string_equal(d.profile->name, "students");
	assert_false(d.profile->persist);

	/* ... and the primary group of eve */
	d = decide(policy, "eve", 1003, GROUPS("students"), "login", NULL, NULL);
	assert_rule(&d, DECISION_CONTAIN, 3);

	/* group globs; action = "contain" without a profile means the defaults */
	d = decide(policy, "frank", 1004, GROUPS("frank", "wheel"), NULL, NULL, NULL);
	assert_rule(&d, DECISION_CONTAIN, 7);
	assert_ptr_equal(d.profile, &policy->defaults);

	d = decide(policy, "gina", 1005, GROUPS("gina", "studentsx"), NULL, NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	d = decide(policy, "gina", 1005, NULL, NULL, NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
}

static void test_first_match_wins_and_skip(void **state)
{
	/* admin7 is in students, but rule #2 (skip) comes first */
	Decision d =
	    decide(policy, "admin7", 1006, GROUPS("admin7", "students"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_SKIP, 2);
	assert_null(d.profile);
	assert_non_null(strstr(d.reason, "skip"));

	/* bob in students: #3 comes before #4 */
	d = decide(policy, "bob", 1001, GROUPS("bob", "students"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_CONTAIN, 3);
}

static void test_tty_and_rhost_globs(void **state)
{
	Decision d = decide(policy, "carol", 1007, GROUPS("carol"), "sshd", "pts/3", NULL);

	assert_rule(&d, DECISION_CONTAIN, 5);
	d = decide(policy, "carol", 1007, GROUPS("carol"), "login", "tty1", NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	d = decide(policy, "carol", 1007, GROUPS("carol"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);

	d = decide(policy, "dave", 1008, GROUPS("dave"), "sshd", NULL, "10.0.3.4");
	assert_rule(&d, DECISION_CONTAIN, 6);
	d = decide(policy, "dave", 1008, GROUPS("dave"), "sshd", NULL, "192.168.1.1");
	assert_int_equal(d.kind, DECISION_SKIP);
	d = decide(policy, "dave", 1008, GROUPS("dave"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	/* a reverse DNS name the client chose matches a rule that contains, whatever it spells */
	d = decide(policy, "dave", 1008, GROUPS("dave"), "sshd", NULL, "far.away.example");
	assert_rule(&d, DECISION_CONTAIN, 6);
	assert_non_null(strstr(d.reason, "rhost is a name, not an address: matched toward "
					 "containment"));
	d = decide(policy, "dave", 1008, GROUPS("dave"), "sshd", NULL, "::ffff:10.0.200.1");
	assert_rule(&d, DECISION_CONTAIN, 6);
}

static void test_rhost_cidr(void **state)
{
	assert_true(policy_rhost_matches(NULL, NULL));
	assert_true(policy_rhost_matches(NULL, "host.example"));
	assert_true(policy_rhost_matches("10.0.0.0/8", "10.255.0.1"));
	assert_false(policy_rhost_matches("10.0.0.0/8", "11.0.0.1"));
	assert_true(policy_rhost_matches("192.168.1.128/25", "192.168.1.200"));
	assert_false(policy_rhost_matches("192.168.1.128/25", "192.168.1.127"));
	assert_true(policy_rhost_matches("10.1.2.3", "10.1.2.3"));
	assert_false(policy_rhost_matches("10.1.2.3", "10.1.2.4"));
	assert_true(policy_rhost_matches("0.0.0.0/0", "203.0.113.9"));
	assert_false(policy_rhost_matches("0.0.0.0/0", "2001:db8::1"));
	assert_true(policy_rhost_matches("::1", "::1"));
	assert_true(policy_rhost_matches("::1", "0:0:0:0:0:0:0:1"));
	assert_false(policy_rhost_matches("::1", "127.0.0.1"));
	assert_true(policy_rhost_matches("fe80::/10", "fe80::1%eth0"));
	assert_true(policy_rhost_matches("fe80::/10", "febf::1"));
	assert_false(policy_rhost_matches("fe80::/10", "fec0::1"));
	assert_true(policy_rhost_matches("2001:db8::/32", "2001:db8:ffff::1"));
	assert_true(policy_rhost_matches("10.0.0.0/8", "::ffff:10.1.1.1"));
	assert_true(policy_rhost_matches("::ffff:10.0.0.0/104", "10.1.1.1"));
	/* names, globs, absent: no match */
	assert_false(policy_rhost_matches("10.0.0.0/8", NULL));
	assert_false(policy_rhost_matches("10.0.0.0/8", ""));
	assert_false(policy_rhost_matches("10.0.0.0/8", "10.evil.example"));
	assert_false(policy_rhost_matches("10.0.0.0/8", "10.0.0.1 "));
	assert_false(policy_rhost_matches("10.0.0.0/8", "10.0.0.1/8"));
	assert_false(policy_rhost_matches("*", "10.0.0.1"));

	char why[160];
	assert_int_equal(policy_rhost_check("10.0.0.0/8", why, sizeof(why)), 0);
	assert_int_equal(policy_rhost_check("fe80::/10", why, sizeof(why)), 0);
	assert_int_equal(policy_rhost_check("::1", why, sizeof(why)), 0);
	assert_int_equal(policy_rhost_check("10.0.*", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not an IPv4 or IPv6 address"));
	assert_int_equal(policy_rhost_check("host.example.com", why, sizeof(why)), -EINVAL);
	assert_int_equal(policy_rhost_check("10.0.0.0/33", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "0..32"));
	assert_int_equal(policy_rhost_check("::/129", why, sizeof(why)), -EINVAL);
	assert_int_equal(policy_rhost_check("10.0.0.0/", why, sizeof(why)), -EINVAL);
	assert_int_equal(policy_rhost_check("10.0.0.0/+8", why, sizeof(why)), -EINVAL);
	assert_int_equal(policy_rhost_check("10.0.0.1/8", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "beyond the prefix"));
	assert_int_equal(policy_rhost_check("fe80::1%eth0", why, sizeof(why)), -EINVAL);
}

/* UseDNS yes: PAM_RHOST is a reverse DNS name its address's owner chose. It matches every
 * rhost rule that contains and none that skips, so a name never gets past a rule that
 * contains by rhost to a skip rule below it; an address matches by prefix only. */
static void test_rhost_name_toward_containment(void **state)
{
	Policy *p = load_ok("profiles = { x = { }; };\n"
			    "rules = (\n"
			    "  { rhost = \"192.0.2.0/24\"; action = \"skip\"; },\n" /* #1 */
			    "  { rhost = \"10.0.0.0/8\"; profile = \"x\"; },\n"	    /* #2 */
			    "  { user = \"*\"; action = \"skip\"; }\n"		    /* #3 */
			    ");\n");
	Decision d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "192.0.2.7.example");

	assert_rule(&d, DECISION_CONTAIN, 2); /* not #1: a name matches no skip rule */
	assert_string_equal(d.profile->name, "x");
	assert_non_null(strstr(d.reason, "rule #2 (line 4; rhost is a name"));
	d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "192.0.2.7");
	assert_rule(&d, DECISION_SKIP, 1);
	assert_null(strstr(d.reason, "rhost is a name"));
	d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "10.1.2.3");
	assert_rule(&d, DECISION_CONTAIN, 2);
	assert_null(strstr(d.reason, "rhost is a name"));
	d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "203.0.113.1");
	assert_rule(&d, DECISION_SKIP, 3); /* an address outside both prefixes */
	/* absent or empty (console, su): no rhost rule matches, as before */
	d = decide(p, "eve", 1011, GROUPS("eve"), "login", "tty1", NULL);
	assert_rule(&d, DECISION_SKIP, 3);
	d = decide(p, "eve", 1011, GROUPS("eve"), "login", "tty1", "");
	assert_rule(&d, DECISION_SKIP, 3);
	policy_free(p);

	/* a name never matches a skip rule, even one for any address */
	p = load_ok("rules = ( { rhost = \"::/0\"; action = \"skip\"; } );\n"
		    "default_action = \"contain\";\n");
	d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "host.example");
	assert_int_equal(d.kind, DECISION_CONTAIN);
	assert_null(d.rule);
	d = decide(p, "eve", 1011, GROUPS("eve"), "sshd", NULL, "2001:db8::1");
	assert_rule(&d, DECISION_SKIP, 1);
	policy_free(p);

	assert_true(policy_rhost_is_name("host.example"));
	assert_true(policy_rhost_is_name("10.0.0.1 "));
	assert_true(policy_rhost_is_name("10.0.0.0/8"));
	assert_false(policy_rhost_is_name(NULL));
	assert_false(policy_rhost_is_name(""));
	assert_false(policy_rhost_is_name("10.0.0.1"));
	assert_false(policy_rhost_is_name("fe80::1%eth0"));
	assert_false(policy_rhost_is_name("::ffff:10.0.0.1"));
}

static void test_rhost_config_error(void **state)
{
	assert_load_error("profiles = { s = { }; };\n"
			  "rules = (\n"
			  "  { user = \"a\"; rhost = \"10.0.0.0/8\"; profile = \"s\"; },\n"
			  "  { user = \"b\"; rhost = \"*.example.com\"; profile = \"s\"; }\n"
			  ");\n",
			  4, "rule #2.rhost", "\"*.example.com\"", "not an IPv4 or IPv6 address");
}

static void test_default_action(void **state)
{
	Policy *p = load_ok("profiles = { jail = { network = \"none\"; }; };\n"
			    "rules = ( { group = \"staff\"; action = \"skip\"; } );\n"
			    "default_action = \"contain\";\ndefault_profile = \"jail\";\n");
	Decision d = decide(p, "zed", 1010, GROUPS("zed"), "sshd", NULL, NULL);

	assert_int_equal(d.kind, DECISION_CONTAIN);
	assert_null(d.rule);
	assert_string_equal(d.profile->name, "jail");
	assert_non_null(strstr(d.reason, "default_action"));
	d = decide(p, "zed", 1010, GROUPS("zed", "staff"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_SKIP, 1);
	/* default_action never catches root */
	d = decide(p, "root", 0, GROUPS("root"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	assert_non_null(strstr(d.reason, "root"));
	policy_free(p);

	p = load_ok("default_action = \"contain\";\n");
	d = decide(p, "zed", 1010, GROUPS("zed"), NULL, NULL, NULL);
	assert_int_equal(d.kind, DECISION_CONTAIN);
	assert_ptr_equal(d.profile, &p->defaults);
	policy_free(p);
}

/* A rule with no match key is a catch-all. */
static void test_catch_all_rule(void **state)
{
	Policy *p = load_ok("rules = ( { user = \"ops\"; action = \"skip\"; },\n"
			    "  { action = \"contain\"; } );\n");
	Decision d = decide(p, "anyone", 1011, GROUPS("anyone"), "sshd", NULL, NULL);

	assert_rule(&d, DECISION_CONTAIN, 2);
	d = decide(p, "ops", 1012, GROUPS("ops"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_SKIP, 1);
	/* not root: the catch-all does not apply to uid 0 */
	d = decide(p, "root", 0, GROUPS("root"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	assert_null(d.rule);
	policy_free(p);
}

static void test_root(void **state)
{
	/* root is in students: the group rule must not catch it; rule #1 (user = "root") does */
	Decision d =
	    decide(policy, "root", 0, GROUPS("root", "students", "wheel"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_SKIP, 1);

	/* uid 0 under another name: only user = "root" rules apply, and this one does not match */
	d = decide(policy, "toor", 0, GROUPS("students"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	assert_null(d.rule);

	/* a glob that matches the name "root" still does not apply to uid 0 */
	Policy *p = load_ok("rules = ( { user = \"r*\"; action = \"contain\"; } );\n");
	d = decide(p, "root", 0, GROUPS("root"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	d = decide(p, "rita", 1013, GROUPS("rita"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_CONTAIN);
	policy_free(p);

	/* check-config refuses a rule containing root; a policy that has one anyway refuses */
	p = load_ok("rules = ( { user = \"root\"; action = \"skip\"; } );\n");
	p->rules[0].action = RULE_CONTAIN;
	d = decide(p, "root", 0, GROUPS("root"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_REFUSE, 1);
	assert_non_null(strstr(d.reason, "user root cannot be contained: host uid 0 is never "
					 "mapped into an alcove"));
	policy_free(p);
}

static void test_hostile_names_refused(void **state)
{
	static const char *const bad[] = {
	    "../etc", "a/b", "a\nb", "..", ".", "-rf", "", "bell\a", "tab\tx", "x..y",
	};
	Policy *p = load_ok("rules = ( { user = \"*\"; action = \"skip\"; } );\n");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		Decision d = decide(p, bad[i], 1020, GROUPS("users"), "sshd", NULL, NULL);
		assert_int_equal(d.kind, DECISION_REFUSE);
		assert_null(d.rule); /* before any matching */
		assert_non_null(strstr(d.reason, "is not safe"));
		assert_null(strchr(d.reason, '\n'));
	}
	Decision d = decide(p, NULL, 1020, NULL, NULL, NULL, NULL);
	assert_int_equal(d.kind, DECISION_REFUSE);
	char huge[POLICY_LOGIN_NAME_MAX + 2];
	memset(huge, 'a', sizeof(huge) - 1);
	huge[sizeof(huge) - 1] = '\0';
	d = decide(p, huge, 1020, GROUPS("users"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_REFUSE);
	assert_null(d.rule);
	policy_free(p);
}

/* Not hostile, but not usable in a path: matched normally, refused only if it would be
 * contained (an AD user "alice@corp" on a host whose policy does not select them logs in). */
static void test_unsafe_names_not_contained(void **state)
{
	Policy *p = load_ok("rules = ( { group = \"staff\"; action = \"skip\"; },\n"
			    "  { user = \"*\"; action = \"contain\"; } );\n");
	Decision d =
	    decide(p, "alice@corp", 1021, GROUPS("domain users", "staff"), "sshd", NULL, NULL);

	assert_rule(&d, DECISION_SKIP, 1);
	d = decide(p, "alice@corp", 1021, GROUPS("domain users"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_REFUSE, 2);
	assert_non_null(strstr(d.reason, "\"alice@corp\" cannot be contained"));
	d = decide(p, "a b", 1022, GROUPS("users"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_REFUSE, 2);
	policy_free(p);

	/* and with no rule for them, the shipped default: nothing changes */
	p = load_ok("# the defaults only\n");
	d = decide(p, "alice@corp", 1021, GROUPS("domain users"), "sshd", NULL, NULL);
	assert_int_equal(d.kind, DECISION_SKIP);
	policy_free(p);
}

/* An sssd name longer than a path-safe name (issue 12, 8c): no rule selects it -> skip (the
 * module answers PAM_IGNORE); a rule that selects it -> refused with one line naming it. */
static void test_long_sssd_name(void **state)
{
	static const char name[] = "firstname.lastname@corp.example.com"; /* 35 bytes */
	Policy *p = load_ok("profiles = { s = { }; };\n"
			    "rules = ( { user = \"alcid*\"; profile = \"s\"; } );\n");
	Decision d = decide(p, name, 1030, GROUPS("domain users"), "sshd", NULL, NULL);

	assert_int_equal(d.kind, DECISION_SKIP);
	assert_null(d.rule);
	policy_free(p);
	p = load_ok("profiles = { s = { }; };\n"
		    "rules = ( { user = \"*@corp.example.com\"; profile = \"s\"; } );\n");
	d = decide(p, name, 1030, GROUPS("domain users"), "sshd", NULL, NULL);
	assert_rule(&d, DECISION_REFUSE, 1);
	assert_non_null(strstr(d.reason, "user name \"firstname.lastname@corp.example.com\" "
					 "cannot be contained"));
	assert_null(strchr(d.reason, '\n'));
	policy_free(p);
}

static void test_name_checks(void **state)
{
	assert_false(policy_name_is_hostile("alice"));
	assert_false(policy_name_is_hostile("alice@corp.example"));
	assert_false(policy_name_is_hostile("a b"));
	assert_true(policy_name_is_hostile(NULL));
	assert_true(policy_name_is_hostile(""));
	assert_true(policy_name_is_hostile("."));
	assert_true(policy_name_is_hostile(".."));
	assert_true(policy_name_is_hostile("a/b"));
	assert_true(policy_name_is_hostile("a..b"));
	assert_true(policy_name_is_hostile("a\nb"));
	assert_true(policy_name_is_hostile("a\x7f"));
	assert_true(policy_name_is_hostile("-x"));
	assert_false(policy_name_is_hostile("a23456789012345678901234567890123"));
	assert_false(policy_name_is_hostile("firstname.lastname@corp.example.com"));
	assert_false(policy_name_is_safe("a23456789012345678901234567890123"));
	assert_true(policy_name_is_safe("a2345678901234567890123456789012"));

	assert_true(policy_name_is_safe("alice"));
	assert_true(policy_name_is_safe("Alice.Smith"));
	assert_true(policy_name_is_safe("user_1-x"));
	assert_true(policy_name_is_safe(".hidden"));
	assert_true(policy_name_is_safe("a2345678901234567890123456789012")); /* 32 bytes */
	assert_false(policy_name_is_safe("a23456789012345678901234567890123"));
	assert_false(policy_name_is_safe(NULL));
	assert_false(policy_name_is_safe(""));
	assert_false(policy_name_is_safe("-x"));
	assert_false(policy_name_is_safe("."));
	assert_false(policy_name_is_safe(".."));
	assert_false(policy_name_is_safe("a..b"));
	assert_false(policy_name_is_safe("a/b"));
	assert_false(policy_name_is_safe("a b"));
	assert_false(policy_name_is_safe("a:b"));
	assert_false(policy_name_is_safe("a\nb"));
	assert_false(policy_name_is_safe("a\x7f"));
	assert_false(policy_name_is_safe("caf\xc3\xa9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_and_service),
	    cmocka_unit_test(test_group_supplementary_and_primary),
	    cmocka_unit_test(test_first_match_wins_and_skip),
	    cmocka_unit_test(test_tty_and_rhost_globs),
	    cmocka_unit_test(test_default_action),
	    cmocka_unit_test(test_catch_all_rule),
	    cmocka_unit_test(test_root),
	    cmocka_unit_test(test_hostile_names_refused),
	    cmocka_unit_test(test_long_sssd_name),
	    cmocka_unit_test(test_rhost_cidr),
	    cmocka_unit_test(test_rhost_name_toward_containment),
	    cmocka_unit_test(test_rhost_config_error),
	    cmocka_unit_test(test_unsafe_names_not_contained),
	    cmocka_unit_test(test_name_checks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
