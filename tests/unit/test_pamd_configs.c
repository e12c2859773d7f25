/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config= of pam_alcove.so lines in pam.d text (ctl/pamd_configs.c), read as libpam does:
 * what `alcovectl user-manager` must find, or a config= policy's users get a host manager. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../ctl/pamd_configs.h"

static PamdConfigs parse(const char *text)
{
	PamdConfigs c = {0};

	assert_int_equal(pamd_configs_parse(text, &c), 0);
	return c;
}

static void test_plain_and_control_syntax(void **state)
{
	PamdConfigs c = parse("session optional pam_systemd.so config=/not/ours\n"
			      "session required pam_alcove.so config=/etc/alcove/a.conf debug\n"
			      "-session [success=ok default=bad] /lib/security/pam_alcove.so "
			      "debug config=/etc/alcove/b.conf\n"
			      "session\trequired\tpam_alcove.so\tconfig=/etc/alcove/a.conf\n");

	assert_int_equal(c.n, 2);
	assert_string_equal(c.path[0], "/etc/alcove/a.conf");
	assert_string_equal(c.path[1], "/etc/alcove/b.conf");
	pamd_configs_clear(&c);
}

static void test_comments_and_continuation(void **state)
{
	PamdConfigs c = parse("# session required pam_alcove.so config=/commented\n"
			      "session required pam_unix.so # pam_alcove.so config=/trailing\n"
			      "session required \\\n"
			      "   pam_alcove.so \\\n"
			      "   config=/etc/alcove/cont.conf\n"
			      "session required pam_alcove.so config=/last.conf");

	assert_int_equal(c.n, 2);
	assert_string_equal(c.path[0], "/etc/alcove/cont.conf");
	assert_string_equal(c.path[1], "/last.conf");
	pamd_configs_clear(&c);
}

/* What libpam's line assembly does and a naive reading misses (each a config= libpam passes,
 * compared with Debian's libpam 1.5.2 in a review): a blank after the '\', a comment line or
 * an empty line between the parts of a continued line. */
static void test_continuation_as_libpam(void **state)
{
	PamdConfigs c = parse("session required \\ \t\n"
			      "pam_alcove.so config=/a.conf\n"
			      "session required \\\n"
			      "# between\n"
			      "pam_alcove.so config=/b.conf\n"
			      "session required \\\n"
			      "\n"
			      "pam_alcove.so config=/c.conf\n"
			      "session required pam_unix.so \\# a comment ends the line\n"
			      "session required pam_alcove.so config=/d.conf\n");

	assert_int_equal(c.n, 4);
	assert_string_equal(c.path[0], "/a.conf");
	assert_string_equal(c.path[1], "/b.conf");
	assert_string_equal(c.path[2], "/c.conf");
	assert_string_equal(c.path[3], "/d.conf");
	pamd_configs_clear(&c);
}

/* What cannot be told the way libpam reads it is refused: a line past libpam's 1023 bytes
 * (it reads the rest as a line of its own), more than 64 fields (libpam passes them all). */
static void test_unreadable_refused(void **state)
{
	char text[2048];
	PamdConfigs c = {0};
	size_t n;

	n = (size_t)snprintf(text, sizeof(text), "#");
	while (n < 1100)
		text[n++] = 'x';
	snprintf(text + n, sizeof(text) - n, "session required pam_alcove.so config=/x\n");
	assert_int_equal(pamd_configs_parse(text, &c), -E2BIG);
	pamd_configs_clear(&c);
	n = (size_t)snprintf(text, sizeof(text), "session required pam_alcove.so");
	for (int i = 0; i < 61; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, " debug");
	snprintf(text + n, sizeof(text) - n, " config=/x\n");
	assert_int_equal(pamd_configs_parse(text, &c), -E2BIG);
	pamd_configs_clear(&c);
}

static void test_bracketed_args_and_includes(void **state)
{
	PamdConfigs c = parse("@include common-session\n"
			      "session include alcove-extra\n"
			      "session required pam_alcove.so [config=/etc/al cove/s p.conf]\n"
			      "session required pam_alcove.so [config=/x\\]y.conf]\n"
			      "session required pam_alcove.so config=\n"
			      "session required pam_alcove.so.bak config=/not/ours\n");

	assert_int_equal(c.n, 3);
	assert_string_equal(c.path[0], "/etc/al cove/s p.conf");
	assert_string_equal(c.path[1], "/x]y.conf");
	assert_string_equal(c.path[2], "");
	pamd_configs_clear(&c);
}

/* A file taken in by an absolute path is one libpam reads and the scan of /etc/pam.d does not:
 * its pam_alcove.so lines would be missed, so the text is refused (-EXDEV). */
static void test_absolute_include_refused(void **state)
{
	static const char *const refused[] = {
	    "@include /srv/pam/extra\n",
	    "session include /srv/pam/extra\n",
	    "auth substack /srv/pam/extra\n",
	    "-session include /srv/pam/extra\n",
	    /* keywords without case, as libpam compares them */
	    "session INCLUDE /srv/pam/extra\n",
	    "session Substack /srv/pam/extra\n",
	    "@INCLUDE /srv/pam/extra\n",
	    /* names outside the directory's own: libpam opens /etc/pam.d/NAME */
	    "session include ../../srv/pam/x\n",
	    "@include sub/x\n",
	    "session include .hidden\n",
	};
	PamdConfigs c = {0};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(pamd_configs_parse(refused[i], &c), -EXDEV);
		pamd_configs_clear(&c);
	}
	assert_int_equal(pamd_configs_parse("session include common-session\n", &c), 0);
	assert_int_equal(c.n, 0);
	pamd_configs_clear(&c);
}

static void test_none(void **state)
{
	PamdConfigs c = parse("");

	assert_int_equal(c.n, 0);
	c = parse("session required pam_alcove.so debug\n\n\n");
	assert_int_equal(c.n, 0);
	pamd_configs_clear(&c);
}

/* The auth stack: pam_alcove in it (auth or -auth, any control, by path or name), and the
 * files it takes auth lines from; another type's pam_alcove line and includes do not count. */
static void test_auth(void **state)
{
	PamdStack a = {0};

	assert_int_equal(pamd_stack_parse("@include common-auth\n"
					  "account include common-account\n"
					  "session required pam_alcove.so\n"
					  "auth [success=1 default=ignore] pam_unix.so\n"
					  "auth substack system-auth\n"
					  "auth include common-auth # again\n",
					  &a),
			 0);
	assert_false(a.alcove);
	assert_int_equal(a.include.n, 2);
	assert_string_equal(a.include.path[0], "common-auth");
	assert_string_equal(a.include.path[1], "system-auth");
	assert_int_equal(pamd_stack_parse("# auth optional pam_alcove.so\n", &a), 0);
	assert_false(a.alcove);
	assert_int_equal(pamd_stack_parse("-auth optional /lib/security/pam_alcove.so\n", &a), 0);
	assert_true(a.alcove);
	pamd_stack_clear(&a);
	assert_int_equal(pamd_stack_parse("auth\t[default=ignore]\tpam_alcove.so debug\n", &a), 0);
	assert_true(a.alcove);
	pamd_stack_clear(&a);
}

/* The session stack: the same reading, for session lines only. */
static void test_session(void **state)
{
	PamdStack s = {.type = "session"};

	assert_int_equal(pamd_stack_parse("auth optional pam_alcove.so\n"
					  "auth include common-auth\n"
					  "session include common-session\n"
					  "-session optional pam_systemd.so\n",
					  &s),
			 0);
	assert_false(s.alcove);
	assert_int_equal(s.include.n, 1);
	assert_string_equal(s.include.path[0], "common-session");
	pamd_stack_clear(&s);
	assert_string_equal(s.type, "session");
	assert_int_equal(pamd_stack_parse("Session required pam_alcove.so\n", &s), 0);
	assert_true(s.alcove);
	pamd_stack_clear(&s);
}

static void test_auth_includes_bounded(void **state)
{
	PamdStack a = {0};
	char text[64];

	for (int i = 0; i < PAMD_AUTH_INCLUDES_MAX; i++) {
		snprintf(text, sizeof(text), "@include f%d\n", i);
		assert_int_equal(pamd_stack_parse(text, &a), 0);
	}
	assert_int_equal(pamd_stack_parse("@include f0\n", &a), 0); /* a repeat is free */
	assert_int_equal(pamd_stack_parse("@include one-more\n", &a), -E2BIG);
	pamd_stack_clear(&a);
}

/* pam_env with user_readenv= not 0 in an auth or session line (the last one on the line wins),
 * and the files auth and session lines include */
static void test_env(void **state)
{
	PamdEnv e = {0};

	assert_int_equal(
	    pamd_env_parse("session required pam_env.so # user_readenv=1\n"
			   "account include common-account\n"
			   "password required pam_env.so user_readenv=1\n"
			   "session required pam_env.so user_readenv=1 user_readenv=0\n"
			   "@include common-auth\n"
			   "session include common-session\n",
			   &e),
	    0);
	assert_false(e.user_readenv);
	assert_int_equal(e.include.n, 2);
	assert_string_equal(e.include.path[0], "common-auth");
	assert_string_equal(e.include.path[1], "common-session");
	pamd_env_clear(&e);
	/* Debian's /etc/pam.d/sshd */
	assert_int_equal(pamd_env_parse("session    required     pam_env.so # [1]\n"
					"session    required     pam_env.so user_readenv=1 "
					"envfile=/etc/default/locale\n",
					&e),
			 0);
	assert_true(e.user_readenv);
	pamd_env_clear(&e);
	assert_int_equal(pamd_env_parse("-auth [default=ignore] /lib/security/pam_env.so "
					"user_readenv=1\n",
					&e),
			 0);
	assert_true(e.user_readenv);
	pamd_env_clear(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_and_control_syntax),
	    cmocka_unit_test(test_comments_and_continuation),
	    cmocka_unit_test(test_continuation_as_libpam),
	    cmocka_unit_test(test_unreadable_refused),
	    cmocka_unit_test(test_bracketed_args_and_includes),
	    cmocka_unit_test(test_absolute_include_refused),
	    cmocka_unit_test(test_none),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_auth_includes_bounded),
	    cmocka_unit_test(test_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
