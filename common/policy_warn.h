/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The keys of a resolved profile that will not take effect as written, each with the reason:
 * a limit with cgroup = "none", an idle_timeout without on_last_logout = "idle", idle with
 * share = "session" (a session alcove stops at its last logout), a layer_quota
 * with persist = false (it sizes a tmpfs then), limits with share = "session" (per session, not
 * per user), a limit whose cgroup controller the kernel lacks. check-config and explain print
 * them (issue 15: no silent no-ops).
 * Pure; what depends on the host (the filesystem of /var/lib/alcove) is quota.h's.
 */

#include <stddef.h>

#include "policy.h"

#define POLICY_MAX_WARNINGS (_LIMIT_MAX + 5)

typedef struct PolicyWarning {
	int line;       /* where the key was set (0: builtin) */
	char text[224]; /* "limits.MemoryMax is not enforced: ..." */
} PolicyWarning;

/* Fills ret with at most max warnings; returns how many. */
size_t policy_profile_warnings(const Profile *p, PolicyWarning *ret, size_t max);

/* The controllers the kernel offers, as systemd finds them (cgroup v2 root). */
#define POLICY_CGROUP_CONTROLLERS "/sys/fs/cgroup/cgroup.controllers"

/* The profile's limits whose controller ("memory", "pids", "cpu", "io") is not among
 * controllers (that file's text; NULL: not known, nothing said). With cgroup = "systemd" only. */
size_t policy_controller_warnings(const Profile *p, const char *controllers, PolicyWarning *ret,
				  size_t max);
