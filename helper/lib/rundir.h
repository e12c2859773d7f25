/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The end of a /run/alcove/<name> directory: it goes once its alcove is over, so neither
 * share = "session" (a directory per login) nor alcoves that end by themselves
 * (on_last_logout) leave anything in /run, a tmpfs every host user shares. close removes the
 * directory of an alcove that ends with the session; open sweeps those of the same user whose
 * alcove ended later (a process left behind under keep, an idle timeout, a crash).
 *
 * A directory is over when, under its lock, it has no state or a state whose init is
 * definitely gone. A corrupt state (it may belong to a running init: open and gc decide that
 * by its admin socket) or one whose liveness cannot be told is kept. The lock is taken
 * without waiting: whoever holds it (a build, a stop, gc, another sweep) decides.
 */

#include <stdbool.h>
#include <sys/types.h>

/* "<uid>" and "<uid>-<hex>" (share = session) name the alcoves of uid. */
bool rundir_name_of_uid(const char *name, uid_t uid);

/* Removes /run/alcove/<name> if it is over. 1 removed, 2 gone already, 0 kept (alive, busy,
 * corrupt state, cannot tell), -errno when removing failed. */
int rundir_remove_if_over(int runfd, const char *name);

/* Waits up to wait_ms for the init that <name>'s state names to exit (its pidfd), then
 * rundir_remove_if_over(). */
int rundir_remove_when_ended(int runfd, const char *name, int wait_ms);

/* rundir_remove_if_over() for every directory of uid but `except` (may be NULL): the number
 * removed, or -errno when /run/alcove cannot be read; *ret_kept (may be NULL): how many stay.
 * Failures on one directory are left to the next sweep or gc (and count as kept). */
int rundir_sweep(int runfd, uid_t uid, const char *except, unsigned *ret_kept);
