/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of the OCI image store (common/oci.h): tar entry paths, whiteout names,
 * digests, image names and the image record. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oci.h"
#include "text_escape.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void assert_path(const char *in, const char *out)
{
	char buf[64];
	const char *why;

	assert_int_equal(oci_entry_path(in, buf, sizeof(buf), &why), 0);
	assert_string_equal(buf, out);
}

static void assert_bad_path(const char *in, const char *reason)
{
	char buf[64];
	const char *why = NULL;

	assert_int_equal(oci_entry_path(in, buf, sizeof(buf), &why), -EINVAL);
	assert_non_null(why);
	assert_string_equal(why, reason);
}

static void test_entry_paths(void **state)
{
	assert_path("./usr/bin/sh", "usr/bin/sh");
	assert_path("usr//bin/./sh/", "usr/bin/sh");
	assert_path("./", ".");
	assert_path(".", ".");
	assert_path("a/...", "a/...");
	assert_path("..a/b..", "..a/b..");
	assert_bad_path("/etc/passwd", "an absolute path");
	assert_bad_path("", "an empty path");
	assert_bad_path("..", "a \"..\" component");
	assert_bad_path("./a/../../b", "a \"..\" component");
	assert_bad_path("a/..", "a \"..\" component");
	assert_bad_path("./aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
			"a path too long");
}

static void test_whiteouts(void **state)
{
	char t[64];

	assert_int_equal(oci_whiteout("etc/motd", t, sizeof(t)), OCI_WH_NONE);
	assert_int_equal(oci_whiteout("etc/.wh.motd", t, sizeof(t)), OCI_WH_FILE);
	assert_string_equal(t, "etc/motd");
	assert_int_equal(oci_whiteout(".wh.etc", t, sizeof(t)), OCI_WH_FILE);
	assert_string_equal(t, "etc");
	assert_int_equal(oci_whiteout("opt/d/.wh..wh..opq", t, sizeof(t)), OCI_WH_OPAQUE);
	assert_string_equal(t, "opt/d");
	assert_int_equal(oci_whiteout(".wh..wh..opq", t, sizeof(t)), OCI_WH_OPAQUE);
	assert_string_equal(t, ".");
	assert_int_equal(oci_whiteout("etc/.wh.", t, sizeof(t)), OCI_WH_BAD);
	assert_int_equal(oci_whiteout("etc/.wh...", t, sizeof(t)), OCI_WH_BAD);
	assert_int_equal(oci_whiteout("etc/.wh..wh..plnk", t, sizeof(t)), OCI_WH_BAD);
	assert_int_equal(oci_whiteout("etc/x.wh.y", t, sizeof(t)), OCI_WH_NONE);
}

static void test_digests_and_names(void **state)
{
	const char *hex;

	assert_int_equal(oci_digest_hex("sha256:" HEX, &hex), 0);
	assert_string_equal(hex, HEX);
	assert_int_equal(oci_digest_hex("sha512:" HEX, &hex), -EINVAL);
	assert_int_equal(oci_digest_hex("sha256:" HEX "0", &hex), -EINVAL);
	assert_int_equal(oci_digest_hex("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef"
					"0123456789abcdef",
					&hex),
			 -EINVAL);
	assert_int_equal(oci_digest_hex(NULL, &hex), -EINVAL);
	assert_true(oci_name_ok("debian_12.1-x"));
	assert_false(oci_name_ok(""));
	assert_false(oci_name_ok(".hidden"));
	assert_false(oci_name_ok(".."));
	assert_false(oci_name_ok("a/b"));
	assert_false(oci_name_ok("a b"));
}

static void test_record(void **state)
{
	OciImage img = {.pulled = 1700000000, .n_layers = 2, .sizes = {10, 20}}, back;
	char buf[OCI_RECORD_MAX];
	int n;

	strcpy(img.manifest, HEX);
	strcpy(img.source, "docker://127.0.0.1:5000/x:1");
	strcpy(img.layers[0], HEX);
	strcpy(img.layers[1], HEX);
	img.layers[1][0] = 'f';
	assert_int_equal(oci_image_add_label(&img, "org.example.a", "x=y"), 0);
	assert_int_equal(oci_image_add_label(&img, "b", "two\nlines"), -EINVAL);
	assert_int_equal(oci_image_add_label(&img, "c=d", "v"), -EINVAL);
	assert_int_equal(oci_image_add_config(&img, "Env", "A=b"), 0);
	assert_int_equal(oci_image_add_config(&img, "Cmd", "[\"sh\"]"), 0);
	img.cut = true;
	n = oci_image_format(&img, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(oci_image_parse(buf, (size_t)n, &back), 0);
	assert_int_equal(back.n_layers, 2);
	assert_string_equal(back.layers[1], img.layers[1]);
	assert_int_equal(back.sizes[1], 20);
	assert_string_equal(back.source, img.source);
	assert_int_equal(back.pulled, 1700000000);
	assert_string_equal(back.labels, "org.example.a=x=y\n");
	assert_string_equal(back.config, "Env=A=b\nCmd=[\"sh\"]\n");
	assert_true(back.cut);
	assert_int_equal(oci_image_parse("manifest=" HEX "\nsource=x\npulled=1\n", 49 + 20, &back),
			 -EBADMSG);
	assert_int_equal(oci_image_parse("manifest=" HEX "\nsource=x\npulled=1\nlayer=abc 1\n",
					 strlen("manifest=" HEX "\nsource=x\npulled=1\nlayer=abc 1\n"),
					 &back),
			 -EBADMSG);
	strcpy(img.source, "a\nb");
	assert_int_equal(oci_image_format(&img, buf, sizeof(buf)), -EINVAL);
}

/* Labels and config that fit their buffers but not the record (each line grows by its
 * "label="/"config=" when written): the config left out, cut=1, never the pull refused ("its record
 * does not fit: Argument list too long" before). */
static void test_record_too_many_lines(void **state)
{
	OciImage img = {.pulled = 1, .n_layers = OCI_MAX_LAYERS}, back;
	char buf[OCI_RECORD_MAX];
	int n;

	strcpy(img.manifest, HEX);
	memset(img.source, 'x', sizeof(img.source) - 1);
	for (size_t i = 0; i < OCI_MAX_LAYERS; i++)
		strcpy(img.layers[i], HEX);
	while (oci_image_add_config(&img, "E", "") == 0)
		;
	while (oci_image_add_label(&img, "l", "") == 0)
		;
	n = oci_image_format(&img, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(oci_image_parse(buf, (size_t)n, &back), 0);
	assert_string_equal(back.config, "");
	assert_string_equal(back.labels, img.labels);
	assert_true(back.cut);
	assert_string_equal(back.source, img.source);
	assert_int_equal(back.n_layers, OCI_MAX_LAYERS);
}

/* A label key the record's parser would refuse is left out when recording: a label of 256
 * bytes in an image's config made every pull of it fail (its record unreadable). */
static void test_record_long_key(void **state)
{
	OciImage img = {.pulled = 1, .n_layers = 1}, back;
	char key[OCI_KEY_MAX + 2], buf[OCI_RECORD_MAX];
	int n;

	strcpy(img.manifest, HEX);
	strcpy(img.layers[0], HEX);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0'; /* 256 bytes */
	assert_int_equal(oci_image_add_label(&img, key, "v"), -ENAMETOOLONG);
	assert_int_equal(oci_image_add_config(&img, key, "v"), -ENAMETOOLONG);
	assert_string_equal(img.labels, "");
	key[OCI_KEY_MAX] = '\0'; /* 255 bytes: kept, and read back */
	assert_int_equal(oci_image_add_label(&img, key, "v"), 0);
	n = oci_image_format(&img, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(oci_image_parse(buf, (size_t)n, &back), 0);
	assert_int_equal(strlen(back.labels), OCI_KEY_MAX + 3);
}

/* What inspect --json emits as JSON: only an array of JSON strings, nothing that closes it. */
static void test_json_strings(void **state)
{
	assert_true(oci_json_strings_ok("[]"));
	assert_true(oci_json_strings_ok("[\"/bin/sh\",\"-c\"]"));
	assert_true(oci_json_strings_ok("[\"a\\\"b\\\\c\\u00e9\\n\"]"));
	assert_true(oci_json_strings_ok("[\"caf\xc3\xa9\"]"));
	assert_false(oci_json_strings_ok("\"], \"injected\": [\"x"));
	assert_false(oci_json_strings_ok("[\"x\"], \"injected\": [\"x\"]"));
	assert_false(oci_json_strings_ok("[\"a\"] "));
	assert_false(oci_json_strings_ok("[\"a\",]"));
	assert_false(oci_json_strings_ok("[1]"));
	assert_false(oci_json_strings_ok("[\"a\x1b\"]"));
	assert_false(oci_json_strings_ok("[\"\\x\"]"));
	assert_false(oci_json_strings_ok("[\"\\u12\"]"));
	assert_false(oci_json_strings_ok("[\"a"));
	assert_false(oci_json_strings_ok("[\"a\\"));
	assert_false(oci_json_strings_ok(""));
}

/* An image's text for the admin's terminal: escapes as \xHH, spaces as they are. */
static void test_text_escape(void **state)
{
	const char *label = "esc=\x1b]0;pwned\x07 and a\\b";
	char out[64];

	assert_int_equal(text_escape_n(label, strlen(label), true, out, sizeof(out)), 0);
	assert_string_equal(out, "esc=\\x1b]0;pwned\\x07 and a\\x5cb");
	assert_int_equal(text_escape_n("title=alcove test\nnext", 17, true, out, sizeof(out)), 0);
	assert_string_equal(out, "title=alcove test");
	assert_int_equal(text_escape_n("ab\x1b", 3, true, out, 5), -E2BIG);
	assert_string_equal(out, "ab"); /* never half an escape */
	assert_int_equal(text_escape_n("a b", 3, true, out, 3), -E2BIG);
	assert_string_equal(out, "a ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_paths),	      cmocka_unit_test(test_whiteouts),
	    cmocka_unit_test(test_digests_and_names), cmocka_unit_test(test_record),
	    cmocka_unit_test(test_record_long_key),   cmocka_unit_test(test_record_too_many_lines),
	    cmocka_unit_test(test_json_strings),      cmocka_unit_test(test_text_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
