/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <inttypes.h>

void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				fprintf(f, "\\u%04x", *c);
			else
				fputc(*c, f);
		}
	}
	fputc('"', f);
}

void json_key(FILE *f, const char *key, int *first)
{
	if (!*first)
		fputs(", ", f);
	*first = 0;
	json_string(f, key);
	fputs(": ", f);
}

void json_u64_or_null(FILE *f, const char *key, bool has, uint64_t v, int *first)
{
	json_key(f, key, first);
	if (has)
		fprintf(f, "%" PRIu64, v);
	else
		fputs("null", f);
}
