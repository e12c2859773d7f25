/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * paths_ensure_dir() where the filesystem takes no rename flag (NFS, ZFS before 2.2:
 * renameat2(RENAME_NOREPLACE) fails with EINVAL): linked with -Wl,--wrap=renameat2 (Makefile),
 * so the helper's code meets that answer here and must fall back to making the directory in
 * place, with the same owner, mode and checks, and no temporary directory left.
 */
#include <dirent.h>
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

#include "../../helper/lib/paths.h"
#include "tmpdir_testlib.h"

int __real_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags);
int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags);

static unsigned refused_renames;

int __wrap_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath,
		     unsigned int flags)
{
	if (flags != 0) {
		refused_renames++;
		errno = EINVAL;
		return -1;
	}
	return __real_renameat2(olddirfd, oldpath, newdirfd, newpath, flags);
}

static int parentfd = -1;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(tmpdir_make("/var/tmp/alcove-test-paths"), 0);
	parentfd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(parentfd >= 0);
	refused_renames = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(parentfd);
	assert_int_equal(tmpdir_remove(), 0);
	return 0;
}

static unsigned entries(void)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(tmpdir);

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Made in place with the spec's mode (umask notwithstanding); only its own name is left. */
static void test_made_in_place(void **state)
{
	const DirSpec spec = {
	    .uid = geteuid(), .gid = getegid(), .mode = 0751, .check = MODE_EXACT};
	struct stat st;
	int fd = -1;

	(void)state;
	assert_int_equal(paths_ensure_dir(parentfd, "d", &spec, &fd), 0);
	assert_true(refused_renames > 0); /* the fallback, not the rename, made it */
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0751);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(entries(), 1);
	close(fd);
	/* the second call finds it */
	assert_int_equal(paths_ensure_dir(parentfd, "d", &spec, &fd), 0);
	close(fd);
}

/* What is there is checked as before: a symlink is not followed, a wrong mode refused. */
static void test_existing_checked(void **state)
{
	const DirSpec spec = {
	    .uid = geteuid(), .gid = getegid(), .mode = 0700, .check = MODE_EXACT};
	int fd = -1;

	(void)state;
	assert_int_equal(mkdirat(parentfd, "wide", 0755), 0);
	assert_int_equal(fchmodat(parentfd, "wide", 0755, 0), 0);
	assert_int_equal(paths_ensure_dir(parentfd, "wide", &spec, &fd), -EPERM);
	assert_int_equal(symlinkat("wide", parentfd, "link"), 0);
	assert_int_equal(paths_ensure_dir(parentfd, "link", &spec, &fd), -ENOTDIR);
	assert_int_equal(fd, -1);
	assert_int_equal(entries(), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_made_in_place, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_existing_checked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
