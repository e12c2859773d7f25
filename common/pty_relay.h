/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A session started from a terminal gets a pty of its own, never the caller's terminal: shared
 * by `alcovectl enter` (the admin's terminal) and alcove-enter (the terminal su, sudo or login
 * ran it on). A terminal handed to the session would stay with whatever the session leaves
 * behind (`setsid cat <&2 &`): it would read what is typed there after the session ended, and
 * could push input into it (TIOCSTI) or change its modes. With the relay the session's
 * processes hold only the slave; when the session ends the master is closed, which hangs up
 * every fd of the slave, and nothing inside holds the caller's terminal.
 *
 * Which fds get the slave: each of 0, 1, 2 that is a terminal; the others (a /dev/null, a
 * file, a pipe) go to the session as they are (alcovectl relays those too: pipe_relay.h). What the caller types is read (the terminal in
 * raw mode, the session's line discipline does the rest) only when fd 0 is the terminal;
 * otherwise its modes are left alone and the slave passes output through unprocessed, so that
 * the terminal processes it once. The window size follows SIGWINCH. Like util-linux's
 * pty-session (su --pty), the relay ends when the session's process has ended and its output
 * is shown; a hangup of the terminal is a SIGHUP to the session.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

typedef struct PtyRelay {
	bool tty[3];	      /* which of fds 0, 1, 2 are terminals (the session gets the slave) */
	int term;	      /* the caller's terminal: the first of them (modes, window size) */
	int in;		      /* where typed input is read: fd 0 if a terminal, else -1 */
	int out;	      /* where the session's output goes: a terminal among 1, 2, else 0 */
	int master, slave;    /* -1 when closed */
	struct termios saved; /* the terminal's modes before, restored at the end */
	bool raw;	      /* the terminal is in raw mode (saved must be restored) */
	bool hung_up;	      /* SIGHUP sent to the session for the terminal's hangup */
} PtyRelay;

/* 1 when one of fds 0, 1, 2 is a terminal that needs the relay: any terminal, except a pty of
 * the devpts instance whose device number is own_pts (st_dev; 0 for none: every terminal
 * then). 0 when none does; -errno. */
int pty_relay_wanted(dev_t own_pts);

/* Looks at fds 0, 1, 2 and prepares the pty: master and slave are one to use (alcove_pty.h;
 * taken over, closed on failure), or -1 for one from /dev/ptmx. The slave gets the
 * terminal's modes and size; the terminal goes into raw mode when its input is relayed.
 * -ENOTTY when none of fds 0, 1, 2 is a terminal, -errno (nothing changed then). */
int pty_relay_open(PtyRelay *r, int master, int slave);

/* Runs session(userdata) in a child of ours whose terminal fds are the slave (in a process
 * group of its own, so that a signal the terminal generates reaches it once, through us), and
 * relays until that child has exited. SIGHUP, SIGTERM, SIGINT, SIGQUIT sent to us are passed
 * to the child. The child _exit()s with what session() returns (or exits itself). Always ends
 * with pty_relay_done(). 0 with *ret_status, the child's wait status; -errno when the child
 * could not be started (*ret_status untouched) or when the relay broke (the child got SIGHUP;
 * *ret_status is set). */
int pty_relay_session(PtyRelay *r, int (*session)(void *userdata), void *userdata, int *ret_status);

/* The terminal's modes back as they were (idempotent), then both pty ends closed. */
void pty_relay_done(PtyRelay *r);
