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

	list_format_uptime(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	list_format_uptime(59, buf, sizeof(buf));
	assert_string_equal(buf, "59s");
	list_format_uptime(185, buf, sizeof(buf));
	assert_string_equal(buf, "3m05s");
	list_format_uptime(2 * 3600 + 7 * 60 + 59, buf, sizeof(buf));
	assert_string_equal(buf, "2h07m");
	list_format_uptime(3 * 86400 + 4 * 3600 + 1, buf, sizeof(buf));
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
	entries[0].has_status = true;
	entries[0].sessions = 2;
	entries[0].holds = 1;
	entries[0].uptime_sec = 61;
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
	assert_non_null(
	    strstr(out, "alice            1001                 user  4242     2        1m01s"));
	/* a dead alcove is listed as such, without an uptime */
	assert_non_null(
	    strstr(out, "1002-0123abcd        root  99       dead     -        builders"));
	free(out);
}

static void test_json(void **state)
{
	char *out = render(list_format_json, 2);

	assert_string_equal(
	    out,
	    "{\"alcoves\": [{\"user\": \"alice\", \"uid\": 1001, \"name\": \"1001\", "
	    "\"mode\": \"user\", \"share\": \"user\", \"profile\": \"defaults\", \"pid\": 4242, "
	    "\"alive\": true, \"sessions\": 2, \"holds\": 1, \"uptime_sec\": 61, "
	    "\"scope\": null}, {\"user\": \"b\\\"ob\", \"uid\": 1002, \"name\": "
	    "\"1002-0123abcd\", \"mode\": \"root\", \"share\": \"session\", \"profile\": "
	    "\"builders\", \"pid\": 99, \"alive\": false, \"sessions\": null, \"holds\": "
	    "null, \"uptime_sec\": null, \"scope\": \"alcove-1002-0123abcd.scope\"}]}\n");
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
	    cmocka_unit_test_setup(test_json, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
