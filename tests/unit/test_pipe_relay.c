/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pipe_relay (alcovectl enter's non-terminal fds): the session gets pipes of the relay's,
 * never the caller's pipe; a process it leaves behind meets EPIPE once it has ended, and the
 * caller's pipe reaches EOF with the session, its status kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pipe_relay.h"

static int report = -1; /* the leftover process writes its write's errno here */

static int session(void *userdata)
{
	char line[16] = "";

	(void)userdata;
	if (fork() == 0) { /* left behind: writes after the session has ended */
		int e;

		signal(SIGPIPE, SIG_IGN);
		nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
		e = write(1, "late\n", 5) < 0 ? errno : 0;
		_exit(write(report, &e, sizeof(e)) == (ssize_t)sizeof(e) ? 0 : 1);
	}
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "input\n") != 0)
		return 40;
	printf("hello\n");
	fflush(stdout);
	return 7;
}

/* The caller: fds 0 and 1 pipes of the test's. */
static _noreturn_ void caller(int in, int out)
{
	int status = 0;

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(50);
	if (in > 1) /* with the test's own fd 0 closed (make check <&-), pipe() hands out 0 */
		close(in);
	if (out > 1)
		close(out);
	if (!pipe_relay_wanted() || pipe_relay_session(session, NULL, &status) < 0)
		_exit(51);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 52);
}

static void test_leftover_holds_no_pipe_of_ours(void **state)
{
	int in[2], out[2], rep[2], status, e = -1;
	char buf[256] = "";
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(rep), 0);
	report = rep[1];
	assert_int_equal(write(in[1], "input\n", 6), 6);
	close(in[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(out[0]);
		caller(in[0], out[1]);
	}
	close(in[0]);
	close(out[1]);
	close(rep[1]);
	/* EOF once the caller has exited: no process left behind holds our pipe */
	while (len < sizeof(buf) - 1 && (n = read(out[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	assert_string_equal(buf, "hello\n");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	assert_int_equal(read(rep[0], &e, sizeof(e)), (ssize_t)sizeof(e));
	assert_int_equal(e, EPIPE);
	close(out[0]);
	close(rep[0]);
}

/* A caller that runs fn as the session with fds 0 and 1 as given; exits with the session's
 * status, 52 when it died of a signal. */
static _noreturn_ void run_caller(int in, int out, int (*fn)(void *))
{
	int status = 0;

	if ((in >= 0 && dup2(in, 0) < 0) || dup2(out, 1) < 0)
		_exit(50);
	if (pipe_relay_session(fn, NULL, &status) < 0)
		_exit(51);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 52);
}

/* The caller's wait status, or -1 if it has not exited within ms (then it is killed). */
static int wait_caller(pid_t pid, int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return status;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int write_much(void *userdata)
{
	static char block[65536];

	(void)userdata;
	for (int i = 0; i < 64; i++)
		if (write(1, block, sizeof(block)) < 0)
			return 30;
	return 0;
}

/* Output to a pipe nobody reads: a SIGTERM still ends the caller (passed to the session, and
 * no waiting in a write for the rest), as it would end a plain program in that pipeline. */
static void test_stalled_output_ends_on_sigterm(void **state)
{
	int out[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(out[0]);
		run_caller(-1, out[1], write_much);
	}
	close(out[1]);
	nanosleep(&(struct timespec){.tv_nsec = 300000000}, NULL);
	assert_int_equal(kill(pid, SIGTERM), 0);
	status = wait_caller(pid, 5000);
	assert_int_not_equal(status, -1); /* not stuck in a write */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 52); /* the session died of the SIGTERM */
	close(out[0]);
}

static int write_and_exit_3(void *userdata)
{
	(void)userdata;
	signal(SIGPIPE, SIG_IGN);
	(void)!write(1, "x\n", 2);
	return 3;
}

/* A closed output (`| true`): SIGPIPE of the relay's write, left pending, must not kill the
 * caller when its signals are restored: the session's status comes back. */
static void test_closed_output_keeps_status(void **state)
{
	(void)state;
	for (int round = 0; round < 20; round++) {
		int out[2], status;
		pid_t pid;

		assert_int_equal(pipe(out), 0);
		close(out[0]);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			run_caller(-1, out[1], write_and_exit_3);
		close(out[1]);
		status = wait_caller(pid, 5000);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 3);
	}
}

static int read_one_line(void *userdata)
{
	char buf[6];
	size_t got = 0;

	(void)userdata;
	while (got < sizeof(buf)) {
		ssize_t n = read(0, buf + got, sizeof(buf) - got);

		if (n <= 0)
			return 31;
		got += (size_t)n;
	}
	/* its own process group: a terminal's ^C reaches it through the relay only */
	return memcmp(buf, "line1\n", 6) == 0 && getpgrp() == getpid() ? 0 : 32;
}

/* A regular file as input: what the relay read ahead and the session did not read is given
 * back (the caller's offset is where the session stopped). */
static void test_input_file_given_back(void **state)
{
	char path[] = "/tmp/alcove-test-relay-XXXXXX";
	int fd = mkstemp(path), out, status;
	pid_t pid;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, "line1\n", 6), 6);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(write(fd, "more lines\n", 11), 11);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	out = open("/dev/full", O_WRONLY | O_CLOEXEC); /* a non-terminal output, never read */
	assert_true(out >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		run_caller(fd, out, read_one_line);
	status = wait_caller(pid, 5000);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 6);
	close(fd);
	close(out);
}

/* Out of fds while making the pipes: the error, and the caller's own fds 0 and 1 still open
 * (the relay's not yet made pipe ends were 0 from calloc, closed as "ours" before). */
static void test_setup_failure_keeps_callers_fds(void **state)
{
	int in[2], out[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int st = 0, r;

		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(50);
		for (int fd = 3; fd < 64; fd++)
			close(fd);
		/* 0, 1, 2 and the first pipe: the second pipe2() meets EMFILE */
		if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){5, 5}) < 0)
			_exit(51);
		r = pipe_relay_session(read_one_line, NULL, &st);
		if (r != -EMFILE)
			_exit(52);
		_exit(fcntl(0, F_GETFD) >= 0 && fcntl(1, F_GETFD) >= 0 ? 0 : 53);
	}
	close(in[1]);
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0); /* 53: the caller's fd 0 or 1 was closed */
	close(in[0]);
	close(out[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leftover_holds_no_pipe_of_ours),
	    cmocka_unit_test(test_stalled_output_ends_on_sigterm),
	    cmocka_unit_test(test_closed_output_keeps_status),
	    cmocka_unit_test(test_input_file_given_back),
	    cmocka_unit_test(test_setup_failure_keeps_callers_fds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
