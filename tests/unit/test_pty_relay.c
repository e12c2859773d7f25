/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay between a caller's terminal and a session's own pty (common/pty_relay.c): which
 * fds need it, and that a session run through it sees a pty that is not the caller's, that
 * its output and exit status come back, and that what it left behind is hung up. Each case
 * runs in a child whose fds 0-2 the test arranges (cmocka writes to fd 1). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "pty_relay.h"

/* Runs fn in a child with fds 0, 1, 2 as given; returns the child's exit code. */
static int in_child(int fd0, int fd1, int fd2, int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(fd0, 0) < 0 || dup2(fd1, 1) < 0 || dup2(fd2, 2) < 0)
			_exit(100);
		_exit(fn(arg));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int wanted(void *arg)
{
	return pty_relay_wanted(*(dev_t *)arg) + 10; /* 10: no, 11: yes, below: -errno */
}

static void test_wanted(void **state)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), master, slave;
	struct stat st;
	dev_t own = 0;

	assert_true(null >= 0);
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_int_equal(fstat(slave, &st), 0);
	assert_int_equal(in_child(null, null, null, wanted, &own), 10);	 /* no terminal */
	assert_int_equal(in_child(null, slave, null, wanted, &own), 11); /* stdout: any tty */
	assert_int_equal(in_child(null, null, slave, wanted, &own), 11); /* stderr too */
	own = st.st_dev; /* a pty of the login's own devpts needs none */
	assert_int_equal(in_child(slave, slave, slave, wanted, &own), 10);
	own = st.st_dev + 1;
	assert_int_equal(in_child(slave, slave, slave, wanted, &own), 11);
	close(master);
	close(slave);
	close(null);
}

typedef struct Caller {
	struct stat tty; /* the caller's terminal */
	int report;	 /* the left-behind process writes 'H' here once hung up */
} Caller;

/* The session: on a terminal that is not the caller's; leaves a process behind holding it. */
static int session(void *userdata)
{
	const Caller *caller = userdata;
	struct stat st;
	char c;

	if (!isatty(1) || fstat(1, &st) < 0)
		return 50;
	if (st.st_rdev == caller->tty.st_rdev && st.st_dev == caller->tty.st_dev)
		return 51;
	if (fork() == 0) {
		/* blocks in read until the relay's end hangs its terminal up */
		ssize_t n = read(0, &c, 1);
		_exit(write(caller->report, n <= 0 ? "H" : "R", 1) == 1 ? 0 : 1);
	}
	printf("hello from the session\n");
	fflush(stdout);
	return 7;
}

static int relayed(void *arg)
{
	struct pollfd p = {.events = POLLIN};
	int status, k, pipefd[2];
	Caller caller;
	PtyRelay r;
	char c = 0;

	setsid(); /* the caller's terminal as ours, as under su */
	if (pipe(pipefd) < 0 || fstat(0, &caller.tty) < 0)
		return 60;
	caller.report = pipefd[1];
	if (pty_relay_open(&r, -1, -1) < 0)
		return 61;
	k = pty_relay_session(&r, session, &caller, &status);
	if (k < 0 || !WIFEXITED(status))
		return 62;
	/* the process left behind got a hangup once the session had ended */
	close(pipefd[1]);
	p.fd = pipefd[0];
	if (poll(&p, 1, 10000) != 1 || read(pipefd[0], &c, 1) != 1 || c != 'H')
		return 63;
	return WEXITSTATUS(status);
}

static void test_session(void **state)
{
	int master, slave, rc;
	char buf[4096] = "";
	size_t len = 0;
	ssize_t n;

	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	rc = in_child(slave, slave, slave, relayed, NULL);
	assert_int_equal(rc, 7); /* the session's exit status, through the relay */
	close(slave);
	(void)fcntl(master, F_SETFL, O_NONBLOCK);
	while (len < sizeof(buf) - 1 && (n = read(master, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	assert_non_null(strstr(buf, "hello from the session"));
	close(master);
}

/* A caller that ignores SIGCHLD (inherited through exec): the child is not reaped behind the
 * relay's back, so its status arrives and its pid is never another process's. */
static int relayed_sigchld_ignored(void *arg)
{
	signal(SIGCHLD, SIG_IGN);
	return relayed(arg);
}

static void test_session_sigchld_ignored(void **state)
{
	int master, slave;

	(void)state;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_int_equal(in_child(slave, slave, slave, relayed_sigchld_ignored, NULL), 7);
	close(slave);
	close(master);
}

/* Writes until every buffer on the way is full (its own pty, the relay's, the caller's
 * unread terminal: 1 s without room), then ends with output left for the tail. */
static int write_much(void *arg)
{
	char block[4096];

	(void)arg;
	memset(block, 'x', sizeof(block));
	if (fcntl(1, F_SETFL, O_NONBLOCK) < 0)
		return 31;
	for (int stalled = 0; stalled < 10;) {
		if (write(1, block, sizeof(block)) > 0)
			stalled = 0;
		else if (errno == EAGAIN && poll(NULL, 0, 100) == 0)
			stalled++;
		else
			return 30;
	}
	return 5;
}

static int relayed_much(void *arg)
{
	PtyRelay r;
	int status;

	setsid();
	if (pty_relay_open(&r, -1, -1) < 0)
		return 61;
	if (pty_relay_session(&r, write_much, NULL, &status) < 0 || !WIFEXITED(status))
		return 62;
	return WEXITSTATUS(status);
}

/* The caller's terminal made non-blocking by another process, and nobody reading it: the tail
 * after the session's end is given up after 5 s without progress, not spun on for ever. */
static void test_tail_nonblocking_terminal(void **state)
{
	int master, slave, status = -1;
	pid_t pid, w = 0;

	(void)state;
	assert_int_equal(openpty(&master, &slave, NULL, NULL, NULL), 0);
	assert_int_equal(fcntl(slave, F_SETFL, O_NONBLOCK), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
			_exit(100);
		_exit(relayed_much(NULL));
	}
	for (int i = 0; i < 300 && w == 0; i++) { /* up to 30 s */
		w = waitpid(pid, &status, WNOHANG);
		if (w == 0)
			poll(NULL, 0, 100);
	}
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	assert_int_equal(w, pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 5);
	close(slave);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wanted),
	    cmocka_unit_test(test_session),
	    cmocka_unit_test(test_session_sigchld_ignored),
	    cmocka_unit_test(test_tail_nonblocking_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
