/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What rootfs_apply.c (the child's mounts on the overlay) shares with rootfs_accounts.c (root
 * mode's account files in the overlay): the state of one execution of the plan, and the
 * repairs of what the tenant left where the plan puts something.
 */

#include <stddef.h>
#include <sys/types.h>

#include "child.h"

typedef struct Rootfs {
	const ChildSetup *cs;
	const int *fds;
	size_t n_fds;
	int stagefd; /* root of the staging tmpfs */
	int rootfd;  /* root of the overlay */
	int staged;  /* the helper's tmpfs on staging, under ours: its mounts (child.h) */
	unsigned n_files;
	ChildError *e;
} Rootfs;

/* Opens (creating or replacing as needed) the parent directory of target, an absolute path
 * in the new root; name receives the last component. */
int rootfs_open_parent(Rootfs *rf, const char *target, char *name, size_t size, int *ret);

/* Renames parent/name (target in the new root, of type mode) beside it, to
 * "<name>.alcove-moved-<epoch>[.<ns>]", and notes it for the helper's log, ending in why:
 * >= 0, or -errno. */
int rootfs_move_aside(Rootfs *rf, int parent, const char *name, const char *target, mode_t mode,
		      const char *why);

/* rootfs_accounts.c: a STEP_ACCOUNTS step; 0 or -errno. */
int rootfs_accounts(Rootfs *rf, const MountStep *s);
