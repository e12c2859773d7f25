/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay between the caller's non-terminal fds 0, 1, 2 and pipes of the session's
 * (pipe_relay.h). One poll loop; our pipe ends non-blocking, the caller's fds left as they are
 * (their file descriptions are shared with other processes: O_NONBLOCK on them would change
 * those too), so a write to the caller's output waits as any pipeline's would.
 */
#include "pipe_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "relay_child.h"

/* What the session's output pipes may hold when it has ended, passed on then: a pipe holds
 * 64 KiB unless its writer grew it (F_SETPIPE_SZ, up to fs.pipe-max-size, 1 MiB). */
#define TAIL_MAX (1024 * 1024)

typedef struct Chan {
	int mine;     /* our end of the session's pipe for this fd, -1 when none or closed */
	bool in_open; /* input: fd 0 may still give data (not at EOF or failed) */
	size_t len;   /* input: bytes read from fd 0 not yet written to the pipe */
	char buf[16384];
} Chan;

typedef struct Loop {
	Chan ch[3];
	int pidfd, sfd;
	bool child_done;
} Loop;

/* A terminal is pty_relay.h's; /dev/null and a closed fd hold nothing a process could keep. */
static bool fd_wanted(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || isatty(fd))
		return false;
	return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

bool pipe_relay_wanted(void)
{
	return fd_wanted(0) || fd_wanted(1) || fd_wanted(2);
}

/* The pipes: theirs[fd] for the child (-1: fd goes as it is), ours in l (non-blocking). */
static int make_pipes(Loop *l, int theirs[3])
{
	for (int fd = 0; fd < 3; fd++) {
		int p[2];

		l->ch[fd] = (Chan){.mine = -1};
		theirs[fd] = -1;
		if (!fd_wanted(fd))
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			return negative_errno();
		/* fd 0: the session reads p[0]; fds 1, 2: it writes p[1] */
		theirs[fd] = fd == 0 ? p[0] : p[1];
		l->ch[fd].mine = fd == 0 ? p[1] : p[0];
		l->ch[fd].in_open = fd == 0;
		if (fcntl(l->ch[fd].mine, F_SETFL, O_NONBLOCK) < 0)
			return negative_errno();
	}
	return 0;
}

static void close_pipes(Loop *l, int theirs[3])
{
	for (int fd = 0; fd < 3; fd++) {
		closep(&l->ch[fd].mine);
		closep(&theirs[fd]);
	}
}

/* The session's output on fd: what its pipe holds now (up to max bytes) to the caller's fd.
 * 0 at the pipe's EOF (or when the caller's side is closed: the pipe is closed too, so the
 * session meets EPIPE as it would have), 1 to go on. */
static int pass_output(Chan *c, int fd, size_t max)
{
	size_t total = 0;

	while (total < max) {
		ssize_t n = read(c->mine, c->buf, sizeof(c->buf));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 1 : 0;
		if (n == 0)
			return 0;
		total += (size_t)n;
		if (write_all(fd, c->buf, (size_t)n) < 0)
			return 0; /* EPIPE (SIGPIPE is blocked) or the caller's file failing */
	}
	return 1;
}

/* Input: fd 0's data into the session's pipe. 0 once there is no more to pass. */
static int pass_input(Chan *c, bool readable, bool writable)
{
	ssize_t n;

	if (readable && c->len == 0 && c->in_open) {
		n = read(0, c->buf, sizeof(c->buf));
		if (n > 0)
			c->len = (size_t)n;
		else if (n == 0 || errno != EINTR)
			c->in_open = false; /* EOF or an error: the session reads EOF */
	}
	if (writable && c->len > 0) {
		n = write(c->mine, c->buf, c->len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return 0; /* EPIPE: the session closed its input */
		if (n > 0) {
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		}
	}
	return c->len > 0 || c->in_open;
}

enum { P_IN, P_INPIPE, P_OUT1, P_OUT2, P_SIG, P_CHILD, P_N };

static struct pollfd want(int fd, short events)
{
	return (struct pollfd){events && fd >= 0 ? fd : -1, events, 0};
}

static void poll_set(const Loop *l, struct pollfd p[P_N])
{
	const Chan *in = &l->ch[0];

	p[P_IN] = want(0, in->mine >= 0 && in->in_open && in->len == 0 ? POLLIN : 0);
	p[P_INPIPE] = want(in->mine, in->len > 0 ? POLLOUT : 0);
	p[P_OUT1] = want(l->ch[1].mine, POLLIN);
	p[P_OUT2] = want(l->ch[2].mine, POLLIN);
	p[P_SIG] = want(l->sfd, POLLIN);
	p[P_CHILD] = want(l->pidfd, POLLIN);
}

/* SIGHUP, SIGTERM, SIGINT, SIGQUIT on to the child (by its pidfd); SIGPIPE, SIGWINCH dropped. */
static void on_signal(Loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo != SIGPIPE && si.ssi_signo != SIGWINCH)
			(void)syscall(SYS_pidfd_send_signal, l->pidfd, (int)si.ssi_signo, NULL, 0);
}

static void on_events(Loop *l, const struct pollfd p[P_N])
{
	Chan *in = &l->ch[0];

	if (p[P_SIG].revents)
		on_signal(l);
	if (p[P_CHILD].revents)
		l->child_done = true;
	if ((p[P_IN].revents || p[P_INPIPE].revents) &&
	    !pass_input(in, p[P_IN].revents != 0, p[P_INPIPE].revents != 0))
		closep(&in->mine); /* the session reads EOF */
	for (int fd = 1; fd <= 2; fd++)
		if (p[fd == 1 ? P_OUT1 : P_OUT2].revents &&
		    pass_output(&l->ch[fd], fd, sizeof(l->ch[fd].buf)) == 0)
			closep(&l->ch[fd].mine);
}

static int relay_run(Loop *l)
{
	struct pollfd p[P_N];
	sigset_t set;

	relay_sigset(&set);
	l->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sfd < 0)
		return negative_errno();
	while (!l->child_done) {
		poll_set(l, p);
		if (poll(p, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		on_events(l, p);
	}
	/* what the session wrote before its end, not what a process it left behind goes on
	 * writing: the pipes are closed after this */
	for (int fd = 1; fd <= 2; fd++)
		if (l->ch[fd].mine >= 0)
			(void)pass_output(&l->ch[fd], fd, TAIL_MAX);
	return 0;
}

static _noreturn_ void session_child(Loop *l, int theirs[3], const RelaySignals *sigs,
				     int (*session)(void *), void *userdata)
{
	relay_child_setup(sigs);
	for (int fd = 0; fd < 3; fd++)
		if (theirs[fd] >= 0 && dup2(theirs[fd], fd) < 0)
			_exit(1);
	close_pipes(l, theirs);
	_exit(session(userdata));
}

int pipe_relay_session(int (*session)(void *userdata), void *userdata, int *ret_status)
{
	_cleanup_free_ Loop *l = calloc(1, sizeof(Loop));
	int theirs[3] = {-1, -1, -1}, k;
	RelaySignals sigs;
	pid_t pid;

	if (!l)
		return -ENOMEM;
	l->pidfd = l->sfd = -1;
	k = make_pipes(l, theirs);
	if (k >= 0)
		k = relay_signals_block(&sigs);
	if (k < 0) {
		close_pipes(l, theirs);
		return k;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		session_child(l, theirs, &sigs, session, userdata);
	k = pid < 0 ? negative_errno() : 0;
	for (int fd = 0; fd < 3; fd++)
		closep(&theirs[fd]);
	if (k >= 0) {
		l->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		k = l->pidfd < 0 ? negative_errno() : relay_run(l);
	}
	close_pipes(l, theirs); /* a process the session left behind: EOF and EPIPE from now */
	if (k < 0 && pid > 0)
		(void)kill(pid, SIGHUP); /* our own unreaped child: the relay broke */
	if (pid > 0)
		*ret_status = relay_child_wait(pid);
	closep(&l->pidfd);
	closep(&l->sfd);
	relay_signals_restore(&sigs);
	return k;
}
