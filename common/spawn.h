/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Running a program as a child known only by a pidfd, for a caller that lives inside another
 * program (the PAM module in sshd, su, login...). The pidfd comes from the clone itself
 * (CLONE_PIDFD), never from pidfd_open(pid) afterwards: the application's own SIGCHLD handler
 * (waitpid(-1)) or SIGCHLD = SIG_IGN may reap the child at any time, and its pid may then name
 * another process. Through the pidfd a wait or a kill reaches this child or nothing.
 */

#include <stdbool.h>
#include <stddef.h>

#define SPAWN_MAX_FDS 4

typedef struct SpawnSpec {
	const char *path;  /* absolute; exec'd as is */
	char *const *argv; /* argv[0] included */
	char *const *envp; /* the child's whole environment */
	/* fds[i] becomes fd i of the child (-1: /dev/null), for i < n_fds; every other fd is
	 * closed, every signal disposition reset to its default, the signal mask emptied */
	int fds[SPAWN_MAX_FDS];
	size_t n_fds;
	/* SIGKILLed when the caller's thread ends (PR_SET_PDEATHSIG): for a tool that works only
	 * for this caller (skopeo and alcove-unpack for alcovectl), never for one that must finish
	 * what it began (the helper, which rolls back its own failures) */
	bool die_with_parent;
} SpawnSpec;

/* Starts the child, vfork-style (no copy of the caller's memory). 0 and *ret_pidfd
 * (O_CLOEXEC) once it has exec'd; -errno when it could not be started or exec failed (then it
 * is reaped already). */
int spawn_pidfd(const SpawnSpec *s, int *ret_pidfd);

/* Waits for the child to exit, up to deadline (CLOCK_MONOTONIC ms, as fdwait.h's
 * monotonic_ms(); < 0: no limit); past it the child is SIGKILLed through the pidfd, then
 * reaped. *ret_exit_code is its exit status or -1, *ret_signal the signal that ended it or 0
 * (both unknown when the application reaped it first). 0, or -ETIMEDOUT when it had to be
 * killed, or -errno. */
int spawn_wait(int pidfd, long long deadline, int *ret_exit_code, int *ret_signal);
