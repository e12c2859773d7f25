/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the two relays of a session (pty_relay.h, pipe_relay.h) share: the session runs in a
 * child of ours while we relay, with the signals we pass on blocked around the fork (one
 * that arrives in between is relayed, not lost) and SIGCHLD at its default, so that the child
 * stays unreaped until relay_child_wait() and its pid, which we signal, is never another
 * process's (a caller ignoring SIGCHLD, inherited through exec, had it reaped at once).
 */

#include <signal.h>
#include <sys/types.h>

typedef struct RelaySignals {
	sigset_t old_mask;
	struct sigaction old_chld;
	pid_t parent; /* the relay: getpid() when they were blocked, before the fork */
} RelaySignals;

/* SIGWINCH, SIGHUP, SIGTERM, SIGINT, SIGQUIT, and SIGPIPE (a closed output is EPIPE to the
 * relay, not its death). */
void relay_sigset(sigset_t *set);

/* Blocks relay_sigset() and sets SIGCHLD to its default; the old ones saved in s. */
int relay_signals_block(RelaySignals *s);
/* The old mask and SIGCHLD back (in the child: relay_child_setup()). */
void relay_signals_restore(const RelaySignals *s);
/* In the parent at the end: the relayed signals still pending dropped first (they were for
 * the session, which has ended: a SIGPIPE of a write to a closed output, a ^C during the
 * tail), then restore; unblocked, they would kill the caller before it ends the session. */
void relay_signals_finish(const RelaySignals *s);
/* In the child, before it runs the session: the signals restored, and the child ends with its
 * relay (PR_SET_PDEATHSIG): a relay killed (SIGKILL) must not leave the session's client
 * holding the alcove, as the caller alone did before it relayed. */
void relay_child_setup(const RelaySignals *s);

/* The child's wait status (an exit of 1 when waitpid fails). */
int relay_child_wait(pid_t pid);
