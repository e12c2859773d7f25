/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit names and the pure parts of helper/build/scope.c. Expected escapes are systemd-escape's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "unit_name.h"
#include "../../helper/build/scope_props.h"

static void assert_unit(const char *name, const char *expected)
{
	char buf[UNIT_NAME_MAX];

	assert_int_equal(unit_name_for_alcove(name, buf, sizeof(buf)), 0);
	assert_string_equal(buf, expected);
}

static void test_plain_names(void **state)
{
	assert_unit("alice", "alcove-alice.scope");
	assert_unit("Bob_2", "alcove-Bob_2.scope");
	assert_unit("a.b", "alcove-a.b.scope");
}

static void test_dash_and_session_names(void **state)
{
	/* '-' is the slice separator in unit names: systemd-escape gives \x2d */
	assert_unit("alce-1", "alcove-alce\\x2d1.scope");
	assert_unit("1001-0badf00d", "alcove-1001\\x2d0badf00d.scope");
	assert_unit("-x", "alcove-\\x2dx.scope");
}

static void test_leading_dot_and_others(void **state)
{
	char buf[UNIT_NAME_MAX];

	assert_unit(".hidden", "alcove-\\x2ehidden.scope");
	assert_unit("a.", "alcove-a..scope"); /* only a leading dot is escaped */
	/* systemd-escape 'a-b/c.d\e.f@g' = a\x2db-c.d\x5ce.f\x40g */
	assert_int_equal(unit_name_escape("a-b/c.d\\e.f@g", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a\\x2db-c.d\\x5ce.f\\x40g");
	assert_int_equal(unit_name_escape("\xc3\xbc", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "\\xc3\\xbc");
	assert_int_equal(unit_name_escape("a:b c", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "a:b\\x20c");
}

static void test_errors(void **state)
{
	char buf[UNIT_NAME_MAX], small[8], name[300];

	assert_int_equal(unit_name_for_alcove("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(unit_name_escape(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(unit_name_for_alcove("alice", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(unit_name_escape("abcdefgh", small, sizeof(small)), -ENAMETOOLONG);
	assert_int_equal(unit_name_escape("abcdefg", small, sizeof(small)), 0);

	/* 255 characters is systemd's limit: "alcove-" + 242 + ".scope" = 255 fits, 243 not */
	memset(name, 'a', sizeof(name));
	name[242] = '\0';
	assert_int_equal(unit_name_for_alcove(name, buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 255);
	name[242] = 'a';
	name[243] = '\0';
	assert_int_equal(unit_name_for_alcove(name, buf, sizeof(buf)), -ENAMETOOLONG);
	/* escapes count: 61 dashes become 244 characters */
	memset(name, '-', 61);
	name[61] = '\0';
	assert_int_equal(unit_name_for_alcove(name, buf, sizeof(buf)), -ENAMETOOLONG);
}

static const char mountinfo_host[] =
    "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "30 22 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "40 30 0:37 /sub /sys/fs/cgroup/other rw - cgroup2 cgroup2 rw\n"
    "41 30 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 master:3 - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
    "42 30 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";

static void test_cgroup2_mount(void **state)
{
	char buf[4096], small[8];

	assert_int_equal(scope_cgroup2_mount(mountinfo_host, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/unified");
	assert_int_equal(scope_cgroup2_mount("1 0 0:1 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw",
					     buf, sizeof(buf)),
			 0);
	assert_string_equal(buf, "/sys/fs/cgroup");
	assert_int_equal(
	    scope_cgroup2_mount("1 0 0:1 / /a\\040b rw - cgroup2 none rw\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/a b");
	/* a cgroup v1 "cgroup2" named option, or only a subtree bind: not it */
	assert_int_equal(
	    scope_cgroup2_mount("1 0 0:1 / /x rw - cgroup cgroup2 rw\n", buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(
	    scope_cgroup2_mount("40 30 0:37 /sub /y rw - cgroup2 cgroup2 rw\n", buf, sizeof(buf)),
	    -ENOENT);
	assert_int_equal(scope_cgroup2_mount("", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(scope_cgroup2_mount(mountinfo_host, small, sizeof(small)), -ENAMETOOLONG);
}

static void test_cgroup_join(void **state)
{
	char buf[4096];

	assert_int_equal(
	    scope_cgroup_join("/sys/fs/cgroup", "/user.slice/alcove-a.scope", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/user.slice/alcove-a.scope");
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup/", "/x.scope", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/x.scope");
	assert_int_equal(scope_cgroup_join("/", "/x.scope", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x.scope");
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup", "x.scope", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup", "/a/../b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup", "/a/..", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup", "/a/..b", buf, sizeof(buf)), 0);
	assert_int_equal(scope_cgroup_join("/sys/fs/cgroup", "/abc", buf, 10), -ENAMETOOLONG);
}

static void test_limit_properties(void **state)
{
	assert_string_equal(scope_limit_property(LIMIT_MEMORY_MAX), "MemoryMax");
	assert_string_equal(scope_limit_property(LIMIT_MEMORY_HIGH), "MemoryHigh");
	assert_string_equal(scope_limit_property(LIMIT_TASKS_MAX), "TasksMax");
	assert_string_equal(scope_limit_property(LIMIT_CPU_WEIGHT), "CPUWeight");
	assert_string_equal(scope_limit_property(LIMIT_CPU_QUOTA), "CPUQuotaPerSecUSec");
	assert_string_equal(scope_limit_property(LIMIT_IO_WEIGHT), "IOWeight");
	assert_null(scope_limit_property(_LIMIT_MAX));
	/* a share of RAM becomes bytes of the host's RAM; everything else goes as it is */
	assert_int_equal(scope_limit_value(LIMIT_PERCENT_FLAG | 250000, 8ull << 30), 2ull << 30);
	assert_int_equal(scope_limit_value(LIMIT_PERCENT_FLAG | 1000000, 12345), 12345);
	assert_int_equal(scope_limit_value(LIMIT_PERCENT_FLAG | 500000, UINT64_MAX / 2),
			 UINT64_MAX / 4);
	assert_int_equal(scope_limit_value(512ull << 20, 8ull << 30), 512ull << 20);
	assert_int_equal(scope_limit_value(LIMIT_INFINITY, 8ull << 30), LIMIT_INFINITY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_names),
	    cmocka_unit_test(test_dash_and_session_names),
	    cmocka_unit_test(test_leading_dot_and_others),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_cgroup2_mount),
	    cmocka_unit_test(test_cgroup_join),
	    cmocka_unit_test(test_limit_properties),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
