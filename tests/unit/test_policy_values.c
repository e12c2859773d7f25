/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values: % patterns, sizes, percentages, names of keys and choices. */
#include "policy_testlib.h"

static void assert_expands(const char *pattern, bool is_path, const char *want)
{
	char *v = NULL;

	assert_int_equal(policy_expand(pattern, "alice", 1001, is_path, &v), 0);
	assert_string_equal(v, want);
	free(v);
}

static void assert_expand_fails(const char *pattern, const char *user, bool is_path)
{
	char *v = NULL;

	assert_int_equal(policy_expand(pattern, user, 1001, is_path, &v), -EINVAL);
	assert_null(v);
}

static void test_expand(void **state)
{
	assert_expands("%u-alcove", false, "alice-alcove");
	assert_expands("/srv/homes/%u", true, "/srv/homes/alice");
	assert_expands("/srv/%U/%u", true, "/srv/1001/alice");
	assert_expands("100%%-%u", false, "100%-alice");
	assert_expands("plain", false, "plain");
	assert_expands("/a/..b/c", true, "/a/..b/c"); /* "..b" is no parent reference */

	assert_expand_fails("%u/x", "alice", false);	  /* '/' in a hostname */
	assert_expand_fails("/srv/../%u", "alice", true); /* ".." component */
	assert_expand_fails("/srv/%u/..", "alice", true);
	assert_expand_fails("..", "alice", false);
	assert_expand_fails("%x", "alice", false);   /* unknown escape */
	assert_expand_fails("abc%", "alice", false); /* lone % */
	assert_expand_fails("", "alice", false);     /* empty */
	assert_expand_fails("%u", "../etc", true);   /* unsafe user */
	assert_expand_fails("/h/%u", "a/b", true);
	assert_expand_fails("srv/%u", "alice", true); /* not absolute */
	assert_expand_fails("x\ny", "alice", false);  /* control character */
	/* hostnames are at most 64 bytes */
	assert_expands("%u-0123456789012345678901234567890123456789012345678901234567", false,
		       "alice-0123456789012345678901234567890123456789012345678901234567");
	assert_expand_fails("%u-01234567890123456789012345678901234567890123456789012345678",
			    "alice", false);
}

static void test_pattern_check(void **state)
{
	char reason[128];

	assert_int_equal(policy_pattern_check("%u-alcove", false, reason, sizeof(reason)), 0);
	assert_int_equal(policy_pattern_check("/srv/%u", true, reason, sizeof(reason)), 0);
	assert_int_equal(policy_pattern_check("%q", false, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "unknown % escape"));
	assert_int_equal(policy_pattern_check("a/%u", false, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "'/'"));
	assert_int_equal(policy_pattern_check("/x/../%u", true, reason, sizeof(reason)), -EINVAL);
	assert_non_null(strstr(reason, "\"..\""));
}

static void test_parse_memory(void **state)
{
	uint64_t v;
	char buf[32];

	(void)state;
	assert_int_equal(policy_parse_memory("25%", &v), 0);
	assert_int_equal(v, LIMIT_PERCENT_FLAG | 250000);
	policy_format_limit(LIMIT_MEMORY_MAX, v, buf, sizeof(buf));
	assert_string_equal(buf, "25%");
	assert_int_equal(policy_parse_memory("12.5%", &v), 0);
	policy_format_limit(LIMIT_MEMORY_HIGH, v, buf, sizeof(buf));
	assert_string_equal(buf, "12.50%");
	assert_int_equal(policy_parse_memory("100%", &v), 0);
	assert_int_equal(policy_parse_memory("101%", &v), -ERANGE);
	assert_int_equal(policy_parse_memory("0%", &v), -ERANGE);
	assert_int_equal(policy_parse_memory("%", &v), -EINVAL);
	assert_int_equal(policy_parse_memory("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_false(limit_is_percent(v));
	assert_int_equal(policy_parse_memory("infinity", &v), 0);
	assert_false(limit_is_percent(v));
	assert_int_equal(policy_parse_memory("4E", &v), -ERANGE); /* would read as a share */
}

static void test_parse_size(void **state)
{
	uint64_t v;

	assert_int_equal(policy_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ull * 1024 * 1024);
	assert_int_equal(policy_parse_size("2G", &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(policy_parse_size("1K", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(policy_parse_size("3T", &v), 0);
	assert_int_equal(v, 3ull << 40);
	assert_int_equal(policy_parse_size("1E", &v), 0);
	assert_int_equal(v, 1ull << 60);
	assert_int_equal(policy_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(policy_parse_size("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(policy_parse_size("infinity", &v), 0);
	assert_int_equal(v, LIMIT_INFINITY);

	assert_int_equal(policy_parse_size("", &v), -EINVAL);
	assert_int_equal(policy_parse_size("M", &v), -EINVAL);
	assert_int_equal(policy_parse_size("-1", &v), -EINVAL);
	assert_int_equal(policy_parse_size("+1", &v), -EINVAL);
	assert_int_equal(policy_parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(policy_parse_size("1GB", &v), -EINVAL);
	assert_int_equal(policy_parse_size("1g", &v), -EINVAL);
	assert_int_equal(policy_parse_size("12Q", &v), -EINVAL);
	assert_int_equal(policy_parse_size(" 1", &v), -EINVAL);
	assert_int_equal(policy_parse_size("Infinity", &v), -EINVAL);
	assert_int_equal(policy_parse_size("16E", &v), -ERANGE);
	assert_int_equal(policy_parse_size("99999999999999999999", &v), -ERANGE);
	assert_int_equal(policy_parse_size("18446744073709551615", &v), -ERANGE); /* = infinity */
}

static void test_parse_percent(void **state)
{
	uint64_t v;

	assert_int_equal(policy_parse_percent("50%", &v), 0);
	assert_int_equal(v, 500000);
	assert_int_equal(policy_parse_percent("150%", &v), 0);
	assert_int_equal(v, 1500000); /* 1.5 CPUs */
	assert_int_equal(policy_parse_percent("100%", &v), 0);
	assert_int_equal(v, 1000000);
	assert_int_equal(policy_parse_percent("1%", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(policy_parse_percent("12.5%", &v), 0);
	assert_int_equal(v, 125000);
	assert_int_equal(policy_parse_percent("0.25%", &v), 0);
	assert_int_equal(v, 2500);

	assert_int_equal(policy_parse_percent("0%", &v), -ERANGE);
	assert_int_equal(policy_parse_percent("50", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("%", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("-5%", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("5.%", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("5.123%", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("50%%", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("50 %", &v), -EINVAL);
	assert_int_equal(policy_parse_percent("99999999999999999999%", &v), -ERANGE);
}

static void test_parse_tmpfs_size(void **state)
{
	TmpfsSize v;
	char buf[32];

	assert_int_equal(policy_parse_tmpfs_size("10%", &v), 0);
	assert_int_equal(v.percent, 10);
	assert_int_equal(v.bytes, 0);
	policy_format_tmpfs_size(&v, buf, sizeof(buf));
	assert_string_equal(buf, "10%");
	assert_int_equal(policy_parse_tmpfs_size("100%", &v), 0);
	assert_int_equal(v.percent, 100);
	assert_int_equal(policy_parse_tmpfs_size("8M", &v), 0);
	assert_int_equal(v.bytes, 8u << 20);
	assert_int_equal(v.percent, 0);
	policy_format_tmpfs_size(&v, buf, sizeof(buf));
	assert_string_equal(buf, "8M");
	assert_int_equal(policy_parse_tmpfs_size("1M", &v), 0); /* the smallest */
	assert_int_equal(policy_parse_tmpfs_size("2G", &v), 0);
	assert_int_equal(v.bytes, 2ull << 30);
	assert_int_equal(policy_parse_tmpfs_size("1048576", &v), 0);
	assert_int_equal(v.bytes, 1u << 20);

	/* size=0 and "infinity" would be no limit at all; below 1M /run cannot work */
	assert_int_equal(policy_parse_tmpfs_size("0", &v), -ERANGE);
	assert_int_equal(policy_parse_tmpfs_size("infinity", &v), -ERANGE);
	assert_int_equal(policy_parse_tmpfs_size("1023K", &v), -ERANGE);
	assert_int_equal(policy_parse_tmpfs_size("0%", &v), -ERANGE);
	assert_int_equal(policy_parse_tmpfs_size("101%", &v), -ERANGE);
	assert_int_equal(policy_parse_tmpfs_size("%", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("1.5%", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("-5%", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("5 %", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("10%%", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("8MB", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("", &v), -EINVAL);
	assert_int_equal(policy_parse_tmpfs_size("99999999999999999999%", &v), -ERANGE);
}

static void test_format_limit(void **state)
{
	char buf[32];

	policy_format_limit(LIMIT_MEMORY_MAX, 512ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "512M");
	policy_format_limit(LIMIT_MEMORY_MAX, 1536ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "1536M");
	policy_format_limit(LIMIT_MEMORY_HIGH, 2ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "2G");
	policy_format_limit(LIMIT_MEMORY_MAX, 1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000");
	policy_format_limit(LIMIT_MEMORY_MAX, LIMIT_INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "infinity");
	policy_format_limit(LIMIT_TASKS_MAX, LIMIT_INFINITY, buf, sizeof(buf));
	assert_string_equal(buf, "infinity");
	policy_format_limit(LIMIT_TASKS_MAX, 512, buf, sizeof(buf));
	assert_string_equal(buf, "512");
	policy_format_limit(LIMIT_CPU_QUOTA, 500000, buf, sizeof(buf));
	assert_string_equal(buf, "50%");
	policy_format_limit(LIMIT_CPU_QUOTA, 1500000, buf, sizeof(buf));
	assert_string_equal(buf, "150%");
	policy_format_limit(LIMIT_CPU_QUOTA, 125000, buf, sizeof(buf));
	assert_string_equal(buf, "12.50%");
}

static void test_names(void **state)
{
	char buf[64];

	for (int k = 0; k < _PKEY_MAX; k++)
		assert_int_equal(profile_key_from_name(profile_key_name((ProfileKey)k)), k);
	for (int l = 0; l < _LIMIT_MAX; l++)
		assert_int_equal(limit_from_name(limit_name((LimitKind)l)), l);
	assert_int_equal(profile_key_from_name("inherit"), -EINVAL);
	assert_int_equal(limit_from_name("memorymax"), -EINVAL);
	assert_string_equal(limit_name(LIMIT_CPU_QUOTA), "CPUQuota");
	assert_string_equal(profile_key_name(PKEY_GROUPS_PASSTHROUGH), "groups_passthrough");

	assert_int_equal(policy_choice_from_name(PKEY_MODE, "root"), ALCOVE_MODE_ROOT);
	assert_int_equal(policy_choice_from_name(PKEY_ON_LAST_LOGOUT, "idle"), LOGOUT_IDLE);
	assert_int_equal(policy_choice_from_name(PKEY_SHARE, "session"), SHARE_SESSION);
	assert_int_equal(policy_choice_from_name(PKEY_NETWORK, "none"), NETWORK_NONE);
	assert_int_equal(policy_choice_from_name(PKEY_MODE, "ROOT"), -EINVAL);
	assert_int_equal(policy_choice_from_name(PKEY_IMAGE, "x"), -EINVAL);
	assert_string_equal(policy_choice_name(PKEY_CGROUP, CGROUP_NONE), "none");
	assert_string_equal(policy_choice_name(PKEY_FAILURE, FAILURE_OPEN), "open");
	assert_null(policy_choice_name(PKEY_FAILURE, 7));
	assert_null(policy_choice_name(PKEY_HOME, 0));
	policy_choice_list(PKEY_ON_LAST_LOGOUT, buf, sizeof(buf));
	assert_string_equal(buf, "\"keep\", \"stop\" or \"idle\"");
	assert_string_equal(decision_kind_name(DECISION_REFUSE), "refuse");
}

static void test_errors_sorted_and_bounded(void **state)
{
	PolicyErrors e = {0};

	assert_int_equal(policy_errors_add(&e, "f", 9, "nine"), 0);
	assert_int_equal(policy_errors_add(&e, "f", 2, "two %s", "a"), 0);
	assert_int_equal(policy_errors_add(&e, "f", 0, "zero"), 0);
	assert_int_equal(policy_errors_add(&e, "f", 2, "two b"), 0);
	policy_errors_sort(&e, 0);
	assert_string_equal(e.msg[0], "f: zero");
	assert_string_equal(e.msg[1], "f:2: two a");
	assert_string_equal(e.msg[2], "f:2: two b");
	assert_string_equal(e.msg[3], "f:9: nine");
	policy_errors_clear(&e);
	assert_int_equal(e.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_pattern_check),
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_parse_memory),
	    cmocka_unit_test(test_parse_percent),
	    cmocka_unit_test(test_parse_tmpfs_size),
	    cmocka_unit_test(test_format_limit),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_errors_sorted_and_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
