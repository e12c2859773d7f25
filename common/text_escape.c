/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "text_escape.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

int text_escape_n(const char *text, size_t n, bool keep_space, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return -E2BIG;
	out[0] = '\0';
	for (size_t i = 0; i < n && text[i]; i++) {
		unsigned char c = (unsigned char)text[i];
		bool plain = (c > 0x20 && c < 0x7f && c != '\\') || (keep_space && c == ' ');
		size_t k = plain ? 1 : 4;

		if (o + k >= len)
			return -E2BIG; /* the whole \xHH or nothing of it */
		if (plain)
			out[o] = (char)c;
		else
			snprintf(out + o, 5, "\\x%02x", c);
		o += k;
		out[o] = '\0';
	}
	return 0;
}

int text_escape(const char *text, char *out, size_t len)
{
	return text_escape_n(text, SIZE_MAX, false, out, len);
}
