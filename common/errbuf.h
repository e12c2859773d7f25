/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The caller's error buffer: library code in the helper reports a failure as -errno plus one
 * line of text written into (err, errlen), which the entry point logs or sends in its answer.
 * Pure libc, no logging.
 */

#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

/* Formats into err (truncating, always NUL-terminated); nothing when err is NULL or errlen 0.
 * errno is left as it is, so %m names the caller's error. */
void errbuf_set(char *err, size_t errlen, const char *fmt, ...) _printf_(3, 4);
void errbuf_vset(char *err, size_t errlen, const char *fmt, va_list ap) _printf_(3, 0);
