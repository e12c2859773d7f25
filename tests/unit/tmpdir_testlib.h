/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the tests that work on files in a temporary directory: the directory (made by
 * tmpdir_make(), removed by tmpdir_remove()), names in it, and small files written there.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

static char tmpdir[64];

/* prefix: "/var/tmp/alcove-test-NAME"; 0 or -1 */
static inline int tmpdir_make(const char *prefix)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s-XXXXXX", prefix);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmpdir_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* tmpdir/name, in one of 4 rotating buffers (up to 4 in one call's arguments) */
static inline const char *path_of(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, name);
	return buf[i];
}

static inline void put(const char *name, const char *text)
{
	FILE *f = fopen(path_of(name), "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}
