/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's packets, read so that init never holds a descriptor a client passed.
 * Closing one can block its closer: a TCP socket with SO_LINGER and unsent data waits for its
 * peer (init's signals are blocked, so nothing ends the wait), and a file on a FUSE mount
 * sends a flush at every close(2) that waits for the daemon, uninterruptibly. A process of
 * U's that reaches the control socket would then hold PID 1. So:
 *   - a packet is first seen with MSG_PEEK and no control buffer: its fds stay queued (the
 *     kernel drops the duplicates it made for the peek, never the last reference);
 *   - a packet that must not carry fds is then taken without a control buffer, and one that
 *     carries fds anyway ends the connection;
 *   - ENTER's three fds are received by the session's forked child (child.c), which uses them;
 *   - a connection is closed after shutdown(SHUT_RD), which makes the peer's further sends
 *     fail (EPIPE); when packets are still queued, a child of init takes the last reference
 *     and drains them, so that their fds are released in that child, not in PID 1 (but
 *     when no child can be forked: SECURITY.md, "init's descriptors and its children").
 */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init.h"

int control_peek(int fd, ProtoPacket *pkt, ProtoMessage *ret)
{
	struct iovec iov = {.iov_base = pkt->buf, .iov_len = sizeof(pkt->buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ProtoType type;
	bool fds;
	ssize_t n;

	pkt->len = pkt->n_fds = 0;
	do
		n = recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	fds = msg.msg_flags & MSG_CTRUNC;
	if (n == 0 && !fds)
		return 0; /* the peer's orderly shutdown */
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	pkt->len = (size_t)n;
	/* fds where the type takes none would be released by init when the packet is taken off
	 * the queue; a type that takes some (ENTER, HOLD) is never taken off by init */
	type = proto_header_type(pkt->buf, pkt->len);
	if (fds != (proto_type_fds(type) > 0))
		return -EBADMSG;
	return proto_decode(pkt->buf, pkt->len, proto_type_fds(type), ret) < 0 ? -EBADMSG : 1;
}

int control_consume(int fd)
{
	char byte;
	ssize_t n;

	/* the packet peeked, which carried no fd: one recv takes all of it (SEQPACKET) */
	do
		n = recv(fd, &byte, sizeof(byte), MSG_DONTWAIT | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	return n < 0 ? negative_errno() : 0;
}

/* Whether nothing is queued, after SHUT_RD. With SO_PASSCRED on, every queued packet, a
 * 0-length one too, reads with MSG_CTRUNC (credentials it has no room for), and EOF without:
 * a 0-length packet alone looks like EOF. A pending error (ECONNRESET, the peer gone before
 * our answer was read) is reported once, before the queue: read again. Any other error: not
 * known to be empty. */
static bool queue_empty(int fd)
{
	int on = 1;
	char byte;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		return false;
	for (int tries = 0; tries < 4; tries++) {
		msg.msg_flags = 0;
		n = recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT);
		if (n >= 0)
			return n == 0 && !(msg.msg_flags & MSG_CTRUNC);
		if (errno == EAGAIN)
			return true;
		if (errno != EINTR && errno != ECONNRESET)
			return false;
	}
	return false;
}

/* Reads the queue to its end without a control buffer: the fds in it are released (fput) by
 * the caller; emptied, the socket's close does not reset the peer before it read our answer. */
static void drain(int fd)
{
	char buf[256];
	ssize_t n;

	do
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	while (n > 0 || (n < 0 && errno == EINTR));
}

/* The child that takes a connection's last reference: nothing of init's but that socket, its
 * queue read without a control buffer (the fds in it released here, by fput), signals back to
 * their defaults and a deadline: a lingering TCP socket's close waits at most that long. */
static _noreturn_ void drain_child(int fd)
{
	sigset_t none;

	(void)close_range(3, (unsigned)fd - 1, 0);
	(void)close_range((unsigned)fd + 1, ~0U, 0);
	sigemptyset(&none);
	(void)signal(SIGALRM, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	alarm(INIT_DRAIN_SECONDS);
	drain(fd);
	_exit(0);
}

/* 0 when a child took the socket's last reference, -errno when none could be forked. */
static int drain_fork(Init *init, int fd)
{
	pid_t pid = fork();

	if (pid == 0)
		drain_child(fd);
	if (pid < 0)
		return negative_errno();
	init->has_children = true;
	(void)close(fd);
	return 0;
}

void control_close(Init *init, int fd)
{
	int r;

	/* no more packets, hence no more fds, from the peer (EPIPE); it still reads our answer */
	(void)shutdown(fd, SHUT_RD);
	if (queue_empty(fd)) {
		(void)close(fd);
		return;
	}
	r = drain_fork(init, fd);
	if (r == 0)
		return;
	/* Out of pids (the tenant's own can fill them): released here. Keeping the socket
	 * instead would keep what the client sent open, its pipes too, with no end in sight; a
	 * lingering TCP socket may then hold init until its linger ends or a SIGKILL (stop). */
	errno = -r;
	init_log("Failed to fork to release a closed connection's queue: %m; released here");
	drain(fd);
	(void)close(fd);
}
