/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The child's reports to the helper over the sync socket (child.h): an error (errno + step +
 * message) or a note. Used by init_spawn.c and rootfs_apply.c alike.
 */
#include "child.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "macro.h"

int child_error(ChildError *e, int err, const char *step, const char *fmt, ...)
{
	AlcError a;
	va_list ap;
	size_t n;
	int r;

	/* formatted as every error is (common/error.h), then into the fixed wire layout */
	va_start(ap, fmt);
	r = alc_verror(&a, err > 0 ? -err : err, step, fmt, ap);
	va_end(ap);
	e->err = a.err;
	snprintf(e->step, sizeof(e->step), "%s", step);
	n = strnlen(a.msg, sizeof(e->message) - 1); /* cut to the wire's field */
	memcpy(e->message, a.msg, n);
	e->message[n] = '\0';
	return r;
}

int child_note(const ChildSetup *cs, const char *fmt, ...)
{
	ChildError n = {.err = 0, .step = "note"};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n.message, sizeof(n.message), fmt, ap);
	va_end(ap);
	return RET_NERRNO(send(cs->sync_fd, &n, sizeof(n), MSG_NOSIGNAL));
}
