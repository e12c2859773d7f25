/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * check-config's look at the host's per-user kernel limits that every alcove shares with host
 * root (docs/SECURITY.md, "What remains"). The helper, as host root, creates each alcove's user
 * namespace, so the kernel charges what is made inside (inotify instances, namespaces) to host
 * root's per-user counts as well as to the tenant's (kernel/ucount.c walks up to the parent
 * namespace, for the namespace's owner). Kept low, those counts let the alcoves together, or one
 * tenant alone, use up root's: every root service's inotify_init1() then fails with EMFILE.
 */

/* Warns on stderr, as "CONFIG: warning: ...", when fs.inotify.max_user_instances is below
 * HOST_INOTIFY_INSTANCES_MIN (reading it is the kernel's: /proc/sys). */
void host_limits_print(const char *config);

#define HOST_INOTIFY_INSTANCES_MIN 65536
#define HOST_INOTIFY_INSTANCES_ADVISED 1048576
