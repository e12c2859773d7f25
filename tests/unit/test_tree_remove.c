/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * remove_tree_last() (helper/lib/tree_remove.c), as reset and gc remove a user's directory in
 * /var/lib/alcove: its lock file goes after everything else, so that no build can lock a
 * fresh one while the layer is being removed. The order is watched with inotify on the top
 * directory: the lock's IN_DELETE must be the last before the directory's own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../helper/lib/tree_remove.h"
#include "tmpdir_testlib.h"

static int setup(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_make("/var/tmp/alcove-test-tree"), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_remove(), 0);
	return 0;
}

/* user/lock among 64 files and a layer/upper/... tree: whatever order readdir gives, the
 * lock's deletion is the last one seen in user/. */
static void test_lock_removed_last(void **state)
{
	char buf[64 * 1024], last[NAME_MAX + 1] = "", name[32];
	unsigned deleted = 0;
	struct stat st;
	int parent, in, wd;
	ssize_t n;

	(void)state;
	assert_int_equal(mkdir(path_of("user"), 0700), 0);
	put("user/lock", "");
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "user/f%d", i);
		put(name, "x");
	}
	assert_int_equal(mkdir(path_of("user/layer"), 0700), 0);
	assert_int_equal(mkdir(path_of("user/layer/upper"), 0755), 0);
	put("user/layer/upper/notes", "the user's");
	in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	assert_true(in >= 0);
	wd = inotify_add_watch(in, path_of("user"), IN_DELETE);
	assert_true(wd >= 0);
	parent = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(parent >= 0);
	assert_int_equal(stat(tmpdir, &st), 0);
	assert_int_equal(remove_tree_last(parent, "user", st.st_dev, "lock", buf, 256), 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if ((ev->mask & IN_DELETE) && ev->len > 0) {
				snprintf(last, sizeof(last), "%s", ev->name);
				deleted++;
			}
			p += sizeof(*ev) + ev->len;
		}
	assert_int_equal(deleted, 66); /* 64 files, layer, lock */
	assert_string_equal(last, "lock");
	assert_int_equal(faccessat(parent, "user", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(errno, ENOENT);
	close(parent);
	close(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lock_removed_last, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
