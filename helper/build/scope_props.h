/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Pure helpers of scope.c: the data in, data out parts, unit-tested without systemd. */

#include <stddef.h>

#include "policy.h"

/* The systemd property name for a limit ("CPUQuotaPerSecUSec" for LIMIT_CPU_QUOTA). */
const char *scope_limit_property(LimitKind k);
/* The value systemd gets for a limit: a share of RAM (limit_is_percent()) in bytes of ram. */
uint64_t scope_limit_value(uint64_t value, uint64_t ram);

/* Finds the mount point of the cgroup2 hierarchy in the text of /proc/self/mountinfo: the
 * first cgroup2 mount whose root is "/" (a bind of a subtree would not match systemd's
 * ControlGroup paths). Octal escapes (\040) are decoded. -ENOENT if none, -ENAMETOOLONG. */
int scope_cgroup2_mount(const char *mountinfo, char *ret, size_t size);

/* mount point + ControlGroup ("/user.slice/.../alcove-x.scope") → ret. -EINVAL if cgroup is
 * not absolute or holds a ".." component; -ENAMETOOLONG. */
int scope_cgroup_join(const char *mount, const char *cgroup, char *ret, size_t size);
