/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper_call.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdwait.h"
#include "macro.h"

void helper_reply_done(HelperReply *r)
{
	closep(&r->fd);
	closep(&r->fd2);
	r->fd = -1;
	r->fd2 = -1;
}

/* The application may have closed 0-2, and our end must survive the /dev/null opens and land
 * on 3: keep it above 3 (O_CLOEXEC, so nothing else inherits it). */
static int fd_above_3(int fd)
{
	if (fd > 3)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 4);
	int r = nfd < 0 ? negative_errno() : nfd;
	close(fd);
	return r;
}

/*
 * posix_spawn rather than fork: glibc runs the child vfork-style (CLONE_VM|CLONE_VFORK: no copy
 * of a large application such as sshd), and reports an exec failure as an error here instead
 * of as a dead child. The file actions and attributes are exactly the protocol's child setup;
 * closefrom(4) is close_range(2) underneath.
 */
static int spawn_helper(const char *helper, const char *verb, int sock, pid_t *ret_pid)
{
	char *const argv[] = {(char *)"alcove-helper", (char *)verb, NULL};
	char *const envp[] = {NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int r;

	sigfillset(&all);
	sigemptyset(&none);
	r = -posix_spawn_file_actions_init(&fa);
	if (r < 0)
		return r;
	r = -posix_spawnattr_init(&attr);
	if (r < 0) {
		posix_spawn_file_actions_destroy(&fa);
		return r;
	}
	int e = 0;
	e = e ?: posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	e = e ?: posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	e = e ?: posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	e = e ?: posix_spawn_file_actions_adddup2(&fa, sock, 3);
	e = e ?: posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	/* SIG_IGN survives exec: the helper must start with every disposition at default. */
	e = e ?: posix_spawnattr_setsigdefault(&attr, &all);
	e = e ?: posix_spawnattr_setsigmask(&attr, &none);
	e = e ?: posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	e = e ?: posix_spawn(ret_pid, helper, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -e;
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
	/* Take every fd that came, so none leaks into the application; keep two. */
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

/* Reaps the helper: only its pid. A pidfd tells when it has exited, within the deadline;
 * past it, SIGKILL through the pidfd (no pid reuse race). ECHILD means the application set
 * SIGCHLD to SIG_IGN and the kernel reaped it: the status is lost, not an error. */
static int reap(pid_t pid, long long deadline, int *ret_exit_code)
{
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int r = 0, status;

	*ret_exit_code = -1;
	/* Without a pidfd (EMFILE...) the wait below has no deadline; the helper is ending. */
	if (pidfd >= 0) {
		r = fd_wait_readable(pidfd, deadline);
		if (r == -ETIMEDOUT)
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == ECHILD)
			return r;
		if (errno != EINTR)
			return r < 0 ? r : negative_errno();
	}
	if (WIFEXITED(status))
		*ret_exit_code = WEXITSTATUS(status);
	return r;
}

int helper_call(const char *helper, const char *verb, const KvBuilder *request, int timeout_ms,
		HelperReply *ret)
{
	long long deadline = monotonic_ms() + timeout_ms;
	_cleanup_close_ int ours = -1, theirs = -1;
	int sv[2], r, rr;
	struct stat st;
	pid_t pid;

	ret->fd = -1;
	ret->fd2 = -1;
	ret->exit_code = -1;
	ret->kv.n = 0;
	if (request->error)
		return request->error;
	/* A clear error for the common mistakes, before anything runs. */
	if (helper[0] != '/')
		return -EINVAL;
	if (stat(helper, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	ours = fd_above_3(sv[0]);
	theirs = fd_above_3(sv[1]);
	if (ours < 0 || theirs < 0)
		return ours < 0 ? ours : theirs;

	r = spawn_helper(helper, verb, theirs, &pid);
	if (r < 0)
		return r;
	closep(&theirs);
	theirs = -1; /* now EOF on ours means the helper is gone */

	/* The request fits the socket buffer whether or not the helper reads yet. */
	if (send(ours, request->buf, request->len, MSG_NOSIGNAL) < 0)
		r = negative_errno();
	else {
		r = fd_wait_readable(ours, deadline);
		if (r >= 0)
			r = recv_reply(ours, ret);
	}
	if (r == -ETIMEDOUT)
		deadline = monotonic_ms(); /* no grace: kill it now */
	rr = reap(pid, deadline, &ret->exit_code);
	if (r >= 0 && rr < 0)
		r = rr;
	if (r < 0)
		helper_reply_done(ret);
	return r;
}
