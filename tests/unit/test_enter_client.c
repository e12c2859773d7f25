/* SPDX-License-Identifier: GPL-2.0-or-later */
/* enter_client against a scripted init in a child process: the ENTER it sends, signal
 * relay, EXITED and ERROR handling; exit-status mirroring; alcove name validation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enter_client.h"
#include "proto_io.h"

static char dir[64], sock_path[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/alcove-unit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/control", dir);
	return 0;
}

static int teardown(void **state)
{
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static int listen_socket(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	unlink(sock_path);
	strcpy(sa.sun_path, sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static ProtoPacket pkt;
static unsigned leave_ms; /* the client's leave_after_ms in run_against() */

#define TEST_UMASK 0073
#define TEST_NOFILE 321

/* The client's umask and every limit of its (= our, inherited) process arrived. */
static bool limits_arrived(const ProtoEnter *e)
{
	if (e->umask != TEST_UMASK || e->n_rlimits != RLIM_NLIMITS ||
	    e->rlimits[RLIMIT_NOFILE].cur != TEST_NOFILE)
		return false;
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		struct rlimit64 rl;

		if (getrlimit64(i, &rl) < 0 || e->rlimits[i].cur != rl.rlim_cur ||
		    e->rlimits[i].max != rl.rlim_max)
			return false;
	}
	return true;
}

/* A session that SIGTERM does not end (frozen, or it ignores it): init relays, never answers,
 * and sees the client hang up ('L': after a second SIGTERM). Exit code 0 only at that EOF. */
static _noreturn_ void hung_session(int c, bool twice)
{
	ProtoMessage m;
	int r;

	kill(getppid(), SIGTERM);
	if (proto_recv_message(c, &pkt, &m, 0) != 1 || m.type != PROTO_SIGNAL || m.signo != SIGTERM)
		_exit(14);
	if (twice)
		kill(getppid(), SIGTERM);
	while ((r = proto_recv_message(c, &pkt, &m, 0)) == 1)
		; /* a relayed second SIGTERM: ignored as well */
	_exit(r == 0 ? 0 : 15);
}

/* The fake init: checks the ENTER, then plays `script`. Exit code = first failed check. */
static _noreturn_ void fake_init(int lfd, char script)
{
	ProtoMessage m;
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0 || proto_recv_message(c, &pkt, &m, 0) != 1 || m.type != PROTO_ENTER)
		_exit(10);
	if (strcmp(m.enter.path, "/bin/sh") || strcmp(m.enter.argv[0], "-sh") ||
	    m.enter.argc != 2 || strcmp(m.enter.cwd, "/x") || m.enter.envc != 1 ||
	    strcmp(m.enter.envp[0], "A=b") || pkt.n_fds != 3)
		_exit(11);
	if (!limits_arrived(&m.enter))
		_exit(13);
	if (script == 'e' || script == 'x') {
		/* 'x': ns root's init answers with a terminal escape (OSC 52 sets the clipboard) */
		proto_send_message(
		    c,
		    &(ProtoMessage){.type = PROTO_ERROR,
				    .error = {ENOENT, script == 'e' ? "exec '/bin/sh'"
								    : "x\x1b]52;c;AAAA\x07\ny"}},
		    NULL, 0, 0);
		_exit(0);
	}
	proto_send_message(c, &(ProtoMessage){.type = PROTO_STARTED, .pid = 77}, NULL, 0, 0);
	if (script == 'q') /* init goes away mid-session */
		_exit(0);
	if (script == 'l' || script == 'L')
		hung_session(c, script == 'L');
	/* the client relays a SIGHUP it gets while waiting */
	kill(getppid(), SIGHUP);
	if (proto_recv_message(c, &pkt, &m, 0) != 1 || m.type != PROTO_SIGNAL || m.signo != SIGHUP)
		_exit(12);
	proto_send_message(c, &(ProtoMessage){.type = PROTO_EXITED, .wait_status = SIGHUP}, NULL, 0,
			   0);
	_exit(0);
}

static int run_against(char script, EnterResult *res)
{
	static const char *const argv[] = {"-sh", "-c", NULL};
	static const char *const envp[] = {"A=b", NULL};
	EnterRequest req = {.socket_path = sock_path,
			    .path = "/bin/sh",
			    .argv = argv,
			    .envp = envp,
			    .cwd = "/x",
			    .leave_after_ms = leave_ms};
	int lfd = listen_socket(), status, r;
	struct rlimit old_nofile, nofile;
	mode_t old_umask = umask(TEST_UMASK);
	pid_t pid;

	/* a umask and a soft limit of our own, which the ENTER must carry */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old_nofile), 0);
	nofile = (struct rlimit){TEST_NOFILE, old_nofile.rlim_max};
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &nofile), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		fake_init(lfd, script);
	close(lfd);
	r = enter_run(&req, res);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(status, 0);
	assert_int_equal(umask(old_umask), TEST_UMASK); /* enter_run left it as it was */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old_nofile), 0);
	return r;
}

static void test_session_with_signal_relay(void **state)
{
	EnterResult res;
	sigset_t mask;

	assert_int_equal(run_against('s', &res), 0);
	assert_int_equal(res.pid, 77);
	assert_true(WIFSIGNALED(res.wait_status));
	assert_int_equal(WTERMSIG(res.wait_status), SIGHUP);
	/* the SIGHUP was consumed and relayed, and the mask restored */
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGHUP));
	assert_int_equal(sigpending(&mask), 0);
	assert_false(sigismember(&mask, SIGHUP));
}

/* With a grace, a session that ends on the signal within it still reports its own end. */
static void test_relay_with_grace(void **state)
{
	EnterResult res;

	leave_ms = 60000;
	assert_int_equal(run_against('s', &res), 0);
	leave_ms = 0;
	assert_int_equal(res.left_on_signal, 0);
	assert_true(WIFSIGNALED(res.wait_status));
	assert_int_equal(WTERMSIG(res.wait_status), SIGHUP);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* SIGTERM relayed, no answer ever: the client leaves after its grace (or at once on a second
 * SIGTERM), closing the connection (the fake init checks that EOF), and says 128 + 15. The
 * alarm ends a client that would wait for good (the test fails, it does not hang). */
static void left_after(char script, unsigned grace_ms, long long max_ms)
{
	EnterResult res;
	long long start = now_ms(), took;
	sigset_t mask;

	leave_ms = grace_ms;
	alarm(20);
	assert_int_equal(run_against(script, &res), 0);
	alarm(0);
	leave_ms = 0;
	took = now_ms() - start;
	assert_true(took < max_ms);
	assert_int_equal(res.pid, 77);
	assert_int_equal(res.left_on_signal, SIGTERM);
	assert_true(WIFEXITED(res.wait_status));
	assert_int_equal(WEXITSTATUS(res.wait_status), 128 + SIGTERM);
	/* consumed, and the mask restored: no SIGTERM waits to kill us */
	assert_int_equal(sigpending(&mask), 0);
	assert_false(sigismember(&mask, SIGTERM));
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
	assert_false(sigismember(&mask, SIGTERM));
}

static void test_leave_after_grace(void **state)
{
	left_after('l', 300, 10000);
}

static void test_leave_on_second_signal(void **state)
{
	/* a grace of a minute: only the second SIGTERM can end the wait within the bound */
	left_after('L', 60000, 10000);
}

static void test_error(void **state)
{
	EnterResult res;

	assert_int_equal(run_against('e', &res), -ENOENT);
	assert_string_equal(res.message, "exec '/bin/sh'");
	/* no control byte of init's reaches the terminal: each is spelled out */
	assert_int_equal(run_against('x', &res), -ENOENT);
	assert_string_equal(res.message, "x\\x1b]52;c;AAAA\\x07\\x0ay");
}

static void test_init_gone(void **state)
{
	EnterResult res;

	assert_int_equal(run_against('q', &res), -ECONNRESET);
	assert_int_equal(res.pid, 77);
}

static void test_no_socket(void **state)
{
	static const char *const argv[] = {"sh", NULL};
	EnterRequest req = {.socket_path = "/nonexistent/control", .path = "/bin/sh", .argv = argv};
	EnterResult res;

	assert_int_equal(enter_run(&req, &res), -ENOENT);
	assert_string_equal(res.message, "");
}

static int status_of_exit_like(int wait_status)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		enter_exit_like(wait_status);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_exit_like(void **state)
{
	int s;

	s = status_of_exit_like(7 << 8);
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 7);
	s = status_of_exit_like(SIGINT);
	assert_true(WIFSIGNALED(s));
	assert_int_equal(WTERMSIG(s), SIGINT);
	s = status_of_exit_like(SIGQUIT | 0x80); /* dumped core: we do not */
	assert_true(WIFSIGNALED(s));
	assert_int_equal(WTERMSIG(s), SIGQUIT);
	assert_false(WCOREDUMP(s));
	s = status_of_exit_like(SIGWINCH); /* default: ignored */
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 128 + SIGWINCH);
	/* "killed by SIGSTOP" cannot happen: a forged answer exits, it does not stop us
	 * (waitpid without WUNTRACED would wait for good) */
	s = status_of_exit_like(SIGSTOP);
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 128 + SIGSTOP);
	s = status_of_exit_like(SIGTSTP);
	assert_true(WIFEXITED(s));
	assert_int_equal(WEXITSTATUS(s), 128 + SIGTSTP);
}

static void test_names(void **state)
{
	assert_true(alcove_name_is_valid("1000"));
	assert_true(alcove_name_is_valid("0"));
	assert_true(alcove_name_is_valid("1000-0123abcd"));
	assert_false(alcove_name_is_valid(""));
	assert_false(alcove_name_is_valid("01000"));
	assert_false(alcove_name_is_valid("1000-0123ABCD"));
	assert_false(alcove_name_is_valid("1000-0123abc"));
	assert_false(alcove_name_is_valid("1000-0123abcde"));
	assert_false(alcove_name_is_valid("../1000"));
	assert_false(alcove_name_is_valid("1000/x"));
	assert_false(alcove_name_is_valid("12345678901"));
	assert_false(alcove_name_is_valid("-1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_session_with_signal_relay),
	    cmocka_unit_test(test_relay_with_grace),
	    cmocka_unit_test(test_leave_after_grace),
	    cmocka_unit_test(test_leave_on_second_signal),
	    cmocka_unit_test(test_error),
	    cmocka_unit_test(test_init_gone),
	    cmocka_unit_test(test_no_socket),
	    cmocka_unit_test(test_exit_like),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
