/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay between the caller's non-terminal fds 0, 1, 2 and pipes of the session's
 * (pipe_relay.h). One poll loop; our pipe ends non-blocking, the caller's fds left as they are
 * (their file descriptions are shared with other processes: O_NONBLOCK on them would change
 * those too) and written only when poll() says they take data (output_write()).
 */
#include "pipe_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
	bool drained; /* output, after the session's end: its pipe gave what it held then */
	size_t off, len; /* buf[off, len): read, not yet written on */
	size_t tail;	 /* output, after the session's end: bytes read since */
	char buf[16384];
} Chan;

typedef struct Loop {
	Chan ch[3];
	int peek; /* our copy of the read end of the session's input pipe: what it holds unread */
	int pidfd, sfd;
	bool child_done;
	bool terminating; /* SIGHUP, SIGTERM, SIGINT or SIGQUIT came: no waiting for the tail */
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
		if (fd == 0 && (l->peek = fcntl(p[0], F_DUPFD_CLOEXEC, 3)) < 0)
			return negative_errno();
	}
	return 0;
}

static void close_pipes(Loop *l, int theirs[3])
{
	closep(&l->peek);
	for (int fd = 0; fd < 3; fd++) {
		closep(&l->ch[fd].mine);
		closep(&theirs[fd]);
	}
}

/* Output: one read of the session's pipe into the empty buffer. At its EOF (or, after the
 * session's end, once it is empty or gave TAIL_MAX) there is no more. */
static void output_read(Chan *c, bool tail)
{
	ssize_t n = read(c->mine, c->buf, sizeof(c->buf));

	if (n > 0) {
		c->off = 0;
		c->len = (size_t)n;
		c->tail += tail ? (size_t)n : 0;
		c->drained = tail && c->tail >= TAIL_MAX;
	} else if (n == 0 || (errno != EINTR && (errno != EAGAIN || tail))) {
		if (tail)
			c->drained = true;
		else
			closep(&c->mine);
	}
}

/*
 * Output: the buffer on to the caller's fd, whose file description other processes share, so
 * it stays blocking: written only when poll() says it has room, at most PIPE_BUF bytes at once
 * (which a pipe with room, and a socket under its high-water mark, take whole), so that the
 * loop never sleeps in a write and a signal is always seen. EAGAIN (another process made it
 * non-blocking) is "later". Another failure (EPIPE: SIGPIPE is blocked) drops what is left and
 * closes the session's pipe: the session meets EPIPE as it would have.
 */
static void output_write(Chan *c, int fd)
{
	size_t n = c->len - c->off < PIPE_BUF ? c->len - c->off : PIPE_BUF;
	ssize_t w = write(fd, c->buf + c->off, n);

	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (w < 0) {
		c->off = c->len = 0;
		c->drained = true;
		closep(&c->mine);
		return;
	}
	c->off += (size_t)w;
	if (c->off == c->len)
		c->off = c->len = 0;
}

/* Input: fd 0's data into the session's pipe. 1 to go on; 0 at fd 0's end with all passed
 * (the session reads what its pipe holds, then EOF); -1 when the session closed its input. */
static int pass_input(Chan *c, bool readable, bool writable)
{
	ssize_t n;

	if (readable && c->len == 0 && c->in_open) {
		n = read(0, c->buf, sizeof(c->buf));
		if (n > 0)
			c->len = (size_t)n;
		else if (n == 0 || (errno != EINTR && errno != EAGAIN))
			c->in_open = false; /* EOF or an error: the session reads EOF; EAGAIN (fd 0
					     * made non-blocking by another process, which read
					     * first) is "later" */
	}
	if (writable && c->len > 0) {
		n = write(c->mine, c->buf, c->len);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -1; /* EPIPE: the session closed its input */
		if (n > 0) {
			memmove(c->buf, c->buf + n, c->len - (size_t)n);
			c->len -= (size_t)n;
		}
	}
	return c->len > 0 || c->in_open;
}

/*
 * The input is read ahead of the session: what it had not read when it ended (our buffer, and
 * what its pipe still holds) is given back to a caller's regular file by seeking back, so that
 * `while read u; do alcovectl enter "$u" -- true; done <users` reads on where the session
 * stopped, as with the file handed over. From a pipe it cannot be given back (as with ssh
 * without -n).
 */
static void input_give_back(Loop *l)
{
	Chan *c = &l->ch[0];
	struct stat st;
	int queued = 0;

	if (l->peek >= 0 && fstat(0, &st) == 0 && S_ISREG(st.st_mode)) {
		if (ioctl(l->peek, FIONREAD, &queued) < 0 || queued < 0)
			queued = 0;
		if (c->len + (size_t)queued > 0)
			(void)lseek(0, -(off_t)(c->len + (size_t)queued), SEEK_CUR);
	}
	c->len = 0;
	closep(&l->peek);
	closep(&c->mine);
}

enum { P_IN, P_INPIPE, P_OUT1, P_OUT2, P_SIG, P_CHILD, P_N };

static struct pollfd want(int fd, short events)
{
	return (struct pollfd){events && fd >= 0 ? fd : -1, events, 0};
}

/* An output still to pass on: its buffer, or (before the end, or in the tail) its pipe. */
static bool output_pending(const Loop *l, const Chan *c)
{
	if (l->child_done && l->terminating)
		return false;
	return c->len > 0 || (c->mine >= 0 && !(l->child_done && c->drained));
}

/* Each output waits on one thing: the caller's fd to take the buffer, or (while the session
 * runs) the pipe to fill it. After the end the pipe is read at once, never waited on: a process
 * left behind may hold it open and write nothing, or write later. */
static struct pollfd output_want(Loop *l, Chan *c, int fd)
{
	if (c->len == 0 && l->child_done && output_pending(l, c))
		output_read(c, true);
	if (!output_pending(l, c))
		return want(-1, 0);
	return c->len > 0 ? want(fd, POLLOUT) : want(c->mine, POLLIN);
}

static void poll_set(Loop *l, struct pollfd p[P_N])
{
	const Chan *in = &l->ch[0];

	p[P_IN] = want(0, in->mine >= 0 && in->in_open && in->len == 0 ? POLLIN : 0);
	p[P_INPIPE] = want(in->mine, in->len > 0 ? POLLOUT : 0);
	p[P_OUT1] = output_want(l, &l->ch[1], 1);
	p[P_OUT2] = output_want(l, &l->ch[2], 2);
	p[P_SIG] = want(l->sfd, POLLIN);
	p[P_CHILD] = want(l->child_done ? -1 : l->pidfd, POLLIN);
}

/* SIGHUP, SIGTERM, SIGINT, SIGQUIT on to the child (by its pidfd) while it runs; SIGPIPE,
 * SIGWINCH dropped. */
static void on_signal(Loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGPIPE || si.ssi_signo == SIGWINCH)
			continue;
		l->terminating = true;
		if (!l->child_done)
			(void)syscall(SYS_pidfd_send_signal, l->pidfd, (int)si.ssi_signo, NULL, 0);
	}
}

static void on_events(Loop *l, const struct pollfd p[P_N])
{
	Chan *in = &l->ch[0];

	if (p[P_SIG].revents)
		on_signal(l);
	if (p[P_CHILD].revents) {
		/* what the session wrote before its end, not what a process it left behind
		 * goes on writing; nothing more for its input */
		l->child_done = true;
		input_give_back(l);
	}
	if (in->mine >= 0 && (p[P_IN].revents || p[P_INPIPE].revents)) {
		int r = pass_input(in, p[P_IN].revents != 0, p[P_INPIPE].revents != 0);

		if (r < 0)
			input_give_back(l);
		else if (r == 0)
			closep(&in->mine);
	}
	for (int fd = 1; fd <= 2; fd++) {
		Chan *c = &l->ch[fd];

		if (!p[fd == 1 ? P_OUT1 : P_OUT2].revents)
			continue;
		if (c->len > 0)
			output_write(c, fd);
		else
			output_read(c, l->child_done);
	}
}

/* After a signal, the session's end: no waiting for the tail, but what its pipes hold now and
 * the caller's fd takes at once is passed on, one chunk each (the last lines: alcovectl
 * enter's own word that it left a session that did not end). */
static void tail_now(Loop *l)
{
	for (int fd = 1; fd <= 2; fd++) {
		Chan *c = &l->ch[fd];

		if (c->len == 0 && c->mine >= 0)
			output_read(c, true);
		if (c->len > 0 && poll(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, 0) == 1)
			output_write(c, fd);
	}
}

static int relay_run(Loop *l)
{
	struct pollfd p[P_N];
	sigset_t set;

	relay_sigset(&set);
	l->sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (l->sfd < 0)
		return negative_errno();
	for (;;) {
		poll_set(l, p); /* after the end, it reads the tail first */
		if (l->child_done && !output_pending(l, &l->ch[1]) &&
		    !output_pending(l, &l->ch[2])) {
			if (l->terminating)
				tail_now(l);
			break;
		}
		if (poll(p, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		on_events(l, p);
	}
	return 0;
}

static _noreturn_ void session_child(Loop *l, int theirs[3], const RelaySignals *sigs,
				     int (*session)(void *), void *userdata)
{
	relay_child_setup(sigs);
	/* out of the terminal's foreground group (if any): its ^C reaches the session once,
	 * through us, as with the pty relay */
	if (setpgid(0, 0) < 0)
		_exit(1);
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
	l->pidfd = l->sfd = l->peek = -1;
	for (int fd = 0; fd < 3; fd++) /* before make_pipes(), whose failure closes them all */
		l->ch[fd].mine = -1;
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
	relay_signals_finish(&sigs);
	return k;
}
