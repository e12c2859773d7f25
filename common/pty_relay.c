/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay between the caller's terminal and a pty of the session's own (pty_relay.h). One
 * poll loop, both directions buffered and the master non-blocking, so a session that does not
 * read its input never stops its output from reaching the terminal (or the other way round).
 * Once the session's process has ended only what the pty holds then is shown: a process it
 * left behind that keeps writing to the slave does not keep the relay (and the terminal) busy.
 */
#include "pty_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "relay_child.h"

/* What the master may still hold when the session has ended: the tty layer buffers at most
 * 64 KiB per direction (tty_buffer) plus the line discipline's 4 KiB. */
#define TAIL_MAX (128 * 1024)

typedef struct Buf {
	char data[16384];
	size_t len;
} Buf;

typedef struct Loop {
	PtyRelay *r;
	pid_t pid;
	Buf in, out;
	bool in_open, master_open, out_open, child_done;
} Loop;

int pty_relay_wanted(dev_t own_pts)
{
	struct stat st;

	for (int fd = 0; fd < 3; fd++) {
		if (!isatty(fd))
			continue;
		if (fstat(fd, &st) < 0)
			return negative_errno();
		/* a pty of that instance was allocated for this login (sshd's, in a lobby) */
		if (own_pts == 0 || st.st_dev != own_pts)
			return 1;
	}
	return 0;
}

/* Which of fds 0, 1, 2 are terminals, and so where input comes from and output goes. */
static int terminals(PtyRelay *r)
{
	int fl;

	for (int fd = 0; fd < 3; fd++) {
		r->tty[fd] = isatty(fd);
		if (r->tty[fd] && r->term < 0)
			r->term = fd;
	}
	if (r->term < 0)
		return -ENOTTY;
	r->in = r->tty[0] ? 0 : -1;
	if (r->tty[1] || r->tty[2])
		r->out = r->tty[1] ? 1 : 2;
	else if ((fl = fcntl(0, F_GETFL)) >= 0 && (fl & O_ACCMODE) == O_RDWR)
		r->out = 0; /* only the echo of what is typed: shown where it is typed */
	return 0;
}

/* A pty of the devpts at /dev/pts (through /dev/ptmx): the slave by the master, not by name. */
static int ptmx_pty(int *ret_master, int *ret_slave)
{
	_cleanup_close_ int master = -1, slave = -1;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return negative_errno();
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int pty_relay_open(PtyRelay *r, int given_master, int given_slave)
{
	_cleanup_close_ int master = given_master, slave = given_slave;
	struct termios mode;
	struct winsize ws;
	int k;

	*r = (PtyRelay){.term = -1, .in = -1, .out = -1, .master = -1, .slave = -1};
	k = terminals(r);
	if (k < 0)
		return k;
	if (tcgetattr(r->term, &r->saved) < 0)
		return negative_errno();
	if (master < 0 || slave < 0) {
		closep(&master);
		closep(&slave);
		k = ptmx_pty(&master, &slave);
		if (k < 0)
			return k;
	}
	/* the session starts with the terminal's modes and size; a terminal whose input is not
	 * relayed stays cooked and processes the output itself (once) */
	mode = r->saved;
	if (r->in < 0)
		mode.c_oflag &= ~OPOST;
	if (tcsetattr(slave, TCSANOW, &mode) < 0)
		return negative_errno();
	if (ioctl(r->term, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) < 0)
		return negative_errno();
	if (r->in >= 0) {
		mode = r->saved;
		cfmakeraw(&mode);
		if (tcsetattr(r->in, TCSANOW, &mode) < 0)
			return negative_errno();
		r->raw = true;
	}
	r->master = TAKE_FD(master);
	r->slave = TAKE_FD(slave);
	return 0;
}

void pty_relay_done(PtyRelay *r)
{
	if (r->raw) {
		(void)tcsetattr(r->term, TCSANOW, &r->saved);
		r->raw = false;
	}
	closep(&r->master);
	closep(&r->slave);
}

/* Reads what fits into b; 0 at EOF (EIO is how a master says "no slave left", and a hung-up
 * terminal reads 0 or EIO), 1 if read or nothing there yet, -errno. */
static int fill(int fd, Buf *b)
{
	ssize_t n;

	if (b->len == sizeof(b->data))
		return 1;
	n = read(fd, b->data + b->len, sizeof(b->data) - b->len);
	if (n > 0) {
		b->len += (size_t)n;
		return 1;
	}
	if (n == 0 || errno == EIO)
		return 0;
	return errno == EAGAIN || errno == EINTR ? 1 : negative_errno();
}

/* Writes what fd takes of b; 1 on progress or nothing to do, 0 when fd is gone, -errno. */
static int drain(int fd, Buf *b)
{
	ssize_t n;

	if (b->len == 0)
		return 1;
	n = write(fd, b->data, b->len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 1;
		return errno == EPIPE || errno == EIO ? 0 : negative_errno();
	}
	memmove(b->data, b->data + n, b->len - (size_t)n);
	b->len -= (size_t)n;
	return 1;
}

/* The terminal hung up (or its input ended): as with a login on it, the session gets SIGHUP. */
static void hangup(Loop *l)
{
	if (l->r->hung_up)
		return;
	l->r->hung_up = true;
	/* our own unreaped child (SIGCHLD at its default): its pid cannot have been reused */
	(void)kill(l->pid, SIGHUP);
}

static void on_signal(Loop *l, int sfd)
{
	struct signalfd_siginfo si;
	struct winsize ws;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			/* the kernel sends SIGWINCH to the session's foreground group itself */
			if (ioctl(l->r->term, TIOCGWINSZ, &ws) == 0)
				(void)ioctl(l->r->master, TIOCSWINSZ, &ws);
		} else if (si.ssi_signo != SIGPIPE) {
			(void)kill(l->pid, (int)si.ssi_signo);
		}
	}
}

enum { P_IN, P_MASTER, P_OUT, P_SIG, P_CHILD, P_N };

/* An fd with nothing to wait for is left out (-1): poll() would report its POLLHUP anyway. */
static struct pollfd poll_fd(int fd, short events)
{
	return (struct pollfd){events ? fd : -1, events, 0};
}

static void poll_set(const Loop *l, int sfd, int pidfd, struct pollfd p[P_N])
{
	const PtyRelay *r = l->r;
	bool input = l->in_open && l->master_open;
	short master = 0;

	if (l->master_open && l->out.len < sizeof(l->out.data))
		master |= POLLIN;
	if (l->master_open && l->in.len)
		master |= POLLOUT;
	p[P_IN] = poll_fd(r->in, input && l->in.len < sizeof(l->in.data) ? POLLIN : 0);
	p[P_MASTER] = poll_fd(r->master, master);
	p[P_OUT] = poll_fd(r->out, l->out_open && l->out.len ? POLLOUT : 0);
	p[P_SIG] = poll_fd(sfd, POLLIN);
	p[P_CHILD] = poll_fd(pidfd, POLLIN);
}

static int on_events(Loop *l, const struct pollfd p[P_N], int sfd)
{
	PtyRelay *r = l->r;
	int k;

	if (p[P_SIG].revents)
		on_signal(l, sfd);
	if (p[P_CHILD].revents)
		l->child_done = true;
	if (p[P_IN].revents) {
		k = fill(r->in, &l->in);
		if (k <= 0) {
			l->in_open = false;
			hangup(l);
		}
	}
	if (p[P_MASTER].revents & POLLOUT) {
		k = drain(r->master, &l->in);
		if (k < 0)
			return k;
		if (k == 0)
			l->in.len = 0; /* no slave open: nobody to type to */
	}
	if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
		k = fill(r->master, &l->out);
		if (k < 0)
			return k;
		l->master_open = k > 0;
		if (!l->master_open)
			l->in.len = 0;
	}
	if (!l->out_open)
		l->out.len = 0; /* nobody to show it to: keep the session unblocked */
	if (p[P_OUT].revents) {
		k = drain(r->out, &l->out);
		if (k <= 0) {
			l->out_open = false;
			l->out.len = 0;
			hangup(l);
		}
	}
	return 0;
}

/* After the session's end: what it wrote is in the pty's buffers (a read of the master
 * flushes the tty layer's pending work first); show that much, and not what a process it
 * left behind goes on writing. */
static void show_tail(Loop *l)
{
	size_t total = 0;
	int stalled = 0;

	while (l->out_open && total < TAIL_MAX) {
		size_t before = l->out.len;

		if (l->master_open && fill(l->r->master, &l->out) <= 0)
			l->master_open = false;
		total += l->out.len - before;
		if (l->out.len == 0)
			return;
		before = l->out.len;
		/* the terminal's fd blocks (a write returns once it is all taken) unless another
		 * process made it non-blocking: then EAGAIN, and we wait for room, up to 5 s
		 * without progress, instead of spinning */
		if (drain(l->r->out, &l->out) <= 0)
			return;
		if (l->out.len < before)
			stalled = 0;
		else if (++stalled > 50 ||
			 poll(&(struct pollfd){.fd = l->r->out, .events = POLLOUT}, 1, 100) < 0)
			return;
	}
}

static int relay_run(PtyRelay *r, pid_t pid, int pidfd)
{
	_cleanup_free_ Loop *l = calloc(1, sizeof(Loop));
	_cleanup_close_ int sfd = -1;
	struct pollfd p[P_N];
	sigset_t set;
	int k;

	if (!l)
		return -ENOMEM;
	*l = (Loop){.r = r,
		    .pid = pid,
		    .in_open = r->in >= 0,
		    .master_open = true,
		    .out_open = r->out >= 0};
	relay_sigset(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return negative_errno();
	while (!l->child_done) {
		poll_set(l, sfd, pidfd, p);
		if (poll(p, P_N, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		k = on_events(l, p, sfd);
		if (k < 0)
			return k;
	}
	show_tail(l);
	return 0;
}

/* The child: the session's side. Never returns. */
static _noreturn_ void session_child(PtyRelay *r, const RelaySignals *sigs, int (*session)(void *),
				     void *userdata)
{
	relay_child_setup(sigs);
	/* A group of its own: a terminal left cooked (input not relayed) sends ^C to our group,
	 * and we pass it on; in the same group the session would get it twice. */
	if (setpgid(0, 0) < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		if (r->tty[fd] && dup2(r->slave, fd) < 0)
			_exit(1);
	closep(&r->master);
	closep(&r->slave);
	_exit(session(userdata));
}

int pty_relay_session(PtyRelay *r, int (*session)(void *userdata), void *userdata, int *ret_status)
{
	_cleanup_close_ int pidfd = -1;
	RelaySignals sigs;
	pid_t pid;
	int k;

	k = relay_signals_block(&sigs);
	if (k < 0) {
		pty_relay_done(r);
		return k;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		k = negative_errno();
		pty_relay_done(r);
		relay_signals_restore(&sigs);
		return k;
	}
	if (pid == 0)
		session_child(r, &sigs, session, userdata);
	closep(&r->slave); /* the master reads EIO once the session's side has closed it */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	k = pidfd < 0 ? negative_errno() : relay_run(r, pid, pidfd);
	/* the terminal's modes back, and the master closed: every fd of the slave that a
	 * process of the session still holds is hung up now */
	pty_relay_done(r);
	if (k < 0)
		(void)kill(pid,
			   SIGHUP); /* the relay broke: the session must not go on without it */
	*ret_status = relay_child_wait(pid);
	relay_signals_finish(&sigs);
	return k;
}
