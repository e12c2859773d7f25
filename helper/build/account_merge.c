/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "account_merge.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

/* The line of ours named name (n bytes), or NULL. */
static const char *ours_line(const char *ours, const char *name, size_t n)
{
	for (const char *l = ours; *l;) {
		size_t k = strcspn(l, ":\n");

		if (l[k] == ':' && k == n && memcmp(l, name, n) == 0)
			return l;
		l += strcspn(l, "\n");
		if (*l)
			l++;
	}
	return NULL;
}

/* The fourth field of a line (n bytes): a group's members, after the third ':'; 0 without. */
static size_t members_field(const char *line, size_t n, const char **ret)
{
	const char *p = line, *end = line + n;

	for (int colons = 0; colons < 3; colons++) {
		p = memchr(p, ':', (size_t)(end - p));
		if (!p)
			return 0;
		p++;
	}
	*ret = p;
	return (size_t)(end - p);
}

/* Whether the comma-separated list (n bytes) holds the member m (k bytes). */
static bool list_has(const char *list, size_t n, const char *m, size_t k)
{
	for (size_t i = 0; i <= n;) {
		const char *c = memchr(list + i, ',', n - i);
		size_t len = c ? (size_t)(c - list) - i : n - i;

		if (len == k && memcmp(list + i, m, k) == 0)
			return true;
		i += len + 1;
	}
	return false;
}

/*
 * Appends to our group line ours_line (ours_n bytes, just copied to buf, *o bytes, no '\n'
 * yet) the members that the lines of theirs of the same name list and ours does not: a
 * `usermod -aG tty svc1` inside is kept. A member holding ':' or a NUL would make our line
 * another one: skipped. Duplicates among theirs stay (the tenant's own; checking them would
 * be quadratic in their bytes). Each added byte is one of a dropped line of theirs, so the
 * result still fits strlen(ours) + theirs_len + 1.
 */
static int add_members(const char *ours_line, size_t ours_n, const char *theirs, size_t theirs_len,
		       char *buf, size_t *o, size_t len)
{
	const char *name = ours_line, *mine = "";
	size_t n = strcspn(name, ":\n"), n_mine = members_field(name, ours_n, &mine);

	for (size_t i = 0; i < theirs_len;) {
		const char *line = theirs + i, *nl = memchr(line, '\n', theirs_len - i), *f;
		size_t ln = nl ? (size_t)(nl - line) : theirs_len - i, nf, j = 0;

		i += ln + (nl ? 1 : 0);
		if (ln <= n || line[n] != ':' || memcmp(line, name, n) != 0)
			continue;
		for (nf = members_field(line, ln, &f); j < nf;) {
			const char *c = memchr(f + j, ',', nf - j);
			size_t k = c ? (size_t)(c - f) - j : nf - j;
			const char *m = f + j;

			j += k + 1;
			if (k == 0 || memchr(m, ':', k) || memchr(m, '\0', k) ||
			    list_has(mine, n_mine, m, k))
				continue;
			if (k + 1 > len - *o)
				return -E2BIG;
			if (buf[*o - 1] != ':')
				buf[(*o)++] = ',';
			memcpy(buf + *o, m, k);
			*o += k;
		}
	}
	return 0;
}

/* ours into buf, each group line with theirs' other members when members is set. */
static int put_ours(const char *ours, const char *theirs, size_t theirs_len, bool members,
		    char *buf, size_t len)
{
	size_t o = 0;

	for (const char *l = ours; *l;) {
		size_t n = strcspn(l, "\n");
		int r;

		if (l[n] != '\n')
			return -EINVAL;
		if (n + 1 > len - o)
			return -E2BIG;
		memcpy(buf + o, l, n);
		o += n;
		if (members) {
			r = add_members(l, n, theirs, theirs_len, buf, &o, len - 1);
			if (r < 0)
				return r;
		}
		buf[o++] = '\n';
		l += n + 1;
	}
	return (int)o;
}

int account_merge(const char *ours, const char *theirs, size_t theirs_len, bool members, char *buf,
		  size_t len)
{
	size_t o, i = 0;
	int r;

	if (len > INT_MAX)
		len = INT_MAX;
	r = put_ours(ours, theirs, theirs_len, members, buf, len);
	if (r < 0)
		return r;
	o = (size_t)r;
	while (i < theirs_len) {
		const char *line = theirs + i;
		const char *nl = memchr(line, '\n', theirs_len - i);
		size_t n = nl ? (size_t)(nl - line) : theirs_len - i;
		const char *colon = memchr(line, ':', n);

		i += n + (nl ? 1 : 0);
		if (colon && ours_line(ours, line, (size_t)(colon - line)))
			continue;
		if (n + 1 > len - o)
			return -E2BIG;
		memcpy(buf + o, line, n);
		o += n;
		buf[o++] = '\n';
	}
	return (int)o;
}
