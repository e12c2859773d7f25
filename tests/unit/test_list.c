/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../ctl/list_format.h"

static void test_uptime(void **state)
{
	char buf[32];

	show_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	show_format_duration(59, buf, sizeof(buf));
	assert_string_equal(buf, "59s");
	show_format_duration(185, buf, sizeof(buf));
	assert_string_equal(buf, "3m05s");
	show_format_duration(2 * 3600 + 7 * 60 + 59, buf, sizeof(buf));
	assert_string_equal(buf, "2h07m");
	show_format_duration(3 * 86400 + 4 * 3600 + 1, buf, sizeof(buf));
	assert_string_equal(buf, "3d04h");
}

static ListEntry entries[2];

static int setup(void **state)
{
	memset(entries, 0, sizeof(entries));
	strcpy(entries[0].name, "1001");
	entries[0].state.pid = 4242;
	entries[0].state.uid = 1001;
	strcpy(entries[0].state.user, "alice");
	strcpy(entries[0].state.mode, "user");
	strcpy(entries[0].state.share, "user");
	strcpy(entries[0].state.profile, "defaults");
	entries[0].alive = true;
	entries[0].status = (ShowStatus){.known = true, .sessions = 2, .holds = 1,
					 .has_activity = true, .activity_usec = 1700000000123456};
	entries[0].uptime_sec = 61;
	/* a scope with limits, a layer with a quota */
	entries[0].usage = (ShowUsage){.has_memory = true, .memory_bytes = 80u << 20,
				       .has_pids = true, .pids = 12};
	entries[0].limits = (ShowLimits){.has_memory_max = true, .memory_max = 2ull << 30,
					 .has_pids_max = true, .pids_max = 2048};
	entries[0].layer = (ShowLayer){.present = true, .has_usage = true, .counter = "btrfs",
				       .bytes = 1288490189, .bytes_limit = 10ull << 30};
	entries[0].tmpfs[SHOW_TMP] = (ShowTmpfsUsage){.known = true, .bytes = 4096,
						      .size = 1u << 20, .inodes = 2,
						      .inodes_max = 100};
	strcpy(entries[1].name, "1002-0123abcd");
	entries[1].state.pid = 99;
	entries[1].state.uid = 1002;
	strcpy(entries[1].state.user, "b\"ob");
	strcpy(entries[1].state.mode, "root");
	strcpy(entries[1].state.share, "session");
	strcpy(entries[1].state.profile, "builders");
	strcpy(entries[1].state.scope, "alcove-1002-0123abcd.scope");
	return 0;
}

static char *render(void (*fn)(const ListEntry *, size_t, FILE *), size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fn(entries, n, f);
	fclose(f);
	return out;
}

static void test_text(void **state)
{
	char *out = render(list_format_text, 2);

	assert_non_null(strstr(out, "USER"));
	assert_non_null(strstr(out, "SESSIONS"));
	assert_non_null(strstr(out, "IDLE     LAYER        MEM          TASKS      INODES         "
				    "TMPFS        PROFILE\n"));
	/* btrfs counts no inodes; /tmp is the only tmpfs read */
	assert_non_null(strstr(out, "alice            1001                 user  4242     2        "
				    "1m01s    active   1.2G/10G     80M/2G       12/2048    -          "
				    "    4K/1M        defaults\n"));
	/* a dead alcove is listed as such, without an uptime or usage */
	assert_non_null(strstr(out, "1002-0123abcd        root  99       dead     -        -        "
				    "-            -            -          -              -            "
				    "builders\n"));
	free(out);

	/* idle since the last session ended; a layer without a byte limit; no memory limit */
	entries[0].status.sessions = entries[0].status.holds = 0;
	entries[0].status.idle_sec = 185;
	entries[0].layer.bytes_limit = 0;
	entries[0].limits.memory_max = SHOW_LIMIT_NONE;
	entries[0].limits.has_pids_max = false;
	out = render(list_format_text, 1);
	assert_non_null(strstr(out, "1m01s    3m05s    1.2G/max     80M/max      12/max     "));
	free(out);

	/* a project quota counts inodes; the fullest tmpfs is shown, not the first */
	entries[0].layer.counts_inodes = true;
	entries[0].layer.inodes = 1234;
	entries[0].layer.inodes_limit = 100000;
	entries[0].tmpfs[SHOW_SHM] = (ShowTmpfsUsage){.known = true, .bytes = 6u << 20,
							  .size = 8u << 20};
	out = render(list_format_text, 1);
	assert_non_null(strstr(out, "12/max     1234/100000    6M/8M        defaults\n"));
	entries[0].layer.inodes_limit = 0;
	free(out);
	out = render(list_format_text, 1);
	assert_non_null(strstr(out, "12/max     1234/max       6M/8M        "));
	free(out);
}

/* SESSIONS of an init its tenant froze: "frozen", not the "?" of one that did not answer */
static void test_text_frozen(void **state)
{
	char *out;

	entries[0].status = (ShowStatus){0};
	out = render(list_format_text, 1);
	assert_non_null(
	    strstr(out, "alice            1001                 user  4242     ?        "));
	free(out);
	entries[0].status.frozen = true;
	out = render(list_format_text, 1);
	assert_non_null(
	    strstr(out, "alice            1001                 user  4242     frozen   "));
	free(out);
}

static void test_json(void **state)
{
	char *out = render(list_format_json, 2);

	assert_string_equal(
	    out,
	    "{\"alcoves\": [{\"user\": \"alice\", \"uid\": 1001, \"name\": \"1001\", "
	    "\"mode\": \"user\", \"share\": \"user\", \"profile\": \"defaults\", \"pid\": 4242, "
	    "\"alive\": true, \"sessions\": 2, \"holds\": 1, \"processes\": 0, \"uptime_sec\": 61, "
	    "\"frozen\": false, \"active\": true, \"last_activity_usec\": 1700000000123456, "
	    "\"idle_sec\": null, "
	    "\"scope\": null, \"usage\": {\"memory_current\": 83886080, \"pids_current\": 12, "
	    "\"cpu_usage_usec\": null}, \"limits\": {\"memory_max\": 2147483648, "
	    "\"pids_max\": 2048}, \"tmpfs\": {\"/tmp\": {\"bytes\": 4096, \"size\": 1048576, "
	    "\"inodes\": 2, \"inodes_max\": 100}}, \"layer\": {\"counter\": \"btrfs\", "
	    "\"bytes\": 1288490189, \"bytes_limit\": 10737418240, \"inodes\": null, "
	    "\"inodes_limit\": null, \"limited\": true, \"not_limited_reason\": null}}, "
	    "{\"user\": \"b\\\"ob\", \"uid\": 1002, \"name\": "
	    "\"1002-0123abcd\", \"mode\": \"root\", \"share\": \"session\", \"profile\": "
	    "\"builders\", \"pid\": 99, \"alive\": false, \"sessions\": null, \"holds\": "
	    "null, \"processes\": null, \"uptime_sec\": null, \"frozen\": false, \"active\": null, "
	    "\"last_activity_usec\": null, "
	    "\"idle_sec\": null, \"scope\": \"alcove-1002-0123abcd.scope\", \"usage\": "
	    "{\"memory_current\": null, \"pids_current\": null, \"cpu_usage_usec\": null}, "
	    "\"limits\": {\"memory_max\": null, \"pids_max\": null}, \"tmpfs\": {}, "
	    "\"layer\": null}]}\n");
	free(out);
	/* idle: the seconds since the last session ended */
	entries[0].status.sessions = entries[0].status.holds = 0;
	entries[0].status.idle_sec = 185;
	out = render(list_format_json, 1);
	assert_non_null(strstr(out, "\"active\": false, \"last_activity_usec\": "
				    "1700000000123456, \"idle_sec\": 185, "));
	free(out);
	/* an init its tenant froze is not asked (it would answer nothing): said so */
	entries[0].status = (ShowStatus){.frozen = true};
	out = render(list_format_json, 1);
	assert_non_null(strstr(out, "\"alive\": true, \"sessions\": null, \"holds\": null, "
				    "\"processes\": null, \"uptime_sec\": 61, \"frozen\": true, "));
	free(out);
	out = render(list_format_json, 0);
	assert_string_equal(out, "{\"alcoves\": []}\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uptime),
	    cmocka_unit_test_setup(test_text, setup),
	    cmocka_unit_test_setup(test_text_frozen, setup),
	    cmocka_unit_test_setup(test_json, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
