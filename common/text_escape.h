/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A name a tenant made (a file in its layer, a cgroup in its scope), for a terminal or a
 * JSON string: printable ASCII as is, every other byte (space and backslash included) as
 * \xHH, so that no newline or terminal escape sequence of theirs reaches an admin's screen.
 * -E2BIG when it does not fit, out holding the escaped prefix that did (never half a \xHH). */
int text_escape(const char *text, char *out, size_t len);
/* The same for the first n bytes of text (up to a NUL); keep_space: spaces as they are (an
 * image's label or an error line reads "alcove test", a terminal escape still \x1b). */
int text_escape_n(const char *text, size_t n, bool keep_space, char *out, size_t len);
