/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcovectl show: cgroup file parsing, text and JSON output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../ctl/show_format.h"

static void test_parse_numbers(void **state)
{
	uint64_t v = 0;

	assert_int_equal(show_parse_u64("1234\n", &v), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(show_parse_u64("max\n", &v), -ERANGE);
	assert_int_equal(show_parse_u64("12x", &v), -EINVAL);
	assert_int_equal(show_parse_u64("", &v), -EINVAL);
	assert_int_equal(
	    show_parse_cpu_stat("usage_usec 5000123\nuser_usec 1\nsystem_usec 2\n", &v), 0);
	assert_int_equal(v, 5000123);
	assert_int_equal(show_parse_cpu_stat("user_usec 1\nusage_usec 7\n", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(show_parse_cpu_stat("user_usec 1\n", &v), -ENOENT);
	assert_int_equal(show_parse_cpu_stat("usage_usec x\n", &v), -EINVAL);
}

static char *render(bool json, const ShowInfo *infos, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		show_format_json("al\"ce", infos, n, NULL, f);
	else
		show_format_text(infos, n, f);
	fclose(f);
	return buf;
}

static ShowInfo *fill(void)
{
	ShowInfo *a = calloc(1, sizeof(*a));

	assert_non_null(a);
	strcpy(a->name, "1001");
	a->state.pid = 4242;
	a->state.uid = 1001;
	strcpy(a->state.user, "alce1");
	strcpy(a->state.profile, "students");
	strcpy(a->state.mode, "user");
	strcpy(a->state.scope, "alcove-alce1.scope");
	strcpy(a->state.cgroup, "/cg/alcove-alce1.scope");
	a->alive = true;
	a->ns[SHOW_NS_USER] = 4026532001;
	a->ns[SHOW_NS_CGROUP] = 4026532005;
	a->usage = (ShowUsage){.has_memory = true,
			       .memory_bytes = 1048576,
			       .has_pids = true,
			       .pids = 3,
			       .has_cpu = true,
			       .cpu_usec = 1500000};
	a->n_cgroups = 2;
	a->cgroups = calloc(a->n_cgroups, sizeof(*a->cgroups));
	assert_non_null(a->cgroups);
	strcpy(a->cgroups[0].name, "init");
	strcpy(a->cgroups[1].name, "login-1");
	a->cgroups[1].usage = (ShowUsage){.has_pids = true, .pids = 2};
	a->status = (ShowStatus){.known = true, .sessions = 1, .processes = 3,
				 .has_activity = true, .activity_usec = 1764883812000001};
	a->uptime_sec = 42;
	return a;
}

static void test_format_text(void **state)
{
	ShowInfo *a = fill();
	char *out = render(false, a, 1);

	assert_non_null(strstr(out, "alcove:     1001 (running)\n"));
	assert_non_null(strstr(out, "user:       alce1 (uid 1001)\n"));
	assert_non_null(strstr(out, "profile:    students\n"));
	assert_non_null(strstr(out, "share:      -\n"));
	assert_non_null(strstr(out, "init pid:   4242\n"));
	assert_non_null(strstr(out, "namespaces: user:[4026532001] cgroup:[4026532005]\n"));
	assert_non_null(strstr(out, "scope:      alcove-alce1.scope\n"));
	assert_non_null(strstr(out, "usage:      memory=1048576 tasks=3 cpu=1.500000s\n"));
	assert_non_null(strstr(out, "  login-1   tasks=2\n"));
	assert_non_null(strstr(out, "  init      (no controllers)\n"));
	assert_non_null(strstr(out, "sessions:   1 (holds 0, processes 3, up 42s)\n"));
	assert_non_null(strstr(out, "activity:   2025-12-04 21:30:12 UTC (session open)\n"));
	free(out);
	/* a cgroup the tenant named (root mode: ns root owns the scope) is printed escaped */
	strcpy(a->cgroups[1].name, "\x1b]52;c;x\a");
	out = render(false, a, 1);
	assert_non_null(strstr(out, "  \\x1b]52;c;x\\x07 tasks=2\n"));
	assert_null(strchr(out, '\x1b'));
	free(out);
	strcpy(a->cgroups[1].name, "login-1");
	/* more sub-cgroups than show reads (ns root makes as many as it likes): counted, said */
	a->n_cgroups_more = 5000;
	out = render(false, a, 1);
	assert_non_null(
	    strstr(out, "  login-1   tasks=2\n  (5000 more cgroups not shown; the usage above "
			"counts them)\n"));
	free(out);
	a->n_cgroups_more = 0;
	a->status.sessions = 0;
	a->status.idle_sec = 3725;
	out = render(false, a, 1);
	assert_non_null(strstr(out, "activity:   2025-12-04 21:30:12 UTC (idle 1h02m)\n"));
	free(out);
	/* an init from before the activity stamp: no line */
	a->status.has_activity = false;
	out = render(false, a, 1);
	assert_null(strstr(out, "activity:"));
	free(out);

	/* no scope (cgroup = "none"): no usage lines; a dead alcove has no status */
	a->state.scope[0] = a->state.cgroup[0] = '\0';
	a->alive = a->status.known = false;
	out = render(false, a, 1);
	assert_non_null(strstr(out, "(not running)"));
	assert_non_null(
	    strstr(out, "scope:      -\ncgroup:     -\nsessions:   - (init did not answer)\n"));
	assert_null(strstr(out, "usage:"));
	free(out);
	/* an init its tenant froze: not asked, and said why */
	a->alive = a->status.frozen = true;
	out = render(false, a, 1);
	assert_non_null(strstr(out, "sessions:   - (init is frozen: cgroup.freeze written inside "
				    "the alcove; alcovectl stop ends it)\n"));
	free(out);
	free(a->cgroups);
	free(a);
}

static void test_format_json(void **state)
{
	ShowInfo *a = fill();
	char *out;

	strcpy(a->state.profile, "stu\"dents");
	strcpy(a->state.scope, "alcove-alce\\x2d1.scope");
	a->usage.has_cpu = false;
	out = render(true, a, 1);
	assert_non_null(
	    strstr(out, "{\"user\": \"al\\\"ce\", \"layer\": null, \"alcoves\": [{\"name\": \"1001\", "));
	assert_non_null(strstr(out, "\"profile\": \"stu\\\"dents\""));
	assert_non_null(strstr(out, "\"scope\": \"alcove-alce\\\\x2d1.scope\""));
	assert_non_null(strstr(out, "\"share\": null"));
	assert_non_null(strstr(out, "\"pid\": 4242, \"alive\": true, \"namespaces\": {\"user\": "
				    "4026532001, \"cgroup\": 4026532005}"));
	assert_non_null(strstr(out, "\"usage\": {\"memory_current\": 1048576, \"pids_current\": 3, "
				    "\"cpu_usage_usec\": null}"));
	assert_non_null(
	    strstr(out, "\"login-1\": {\"memory_current\": null, \"pids_current\": 2, "));
	assert_non_null(strstr(out, "}}, \"cgroups_not_shown\": 0, \"limits\": "));
	assert_non_null(
	    strstr(out, "\"sessions\": 1, \"holds\": 0, \"processes\": 3, "
			"\"uptime_sec\": 42, \"frozen\": false, \"active\": true, "
			"\"last_activity_usec\": 1764883812000001, \"idle_sec\": null}]}\n"));
	free(out);
	a->status = (ShowStatus){.frozen = true};
	out = render(true, a, 1);
	assert_non_null(strstr(out, "\"sessions\": null, \"holds\": null, \"processes\": null, "
				    "\"uptime_sec\": null, \"frozen\": true, "));
	free(out);
	free(a->cgroups);
	free(a);

	out = render(true, NULL, 0);
	assert_string_equal(out, "{\"user\": \"al\\\"ce\", \"layer\": null, \"alcoves\": []}\n");
	free(out);
}

/* A sub-cgroup's name is any directory name (up to NAME_MAX bytes, the tenant's to choose in
 * root mode): the longest is shown whole, escaped, in the text and the JSON. */
static void test_format_long_cgroup(void **state)
{
	ShowInfo *a = fill();
	char want[4 * NAME_MAX + 64], *out;

	(void)state;
	memset(a->cgroups[1].name, 'x', NAME_MAX);
	a->cgroups[1].name[NAME_MAX - 1] = '\n';
	a->cgroups[1].name[NAME_MAX] = '\0';
	out = render(false, a, 1);
	snprintf(want, sizeof(want), "  %.*s\\x0a tasks=2\n", NAME_MAX - 1, a->cgroups[1].name);
	assert_non_null(strstr(out, want));
	free(out);
	out = render(true, a, 1);
	snprintf(want, sizeof(want),
		 "\"%.*s\\\\x0a\": {\"memory_current\": null, \"pids_current\": 2", NAME_MAX - 1,
		 a->cgroups[1].name);
	assert_non_null(strstr(out, want));
	free(out);
	free(a->cgroups);
	free(a);
}

static void test_format_limits_tmpfs(void **state)
{
	ShowInfo *a = calloc(1, sizeof(*a));
	char *out;

	(void)state;
	assert_non_null(a);
	strcpy(a->name, "1001");
	a->limits = (ShowLimits){.has_memory_max = true, .memory_max = 1u << 30,
				 .has_pids_max = true, .pids_max = SHOW_LIMIT_NONE};
	a->tmpfs[SHOW_TMP] = (ShowTmpfsUsage){.known = true, .bytes = 12288, .size = 8u << 20,
					      .inodes = 3, .inodes_max = 1000};
	a->tmpfs[SHOW_SHM] = (ShowTmpfsUsage){.known = true, .bytes = 0, .size = 8u << 20,
					      .inodes = 1, .inodes_max = 1000};
	out = render(false, a, 1);
	assert_non_null(strstr(out, "limits:     memory.max=1073741824 pids.max=max\n"));
	assert_non_null(strstr(out, "tmpfs:      /tmp 12K of 8M (3 of 1000 inodes), /dev/shm 0B of "
				    "8M (1 of 1000 inodes)\n"));
	free(out);
	out = render(true, a, 1);
	assert_non_null(strstr(out, "\"limits\": {\"memory_max\": 1073741824, \"pids_max\": null}"));
	assert_non_null(strstr(out, "\"tmpfs\": {\"/tmp\": {\"bytes\": 12288, \"size\": 8388608, "
				    "\"inodes\": 3, \"inodes_max\": 1000}, \"/dev/shm\": {"));
	free(out);
	free(a);
}

static char *render_layer(bool json, const ShowLayer *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		show_format_json("u", NULL, 0, l, f);
	else
		show_format_layer_text(l, f);
	fclose(f);
	return buf;
}

static void test_format_layer(void **state)
{
	ShowLayer btrfs = {.present = true, .has_usage = true, .counter = "btrfs qgroup",
			   .bytes = 12u << 20, .bytes_limit = 20u << 20};
	ShowLayer project = {.present = true, .has_usage = true, .counter = "project quota",
			     .bytes = 1536, .bytes_limit = 10ull << 30, .counts_inodes = true,
			     .inodes = 7, .inodes_limit = 1000};
	ShowLayer none = {.present = true,
			  .why = "the filesystem cannot enforce a quota (none): put it on btrfs"};
	ShowLayer free_ = {.present = true, .has_usage = true, .counter = "btrfs qgroup",
			   .bytes = 30u << 20, .why = "no layer_quota in profile free"};
	char *out;

	(void)state;
	out = render_layer(false, &btrfs);
	assert_string_equal(out, "layer:      12M of 20M (btrfs qgroup)\n");
	free(out);
	out = render_layer(false, &project);
	assert_string_equal(out, "layer:      1.5K of 10G, 7 inodes of 1000 (project quota)\n");
	free(out);
	/* without a limit: said, with the reason (usage too where the filesystem counts it) */
	out = render_layer(false, &none);
	assert_string_equal(
	    out, "layer:      not limited: the filesystem cannot enforce a quota (none): put it "
		 "on btrfs\n");
	free(out);
	out = render_layer(false, &free_);
	assert_string_equal(out, "layer:      30M used, not limited: no layer_quota in profile "
				 "free (btrfs qgroup)\n");
	free(out);
	none.why[0] = '\0';
	out = render_layer(false, &none);
	assert_string_equal(out, "layer:      not limited: no limit is set on it\n");
	free(out);
	out = render_layer(true, &free_);
	assert_non_null(strstr(out, "\"bytes\": 31457280, \"bytes_limit\": null, "
				    "\"inodes\": null, \"inodes_limit\": null, \"limited\": false, "
				    "\"not_limited_reason\": \"no layer_quota in profile free\"}"));
	free(out);
	out = render_layer(true, &btrfs);
	assert_string_equal(out, "{\"user\": \"u\", \"layer\": {\"counter\": \"btrfs qgroup\", "
				 "\"bytes\": 12582912, \"bytes_limit\": 20971520, \"inodes\": null, "
				 "\"inodes_limit\": null, \"limited\": true, "
				 "\"not_limited_reason\": null}, \"alcoves\": []}\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_numbers), cmocka_unit_test(test_format_text),
	    cmocka_unit_test(test_format_json),	  cmocka_unit_test(test_format_long_cgroup),
	    cmocka_unit_test(test_format_layer),  cmocka_unit_test(test_format_limits_tmpfs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
