/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Formatting one line of error text into a caller's buffer: the text of common/error.h's
 * AlcError (alc_error() formats through it), and of the few callers that hand a plain buffer
 * down (ctl's image store, subid, the scope's and stop's messages). Pure libc, no logging.
 */

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

/* Formats into err (truncating, always NUL-terminated); nothing when err is NULL or errlen 0.
 * errno is left as it is, so %m names the caller's error. */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
void errbuf_vset(char *err, size_t errlen, const char *fmt, va_list ap) _printf_(3, 0);
