/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * The per-alcove lock: flock(LOCK_EX) on /run/alcove/<name>/lock, held while building or
 * tearing down, so two concurrent first logins build one alcove. A stop removes the directory
 * while it holds the lock; a waiter that then gets the lock of the removed file notices (the
 * path no longer leads to the inode it locked) and starts over.
 *
 * create: make /run/alcove/<name> (root 0711) if missing; otherwise -ENOENT.
 */
int lock_alcove(int runfd, const char *name, bool create, int *ret_dirfd, int *ret_lockfd);
/* The same, waiting at most until deadline_ms (monotonic_ms(), fdwait.h): -ETIMEDOUT when
 * another still holds the lock then. */
int lock_alcove_until(int runfd, const char *name, bool create, long long deadline_ms,
		      int *ret_dirfd, int *ret_lockfd);
/* The same without waiting (and without create): -EWOULDBLOCK when another holds the lock. */
int lock_alcove_nowait(int runfd, const char *name, int *ret_dirfd, int *ret_lockfd);

/* flock(fd, how) (LOCK_SH or LOCK_EX), polled until deadline_ms (monotonic_ms()): the
 * helper's signals are its own, so no alarm(). -ETIMEDOUT when still held then. */
int lock_fd_until(int fd, int how, long long deadline_ms);

/*
 * /run/alcove/.sessions.lock (root 0600, a name no alcove has), LOCK_EX until deadline_ms:
 * held by a share = "session" open with max_sessions while it counts the user's alcoves and
 * makes its own directory, so that logins at once cannot each count one short. Only root
 * can open it: a host user cannot hold it.
 */
int lock_sessions_until(int runfd, long long deadline_ms, int *ret_fd);

/*
 * The persistent layer's lock: flock on /var/lib/alcove/<user>/lock (userfd: that directory),
 * held by every alcove-init on the layer for its whole life (LOCK_EX; LOCK_SH for
 * share = session, whose alcoves only read the upper), by reset while it deletes the layer and
 * by gc while it removes one. init keeps the fd, and ns root (host U in root mode) may reopen
 * /proc/1/fd/N wherever the file's own permissions let host U in: so it is a regular file of
 * root's, mode 0600, never the layer directory (from which U would reach upper/ and work/ on
 * the host). Opened O_RDONLY, never through a symlink, created only with create.
 * -EWOULDBLOCK: another holds it; -ENOENT: missing (without create); -EPERM: not a
 * root-owned 0600 regular file with one link.
 */
int lock_layer(int userfd, bool create, bool shared, int *ret_fd);
