/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The hold records of /run/alcove/<name> (common/holdfile.h): one per session the helper's
 * open registered, naming the process that holds it (the PAM application). When the alcove has
 * ended, each recorded process that still lives, and is still the one recorded, is sent
 * SIGTERM: sshd's monitor then ends its connection and runs PAM's close, and its lobby, with
 * the clones of the ended alcove's /tmp, devpts and home, goes with it. Every path that
 * removes a dead alcove's state goes through state_remove_leftovers() (state.h), which calls
 * holds_end() first: stop, reset, gc, open and close (a user's next login, or a session's
 * close, that finds the alcove ended).
 *
 * All under the directory's lock, but holds_forget() (close: its own record only). The
 * directory is root's, 0711, checked by the lock (lock.c); the tenant can write no record.
 */

#include <sys/types.h>

/* Records session's holder: pid (pidfd a pidfd of it, taken before its start time is read), a
 * login of user, in dirfd (the alcove's run directory). -errno: no record is left. */
int holds_record(int dirfd, const char *user, const char *session, pid_t pid, int pidfd);

/* Removes session's record (none there is no error). */
int holds_forget(int dirfd, const char *session);

/* Ends the process of every record in dirfd (/run/alcove/<name>) that still lives and whose start
 * time is the recorded one (one journal line each), and removes every record, those it cannot read
 * included (never acted on). The number ended, or -errno of listing or removing. Only for an
 * alcove whose init is gone. */
int holds_end(int dirfd, const char *name);
