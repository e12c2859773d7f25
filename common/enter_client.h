/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The client side of ENTER (docs/INTERNALS.md "Control protocol"), shared by
 * alcove-enter (a login's shell) and `alcovectl enter`: hand argv/env/cwd and
 * fds 0,1,2 to alcove-init, relay SIGHUP/SIGTERM/SIGINT/SIGQUIT while the
 * session runs, and return its wait status. Terminal signals (^C, ^Z, window
 * size) reach the session through the tty itself once it is the session's
 * controlling tty, which is why the caller gives the tty up first
 * (enter_release_tty(), DESIGN §9).
 */

#include <stdbool.h>
#include <sys/types.h>

#include "macro.h"
#include "proto.h"

#include "dirs.h"

typedef struct EnterRequest {
	const char *socket_path; /* the alcove's control socket */
	const char *path;	 /* executable inside the alcove ("/bin/bash") */
	const char *const *argv; /* NULL-terminated, argv[0] as the program should see it */
	const char *const *envp; /* NULL-terminated */
	const char *cwd;	 /* NULL = the caller's cwd; "" = the login's home */
	/* 0: wait for the session's end whatever comes (alcove-enter). Else, once a relayed
	 * signal came, wait at most this long for EXITED, and not at all after a second one:
	 * then leave the session (ret->left_on_signal). */
	unsigned leave_after_ms;
} EnterRequest;

/* alcovectl enter's leave_after_ms: the session's own SIGTERM handling has that long. */
#define ENTER_LEAVE_AFTER_MS 5000

typedef struct EnterResult {
	pid_t pid;	 /* the session's pid in the alcove's PID ns, 0 if it never started */
	int wait_status; /* set when enter_run() returns 0 */
	/* Set when enter_run() returned 0 without the session's end (leave_after_ms): the signal
	 * that made us leave; wait_status is then an exit with 128 + it, as a shell reports a
	 * command killed by it. */
	int left_on_signal;
	/* When init refused or could not start the program: its message (one line naming the
	 * object; the errno is the return value). Empty for local failures. */
	char message[PROTO_ERROR_MESSAGE_MAX + 1];
} EnterResult;

/* Connects, sends ENTER with the caller's fds 0,1,2 (open: std_fds_open() first in main),
 * umask and resource limits (a login's, as pam_umask/pam_limits set them: the session starts
 * with them), relays SIGHUP/SIGTERM/SIGINT/SIGQUIT as SIGNAL messages until init reports
 * EXITED, or (req->leave_after_ms) until we leave after such a signal: the connection closed,
 * which init takes for the client's hangup (the session gets SIGHUP and SIGCONT, and ends on
 * its own or not). Connecting and sending are bounded (control_client.h); the wait for the
 * end is not, until a signal comes. For single-threaded callers (the umask is read by
 * setting it).
 * Returns 0 with ret->wait_status; -errno when init answered ERROR (ret->message set) or on a
 * local failure (connect, send; ret->message empty); -ECONNRESET if init went away before
 * the session ended. The signal mask is restored before returning. */
int enter_run(const EnterRequest *req, EnterResult *ret);

/* If fd 0 is the caller's controlling tty: gives it up (TIOCNOTTY) with SIGHUP ignored
 * around it (a session leader giving up its tty hangs up its foreground group, which is
 * us), so init's child can make it the session's controlling tty. 0 if there was nothing
 * to give up, 1 if given up, -errno. */
int enter_release_tty(void);

/* Exits the way the session ended: with its exit code, or by re-raising its killing signal
 * (default disposition, unblocked, no core dump of ours); 128+signo if that does not kill. */
_noreturn_ void enter_exit_like(int wait_status);

/* An alcove name as the helper makes them: "<uid>" or "<uid>-<8 lowercase hex>". */
bool alcove_name_is_valid(const char *name);
