/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "control_client.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include "dirs.h"
#include "enter_client.h"
#include "fdwait.h"
#include "macro.h"
#include "proto_io.h"

#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83 /* Linux 6.16 */
#endif

int control_admin_path(const char *name, char *buf, size_t len)
{
	return alcove_run_path(name, ALCOVE_RUN_ADMIN, buf, len);
}

/* A blocking call that ran into SO_SNDTIMEO/SO_RCVTIMEO reports EAGAIN (EINPROGRESS for a
 * connect): say what it is. */
static int timed_out(int r)
{
	return r == -EAGAIN || r == -EWOULDBLOCK || r == -EINPROGRESS ? -ETIMEDOUT : r;
}

/* flags: SOCK_NONBLOCK or 0 (see control_status_send()). */
static int connect_flags(const char *socket_path, int flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = CONTROL_TIMEOUT_SEC};
	_cleanup_close_ int fd = -1;
	size_t n = strlen(socket_path);
	int r;

	if (n == 0 || n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, socket_path, n + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return negative_errno();
	/* An init that does not answer (stopped, ptraced by its root in root mode, or wedged)
	 * must not hang the caller: the helper holds the alcove's lock meanwhile, and every
	 * login of the user would wait behind it. SO_SNDTIMEO also bounds an AF_UNIX connect()
	 * that waits for room in a full backlog. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return negative_errno();
	/* No answer of init's carries fds. One it sent anyway would be ours to close, and the
	 * last close of a TCP socket with SO_LINGER and unsent data waits out the linger time
	 * (in root mode ns root can make init send one): root's list, stop, PAM close and
	 * alcovectl enter would hang. Since Linux 6.16 this socket refuses SCM_RIGHTS (the
	 * sender gets EPERM); before, control_request() bounds the wait (Deadline). */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &(int){0}, sizeof(int)) < 0 &&
	    errno != ENOPROTOOPT)
		return negative_errno();
	do
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return timed_out(negative_errno());
	return TAKE_FD(fd);
}

int control_connect(const char *socket_path)
{
	return connect_flags(socket_path, 0);
}

/*
 * Where SO_PASSRIGHTS is not there (before Linux 6.16), an fd init sends along cannot be
 * refused, and its close (by recvmsg() for one that does not fit, or by us) may wait out a
 * TCP socket's SO_LINGER: a signal ends that wait (sk_stream_wait_close() stops at a pending
 * one), so a timer sends SIGALRM, to a handler that does nothing, without SA_RESTART. It is
 * armed once the answer is there (waited for with poll() against the deadline) and repeats
 * until disarmed: an alarm that met a retried wait (fdpass retries EINTR) would otherwise be
 * spent there, and each close after it left unbounded. The callers (alcove-helper,
 * alcovectl) are single-threaded and use SIGALRM for nothing else.
 */
#define DEADLINE_TICK_US 200000 /* each lingering close cut after at most this */

typedef struct Deadline {
	struct sigaction old_action;
	sigset_t old_mask;
} Deadline;

static void deadline_noop(int sig)
{
	(void)sig;
}

static int deadline_arm(Deadline *d)
{
	const struct sigaction sa = {.sa_handler = deadline_noop};
	const struct itimerval it = {.it_value = {.tv_usec = DEADLINE_TICK_US},
				     .it_interval = {.tv_usec = DEADLINE_TICK_US}};
	sigset_t alarm;

	if (sigemptyset(&alarm) < 0 || sigaddset(&alarm, SIGALRM) < 0 ||
	    sigaction(SIGALRM, &sa, &d->old_action) < 0)
		return negative_errno();
	if (sigprocmask(SIG_UNBLOCK, &alarm, &d->old_mask) < 0 ||
	    setitimer(ITIMER_REAL, &it, NULL) < 0) {
		int r = negative_errno();

		(void)sigaction(SIGALRM, &d->old_action, NULL);
		return r;
	}
	return 0;
}

/* An alarm already pending is taken by the handler before the old action is back. */
static void deadline_disarm(Deadline *d)
{
	const struct itimerval off = {{0, 0}, {0, 0}};

	(void)setitimer(ITIMER_REAL, &off, NULL);
	(void)sigprocmask(SIG_SETMASK, &d->old_mask, NULL);
	(void)sigaction(SIGALRM, &d->old_action, NULL);
}

/* The answer, there to be read (MSG_DONTWAIT: no wait in recvmsg for an alarm to meet). Only
 * answers made of fixed-size fields are handed out; ERROR becomes its errno (1..4095:
 * proto_decode() refuses any other number as malformed). An fd that came
 * along (no request here expects one) is closed by the receive or by us, under the alarm. */
static int answer_take(int fd, ProtoPacket *pkt, ProtoMessage *ret_answer)
{
	ProtoMessage answer;
	int r;

	r = proto_recv_message(fd, pkt, &answer, MSG_DONTWAIT);
	if (r < 0)
		return timed_out(r);
	if (r == 0)
		return -ECONNRESET; /* init closed without answering (it is stopping or refused us)
				     */
	if (answer.type == PROTO_ERROR)
		return -answer.error.error;
	switch (answer.type) {
	case PROTO_OK:
	case PROTO_STARTED:
	case PROTO_EXITED:
	case PROTO_STATUS_REPLY:
		*ret_answer = answer; /* fixed-size fields only: nothing points into pkt */
		return 0;
	default: /* a request type is never an answer (and ENTER's arrays point into pkt) */
		proto_message_done(&answer);
		proto_packet_close_fds(pkt); /* ENTER's three, HOLD's pidfd */
		return -EBADMSG;
	}
}

/* The answer on fd, waited for until deadline (monotonic ms), taken under the Deadline. */
static int answer_until(int fd, long long deadline, ProtoMessage *ret_answer)
{
	_cleanup_free_ ProtoPacket *pkt = malloc(sizeof(*pkt));
	Deadline d;
	int r;

	if (!pkt)
		return -ENOMEM;
	r = fd_wait_readable(fd, deadline);
	if (r < 0)
		return r;
	r = deadline_arm(&d);
	if (r < 0)
		return r;
	r = answer_take(fd, pkt, ret_answer);
	deadline_disarm(&d); /* after every close of what came along */
	return r;
}

/* The request sent (SO_SNDTIMEO bounds it), the answer waited for until the deadline. */
int control_request(int fd, const ProtoMessage *request, const int *fds, size_t n_fds,
		    ProtoMessage *ret_answer)
{
	long long deadline = monotonic_ms() + CONTROL_TIMEOUT_SEC * 1000LL;
	int r = proto_send_message(fd, request, fds, n_fds, 0);

	if (r < 0)
		return timed_out(r);
	return answer_until(fd, deadline, ret_answer);
}

static int control_simple(const char *socket_path, const ProtoMessage *request, int fd_arg,
			  ProtoType expect, ProtoMessage *ret_answer)
{
	_cleanup_close_ int fd = -1;
	ProtoMessage answer;
	int r;

	fd = control_connect(socket_path);
	if (fd < 0)
		return fd;
	r = control_request(fd, request, fd_arg >= 0 ? &fd_arg : NULL, fd_arg >= 0 ? 1 : 0,
			    &answer);
	if (r < 0)
		return r;
	if (answer.type != expect)
		return -EBADMSG;
	if (ret_answer)
		*ret_answer = answer;
	return 0;
}

int control_hold(const char *socket_path, const char *session, int pidfd)
{
	ProtoMessage m = {.type = PROTO_HOLD, .session = session};

	if (pidfd < 0)
		return -EBADF;
	return control_simple(socket_path, &m, pidfd, PROTO_OK, NULL);
}

int control_release(const char *socket_path, const char *session)
{
	ProtoMessage m = {.type = PROTO_RELEASE, .session = session};

	return control_simple(socket_path, &m, -1, PROTO_OK, NULL);
}

int control_stop(const char *socket_path)
{
	ProtoMessage m = {.type = PROTO_STOP};

	return control_simple(socket_path, &m, -1, PROTO_OK, NULL);
}

int control_status_send(const char *socket_path)
{
	ProtoMessage m = {.type = PROTO_STATUS};
	_cleanup_close_ int fd = -1;
	int r;

	/* An init that accepts nothing (ptrace-stopped by ns root in root mode) leaves every
	 * connection in its backlog: once that is full a blocking connect() would wait out
	 * SO_SNDTIMEO; a non-blocking one on AF_UNIX says EAGAIN at once. */
	fd = connect_flags(socket_path, SOCK_NONBLOCK);
	if (fd < 0)
		return fd;
	r = proto_send_message(fd, &m, NULL, 0, MSG_DONTWAIT);
	if (r < 0)
		return timed_out(r);
	return TAKE_FD(fd);
}

int control_status_take(int fd, long long deadline, ProtoStatus *ret)
{
	ProtoMessage answer;
	int r = answer_until(fd, deadline, &answer);

	if (r < 0)
		return r;
	if (answer.type != PROTO_STATUS_REPLY)
		return -EBADMSG;
	*ret = answer.status;
	return 0;
}

int control_status(const char *socket_path, ProtoStatus *ret)
{
	_cleanup_close_ int fd = control_status_send(socket_path);

	if (fd < 0)
		return fd;
	return control_status_take(fd, monotonic_ms() + CONTROL_TIMEOUT_SEC * 1000LL, ret);
}
