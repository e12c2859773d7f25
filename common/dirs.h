/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

/* Where alcove keeps its state on the host (docs/INTERNALS.md, "Filesystem state"). */
#define ALCOVE_RUN_DIR "/run/alcove"                 /* one directory per alcove, root 0755 */
#define ALCOVE_LIB_DIR LOCALSTATEDIR "/lib/alcove" /* the users' persistent layers, root 0755 */

/* ALCOVE_RUN_DIR/<name>, the alcove's own directory, into buf: 0, or -ENAMETOOLONG. */
static inline int alcove_run_dir(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", ALCOVE_RUN_DIR, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ALCOVE_RUN_DIR/<name>/<file> ("control", "admin", "state", "lock") into buf: 0, or
 * -ENAMETOOLONG when it does not fit. The one place these paths are spelled. */
static inline int alcove_run_path(const char *name, const char *file, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s", ALCOVE_RUN_DIR, name, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
