/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of common/frozen.c: /proc/<pid>/cgroup, the path below the scope, and
 * cgroup.events, as a hostile tenant may shape them (names are ns root's below the scope). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/frozen.h"

#define SCOPE "/sys/fs/cgroup/user.slice/user-1000.slice/alcove-1000.scope"
#define CG "/user.slice/user-1000.slice/alcove-1000.scope"

static int v2(const char *text, char *buf, size_t size)
{
	return cgroup_v2_path(text, strlen(text), buf, size);
}

static void test_v2_path(void **state)
{
	char buf[256];

	assert_int_equal(v2("0::" CG "/init\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, CG "/init");
	/* no final newline; hybrid hierarchies before it; ':' in a name stays the path's */
	assert_int_equal(v2("12:pids:/x\n1:name=systemd:/y\n0::" CG "/a:b::c", buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, CG "/a:b::c");
	assert_int_equal(v2("0::/ (deleted)\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/ (deleted)");
	/* a name holding "\n0::/" cannot be made (the kernel refuses '\n'); two lines are refused
	 */
	assert_int_equal(v2("0::" CG "/d\n0::/\n", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(v2("1:cpu:/\n", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(v2("", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(v2("0::\n", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(v2("0::../x\n", buf, sizeof(buf)), -EBADMSG);
	assert_int_equal(v2("0::/"
			    "0123456789",
			    buf, 8),
			 -ENAMETOOLONG);
	/* "10::" is not "0::" */
	assert_int_equal(v2("10::/x\n", buf, sizeof(buf)), -ENOENT);
	/* a NUL inside the line (read from a file, not a C string) */
	assert_int_equal(cgroup_v2_path("0::/a\0b\n", 8, buf, sizeof(buf)), -EBADMSG);
}

static void test_below(void **state)
{
	assert_string_equal(cgroup_below(SCOPE, CG "/init"), "init");
	assert_string_equal(cgroup_below(SCOPE, CG "/d/e"), "d/e");
	assert_string_equal(cgroup_below(SCOPE, CG), "");
	/* a sub-cgroup named like the scope: the first match is the scope itself */
	assert_string_equal(cgroup_below(SCOPE, CG "/alcove-1000.scope/x"), "alcove-1000.scope/x");
	/* outside the scope: never */
	assert_null(cgroup_below(SCOPE, "/user.slice/user-1000.slice/session-3.scope"));
	assert_null(cgroup_below(SCOPE, "/user.slice/user-1000.slice"));
	assert_null(cgroup_below(SCOPE, "/"));
	assert_null(cgroup_below(SCOPE, CG "x/init")); /* alcove-1000.scopex */
	assert_null(cgroup_below(SCOPE, "/../.."));    /* another cgroup namespace's view */
	assert_null(cgroup_below(SCOPE, "init"));
	assert_null(cgroup_below(SCOPE, "/alcove-10000.scope"));
}

static int frozen(const char *text)
{
	return cgroup_events_frozen(text, strlen(text));
}

static void test_events(void **state)
{
	assert_int_equal(frozen("populated 1\nfrozen 1\n"), 1);
	assert_int_equal(frozen("populated 1\nfrozen 0\n"), 0);
	assert_int_equal(frozen("frozen 1"), 1);
	assert_int_equal(frozen("populated 1\n"), -EBADMSG);
	assert_int_equal(frozen("frozen 10\n"), -EBADMSG);
	assert_int_equal(frozen("unfrozen 1\nfrozen 0\n"), 0);
	assert_int_equal(frozen(""), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_v2_path),
	    cmocka_unit_test(test_below),
	    cmocka_unit_test(test_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
