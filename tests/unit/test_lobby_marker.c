/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lobby_marker.h"

static int parse(const char *text, LobbyMarker *m)
{
	return lobby_marker_parse(text, strlen(text), m);
}

static void test_round_trip(void **state)
{
	LobbyMarker in = {.uid = 1001, .name = "1001", .shell = "/bin/bash"}, out;
	char buf[LOBBY_MARKER_MAX];
	int n;

	n = lobby_marker_format(&in, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen("uid=1001\nname=1001\nshell=/bin/bash\n"));
	assert_string_equal(buf, "uid=1001\nname=1001\nshell=/bin/bash\n");
	assert_int_equal(lobby_marker_parse(buf, (size_t)n, &out), 0);
	assert_int_equal(out.uid, 1001);
	assert_string_equal(out.name, "1001");
	assert_string_equal(out.shell, "/bin/bash");

	in = (LobbyMarker){.uid = 4294967294u, .name = "4294967294-0badcafe"};
	memset(in.shell, 'x', sizeof(in.shell) - 1); /* the longest shell there is room for */
	in.shell[0] = '/';
	n = lobby_marker_format(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(lobby_marker_parse(buf, (size_t)n, &out), 0);
	assert_int_equal(out.uid, 4294967294u);
	assert_string_equal(out.name, "4294967294-0badcafe");
	assert_string_equal(out.shell, in.shell);
}

static void test_format_refuses(void **state)
{
	LobbyMarker m = {.uid = 1001, .name = "../x", .shell = "/bin/sh"};
	char buf[LOBBY_MARKER_MAX];

	assert_int_equal(lobby_marker_format(&m, buf, sizeof(buf)), -EINVAL);
	m = (LobbyMarker){.uid = (uid_t)-1, .name = "1", .shell = "/bin/sh"};
	assert_int_equal(lobby_marker_format(&m, buf, sizeof(buf)), -EINVAL);
	m = (LobbyMarker){.uid = 1001, .name = "1001", .shell = "bin/sh"};
	assert_int_equal(lobby_marker_format(&m, buf, sizeof(buf)), -EINVAL);
	m = (LobbyMarker){.uid = 1001, .name = "1001", .shell = "/bin/sh\nuid=0"};
	assert_int_equal(lobby_marker_format(&m, buf, sizeof(buf)), -EINVAL);
	m = (LobbyMarker){.uid = 1001, .name = "1001", .shell = "/bin/sh"};
	assert_int_equal(lobby_marker_format(&m, buf, 8), -E2BIG);
}

static void test_parse_refuses(void **state)
{
#define SH "shell=/bin/sh\n"
	static const char *const bad[] = {
	    "",
	    "uid=1001\n",
	    "uid=1001\nname=1001\n",		     /* no shell */
	    "uid=1001\nname=1001\nshell=/bin/sh",    /* no final newline */
	    "uid=1001\nname=1001\n" SH "\n",	     /* trailing data */
	    "name=1001\nuid=1001\n" SH,		     /* order */
	    "uid=\nname=1001\n" SH,		     /* empty uid */
	    "uid=01001\nname=1001\n" SH,	     /* leading zero */
	    "uid=-1\nname=1001\n" SH,		     /* sign */
	    "uid=4294967295\nname=1001\n" SH,	     /* (uid_t)-1 */
	    "uid=99999999999\nname=1001\n" SH,	     /* too long */
	    "uid=1001\nname=../etc\n" SH,	     /* not an alcove name */
	    "uid=1001\nname=1001-XYZ\n" SH,	     /* not an alcove name */
	    "uid=1001 \nname=1001\n" SH,	     /* space */
	    "uid=1001\nname=1001\nshell=\n",	     /* empty shell */
	    "uid=1001\nname=1001\nshell=sh\n",	     /* relative shell */
	    "uid=1001\nname=1001\nshells=/bin/sh\n", /* key */
	};
	LobbyMarker m = {.uid = 7};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &m), -EBADMSG);
	assert_int_equal(m.uid, 7); /* untouched on failure */
	/* an embedded NUL */
	assert_int_equal(lobby_marker_parse("uid=1\0\nname=1\nshell=/x\n", 23, &m), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_format_refuses),
	    cmocka_unit_test(test_parse_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
