/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What `alcovectl list` and `show` read of a running alcove, each in O(1): the scope's cgroup
 * files (memory, pids, cpu and their limits), statfs of its tmpfs mounts, the persistent
 * layer's quota (a qgroup or project quota lookup, never a walk of the tree) and init's
 * STATUS. Nothing fails: what cannot be read stays unknown.
 */

#include <sys/types.h>

#include "show_format.h"
#include "statefile.h"

/* The scope's cgroup directory as the helper recorded it, opened without following a
 * symlink; -errno (-ENOENT without a scope). */
int usage_open_scope(const AlcoveState *s);
/* memory.current, pids.current, cpu.stat of the cgroup dfd. */
void usage_read_cgroup(int dfd, ShowUsage *ret);
/* memory.max, pids.max of the cgroup dfd. */
void usage_read_limits(int dfd, ShowLimits *ret);
/* /tmp, /run, /dev/shm through init's root, only those that are a tmpfs. */
void usage_read_tmpfs(const AlcoveState *s, ShowTmpfsUsage ret[_SHOW_TMPFS_MAX]);
/* /var/lib/alcove/<user>/layer against its quota. */
void usage_read_layer(const char *user, uid_t uid, ShowLayer *ret);
/* STATUS on /run/alcove/<name>/admin, and the idle time from its activity stamp; not asked of
 * an init its tenant froze (common/frozen.h), which would hold the caller for
 * CONTROL_TIMEOUT_SEC and answer nothing: ret->frozen then. */
void usage_read_status(const AlcoveState *st, const char *name, ShowStatus *ret);
/* The same in two steps, for many alcoves under one deadline (list): _ask sets ret->frozen
 * and returns the connection the STATUS went on, the caller's to close (-errno: none asked,
 * -EBUSY for a frozen init); _answer fills ret from it until deadline (monotonic ms), or
 * leaves it unknown. */
int usage_status_ask(const AlcoveState *st, const char *name, ShowStatus *ret);
void usage_status_answer(int fd, long long deadline, ShowStatus *ret);
