/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

/* Where alcove keeps its state on the host (docs/INTERNALS.md, "Filesystem state"). */
#define ALCOVE_RUN_DIR "/run/alcove"		   /* one directory per alcove, root 0755 */
#define ALCOVE_LIB_DIR LOCALSTATEDIR "/lib/alcove" /* the users' persistent layers, root 0755 */

/* The files of ALCOVE_RUN_DIR/<name>/ (docs/INTERNALS.md), which the code opens, reads and
 * removes by these names only. */
#define ALCOVE_RUN_LOCK "lock"		 /* flock, held while building or tearing down */
#define ALCOVE_RUN_STATE "state"	 /* key=value lines (statefile.h) */
#define ALCOVE_RUN_STATE_TMP "state.tmp" /* the next state, renamed over it */
#define ALCOVE_RUN_CONTROL "control"	 /* init's socket for the user: ENTER */
#define ALCOVE_RUN_ADMIN "admin"	 /* init's socket for root: HOLD, RELEASE, STOP, STATUS */
#define ALCOVE_RUN_LAYERS "layers"	 /* the image store's layers it stacks, top first */

/* ALCOVE_LIB_DIR/<user>/LOCK: the persistent layer's lock, held by alcove-init. */
#define ALCOVE_LIB_LOCK "lock"

/* ALCOVE_RUN_DIR/<name>, the alcove's own directory, into buf: 0, or -ENAMETOOLONG. */
static inline int alcove_run_dir(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", ALCOVE_RUN_DIR, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ALCOVE_RUN_DIR/<name>/<file> (one of the ALCOVE_RUN_* names above) into buf: 0, or
 * -ENAMETOOLONG when it does not fit. The one place these paths are put together. */
static inline int alcove_run_path(const char *name, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s", ALCOVE_RUN_DIR, name, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
