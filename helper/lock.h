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
