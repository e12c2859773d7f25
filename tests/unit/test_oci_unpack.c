/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What alcovectl takes from alcove-unpack's output (ctl/oci_unpack.c), against a script that
 * stands in for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir_testlib.h"

#include "../../ctl/oci_unpack.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int setup(void **state)
{
	return tmpdir_make("/var/tmp/alcove-test-ociunpack");
}

static int teardown(void **state)
{
	return tmpdir_remove();
}

/* A script that prints out (len bytes), run as alcove-unpack ($ALCOVE_UNPACK). */
static void unpack_prints(const char *out, size_t len)
{
	char script[512];
	FILE *f = fopen(path_of("out"), "we");

	assert_non_null(f);
	assert_int_equal(fwrite(out, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	snprintf(script, sizeof(script), "#!/bin/sh\nexec /bin/cat '%s'\n", path_of("out"));
	put("unpack", script);
	assert_int_equal(chmod(path_of("unpack"), 0700), 0);
	assert_int_equal(setenv("ALCOVE_UNPACK", path_of("unpack"), 1), 0);
}

static int read_layout(OciImage *img, AlcError *e)
{
	int fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	assert_true(fd >= 0);
	r = oci_unpack_read_layout(fd, img, e);
	assert_int_equal(close(fd), 0);
	return r;
}

/* A record, then more than the reader holds: the part that fits ends at a line and parses as a
 * record (the layer after it left out); the output is refused. */
static void test_record_too_long(void **state)
{
	static char out[2 * OCI_RECORD_MAX];
	OciImage img = {.n_layers = 1, .sizes = {10}}, back;
	AlcError e = {0};
	int n;

	strcpy(img.manifest, HEX);
	strcpy(img.layers[0], HEX);
	n = oci_image_format(&img, out, sizeof(out));
	assert_true(n > 0);
	unpack_prints(out, (size_t)n);
	assert_int_equal(read_layout(&back, &e), 0);
	assert_int_equal(back.n_layers, 1);
	memset(out + n, '\n', OCI_RECORD_MAX - (size_t)n);
	n = OCI_RECORD_MAX;
	n += snprintf(out + n, sizeof(out) - (size_t)n, "layer=%s 20\n", HEX);
	unpack_prints(out, (size_t)n);
	assert_int_equal(read_layout(&back, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "printed more than"));
	/* a full buffer, and nothing more, is more than a record too */
	unpack_prints(out, OCI_RECORD_MAX);
	assert_int_equal(read_layout(&back, &e), -EBADMSG);
	/* one byte less is read */
	out[OCI_RECORD_MAX - 2] = '\n';
	unpack_prints(out, OCI_RECORD_MAX - 1);
	assert_int_equal(read_layout(&back, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_too_long),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
