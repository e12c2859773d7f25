/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The decisions of `alcove-helper gc` as data (gc.c does the syscalls): what a crash left in
 * /run/alcove, in /var/lib/alcove and in systemd, and what may be removed. Pure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What /var/lib/alcove/<user>/ holds, as gc.c found it. */
typedef struct PersistScan {
	bool empty;	     /* nothing in <user>/ but the layer's lock file */
	bool has_layer;	     /* <user>/layer is a directory */
	bool other_entries;  /* anything in <user>/ but layer */
	bool has_upper;	     /* layer/upper is a directory */
	bool upper_has_data; /* layer/upper holds at least one entry */
	bool has_work;	     /* layer/work is a directory */
} PersistScan;

typedef enum {
	GC_KEEP,      /* complete (or live): nothing to do */
	GC_REMOVE,    /* half-built and without user data: remove */
	GC_KEEP_DATA, /* half-built, but upper holds the user's files: only with force */
	GC_KEEP_ODD,  /* something gc does not know: leave it to the admin */
} GcAction;

/* A persistent dir is half-built when layer, upper or work is missing. An upper with files in
 * it is the user's data: removed only with force. Anything unexpected is left alone. */
GcAction gc_persist_action(const PersistScan *s, bool force, const char **ret_why);

/* /run/alcove/<name>: state_r = statefile_read()'s result, alive = statefile_alive() > 0.
 * GC_KEEP_ODD when the read failed for a reason that says nothing of the state (below). */
GcAction gc_run_action(int state_r, bool alive, const char **ret_why);

/* statefile_read() failed for a reason of the moment (EMFILE, ENOMEM, EIO), not because the
 * state is missing (ENOENT) or corrupt (EBADMSG, EFBIG): whether an init runs on it cannot be
 * told, so it counts as alive. */
bool gc_state_read_failed(int state_r);

/* A name under /var/lib/alcove that can be a user's persistent dir (not images/, not a
 * name policy_name_is_safe() refuses). */
bool gc_is_persist_name(const char *name);

/* The uid an alcove name ("<uid>" or "<uid>-<hex>") belongs to; -EINVAL if it is none. */
int gc_name_uid(const char *name, uid_t *ret);

/* Whether unit is an alcove scope ("alcove-*.scope") that belongs to user/uid: the unit of a
 * share=user alcove is named after the user, a share=session one after "<uid>-<hex>".
 * user == NULL: any alcove scope. */
bool gc_scope_is_ours(const char *unit, const char *user, uid_t uid);

/* The report: lines appended to a bounded buffer; what does not fit is counted and the last
 * line says how many were left out. */
typedef struct GcReport {
	char buf[6144];
	size_t len;
	unsigned dropped;
} GcReport;

void gc_report_add(GcReport *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (NUL-terminated; with the "... N more" line when lines were dropped). */
const char *gc_report_text(GcReport *r);
