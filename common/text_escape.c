/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "text_escape.h"

#include <errno.h>
#include <stdio.h>

int text_escape(const char *text, char *out, size_t len)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		int k = (*p > 0x20 && *p < 0x7f && *p != '\\')
			    ? snprintf(out + n, len - n, "%c", *p)
			    : snprintf(out + n, len - n, "\\x%02x", *p);

		if (k < 0 || (size_t)k >= len - n)
			return -E2BIG;
		n += (size_t)k;
	}
	if (n >= len)
		return -E2BIG;
	out[n] = '\0';
	return 0;
}
