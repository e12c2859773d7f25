/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcove-helper gc (docs/INTERNALS.md): removes what crashes left behind. gc.c walks
 * /run/alcove and /var/lib/alcove, gc_temp.c the temporary directories of killed builds there;
 * gc_scan.c looks at systemd's alcove-*.scope units and at
 * alcove-init processes no state file tracks. Decisions are in gc_names.c.
 */

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "gc_names.h"
#include "statefile.h"

#define GC_MAX_ALCOVES 4096

typedef struct Gc {
	bool dry_run;
	bool force;
	const char *user; /* NULL: every user; passwd's spelling when NSS knows it */
	char user_name[256];
	uid_t uid;	  /* of user; (uid_t)-1 when not in passwd */
	uid_t subuid;	  /* first subordinate uid of user (its ns root in user mode); 0 unknown */
	int runfd, libfd;
	/* alcove-init next to the helper, the executable every init runs (0/0: not found, so no
	 * process is taken for an init) */
	dev_t init_dev;
	ino_t init_ino;
	/* what /proc/PID/exe reads for an init whose file was replaced since it started (a
	 * package upgrade): "<helper dir>/alcove-init (deleted)" */
	char init_deleted[PATH_MAX];
	/* The live alcoves found in /run/alcove: their init pids and scopes. */
	AlcoveState *live;
	size_t n_live;
	unsigned removed, failed;
	GcReport report;
} Gc;

/* gc.c: whether a live state (re-read from /run/alcove now) has init pid with this start
 * time, or names this unit. */
bool gc_pid_is_tracked(Gc *g, pid_t pid, uint64_t starttime);
bool gc_unit_is_tracked(Gc *g, const char *unit);

/* gc_temp.c: removes the build's temporary directories (paths_temp_name()) in dirfd (the
 * path `where`, for the report) that are empty and older than a minute. */
void gc_temp_dirs(Gc *g, int dirfd, const char *where);

/* gc_scan.c */
int gc_scopes(Gc *g);
int gc_untracked_inits(Gc *g);
