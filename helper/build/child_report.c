/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The child's reports to the helper over the sync socket (child.h): an error (errno + step +
 * message) or a note. Used by init_spawn.c and rootfs_apply.c alike.
 */
#include "child.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "macro.h"

int child_error(ChildError *e, int err, const char *step, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (err < 0)
		err = -err;
	if (err == 0)
		err = EIO;
	e->err = err;
	snprintf(e->step, sizeof(e->step), "%s", step);
	errno = err; /* %m in fmt is the error being reported */
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	errno = saved;
	return -err;
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
