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

#include "fdpass.h"
#include "fdwait.h"
#include "macro.h"
#include "spawn.h"

void helper_reply_done(HelperReply *r)
{
	closep(&r->fd);
	closep(&r->fd2);
	closep(&r->fd3);
}

/* The answer and up to three fds (fdpass.h: close-on-exec, none kept from a malformed one). */
static int recv_reply(int sock, HelperReply *ret)
{
	int fds[3];
	size_t n_fds;
	ssize_t n;

	n = fdpass_recv(sock, ret->buf, sizeof(ret->buf), fds, ELEMENTSOF(fds), &n_fds, 0);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET; /* the helper exited without answering */
	ret->fd = n_fds > 0 ? fds[0] : -1;
	ret->fd2 = n_fds > 1 ? fds[1] : -1;
	ret->fd3 = n_fds > 2 ? fds[2] : -1;
	return kv_parse(ret->buf, (size_t)n, &ret->kv);
}

/* err_open: our fd 2 was open before the socket pair was made (which would take its number). */
static int spawn_helper(const HelperCall *call, bool err_open, int sock, int *ret_pidfd)
{
	char *argv[] = {(char *)"alcove-helper", (char *)call->verb, NULL};
	char fault_env[128];
	char *envp[2] = {NULL, NULL};
	SpawnSpec s = {
	    .path = call->path,
	    .argv = argv,
	    .envp = envp,
	    /* our stderr if asked for and open at all, else /dev/null */
	    .fds = {-1, -1, call->keep_stderr && err_open ? STDERR_FILENO : -1, sock},
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
	bool err_open;

	*ret = (HelperReply){.fd = -1, .fd2 = -1, .fd3 = -1, .exit_code = -1};
	if (request->error)
		return request->error;
	err_open = fcntl(STDERR_FILENO, F_GETFD) >= 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	ours = sv[0];
	theirs = sv[1];
	r = spawn_helper(call, err_open, theirs, &pidfd);
	if (r < 0)
		return r;
	closep(&theirs); /* now EOF on ours means the helper is gone */
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
