/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stage's failure, as the one line build_alcove() hands to its caller (stage.h). */
#include "stage.h"

#include <errno.h>
#include <stdarg.h>

#include "errbuf.h"

static int build_verror(BuildCtx *c, int r, const char *fmt, va_list ap)
{
	int saved = errno;

	if (r >= 0)
		r = -EIO;
	errno = -r;
	errbuf_vset(c->err, c->errlen, fmt, ap);
	errno = saved;
	return r;
}

int build_error(BuildCtx *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = build_verror(c, r, fmt, ap);
	va_end(ap);
	return r;
}

int build_error_tenant(BuildCtx *c, int r, const char *fmt, ...)
{
	va_list ap;

	c->tenant = true;
	va_start(ap, fmt);
	r = build_verror(c, r, fmt, ap);
	va_end(ap);
	return r;
}
