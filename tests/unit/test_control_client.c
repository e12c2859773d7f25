/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * control_client against an init that answers with fds (in root mode ns root can make it):
 * no answer carries any, so the connection refuses them (SO_PASSRIGHTS, Linux 6.16), and where
 * one arrives anyway its close cannot hold root past the exchange's deadline (a TCP socket
 * with SO_LINGER and unsent data waits out the linger time at its last close), nor stay open.
 * And against one that accepts nothing: STATUS costs its deadline, and a full backlog nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "control_client.h"
#include "fdpass.h"
#include "fdwait.h"
#include "proto_io.h"

static ProtoPacket pkt;

/* A TCP socket whose last close waits 600 s: connected over loopback to listener (bound and
 * listening here), which never accepts, its send queue full, SO_LINGER on. */
static int lingering_tcp(int listener)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	const struct linger lg = {.l_onoff = 1, .l_linger = 600};
	socklen_t len = sizeof(sa);
	static char chunk[65536];
	int c;

	if (bind(listener, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(listener, 1) < 0 ||
	    getsockname(listener, (struct sockaddr *)&sa, &len) < 0)
		_exit(31);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    fcntl(c, F_SETFL, O_NONBLOCK) < 0)
		_exit(32);
	while (write(c, chunk, sizeof(chunk)) > 0)
		;
	if (errno != EAGAIN || setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		_exit(33);
	return c;
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	DIR *d = opendir("/proc/self/fd");

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The connection control_connect() makes refuses fds: the sender gets EPERM. */
/* A listening SEQPACKET socket at DIR/admin, DIR a new directory under /tmp (dir: its
 * template, filled in), as an init's admin socket. */
static int listener_at(char *dir, char *path, size_t size, int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int l;

	assert_non_null(mkdtemp(dir));
	snprintf(path, size, "%s/admin", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, backlog), 0);
	return l;
}

static void test_connection_refuses_fds(void **state)
{
	char dir[] = "/tmp/alcove-unit-XXXXXX", path[64];
	int l, status;
	pid_t pid;

	(void)state;
	l = listener_at(dir, path, sizeof(path), 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* the init: STOP answered with an fd (refused), then as it should be */
		ProtoMessage m, ok = {.type = PROTO_OK};
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC), r;

		if (c < 0 || proto_recv_message(c, &pkt, &m, 0) != 1 || m.type != PROTO_STOP)
			_exit(10);
		r = proto_send_message(c, &ok, (int[]){0}, 1, 0);
		proto_send_message(c, &ok, NULL, 0, 0);
		_exit(r == -EPERM ? 0 : 11);
	}
	assert_int_equal(control_stop(path), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0); /* 11: the fd went through */
	close(l);
	unlink(path);
	rmdir(dir);
}

/* An init that accepts nothing (ptrace-stopped): STATUS waits for its deadline only, and once
 * the backlog is full the next ask fails at once, without SO_SNDTIMEO's 5 s in connect(). */
static void test_status_silent_init(void **state)
{
	char dir[] = "/tmp/alcove-unit-XXXXXX", path[64];
	ProtoStatus st;
	int l, fd;

	(void)state;
	l = listener_at(dir, path, sizeof(path), 0); /* room for one connection, never accepted */
	fd = control_status_send(path);
	assert_true(fd >= 0);
	/* the connect that a full backlog must not hold: non-blocking (a blocking one waits out
	 * SO_SNDTIMEO, then fails with the same EAGAIN) */
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	assert_int_equal(control_status_take(fd, monotonic_ms() + 200, &st), -ETIMEDOUT);
	assert_int_equal(control_status_send(path), -ETIMEDOUT); /* the backlog is full */
	assert_int_equal(control_status(path, &st), -ETIMEDOUT);
	close(fd);
	close(l);
	unlink(path);
	rmdir(dir);
}

/* The answer with a lingering TCP socket, queued on sp by a process that then exits: its own
 * close of the socket, at exit, never lingers (PF_EXITING), and the one in the queue is the
 * last reference, so the receiver's close is the last. */
static void queue_lingering_answer(int sp)
{
	int listener, status;
	pid_t pid;

	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0); /* outlives the sender */
	assert_true(listener >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int tcp = lingering_tcp(listener);

		_exit(proto_send_message(sp, &(ProtoMessage){.type = PROTO_OK}, &tcp, 1, 0) == 0
			  ? 0
			  : 30);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the listener stays open in this process (its unaccepted connection with it) until the
	 * test ends: closed, it would reset the connection and nothing would linger */
}

/* On a connection that takes fds (a kernel before 6.16), an answer with a lingering TCP socket
 * is refused (-EBADMSG) within the deadline, not after 600 s. */
static void test_lingering_fd_is_bounded(void **state)
{
	int sp[2], status = 0;
	ProtoMessage m;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	queue_lingering_answer(sp[1]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = control_request(sp[0], &(ProtoMessage){.type = PROTO_STOP}, NULL, 0, &m);

		_exit(r == -EBADMSG ? 0 : 20);
	}
	/* a watchdog far beyond CONTROL_TIMEOUT_SEC, far below the linger time */
	for (int i = 0; i < 300 && waitpid(pid, &status, WNOHANG) == 0; i++)
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		fail_msg("control_request() still closing the lingering socket after 30 s");
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(sp[0]);
	close(sp[1]);
}

/* An answer of a request's type (HOLD, with its fd) is refused, and its fd closed. */
static void test_request_typed_answer_leaks_nothing(void **state)
{
	int sp[2], pipefd[2];
	ProtoMessage m, hold = {.type = PROTO_HOLD, .session = "s"};
	unsigned before;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe2(pipefd, O_CLOEXEC), 0);
	assert_int_equal(proto_send_message(sp[1], &hold, &pipefd[0], 1, 0), 0);
	before = open_fds();
	assert_int_equal(control_request(sp[0], &(ProtoMessage){.type = PROTO_STATUS}, NULL, 0, &m),
			 -EBADMSG);
	assert_int_equal(open_fds(), before);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sp[0]);
	close(sp[1]);
}

/* An ERROR whose number no kernel gives (init, ptraced by its root in root mode, chose it) is
 * a malformed answer (-EBADMSG), never passed on as an errno. */
static void test_error_number_out_of_range(void **state)
{
	char raw[256];
	int sp[2], len;
	uint32_t bad = 4096;
	ProtoMessage m;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	len = proto_encode(&(ProtoMessage){.type = PROTO_ERROR, .error = {EIO, "m"}}, raw,
			   sizeof(raw));
	assert_true(len > PROTO_HEADER_SIZE);
	memcpy(raw + PROTO_HEADER_SIZE, &bad, sizeof(bad));
	assert_int_equal(send(sp[1], raw, (size_t)len, 0), len);
	assert_int_equal(control_request(sp[0], &(ProtoMessage){.type = PROTO_STATUS}, NULL, 0, &m),
			 -EBADMSG);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_connection_refuses_fds),
	    cmocka_unit_test(test_status_silent_init),
	    cmocka_unit_test(test_lingering_fd_is_bounded),
	    cmocka_unit_test(test_request_typed_answer_leaks_nothing),
	    cmocka_unit_test(test_error_number_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
