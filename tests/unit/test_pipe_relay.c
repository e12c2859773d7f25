/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pipe_relay (alcovectl enter's non-terminal fds): the session gets pipes of the relay's,
 * never the caller's pipe; a process it leaves behind meets EPIPE once it has ended, and the
 * caller's pipe reaches EOF with the session, its status kept. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	close(in);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_leftover_holds_no_pipe_of_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
