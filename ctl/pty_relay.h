/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl enter` on a terminal: the session gets a pty of its own, not the admin's terminal.
 * Handing the admin's tty to the user's session would let a process the user leaves behind
 * (`sleep 1000 &` that ignores SIGHUP) keep reading and writing the admin's terminal after
 * enter returned. Instead alcovectl allocates a pty of the alcove's own devpts (alcove_pty.h),
 * or else one on the host (the session gets the slave as fds 0, 1, 2 and makes it its
 * controlling tty inside), puts the admin's terminal
 * into raw mode and copies bytes both ways, and passes window size changes on. When the session
 * ends the master is closed: whatever still holds the slave gets a hangup, nothing more.
 */

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

typedef struct PtyRelay {
	int tty;	      /* the admin's terminal (stdin) */
	int out;	      /* where the session's output goes (stdout) */
	int master, slave;    /* -1 when closed */
	struct termios saved; /* the terminal's modes before, restored at the end */
	bool raw;	      /* the terminal is in raw mode (saved must be restored) */
} PtyRelay;

/* A pty with the terminal's modes and window size; the terminal is put into raw mode. master
 * and slave: a pty to use (alcove_pty.h; taken over, closed on failure), or -1 for one of the
 * host's. -errno (nothing changed then). */
int pty_relay_open(PtyRelay *r, int tty, int out, int master, int slave);

/* Copies terminal -> master and master -> out until the process behind pidfd has exited and the
 * master has nothing more to read. SIGWINCH resizes the pty; SIGHUP, SIGTERM, SIGINT and SIGQUIT
 * sent to alcovectl are passed to pid. The caller has blocked those signals (and SIGWINCH) before
 * forking pid and keeps them blocked. 0 or -errno. */
int pty_relay_run(PtyRelay *r, pid_t pid, int pidfd);

/* The terminal's modes back as they were (idempotent), then both pty ends closed. */
void pty_relay_done(PtyRelay *r);

/* The signals pty_relay_run() handles, for the caller to block. */
void pty_relay_sigset(sigset_t *set);
