/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One failure as data: the errno, the stage it happened in, whether that stage worked on what
 * the tenant controls, and one line naming the object. Library code fills it and returns -errno;
 * the entry point that handles it logs it once (the stage as a log field) and answers with the
 * message. Pure libc, no logging.
 */

#include <stdarg.h>
#include <stdbool.h>

#include "macro.h"

#define ALC_ERROR_MSG_MAX 1024

typedef struct AlcError {
	int err;	   /* positive errno; 0: no failure recorded */
	const char *stage; /* static: "ids", "layers", "persistent layer", ...; NULL: none */
	bool tenant;	   /* the stage works on what the user controls (docs/INTERNALS.md) */
	char msg[ALC_ERROR_MSG_MAX];
} AlcError;

/* Records the failure r (< 0; anything else counts as -EIO) in stage with the formatted
 * message, %m naming r; errno is left as it was. Returns the negative errno, for
 * `return alc_error(e, r, ...)`. A NULL e records nothing. */
int alc_error(AlcError *e, int r, const char *stage, const char *fmt, ...) _printf_(4, 5);
int alc_verror(AlcError *e, int r, const char *stage, const char *fmt, va_list ap) _printf_(4, 0);

/* Whether err is one a tenant can cause without touching anything of the host's: a limit the
 * users share ran out (pids: EAGAIN; memory: ENOMEM; disk: ENOSPC, EDQUOT; the kernel's
 * per-user counts of namespaces and inotify instances: ENOSPC, EUSERS, EMFILE, ENFILE, the
 * alcove's charged to its user namespace's owner, ns root's host id, the lobby's to host
 * root), a lock their alcove
 * holds (EBUSY, EWOULDBLOCK), a process of their ids killed (ECHILD), a wait they drew out
 * (ETIMEDOUT). failure = "open" never applies to one (docs/SECURITY.md, route 6). */
bool alc_errno_tenant_can_cause(int err);
