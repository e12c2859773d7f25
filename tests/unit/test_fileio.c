/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "macro.h"

static char dir[] = "/var/tmp/alcove-test-fileio-XXXXXX";
static int dfd = -1;

static void put(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)unlinkat(dfd, "f", 0);
	(void)unlinkat(dfd, "link", 0);
	close(dfd);
	return rmdir(dir);
}

static void test_reads_whole_file(void **state)
{
	char buf[16];
	size_t len = 99;

	put("f", "hello\nworld\n");
	assert_int_equal(read_file_at(dfd, "f", 0, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 12);
	assert_memory_equal(buf, "hello\nworld\n", 12);
}

/* A file that fills the buffer exactly is refused: the caller cannot tell it was not cut. */
static void test_full_buffer_is_efbig(void **state)
{
	char buf[5];
	size_t len = 99;

	put("f", "12345");
	assert_int_equal(read_file_at(dfd, "f", 0, buf, sizeof(buf), &len), -EFBIG);
	assert_int_equal(len, 99);
	put("f", "1234");
	assert_int_equal(read_file_at(dfd, "f", 0, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 4);
	put("f", "");
	assert_int_equal(read_file_at(dfd, "f", 0, buf, sizeof(buf), &len), 0);
	assert_int_equal(len, 0);
}

static void test_open_errors(void **state)
{
	char buf[8];
	size_t len;

	assert_int_equal(read_file_at(dfd, "missing", 0, buf, sizeof(buf), &len), -ENOENT);
	put("f", "x");
	assert_int_equal(symlinkat("f", dfd, "link"), 0);
	assert_int_equal(read_file_at(dfd, "link", 0, buf, sizeof(buf), &len), -ELOOP);
	assert_int_equal(read_file_at(dfd, "f", O_DIRECTORY, buf, sizeof(buf), &len), -ENOTDIR);
}

/* open_regular(): a regular file (through a symlink too), never a directory or a FIFO, and a
 * FIFO with no writer does not block the open */
static void test_open_regular(void **state)
{
	char path[128];
	struct stat st;
	int fd;

	put("f", "x");
	assert_int_equal(symlinkat("f", dfd, "reglink"), 0);
	snprintf(path, sizeof(path), "%s/reglink", dir);
	fd = open_regular(path, &st);
	assert_true(fd >= 0 && S_ISREG(st.st_mode) && st.st_size == 1);
	close(fd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(open_regular(dir, &st), -EISDIR);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(open_regular(path, &st), -EBADFD);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(open_regular(path, &st), -ENOENT);
}

/* open_regular_beneath(): the same checks, and nothing through a symlink or outside dfd */
static void test_open_regular_beneath(void **state)
{
	struct stat st;
	int fd;

	put("f", "x");
	fd = open_regular_beneath(dfd, "f", &st);
	assert_true(fd >= 0 && S_ISREG(st.st_mode) && st.st_size == 1);
	close(fd);
	assert_int_equal(symlinkat("f", dfd, "reglink"), 0);
	assert_int_equal(open_regular_beneath(dfd, "reglink", &st), -ELOOP);
	assert_int_equal(unlinkat(dfd, "reglink", 0), 0);
	assert_int_equal(open_regular_beneath(dfd, "../f", &st), -EXDEV);
	assert_int_equal(mkdirat(dfd, "d", 0700), 0);
	assert_int_equal(open_regular_beneath(dfd, "d", &st), -EISDIR);
	assert_int_equal(unlinkat(dfd, "d", AT_REMOVEDIR), 0);
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
	assert_int_equal(open_regular_beneath(dfd, "fifo", &st), -EBADFD);
	assert_int_equal(unlinkat(dfd, "fifo", 0), 0);
}

/* The listing sees the directory's entries; the caller's fd is still open afterwards. */
static void test_opendir_fd(void **state)
{
	struct dirent *de;
	bool seen = false;
	DIR *d = NULL;

	put("f", "x");
	assert_int_equal(opendir_fd(dfd, &d), 0);
	while ((de = readdir(d)))
		seen = seen || strcmp(de->d_name, "f") == 0;
	assert_int_equal(closedir(d), 0);
	assert_true(seen);
	assert_true(fcntl(dfd, F_GETFD) >= 0);
	assert_int_equal(opendir_fd(-1, &d), -EBADF);
}

/* A descriptor closed early by closep() is forgotten: the scope's cleanup does not close the
 * file opened since under the same (lowest free) number. */
static void test_closep_forgets(void **state)
{
	int other;

	(void)state;
	{
		_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		assert_true(fd >= 0);
		closep(&fd);
		assert_int_equal(fd, -1);
		other = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(other >= 0);
	}
	assert_int_equal(fcntl(other, F_GETFD), FD_CLOEXEC); /* still open */
	close(other);
}

/* A closed fd 0 or 1 becomes /dev/null, so that the next socket does not take its number. */
static void test_std_fds_open(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char link[64] = "";
		struct stat st;

		close(0);
		close(1);
		if (std_fds_open() < 0 || fstat(0, &st) < 0 || !S_ISCHR(st.st_mode))
			_exit(10);
		if (readlink("/proc/self/fd/1", link, sizeof(link) - 1) < 0)
			_exit(11);
		_exit(strcmp(link, "/dev/null") == 0 ? 0 : 12);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reads_whole_file),
	    cmocka_unit_test(test_full_buffer_is_efbig),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_open_regular),
	    cmocka_unit_test(test_open_regular_beneath),
	    cmocka_unit_test(test_opendir_fd),
	    cmocka_unit_test(test_closep_forgets),
	    cmocka_unit_test(test_std_fds_open),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
