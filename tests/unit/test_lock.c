/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The alcove's lock with a deadline (helper/lib/lock.c): what bounds a login's wait behind
 * another open or a stop of the same alcove, so that the helper answers within its budget. */
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
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fdwait.h"
#include "../../helper/lib/lock.h"
#include "../../helper/lib/paths.h"
#include "tmpdir_testlib.h"

typedef struct Fixture {
	int runfd;
} Fixture;

static int setup(void **state)
{
	Fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(tmpdir_make("/var/tmp/alcove-test-lock"), 0);
	f->runfd = open(tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->runfd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	Fixture *f = *state;

	close(f->runfd);
	assert_int_equal(tmpdir_remove(), 0);
	free(f);
	return 0;
}

/* Another open file description holding <dir>/a/lock, as a concurrent helper would. */
static int hold(const Fixture *f)
{
	int dirfd, lockfd, held;

	assert_int_equal(lock_alcove(f->runfd, "a", true, &dirfd, &lockfd), 0);
	held = openat(dirfd, "lock", O_RDWR | O_CLOEXEC);
	assert_true(held >= 0);
	close(lockfd); /* its lock goes with it */
	close(dirfd);
	assert_int_equal(flock(held, LOCK_EX | LOCK_NB), 0);
	return held;
}

static void test_free_lock_is_taken(void **state)
{
	Fixture *f = *state;
	int dirfd = -1, lockfd = -1;

	assert_int_equal(lock_alcove_until(f->runfd, "a", true, monotonic_ms() + 1000, &dirfd, &lockfd),
			 0);
	assert_true(dirfd >= 0 && lockfd >= 0);
	close(dirfd);
	close(lockfd);
}

/* Held past the deadline: -ETIMEDOUT once the deadline has passed, not before, not never. */
static void test_held_lock_times_out(void **state)
{
	Fixture *f = *state;
	int held = hold(f), dirfd = -1, lockfd = -1;
	long long deadline = monotonic_ms() + 200;

	assert_int_equal(lock_alcove_until(f->runfd, "a", false, deadline, &dirfd, &lockfd),
			 -ETIMEDOUT);
	assert_true(monotonic_ms() >= deadline);
	assert_int_equal(dirfd, -1);
	assert_int_equal(lockfd, -1);
	close(held);
}

/* Released before the deadline (the other login's build ended): taken. */
static void test_released_lock_is_taken(void **state)
{
	Fixture *f = *state;
	int held = hold(f), dirfd = -1, lockfd = -1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		/* the child's copy of the description keeps the lock until the child ends */
		const struct timespec t = {.tv_nsec = 100 * 1000 * 1000};

		nanosleep(&t, NULL);
		_exit(0);
	}
	close(held);
	assert_int_equal(lock_alcove_until(f->runfd, "a", false, monotonic_ms() + 60000, &dirfd,
					   &lockfd),
			 0);
	assert_true(lockfd >= 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	close(dirfd);
	close(lockfd);
}

/* Racers making the same alcoves' directories: each lock is taken, never refused because
 * another racer's directory was seen half made (root 0700 before its chmod: EPERM). */
static void test_racing_creators_all_lock(void **state)
{
	Fixture *f = *state;
	enum { RACERS = 4, NAMES = 300 };
	pid_t pids[RACERS];

	for (int i = 0; i < RACERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] > 0)
			continue;
		for (int n = 0; n < NAMES; n++) {
			char name[16];
			int dirfd, lockfd, r;

			snprintf(name, sizeof(name), "r%d", n);
			r = lock_alcove_until(f->runfd, name, true, monotonic_ms() + 10000, &dirfd,
					      &lockfd);
			if (r < 0)
				_exit(-r);
			close(lockfd);
			close(dirfd);
		}
		_exit(0);
	}
	for (int i = 0; i < RACERS; i++) {
		int status;

		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0); /* else the errno it failed with */
	}
}

/* The directory is made whole under a temporary name and renamed: only its own name is left
 * in the parent, with the mode asked for. */
static void test_no_temporary_left(void **state)
{
	Fixture *f = *state;
	int dirfd = -1, lockfd = -1, n = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	assert_int_equal(
	    lock_alcove_until(f->runfd, "a", true, monotonic_ms() + 1000, &dirfd, &lockfd), 0);
	assert_int_equal(fstat(dirfd, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	d = opendir(tmpdir);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
			assert_string_equal(de->d_name, "a");
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	close(dirfd);
	close(lockfd);
}

/* gc removes by name what paths_temp_name() makes (gc_temp.c), and nothing else. */
static void test_temp_name_recognised(void **state)
{
	char name[PATHS_TEMP_NAME_MAX];

	(void)state;
	assert_int_equal(paths_temp_name(name, sizeof(name)), 0);
	assert_true(paths_is_temp_name(name));
	assert_true(paths_is_temp_name("..alcove-new.0123456789abcdef"));
	assert_false(paths_is_temp_name("..alcove-new.0123456789ABCDEF"));
	assert_false(paths_is_temp_name("..alcove-new.0123456789abcde"));
	assert_false(paths_is_temp_name("..alcove-new.0123456789abcdef0"));
	assert_false(paths_is_temp_name(".alcove-new.0123456789abcdef"));
	assert_false(paths_is_temp_name("1000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_free_lock_is_taken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_held_lock_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_released_lock_is_taken, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_racing_creators_all_lock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_temporary_left, setup, teardown),
	    cmocka_unit_test(test_temp_name_recognised),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
