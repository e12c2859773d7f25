/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether an alcove's init is frozen from inside (docs/SECURITY.md, "A frozen init"). In root
 * mode ns root owns the delegated subtree below the scope: it may write cgroup.freeze in any
 * cgroup it makes, and move init (PID 1 inside) into one. A frozen init answers no HOLD,
 * RELEASE or STATUS and acts on no SIGTERM; only SIGKILL, which the cgroup v2 freezer lets
 * through, ends it. The parsers are pure (unit-tested); init_frozen() reads /proc and cgroupfs.
 */

#include <stdbool.h>
#include <stddef.h>

#include "statefile.h"

/* The cgroup v2 path in the text of /proc/<pid>/cgroup: the rest of its "0::" line (the kernel
 * refuses '\n' in a cgroup's name, so a line is a whole path). -ENOENT without one, -EBADMSG
 * when there are two or it is not absolute, -ENAMETOOLONG. */
int cgroup_v2_path(const char *text, size_t len, char *ret, size_t size);

/* The part of path (a cgroup v2 path, from the host's cgroup namespace) below the scope whose
 * cgroupfs directory is scope_dir ("/sys/fs/cgroup/user.slice/.../alcove-x.scope"): "" for
 * the scope itself, "init" or "d/e" below it, NULL when path is not the scope or below it.
 * The scope's part of path is systemd's (only ns root names what is below it), and the first
 * of its prefixes that ends scope_dir is the scope: a slice above it ends in ".slice". */
const char *cgroup_below(const char *scope_dir, const char *path);

/* The "frozen" key of a cgroup.events text: 1, 0, or -EBADMSG without one (a kernel before
 * 5.2 has no freezer in cgroup v2). */
int cgroup_events_frozen(const char *text, size_t len);

/* Whether st's tenant can freeze its init at all: root mode with a scope (in user mode the
 * subtree is ns root's, and the user is not ns root). Reads nothing. */
bool init_freezable(const AlcoveState *st);

/* 1 when the live init of st (pidfd: its pidfd) is frozen by its tenant: root mode, a scope,
 * init's own cgroup below the scope frozen (the kernel's effective state, an ancestor's
 * freeze included) while the scope's is not (a freeze of the scope or above it is the
 * admin's: systemctl freeze). 0 when not (user mode, no scope, not frozen); -errno when it
 * cannot be told (init gone, its cgroup outside the scope, a path too long): callers then
 * act as before. */
int init_frozen(const AlcoveState *st, int pidfd);
