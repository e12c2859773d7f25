/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper_client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdwait.h"
#include "macro.h"
#include "spawn.h"

void helper_reply_done(HelperReply *r)
{
	closep(&r->fd);
	closep(&r->fd2);
	closep(&r->fd3);
	r->fd = -1;
	r->fd2 = -1;
	r->fd3 = -1;
}

static int recv_reply(int sock, HelperReply *ret)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} c;
	struct iovec iov = {.iov_base = ret->buf, .iov_len = sizeof(ret->buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = c.buf,
			     .msg_controllen = sizeof(c.buf)};
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	/* Take every fd that came, so none leaks into the application; keep three. */
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&msg); h; h = CMSG_NXTHDR(&msg, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(int));
			if (ret->fd < 0)
				ret->fd = fd;
			else if (ret->fd2 < 0)
				ret->fd2 = fd;
			else if (ret->fd3 < 0)
				ret->fd3 = fd;
			else
				close(fd);
		}
	}
	if (n == 0)
		return -ECONNRESET; /* the helper exited without answering */
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EMSGSIZE;
	return kv_parse(ret->buf, (size_t)n, &ret->kv);
}

static int spawn_helper(const HelperCall *call, int sock, int *ret_pidfd)
{
	char *argv[] = {(char *)"alcove-helper", (char *)call->verb, NULL};
	char fault_env[128];
	char *envp[2] = {NULL, NULL};
	SpawnSpec s = {
	    .path = call->path,
	    .argv = argv,
	    .envp = envp,
	    /* our stderr if asked for and open at all, else /dev/null */
	    .fds = {-1, -1,
		    call->keep_stderr && fcntl(STDERR_FILENO, F_GETFD) >= 0 ? STDERR_FILENO : -1,
		    sock},
	    .n_fds = 4,
	};
	struct stat st;

	/* A clear error for the common mistakes, before anything runs. */
	if (call->path[0] != '/')
		return -EINVAL;
	if (stat(call->path, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (call->fault && strlen(call->fault) < 64) {
		snprintf(fault_env, sizeof(fault_env), "ALCOVE_FAULT=%s", call->fault);
		envp[0] = fault_env;
	}
	return spawn_pidfd(&s, ret_pidfd);
}

/* Sends the request, waits for the answer until deadline (< 0: none) and takes it. */
static int exchange(int sock, const KvBuilder *request, long long deadline, HelperReply *ret)
{
	int r;

	/* The request fits the socket buffer whether or not the helper reads yet. */
	if (send(sock, request->buf, request->len, MSG_NOSIGNAL) < 0)
		return errno == EPIPE ? -ECONNRESET : negative_errno(); /* gone before it read */
	if (deadline >= 0) {
		r = fd_wait_readable(sock, deadline);
		if (r < 0)
			return r;
	}
	return recv_reply(sock, ret);
}

int helper_call(const HelperCall *call, const KvBuilder *request, HelperReply *ret)
{
	long long deadline = call->timeout_ms > 0 ? monotonic_ms() + call->timeout_ms : -1;
	_cleanup_close_ int ours = -1, theirs = -1, pidfd = -1;
	int sv[2], r, rr;

	*ret = (HelperReply){.fd = -1, .fd2 = -1, .fd3 = -1, .exit_code = -1};
	if (request->error)
		return request->error;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	ours = sv[0];
	theirs = sv[1];
	r = spawn_helper(call, theirs, &pidfd);
	if (r < 0)
		return r;
	closep(&theirs);
	theirs = -1; /* now EOF on ours means the helper is gone */
	r = exchange(ours, request, deadline, ret);
	if (r == -ETIMEDOUT)
		deadline = monotonic_ms(); /* no grace: kill it now */
	/* the helper exits once it has answered; past the deadline it is killed */
	rr = spawn_wait(pidfd, deadline, &ret->exit_code, &ret->signal);
	if (r >= 0 && rr < 0)
		r = rr;
	if (r < 0)
		helper_reply_done(ret);
	return r;
}

int helper_reply_status(const HelperReply *r)
{
	const char *status = kv_get(&r->kv, "status");
	const char *err = kv_get(&r->kv, "errno");
	int e = err ? atoi(err) : 0;

	if (status && strcmp(status, "ok") == 0)
		return 0;
	if (status && strcmp(status, "skip") == 0)
		return 1;
	if (!status || strcmp(status, "error") != 0 || e <= 0 || e > 4095)
		return -EPROTO;
	return -e;
}
