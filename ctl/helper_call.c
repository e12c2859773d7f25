/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper_call.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdwait.h"
#include "log.h"
#include "macro.h"

#define HELPER_PATH LIBEXECDIR "/alcove-helper"

/*
 * How long a verb may take before the helper is killed. Every wait inside the helper is bounded
 * (control connections 5 s, a stop's grace 2 x 10 s per alcove), so this is a backstop against
 * the unforeseen; reset deletes a tree of any size and has none. ALCOVE_HELPER_TIMEOUT
 * (seconds) overrides it, for tests.
 */
static int verb_timeout_ms(const char *verb)
{
	static const struct {
		const char *verb;
		int seconds;
	} table[] = {{"open", 60}, {"close", 30}, {"stop", 300}, {"gc", 600}, {"reset", 0}};
	const char *env = getenv("ALCOVE_HELPER_TIMEOUT");

	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v > 0 && v <= 86400)
			return (int)v * 1000;
	}
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strcmp(table[i].verb, verb) == 0)
			return table[i].seconds * 1000;
	return 60 * 1000;
}

/* Waits for the answer, up to timeout_ms (0: no limit). */
static int wait_answer(int sock, int timeout_ms)
{
	if (timeout_ms <= 0)
		return 0;
	return fd_wait_readable(sock, monotonic_ms() + timeout_ms);
}

_noreturn_ static void exec_helper(const char *path, const char *verb, int sock)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	const char *fault = getenv("ALCOVE_FAULT");
	char fault_env[128];
	char *envp[2] = {NULL, NULL};
	sigset_t none;
	int null;

	for (int sig = 1; sig < _NSIG; sig++)
		(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(sock, 3) < 0)
		_exit(127);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0)
		_exit(127);
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
		_exit(127);
	if (fault && strlen(fault) < 64) {
		snprintf(fault_env, sizeof(fault_env), "ALCOVE_FAULT=%s", fault);
		envp[0] = fault_env;
	}
	execve(path, (char *const[]){"alcove-helper", (char *)verb, NULL}, envp);
	fprintf(stderr, "alcovectl: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static int recv_answer(int sock, HelperReply *ret)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = ret->buf, .iov_len = sizeof(ret->buf)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&ret->fd, CMSG_DATA(c), sizeof(int));
	if (n == 0)
		return -ECONNRESET;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		return -EBADMSG;
	return kv_parse(ret->buf, (size_t)n, &ret->kv);
}

int helper_call(const char *verb, const KvBuilder *request, HelperReply *ret)
{
	const char *path = getenv("ALCOVE_HELPER");
	_cleanup_close_ int ours = -1, theirs = -1;
	int sv[2], status, r, timeout_ms = verb_timeout_ms(verb);
	pid_t pid;

	if (!path || !*path)
		path = HELPER_PATH;
	if (request->error)
		return log_error_errno(request->error, "Request too large: %m");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_error_errno(negative_errno(), "socketpair: %m");
	ours = sv[0];
	theirs = sv[1];
	pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "fork: %m");
	if (pid == 0)
		exec_helper(path, verb, theirs);
	closep(&theirs);
	ret->fd = -1;
	r = RET_NERRNO(send(ours, request->buf, request->len, MSG_NOSIGNAL));
	if (r >= 0)
		r = wait_answer(ours, timeout_ms);
	if (r >= 0)
		r = recv_answer(ours, ret);
	/* our own unreaped child: its pid cannot have been reused */
	if (r == -ETIMEDOUT)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return log_error_errno(negative_errno(), "waitpid %s: %m", path);
	if (r == -ETIMEDOUT)
		return log_error_errno(r, "%s %s did not answer within %d s; killed it", path, verb,
				       timeout_ms / 1000);
	if (r == -EPIPE)
		r = -ECONNRESET; /* gone before it read the request: same story */
	if (r == -ECONNRESET && WIFSIGNALED(status))
		return log_error_errno(r, "%s %s was killed by signal %d", path, verb,
				       WTERMSIG(status));
	if (r == -ECONNRESET)
		return log_error_errno(r, "%s %s exited with status %d without an answer", path,
				       verb, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (r < 0)
		return log_error_errno(r, "No answer from %s %s: %m", path, verb);
	return 0;
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
	return -(e > 0 ? e : EIO);
}
