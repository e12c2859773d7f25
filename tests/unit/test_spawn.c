/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "spawn.h"

/*
 * A go-between process spawns `sh` (which prints its pid and becomes `sleep 600` holding the
 * pipe's write end), passes the pid on, then is SIGKILLed. We are the subreaper, so the orphan comes to us.
 * Returns the sleeper's pid; *ret_rd is the pipe's read end (EOF once the sleeper is gone).
 */
static pid_t spawn_from_killed_parent(bool die_with_parent, int *ret_rd)
{
	char *const argv[] = {"sh", "-c", "echo $$; exec sleep 600", NULL};
	char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
	char buf[32] = {0};
	int p[2], q[2], status;
	pid_t mid, pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(pipe2(q, O_CLOEXEC), 0);
	mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		int pidfd;
		SpawnSpec s = {.path = "/bin/sh",
			       .argv = argv,
			       .envp = envp,
			       .fds = {-1, p[1], -1},
			       .n_fds = 3,
			       .die_with_parent = die_with_parent};
		ssize_t n;

		/* the pid passed on once sh runs: killed before, it would never print it */
		if (spawn_pidfd(&s, &pidfd) < 0 || (n = read(p[0], buf, sizeof(buf))) <= 0 ||
		    write(q[1], buf, (size_t)n) != n)
			_exit(1);
		raise(SIGKILL);
	}
	close(p[1]);
	close(q[1]);
	assert_int_equal(waitpid(mid, &status, 0), mid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(read(q[0], buf, sizeof(buf) - 1) > 0);
	close(q[0]);
	pid = (pid_t)atoi(buf);
	assert_true(pid > 0);
	*ret_rd = p[0];
	return pid;
}

/* The pipe's end shows within ms milliseconds: its last writer is gone. */
static bool eof_within(int fd, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c;

	return poll(&pfd, 1, ms) == 1 && read(fd, &c, 1) == 0;
}

/* skopeo for a SIGKILLed alcovectl: it dies with it instead of downloading on. */
static void test_dies_with_parent(void **state)
{
	int rd, status;
	pid_t pid = spawn_from_killed_parent(true, &rd);

	assert_true(eof_within(rd, 60000));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(rd);
}

/* Without it the child outlives its parent (what the helper needs): the test above can fail. */
static void test_outlives_parent_by_default(void **state)
{
	int rd, status;
	pid_t pid = spawn_from_killed_parent(false, &rd);

	assert_false(eof_within(rd, 300));
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(eof_within(rd, 60000));
	close(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dies_with_parent),
	    cmocka_unit_test(test_outlives_parent_by_default),
	};

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
