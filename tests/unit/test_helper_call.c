/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * common/helper_client.c (and spawn.c under it) against a helper that is this very binary: run
 * as "alcove-helper VERB" (argv[0], as helper_call names it) it checks the protocol's child
 * setup and answers as the verb says. No root needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <sys/wait.h>

#include "fdpass.h"
#include "helper_client.h"

extern char **environ;

/* ---- the helper side ---- */

/* The answer with fds[0..nfd) (nfd 0..2). */
static int send_answer_fds(const char *kv, size_t len, const int *fds, size_t nfd)
{
	return fdpass_send(3, kv, len, fds, nfd, 0) < 0 ? 1 : 0;
}

static int send_answer(const char *kv, size_t len, int fd)
{
	return send_answer_fds(kv, len, &fd, fd >= 0 ? 1 : 0);
}

/* What the protocol promises the helper; a "setup=..." answer names the first broken promise. */
static const char *check_setup(void)
{
	struct sigaction sa;
	sigset_t mask;
	struct stat st, null;
	int type = 0;
	socklen_t len = sizeof(type);

	if (environ && environ[0])
		return "environment not empty";
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return "fd 3 is not a SOCK_SEQPACKET socket";
	if (stat("/dev/null", &null) < 0)
		return "no /dev/null";
	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) < 0 || st.st_rdev != null.st_rdev)
			return "fd 0-2 are not /dev/null";
	for (int fd = 4; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			return "an fd above 3 is open";
	if (sigaction(SIGINT, NULL, &sa) < 0 || sa.sa_handler != SIG_DFL)
		return "SIGINT is not at its default";
	if (sigprocmask(SIG_SETMASK, NULL, &mask) < 0 || sigismember(&mask, SIGUSR1))
		return "the signal mask was inherited";
	return NULL;
}

static int fake_helper(const char *verb)
{
	char req[KV_MAX_MESSAGE], ans[256];
	ssize_t n = recv(3, req, sizeof(req), 0);
	const char *bad = check_setup();

	if (n < 0)
		return 1;
	if (strcmp(verb, "exit") == 0)
		return 3;
	if (strcmp(verb, "hang") == 0) {
		for (;;)
			pause();
	}
	if (strcmp(verb, "garbage") == 0)
		return send_answer("no equals sign", 15, -1);
	if (bad) {
		int len =
		    snprintf(ans, sizeof(ans), "status=error%cerrno=22%cmessage=%s", 0, 0, bad);
		return send_answer(ans, (size_t)len + 1, -1);
	}
	/* echo the request's user back, with an fd (a pipe end) when asked to */
	KvMessage m;
	if (kv_parse(req, (size_t)n, &m) < 0)
		return 1;
	const char *user = kv_get(&m, "user");
	int len = snprintf(ans, sizeof(ans), "status=ok%cname=%s", 0, user ? user : "?");
	int p[2] = {-1, -1};
	if ((strcmp(verb, "withfd") == 0 || strcmp(verb, "with2fds") == 0) && pipe(p) < 0)
		return 1;
	if (strcmp(verb, "with2fds") == 0)
		return send_answer_fds(ans, (size_t)len + 1, p, 2);
	return send_answer(ans, (size_t)len + 1, p[0]);
}

/* ---- the caller side ---- */

static KvBuilder request(const char *user)
{
	KvBuilder b;

	kv_builder_init(&b);
	kv_add(&b, "user", user);
	return b;
}

static int call(const char *verb, int timeout_ms, HelperReply *r)
{
	KvBuilder b = request("alice");

	return helper_call(
	    &(HelperCall){.path = "/proc/self/exe", .verb = verb, .timeout_ms = timeout_ms}, &b, r);
}

static int bad_call(const char *path, const KvBuilder *b, HelperReply *r)
{
	return helper_call(&(HelperCall){.path = path, .verb = "open", .timeout_ms = 1000}, b, r);
}

static void test_answer_and_setup(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigset_t block, old;

	/* What a PAM application may have: SIGINT ignored, SIGUSR1 blocked, a stray fd. */
	sigaction(SIGINT, &ign, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	int stray = open("/dev/null", O_RDONLY); /* not O_CLOEXEC on purpose */
	assert_true(stray >= 0);

	assert_int_equal(call("open", 5000, &r), 0);
	if (strcmp(kv_get(&r.kv, "status"), "ok") != 0)
		fail_msg("helper setup: %s", kv_get(&r.kv, "message"));
	assert_string_equal(kv_get(&r.kv, "name"), "alice");
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.fd2, -1);
	assert_int_equal(r.fd3, -1);
	assert_int_equal(r.exit_code, 0);

	close(stray);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGINT, SIG_DFL);
}

static void test_fd_received_cloexec(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};

	assert_int_equal(call("withfd", 5000, &r), 0);
	assert_true(r.fd >= 0);
	assert_true(fcntl(r.fd, F_GETFD) & FD_CLOEXEC);
	helper_reply_done(&r);
	assert_int_equal(r.fd, -1);
}

/* open's answer: the lobby and the alcove's net ns, in that order, both kept. */
static void test_two_fds_received(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};
	struct stat a, b;

	assert_int_equal(call("with2fds", 5000, &r), 0);
	assert_true(r.fd >= 0 && r.fd2 >= 0 && r.fd != r.fd2);
	assert_true(fcntl(r.fd, F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(r.fd2, F_GETFD) & FD_CLOEXEC);
	/* the read end first, the write end second: the order the helper sent them */
	assert_int_equal(fcntl(r.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(fcntl(r.fd2, F_GETFL) & O_ACCMODE, O_WRONLY);
	assert_int_equal(fstat(r.fd, &a), 0);
	assert_int_equal(fstat(r.fd2, &b), 0);
	assert_true(a.st_ino == b.st_ino);
	helper_reply_done(&r);
	assert_int_equal(r.fd, -1);
	assert_int_equal(r.fd2, -1);
	assert_int_equal(r.fd3, -1);
}

static void test_exit_without_answer(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};

	assert_int_equal(call("exit", 5000, &r), -ECONNRESET);
	assert_int_equal(r.exit_code, 3);
}

static void test_garbage_answer(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};

	assert_int_equal(call("garbage", 5000, &r), -EBADMSG);
}

static void test_timeout_kills(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};

	assert_int_equal(call("hang", 200, &r), -ETIMEDOUT);
	assert_int_equal(r.exit_code, -1); /* SIGKILLed, and reaped */
	assert_int_equal(r.signal, SIGKILL);
}

/* What sshd's monitor and other PAM applications do: a SIGCHLD handler that reaps any child,
 * or SIGCHLD ignored. The helper's status may be lost then, but the call works and never waits
 * or kills by a pid (tests/tools/helper-race.c shows the pid reused). */
static void reap_all(int sig)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void test_application_reaps(void **state)
{
	struct sigaction sa = {.sa_handler = reap_all}, old;
	HelperReply r;

	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGCHLD, &sa, &old), 0);
	assert_int_equal(call("exit", 5000, &r), -ECONNRESET);
	assert_int_equal(call("hang", 200, &r), -ETIMEDOUT);
	assert_int_equal(call("open", 5000, &r), 0);
	assert_string_equal(kv_get(&r.kv, "status"), "ok");
	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(call("exit", 5000, &r), -ECONNRESET);
	assert_int_equal(call("open", 5000, &r), 0);
	assert_int_equal(sigaction(SIGCHLD, &old, NULL), 0);
}

static void test_bad_paths(void **state)
{
	HelperReply r = {.fd = -1, .fd2 = -1, .fd3 = -1};
	KvBuilder b = request("alice");

	assert_int_equal(bad_call("alcove-helper", &b, &r), -EINVAL);
	assert_int_equal(bad_call("/nonexistent/alcove-helper", &b, &r), -ENOENT);
	assert_int_equal(bad_call("/", &b, &r), -EACCES);
	/* a file the kernel cannot exec: the child's execve error comes back */
	char junk[] = "/tmp/alcove-test-junk.XXXXXX";
	int fd = mkstemp(junk);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "junk", 4), 4);
	assert_int_equal(fchmod(fd, 0755), 0);
	close(fd);
	assert_int_equal(bad_call(junk, &b, &r), -ENOEXEC);
	unlink(junk);
	b.error = -E2BIG;
	assert_int_equal(bad_call("/proc/self/exe", &b, &r), -E2BIG);
}

int main(int argc, char **argv)
{
	if (strcmp(argv[0], "alcove-helper") == 0)
		return argc == 2 ? fake_helper(argv[1]) : 1;

	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_and_setup),	cmocka_unit_test(test_fd_received_cloexec),
	    cmocka_unit_test(test_exit_without_answer), cmocka_unit_test(test_garbage_answer),
	    cmocka_unit_test(test_timeout_kills),	cmocka_unit_test(test_bad_paths),
	    cmocka_unit_test(test_two_fds_received),	cmocka_unit_test(test_application_reaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
