/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <inttypes.h>

/* The length of the valid UTF-8 sequence at s (RFC 3629: its shortest form, no UTF-16
 * surrogate, at most U+10FFFF), 0 when s does not begin one. A NUL ends it as any other byte
 * that is no continuation. */
static size_t utf8_valid(const unsigned char *s)
{
	static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
	uint32_t cp;
	size_t n;

	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0; /* ASCII, a continuation byte alone, or 0xf8..0xff */
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* cut short */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < least[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* The byte at c, or the UTF-8 sequence it begins; how many bytes it took. A byte that is no
 * part of valid UTF-8 (a tenant's file or cgroup name may hold any) would make the document
 * invalid JSON: it becomes the text \xHH, as text_escape() prints it (a literal backslash). */
static size_t json_char(FILE *f, const unsigned char *c)
{
	static const char short_form[] = {['"'] = '"',	['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
					  ['\t'] = 't', ['\b'] = 'b',  ['\f'] = 'f'};
	size_t n;

	if (*c < sizeof(short_form) && short_form[*c]) {
		fputc('\\', f);
		fputc(short_form[*c], f);
	} else if (*c < 0x20 || *c == 0x7f)
		fprintf(f, "\\u%04x", *c);
	else if (*c < 0x80)
		fputc(*c, f);
	else if ((n = utf8_valid(c)) > 0) {
		fwrite(c, 1, n, f);
		return n;
	} else
		fprintf(f, "\\\\x%02x", *c);
	return 1;
}

void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c;)
		c += json_char(f, c);
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
