/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "unit_name.h"

static bool char_is_plain(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == ':' || c == '_' || c == '.';
}

int unit_name_escape(const char *s, char *ret, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!s || !*s || size == 0)
		return -EINVAL;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char buf[4];
		size_t len;

		if (c == '/') {
			buf[0] = '-';
			len = 1;
		} else if (char_is_plain((char)c) && !(p == s && c == '.')) {
			/* A leading '.' would make a hidden file of the unit: systemd escapes it.
			 */
			buf[0] = (char)c;
			len = 1;
		} else {
			buf[0] = '\\';
			buf[1] = 'x';
			buf[2] = hex[c >> 4];
			buf[3] = hex[c & 15];
			len = 4;
		}
		if (n + len >= size)
			return -ENAMETOOLONG;
		memcpy(ret + n, buf, len);
		n += len;
	}
	ret[n] = '\0';
	return 0;
}

int unit_name_for_alcove(const char *name, char *ret, size_t size)
{
	static const char prefix[] = "alcove-", suffix[] = ".scope";
	char escaped[UNIT_NAME_MAX];
	size_t len;
	int r;

	r = unit_name_escape(name, escaped, sizeof(escaped));
	if (r < 0)
		return r;

	/* systemd refuses names longer than 255 characters, whatever the caller's buffer. */
	len = strlen(prefix) + strlen(escaped) + strlen(suffix);
	if (len >= UNIT_NAME_MAX || len >= size)
		return -ENAMETOOLONG;
	memcpy(ret, prefix, strlen(prefix));
	memcpy(ret + strlen(prefix), escaped, strlen(escaped));
	memcpy(ret + strlen(prefix) + strlen(escaped), suffix, sizeof(suffix));
	return 0;
}
