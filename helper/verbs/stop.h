/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Stopping alcoves: the verb stop, and what open, reset and gc share of it. */

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "verb.h"

/* Stops /run/alcove/<name> (STOP to init, or its scope; SIGKILL after a grace time),
 * waits until init is gone and removes the directory. 0 also when it was not running; on
 * failure -errno and e filled (stage "stop"; e may be NULL). */
int alcove_stop(int runfd, const char *name, AlcError *e);
/* The same with the lock held by the caller (dirfd: /run/alcove/<name>). */
int alcove_stop_locked(int runfd, const char *name, int dirfd, AlcError *e);
/* Like alcove_stop_locked(), but removes only state and control: the directory and the lock
 * the caller holds stay, so no login can build there until the caller is done (reset). */
int alcove_end_locked(const char *name, int dirfd, AlcError *e);
/* Ends the alcove only if its init is frozen from inside (common/frozen.h): SIGKILL, its scope
 * stopped, its state removed (the directory and the caller's lock stay, as for
 * alcove_end_locked()). 1 when it was frozen and has ended; 0 when it is not frozen, not
 * running, or that cannot be told; -errno with e filled when it did not end. */
int alcove_end_frozen_locked(const char *name, int dirfd, AlcError *e);
/* The same, taking the lock, and removing the directory as alcove_stop() does. */
int alcove_stop_frozen(int runfd, const char *name, AlcError *e);
/* Stops every alcove the request names (name=, or all of user=); answers on error only. */
int stop_request(const Request *req, Answer *ans, int runfd);
/* The names of alcoves under ALCOVE_RUN_DIR, as many as there are (a user with
 * max_sessions = 0 may leave hundreds running): free with alcove_names_free(). */
typedef struct AlcoveNames {
	char (*name)[32];
	size_t n, cap;
} AlcoveNames;
void alcove_names_free(AlcoveNames *l);
/* The names of every alcove of user (by the name's uid and the state's user): 0, or -ENOMEM,
 * -errno of reading the directory. */
int alcove_names_of(int runfd, const char *user, uid_t uid, AlcoveNames *ret);
