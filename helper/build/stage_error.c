/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A stage's failure, recorded in the caller's AlcError with the stage's name (stage.h). */
#include "stage.h"

#include <stdarg.h>

int build_error(BuildCtx *c, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = alc_verror(c->error, r, c->stage, fmt, ap);
	va_end(ap);
	return r;
}

int build_error_tenant(BuildCtx *c, int r, const char *fmt, ...)
{
	va_list ap;

	c->error->tenant = true;
	va_start(ap, fmt);
	r = alc_verror(c->error, r, c->stage, fmt, ap);
	va_end(ap);
	return r;
}
