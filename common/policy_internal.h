/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Private to the policy layer: the stages between reading the file and a finished Policy.
 * policy_load*.c (libconfig) fill raw sections: a raw Profile has origin[k].section set only
 * for the keys its section wrote. policy_resolve.c (pure) applies inheritance and checks what
 * only the resolved values show.
 */

#include "policy.h"

/* p->defaults holds the builtin values and p->profiles[i].name the names (origins point at
 * them); raw_defaults/raw[i] hold what each section set. Fills every resolved profile and
 * adds an error for each unknown parent, cycle, or bad combination. -ENOMEM only. */
int policy_resolve(Policy *p, const Profile *raw_defaults, const Profile *raw, PolicyErrors *errs);

/* Rules against the resolved profiles: unknown profile, a rule that would contain root. */
int policy_check_rules(const Policy *p, PolicyErrors *errs);

/* policy_file.c: the whole file as a string (a regular file of at most 1 MiB, no NUL byte, no
 * @include), or an error added to errs and -errno. */
int policy_read_file(const char *path, char **ret, PolicyErrors *errs);

/* policy_duplicate.c: after libconfig reported "duplicate setting name" at `line`, the setting
 * on that line that its group already has: 1 and *ret (name is its path, e.g.
 * "profiles.students.persist"; the caller frees it), 0 if there is none, or -ENOMEM. */
typedef struct {
	char *name;
	int line, first_line;
} PolicyDuplicate;
int policy_find_duplicate(const char *text, int line, PolicyDuplicate *ret);
