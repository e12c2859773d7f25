/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether one of sshd's Match lines selects a connection (common/sshd_match.c), as sshd's
 * match_cfg_line() decides it; what PAM cannot know is assumed to select it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sshd_match.h"

static const char *const groups[] = {"alice", "staff", "sftp-users"};
static const SshdConn conn = {.user = "alice", .host = "192.0.2.7", .groups = groups,
			      .n_groups = 3};

/* the verdict, and the criteria assumed in `unknown` */
static int match(const SshdConn *c, const char *line, char *unknown, size_t size)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", line);
	return sshd_match_line(c, buf, unknown, size);
}

static void assert_match(const char *line, int want, const char *want_unknown)
{
	char unknown[128];

	assert_int_equal(match(&conn, line, unknown, sizeof(unknown)), want);
	assert_string_equal(unknown, want_unknown);
}

static void test_user_group(void **state)
{
	assert_match("User alice", 1, "");
	assert_match("user ALICE", 0, ""); /* the keyword folds, the user name does not */
	assert_match("User bob,al*", 1, "");
	assert_match("User a?ice", 1, "");
	assert_match("User *,!alice", 0, ""); /* a negated match rejects the list */
	assert_match("User !bob", 0, "");     /* negation alone matches nothing (sshd) */
	assert_match("Group sftp-users", 1, "");
	assert_match("Group sftponly", 0, "");
	assert_match("Group sftp*", 1, "");
	assert_match("Group *,!staff", 0, ""); /* any group negated rejects (ga_match) */
	assert_match("Group Staff", 0, "");
}

/* Words as sshd 9.2's strdelim() cuts them (checked with sshd -T -C): a quote anywhere drops
 * out ("a\"lice\"" is alice), one '=' separates, an unmatched quote is malformed. */
static void test_quoting(void **state)
{
	assert_match("User a\"lice\"", 1, "");
	assert_match("User=alice", 1, "");
	assert_match("User = alice", 1, "");
	assert_match("\"User\" \"alice\"", 1, "");
	assert_match("User \"bob alice\"", 0, ""); /* one pattern with a blank in it */
	assert_match("User alice # a comment", 1, "");
	assert_match("User \"alice", 1, "a malformed Match");
}

/* sshd matches User against the name the client typed (getpwnamallow()); a case-insensitive
 * NSS answers "Alice" with the account alice: a line that selects either name selects it. */
static void test_typed_user(void **state)
{
	SshdConn typed = conn;
	char unknown[64];

	typed.typed_user = "Alice";
	assert_int_equal(match(&typed, "User Alice", unknown, sizeof(unknown)), 1);
	assert_string_equal(unknown, "");
	assert_int_equal(match(&typed, "User alice", NULL, 0), 1);
	assert_int_equal(match(&typed, "User bob", NULL, 0), 0);
	/* one name for the whole line, as sshd: neither selects this one */
	assert_int_equal(match(&typed, "User Alice User alice", NULL, 0), 0);
	assert_int_equal(match(&typed, "User !alice,A*", NULL, 0), 1); /* by the typed name */
	assert_int_equal(match(&typed, "User A* LocalPort 22", unknown, sizeof(unknown)), 1);
	assert_string_equal(unknown, "LocalPort");
	assert_int_equal(match(&conn, "User Alice", NULL, 0), 0); /* typed the account's name */
}

static void test_host_address(void **state)
{
	SshdConn named = conn;

	assert_match("Address 192.0.2.0/24", 1, "");
	assert_match("Address 192.0.2.8/32,10.0.0.0/8", 0, "");
	assert_match("Address 192.0.2.*", 1, "");
	assert_match("Address 0.0.0.0/0,!192.0.2.0/28", 0, "");
	assert_match("Address 2001:db8::/32", 0, "");
	assert_match("Address 192.0.2.1/24", 1, "Address"); /* host bits set: sshd refuses it */
	assert_match("Host 192.0.2.7", 1, "");
	named.host = "WS1.Example.org";
	assert_int_equal(match(&named, "Host *.example.ORG", NULL, 0), 1);
	assert_int_equal(match(&named, "Host *.example.com", NULL, 0), 0);
	char unknown[64];
	assert_int_equal(match(&named, "Address 10.0.0.0/8", unknown, sizeof(unknown)), 1);
	assert_string_equal(unknown, "Address"); /* a name: the address is not known */
	named.host = NULL;
	assert_int_equal(match(&named, "Host *", unknown, sizeof(unknown)), 1);
	assert_string_equal(unknown, "Host");
	assert_int_equal(sshd_addr_match_list("2001:db8::5", "2001:db8::/64"), 1);
	assert_int_equal(sshd_addr_match_list("2001:db8::5", "!2001:db8::/64,*"), -1);
	assert_int_equal(sshd_addr_match_list("10.1.2.3", "10.1.2.3/33"), -2);
}

static void test_unknown_and_all(void **state)
{
	assert_match("All", 1, "");
	assert_match("all", 1, "");
	assert_match("LocalPort 2421", 1, "LocalPort");
	assert_match("LocalAddress 10.0.0.1 RDomain red", 1, "LocalAddress, RDomain");
	assert_match("Exec /bin/true", 1, "Exec");
	assert_match("Version OpenSSH*", 1, "Version");
	/* a criterion that fails decides, whatever is unknown */
	assert_match("LocalPort 22 User bob", 0, "");
	assert_match("User alice LocalPort 22", 1, "LocalPort");
	assert_match("User", 1, "a malformed Match");
	assert_match("User \"alice\" Group staff", 1, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_group),	    cmocka_unit_test(test_typed_user),
	    cmocka_unit_test(test_quoting),	    cmocka_unit_test(test_host_address),
	    cmocka_unit_test(test_unknown_and_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
