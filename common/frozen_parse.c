/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "frozen.h"

/* The line of text starting at p (up to its '\n' or the end of text): its length. */
static size_t line_len(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return (size_t)((nl ? nl : end) - p);
}

int cgroup_v2_path(const char *text, size_t len, char *ret, size_t size)
{
	const char *end = text + len, *found = NULL;
	size_t found_len = 0;

	for (const char *p = text; p < end;) {
		size_t n = line_len(p, end);

		if (n >= 3 && memcmp(p, "0::", 3) == 0) {
			if (found)
				return -EBADMSG;
			found = p + 3;
			found_len = n - 3;
		}
		p += n + 1;
	}
	if (!found)
		return -ENOENT;
	if (found_len == 0 || found[0] != '/' || memchr(found, '\0', found_len))
		return -EBADMSG;
	if (found_len >= size)
		return -ENAMETOOLONG;
	memcpy(ret, found, found_len);
	ret[found_len] = '\0';
	return 0;
}

const char *cgroup_below(const char *scope_dir, const char *path)
{
	size_t sl = strlen(scope_dir);

	if (path[0] != '/')
		return NULL;
	for (size_t k = 1;; k++) {
		if (path[k] != '/' && path[k] != '\0')
			continue;
		if (k <= sl && memcmp(scope_dir + sl - k, path, k) == 0)
			return path[k] ? path + k + 1 : path + k;
		if (!path[k])
			return NULL;
	}
}

int cgroup_events_frozen(const char *text, size_t len)
{
	const char *end = text + len;

	for (const char *p = text; p < end;) {
		size_t n = line_len(p, end);

		if (n == 8 && memcmp(p, "frozen ", 7) == 0 && (p[7] == '0' || p[7] == '1'))
			return p[7] - '0';
		p += n + 1;
	}
	return -EBADMSG;
}
