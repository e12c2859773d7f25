/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The relay between the admin's terminal and a pty of the session's own (pty_relay.h). One
 * poll loop, both directions buffered and the master non-blocking, so a session that does not
 * read its input never stops its output from reaching the terminal (or the other way round).
 */
#include "pty_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "macro.h"

typedef struct Buf {
	char data[16384];
	size_t len;
} Buf;

void pty_relay_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGWINCH);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGPIPE); /* a closed stdout is EPIPE here, not our death in raw mode */
}

/* A pty of the host's devpts: the session only needs the fds (it has no name inside). */
static int host_pty(int *ret_master, int *ret_slave)
{
	_cleanup_close_ int master = -1, slave = -1;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		return negative_errno();
	/* the slave by the master, not by a path lookup */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return negative_errno();
	*ret_master = TAKE_FD(master);
	*ret_slave = TAKE_FD(slave);
	return 0;
}

int pty_relay_open(PtyRelay *r, int tty, int out, int given_master, int given_slave)
{
	_cleanup_close_ int master = given_master, slave = given_slave;
	struct termios raw;
	struct winsize ws;
	int k;

	*r = (PtyRelay){.tty = tty, .out = out, .master = -1, .slave = -1};
	if (tcgetattr(tty, &r->saved) < 0)
		return negative_errno();
	if (master < 0 || slave < 0) {
		closep(&master);
		closep(&slave);
		k = host_pty(&master, &slave);
		if (k < 0)
			return k;
	}
	/* the session starts with the terminal's modes and size */
	if (tcsetattr(slave, TCSANOW, &r->saved) < 0)
		return negative_errno();
	if (ioctl(tty, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) < 0)
		return negative_errno();
	raw = r->saved;
	cfmakeraw(&raw);
	if (tcsetattr(tty, TCSANOW, &raw) < 0)
		return negative_errno();
	r->raw = true;
	r->master = TAKE_FD(master);
	r->slave = TAKE_FD(slave);
	return 0;
}

void pty_relay_done(PtyRelay *r)
{
	if (r->raw) {
		(void)tcsetattr(r->tty, TCSANOW, &r->saved);
		r->raw = false;
	}
	closep(&r->master);
	r->master = -1;
	closep(&r->slave);
	r->slave = -1;
}

/* Reads what fits into b; 0 at EOF (EIO is how a master says "no slave left"), 1 if read or
 * nothing there yet, -errno. */
static int fill(int fd, Buf *b)
{
	ssize_t n = read(fd, b->data + b->len, sizeof(b->data) - b->len);

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

static void on_signal(PtyRelay *r, int sfd, pid_t pid)
{
	struct signalfd_siginfo si;
	struct winsize ws;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			/* the kernel sends SIGWINCH to the session's foreground group itself */
			if (ioctl(r->tty, TIOCGWINSZ, &ws) == 0)
				(void)ioctl(r->master, TIOCSWINSZ, &ws);
		} else if (si.ssi_signo != SIGPIPE) {
			/* our own unreaped child: its pid cannot have been reused */
			(void)kill(pid, (int)si.ssi_signo);
		}
	}
}

enum { P_TTY, P_MASTER, P_OUT, P_SIG, P_CHILD, P_N };

int pty_relay_run(PtyRelay *r, pid_t pid, int pidfd)
{
	_cleanup_free_ Buf *in = calloc(1, sizeof(Buf)), *out = calloc(1, sizeof(Buf));
	_cleanup_close_ int sfd = -1;
	bool tty_open = true, master_open = true, out_open = true, child_done = false;
	sigset_t set;
	int k;

	if (!in || !out)
		return -ENOMEM;
	pty_relay_sigset(&set);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return negative_errno();
	for (;;) {
		/* after the session's end, only its output is still relayed */
		bool input = !child_done && master_open;
		struct pollfd p[P_N] = {
		    [P_TTY] = {r->tty, input && tty_open && in->len < sizeof(in->data) ? POLLIN : 0,
			       0},
		    [P_MASTER] = {r->master,
				  (master_open && out->len < sizeof(out->data) ? POLLIN : 0) |
				      (input && in->len ? POLLOUT : 0),
				  0},
		    [P_OUT] = {r->out, out_open && out->len ? POLLOUT : 0, 0},
		    [P_SIG] = {sfd, POLLIN, 0},
		    [P_CHILD] = {pidfd, child_done ? 0 : POLLIN, 0},
		};

		/* Once the session is over, what it wrote is still to be shown; then stop,
		 * whatever it left behind (the master's close hangs up the slave). */
		k = poll(p, P_N, child_done ? 0 : -1);
		if (k < 0 && errno != EINTR)
			return negative_errno();
		if (k <= 0) {
			if (child_done && (!out_open || out->len == 0))
				return 0;
			if (child_done) /* flush the rest, blocking: the terminal takes it */
				(void)drain(r->out, out);
			continue;
		}
		if (p[P_SIG].revents)
			on_signal(r, sfd, pid);
		if (p[P_CHILD].revents)
			child_done = true;
		if (p[P_TTY].revents) {
			k = fill(r->tty, in);
			if (k < 0)
				return k;
			tty_open = k > 0;
		}
		if (p[P_MASTER].revents & POLLOUT) {
			k = drain(r->master, in);
			if (k < 0)
				return k;
		}
		if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
			k = fill(r->master, out);
			if (k < 0)
				return k;
			master_open = k > 0;
			if (!master_open)
				in->len = 0;
		}
		if (p[P_OUT].revents) {
			k = drain(r->out, out);
			if (k < 0)
				return k;
			out_open = k > 0;
			if (!out_open)
				out->len = 0; /* nobody to show it to: keep the session unblocked */
		}
		if (child_done && !master_open && (!out_open || out->len == 0))
			return 0;
	}
}
