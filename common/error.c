/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <errno.h>
#include <stdio.h>

int alc_verror(AlcError *e, int r, const char *stage, const char *fmt, va_list ap)
{
	int saved = errno;

	if (r >= 0)
		r = -EIO;
	if (!e)
		return r;
	e->err = -r;
	e->stage = stage;
	errno = -r;				    /* %m in fmt is the failure being recorded */
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap); /* cut to fit, always terminated */
	errno = saved;
	return r;
}

int alc_error(AlcError *e, int r, const char *stage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = alc_verror(e, r, stage, fmt, ap);
	va_end(ap);
	return r;
}

bool alc_errno_tenant_can_cause(int err)
{
	switch (err < 0 ? -err : err) {
	case EAGAIN: /* == EWOULDBLOCK */
	case ENOMEM:
	case ENOSPC:
	case EDQUOT:
	case EUSERS:
	case EMFILE:
	case ENFILE:
	case EBUSY:
	case ECHILD:
	case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}
