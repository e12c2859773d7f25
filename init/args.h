/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* alcove-init's command line (docs/INTERNALS.md "alcove-init"), parsed purely. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "lifecycle.h"

#define INIT_MAX_GROUPS 256

typedef struct InitArgs {
	uid_t uid; /* ids inside the alcove for the login processes */
	gid_t gid;
	gid_t groups[INIT_MAX_GROUPS];
	size_t n_groups;
	const char *home;
	LifePolicy on_last_logout;
	uint64_t idle_timeout_sec;
	bool no_new_privs;
	bool cgroup;
	/* user mode: the supplementary groups init was started with are the login's; setgroups
	 * is denied in the alcove's user ns, so init never calls it */
	bool keep_groups;
	const char *user; /* for messages only; may be NULL */
} InitArgs;

/* Parses argv[1..argc). Every option is "--key=value" or a "--flag"; unknown or repeated
 * options, missing --uid/--gid/--home/--on-last-logout, or --idle-timeout without
 * idle (and idle without it) are -EINVAL with a one-line reason in e. Strings point
 * into argv. */
int init_args_parse(int argc, char *const *argv, InitArgs *ret, AlcError *e);

/* A decimal id: 0..4294967294 (-1 is "no id" to the kernel), no sign, no spaces. */
int parse_id(const char *s, uint32_t *ret);
