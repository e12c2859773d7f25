/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcovectl's JSON and text output of a profile (ctl/json.c, ctl/profile_print.c). */
#include "policy_testlib.h"

#include "../../ctl/json.h"
#include "../../ctl/profile_print.h"

/* Runs fn(f, arg) on a memory stream and returns what it wrote. */
static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	assert_non_null(f);
	fn(f, arg);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void write_string(FILE *f, const void *s)
{
	json_string(f, s);
}

static void assert_json(const char *in, const char *want)
{
	char *out = capture(write_string, in);

	assert_string_equal(out, want);
	free(out);
}

static void test_json_string(void **state)
{
	assert_json("plain", "\"plain\"");
	assert_json("", "\"\"");
	assert_json(NULL, "null");
	assert_json("a\"b\\c", "\"a\\\"b\\\\c\"");
	assert_json("l1\nl2\r\t", "\"l1\\nl2\\r\\t\"");
	assert_json("\b\f", "\"\\b\\f\"");
	assert_json("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	assert_json("caf\xc3\xa9", "\"caf\xc3\xa9\""); /* UTF-8 passes through */
	assert_json("</script>", "\"</script>\"");
}

/* A tenant's name need not be UTF-8: each byte that is no part of a valid sequence becomes
 * the text \xHH (an escaped backslash in JSON), as text output shows it, and the document
 * stays valid UTF-8. */
static void test_json_invalid_utf8(void **state)
{
	assert_json(
	    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf",
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""); /* up to U+10FFFF */
	assert_json("a\xff", "\"a\\\\xff\"");				 /* never in UTF-8 */
	assert_json("\x80z", "\"\\\\x80z\"");				 /* a continuation alone */
	assert_json("\xc3", "\"\\\\xc3\"");				 /* cut short by the end */
	assert_json("\xe2\x82z", "\"\\\\xe2\\\\x82z\"");		 /* cut short by ASCII */
	assert_json("\xc0\xaf", "\"\\\\xc0\\\\xaf\"");			 /* overlong '/' */
	assert_json("\xe0\x80\xaf", "\"\\\\xe0\\\\x80\\\\xaf\"");	 /* overlong, 3 bytes */
	assert_json("\xed\xa0\x80", "\"\\\\xed\\\\xa0\\\\x80\"");	 /* surrogate U+D800 */
	assert_json("\xf4\x90\x80\x80", "\"\\\\xf4\\\\x90\\\\x80\\\\x80\""); /* U+110000 */
	assert_json("\xf8\x88\x80\x80\x80", "\"\\\\xf8\\\\x88\\\\x80\\\\x80\\\\x80\"");
}

static void test_json_key(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int first = 1;

	fputc('{', f);
	json_key(f, "a", &first);
	fputs("1", f);
	json_key(f, "b\"", &first);
	fputs("2}", f);
	fclose(f);
	assert_string_equal(buf, "{\"a\": 1, \"b\\\"\": 2}");
	free(buf);
}

static void test_origin_format(void **state)
{
	char buf[64];
	Origin b = {"builtin", 0}, d = {"defaults", 12}, none = {NULL, 0};

	origin_format(&b, buf, sizeof(buf));
	assert_string_equal(buf, "builtin");
	origin_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "defaults:12");
	origin_format(&none, buf, sizeof(buf));
	assert_string_equal(buf, "?");
}

static void print_json(FILE *f, const void *p)
{
	profile_print_json(f, p);
}

static void print_text(FILE *f, const void *p)
{
	profile_print_text(f, p);
}

static const char conf[] = "defaults = {\n"
			   "  limits = { TasksMax = 512; };\n"
			   "};\n"
			   "profiles = {\n"
			   "  students = {\n"
			   "    persist = false;\n"
			   "    limits = { MemoryMax = \"512M\"; CPUQuota = \"50%\"; };\n"
			   "    mounts = ( { source = \"/srv/\\\"q\\\"\"; writable = true; } );\n"
			   "  };\n"
			   "};\n";

static void test_profile_json(void **state)
{
	Policy *p = load_ok(conf);
	char *out = capture(print_json, policy_find_profile(p, "students"));

	assert_non_null(strstr(out, "{\"name\": \"students\", \"inherit\": null, \"line\": 5, "));
	assert_non_null(strstr(out, "\"persist\": {\"value\": false, \"origin\": {\"section\": "
				    "\"students\", \"line\": 6}}"));
	assert_non_null(strstr(out, "\"mode\": {\"value\": \"user\", \"origin\": {\"section\": "
				    "\"builtin\", \"line\": 0}}"));
	assert_non_null(strstr(out, "\"MemoryMax\": {\"value\": \"512M\", \"number\": 536870912, "
				    "\"origin\": {\"section\": \"students\", \"line\": 7}}"));
	assert_non_null(strstr(out, "\"TasksMax\": {\"value\": \"512\", \"number\": 512, "
				    "\"origin\": {\"section\": \"defaults\", \"line\": 2}}"));
	assert_non_null(strstr(out, "\"CPUQuota\": {\"value\": \"50%\", \"number\": 500000"));
	assert_non_null(
	    strstr(out, "\"image\": {\"value\": [\"/var/lib/alcove/images/bookworm\"]"));
	assert_non_null(strstr(out, "\"mounts\": {\"value\": [{\"source\": \"/srv/\\\"q\\\"\", "
				    "\"target\": \"/srv/\\\"q\\\"\", \"writable\": true}]"));
	assert_non_null(strstr(out, "\"idle_timeout\": {\"value\": 0,"));
	/* balanced: every { has its } (no string here holds a brace) */
	int depth = 0;
	for (const char *c = out; *c; c++)
		depth += *c == '{' ? 1 : *c == '}' ? -1 : 0;
	assert_int_equal(depth, 0);
	free(out);
	policy_free(p);
}

static void test_profile_text(void **state)
{
	Policy *p = load_ok(conf);
	char *out = capture(print_text, policy_find_profile(p, "students"));

	assert_non_null(strstr(out, "  persist "));
	assert_non_null(strstr(out, "students:6\n"));
	assert_non_null(strstr(out, "  limits.MemoryMax "));
	assert_non_null(strstr(out, "512M"));
	assert_non_null(strstr(out, "  limits.TasksMax "));
	assert_non_null(strstr(out, "defaults:2\n"));
	assert_non_null(strstr(out, "  mode "));
	assert_non_null(strstr(out, "builtin\n"));
	free(out);

	/* limits set: each on its own line, no "limits (none)" line */
	out = capture(print_text, &p->defaults);
	assert_non_null(strstr(out, "  limits.TasksMax "));
	assert_null(strstr(out, "  limits "));
	free(out);
	policy_free(p);

	/* an empty file: the builtin limits, a share of RAM and a task count */
	p = load_ok("# the defaults only\n");
	out = capture(print_text, &p->defaults);
	assert_non_null(strstr(out, "  limits.MemoryMax       25%"));
	assert_non_null(strstr(out, "  limits.TasksMax        2048"));
	free(out);
	/* no limits at all: one line says so */
	p->defaults.limits.set = 0;
	out = capture(print_text, &p->defaults);
	assert_non_null(strstr(out, "  limits "));
	assert_non_null(strstr(out, "(none)"));
	free(out);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_string),	  cmocka_unit_test(test_json_key),
	    cmocka_unit_test(test_origin_format), cmocka_unit_test(test_profile_json),
	    cmocka_unit_test(test_profile_text),  cmocka_unit_test(test_json_invalid_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
