/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "statefile.h"

/* Writes dirfd/state atomically: state.tmp (0600, O_EXCL after removing a stale one), renamed
 * over state. */
int state_write(int dirfd, const AlcoveState *s);

/* Removes a dead alcove's leftovers in its directory (dirfd, /run/alcove/<name>): state, control
 * and admin (not the lock); before them the hold records, whose processes (the logins still held on
 * the ended alcove, their lobbies holding its /tmp) are ended first (holds.h). */
int state_remove_leftovers(int dirfd, const char *name);

/* Removes the whole directory /run/alcove/<name> (state, sockets, lock) while its lock is held;
 * waiters notice (lock.c). */
int state_remove_dir(int runfd, const char *name, int dirfd);
