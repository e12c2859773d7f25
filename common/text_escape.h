/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/* A name a tenant made (a file in its layer, a cgroup in its scope), for a terminal or a
 * JSON string: printable ASCII as is, every other byte (space and backslash included) as
 * \xHH, so that no newline or terminal escape sequence of theirs reaches an admin's screen.
 * -E2BIG when it does not fit. */
int text_escape(const char *text, char *out, size_t len);
