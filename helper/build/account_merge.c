/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "account_merge.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* Whether a line of ours is named name (n bytes). */
static bool ours_name(const char *ours, const char *name, size_t n)
{
	for (const char *l = ours; *l;) {
		size_t k = strcspn(l, ":\n");

		if (l[k] == ':' && k == n && memcmp(l, name, n) == 0)
			return true;
		l += strcspn(l, "\n");
		if (*l)
			l++;
	}
	return false;
}

int account_merge(const char *ours, const char *theirs, size_t theirs_len, char *buf, size_t len)
{
	size_t o = strlen(ours), i = 0;

	if (len > INT_MAX)
		len = INT_MAX;
	if (o > 0 && ours[o - 1] != '\n')
		return -EINVAL;
	if (o > len)
		return -E2BIG;
	memcpy(buf, ours, o);
	while (i < theirs_len) {
		const char *line = theirs + i;
		const char *nl = memchr(line, '\n', theirs_len - i);
		size_t n = nl ? (size_t)(nl - line) : theirs_len - i;
		const char *colon = memchr(line, ':', n);

		i += n + (nl ? 1 : 0);
		if (colon && ours_name(ours, line, (size_t)(colon - line)))
			continue;
		if (n + 1 > len - o)
			return -E2BIG;
		memcpy(buf + o, line, n);
		o += n;
		buf[o++] = '\n';
	}
	return (int)o;
}
