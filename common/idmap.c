/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One ns id mapped to one host id outside the subordinate range (U, G, groups, tty). */
typedef struct Single {
	uint32_t ns, host;
} Single;

#define MAX_SINGLES (IDMAP_MAX_GROUPS + 3)

static bool parse_u32(const char *s, size_t n, uint32_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*ret = (uint32_t)v;
	return true;
}

bool idmap_parse_id(const char *s, uint32_t *ret)
{
	return parse_u32(s, strlen(s), ret);
}

/* Does the first field of a subuid line name this user by name (1) or by decimal uid (2), as
 * shadow-utils reads it (0: neither)? */
static int owner_matches(const char *f, size_t n, const char *user, uid_t uid)
{
	uint32_t v;

	if (strlen(user) == n && memcmp(f, user, n) == 0)
		return 1;
	return parse_u32(f, n, &v) && v == uid ? 2 : 0;
}

/* One line of /etc/subuid-format text: "owner:start:count". */
typedef struct SubLine {
	const char *owner;
	size_t owner_len;
	uint32_t start, count;
	unsigned lineno;
	bool valid; /* false: malformed (skipped, like shadow-utils) */
} SubLine;

/* The line at *off (advanced past it); false at the end of the text. */
static bool next_line(const char *text, size_t len, size_t *off, unsigned *lineno, SubLine *ret)
{
	const char *line = text + *off, *nl, *c1, *c2;
	size_t ll;

	if (*off >= len)
		return false;
	nl = memchr(line, '\n', len - *off);
	ll = nl ? (size_t)(nl - line) : len - *off;
	*off += ll + 1;
	*ret = (SubLine){.owner = line, .lineno = ++*lineno};
	c1 = memchr(line, ':', ll);
	if (!c1)
		return true;
	c2 = memchr(c1 + 1, ':', (size_t)(line + ll - c1 - 1));
	if (!c2)
		return true;
	ret->owner_len = (size_t)(c1 - line);
	ret->valid = parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &ret->start) &&
		     parse_u32(c2 + 1, (size_t)(line + ll - c2 - 1), &ret->count);
	return true;
}

int idmap_find_subid(const char *text, size_t len, const char *user, uid_t uid, uint32_t *ret_start,
		     bool *ret_by_uid)
{
	bool seen = false;
	size_t off = 0;
	unsigned lineno = 0;
	SubLine l;
	int m;

	while (next_line(text, len, &off, &lineno, &l)) {
		m = l.valid ? owner_matches(l.owner, l.owner_len, user, uid) : 0;
		if (m == 0)
			continue;
		seen = true;
		/* id 0 must never be mapped; the last id (2^32-1) is invalid for the kernel */
		if (l.count < IDMAP_RANGE || l.start == 0 ||
		    (uint64_t)l.start + IDMAP_RANGE > UINT32_MAX)
			continue;
		*ret_start = l.start;
		if (ret_by_uid)
			*ret_by_uid = m == 2;
		return 0;
	}
	return seen ? -ERANGE : -ENOENT;
}

/* [a, a+an) and [b, b+bn) share an id (counts of 0 share nothing). */
static bool spans_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an > 0 && bn > 0 && a < b + bn && b < a + an;
}

int idmap_find_overlap(const char *text, size_t len, const char *user, uid_t uid, uint32_t start,
		       IdmapOverlap *ret)
{
	size_t off = 0;
	unsigned lineno = 0;
	SubLine l;

	while (next_line(text, len, &off, &lineno, &l)) {
		if (!l.valid || owner_matches(l.owner, l.owner_len, user, uid))
			continue;
		if (!spans_overlap(start, IDMAP_RANGE, l.start, l.count))
			continue;
		*ret = (IdmapOverlap){.start = l.start, .count = l.count, .lineno = l.lineno};
		snprintf(ret->owner, sizeof(ret->owner), "%.*s",
			 (int)(l.owner_len < sizeof(ret->owner) - 1 ? l.owner_len
								    : sizeof(ret->owner) - 1),
			 l.owner);
		return 1;
	}
	return 0;
}

const IdRange *idmap_reserved_overlap(const IdRange *v, size_t n, uint32_t start)
{
	for (size_t i = 0; i < n; i++)
		if (spans_overlap(start, IDMAP_RANGE, v[i].first,
				  (uint64_t)v[i].last - v[i].first + 1))
			return &v[i];
	return NULL;
}

bool idmap_range_holds(uint32_t start, uint32_t id)
{
	return id >= start && id - start < IDMAP_RANGE;
}

int idmap_parse_range(const char *s, IdRange *ret)
{
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);
	uint32_t first, last;

	if (!parse_u32(s, n, &first))
		return -EINVAL;
	last = first;
	if (dash && !parse_u32(dash + 1, strlen(dash + 1), &last))
		return -EINVAL;
	if (last < first)
		return -ERANGE;
	ret->first = first;
	ret->last = last;
	return 0;
}

int idmap_check_range(uint32_t start, uint32_t id)
{
	if (start < IDMAP_RANGE)
		return -EDOM;
	if (idmap_range_holds(start, id))
		return -EEXIST;
	return 0;
}

static int singles_add(Single *v, size_t *n, uint32_t ns, uint32_t host)
{
	for (size_t i = 0; i < *n; i++) {
		if (v[i].ns == ns && v[i].host == host)
			return 0; /* the same identity twice (e.g. primary group == tty) */
		if (v[i].ns == ns || v[i].host == host)
			return -EINVAL;
	}
	if (*n >= MAX_SINGLES)
		return -E2BIG;
	v[(*n)++] = (Single){ns, host};
	return 0;
}

static int single_cmp(const void *a, const void *b)
{
	const Single *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static int emit(char *buf, size_t len, size_t *off, uint32_t ns, uint32_t host, uint32_t count)
{
	int n;

	if (count == 0)
		return 0;
	n = snprintf(buf + *off, len - *off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", ns, host,
		     count);
	if (n < 0 || (size_t)n >= len - *off)
		return -E2BIG;
	*off += (size_t)n;
	return 0;
}

/*
 * ns ids 0..IDMAP_RANGE-1 go to sub+n except where a single takes the ns id; singles at or above
 * IDMAP_RANGE get a line of their own after the range. A single's host id inside
 * [sub, sub+IDMAP_RANGE) would alias an id of the range: refused rather than guessed around.
 */
static int format_map(Single *v, size_t n, uint32_t sub, char *buf, size_t len)
{
	uint32_t next = 0; /* first ns id of the range not yet emitted */
	size_t off = 0, i;
	int r;

	if (len == 0)
		return -E2BIG;
	buf[0] = '\0';
	if (sub == 0 || (uint64_t)sub + IDMAP_RANGE > UINT32_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (v[i].host == 0 || v[i].host == UINT32_MAX ||
		    (v[i].host >= sub && v[i].host - sub < IDMAP_RANGE))
			return -EINVAL;
	qsort(v, n, sizeof(*v), single_cmp);
	for (i = 0; i < n && v[i].ns < IDMAP_RANGE; i++) {
		r = emit(buf, len, &off, next, sub + next, v[i].ns - next);
		if (r < 0)
			return r;
		r = emit(buf, len, &off, v[i].ns, v[i].host, 1);
		if (r < 0)
			return r;
		next = v[i].ns + 1;
	}
	r = emit(buf, len, &off, next, sub + next, IDMAP_RANGE - next);
	if (r < 0)
		return r;
	for (; i < n; i++) {
		r = emit(buf, len, &off, v[i].ns, v[i].host, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int idmap_format_uid(const IdmapSpec *s, char *buf, size_t len)
{
	Single v[MAX_SINGLES];
	size_t n = 0;
	int r;

	if (s->mode == ALCOVE_MODE_ROOT)
		r = singles_add(v, &n, 0, s->uid);
	else
		r = singles_add(v, &n, s->uid, s->uid);
	if (r < 0)
		return r;
	return format_map(v, n, s->subuid, buf, len);
}

int idmap_format_gid(const IdmapSpec *s, char *buf, size_t len)
{
	Single v[MAX_SINGLES];
	size_t n = 0;
	int r;

	if (s->n_groups > IDMAP_MAX_GROUPS)
		return -E2BIG;
	if (s->mode == ALCOVE_MODE_ROOT)
		r = singles_add(v, &n, 0, s->gid);
	else
		r = singles_add(v, &n, s->gid, s->gid);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_groups; i++) {
		/* in root mode the primary group already is ns 0 */
		if (s->mode == ALCOVE_MODE_ROOT && s->groups[i] == s->gid)
			continue;
		r = singles_add(v, &n, s->groups[i], s->groups[i]);
		if (r < 0)
			return r;
	}
	/* tty is identity-mapped in user mode only, so that sshd's chown(pty, U, tty) shows group
	 * tty inside. In root mode ns root could chgrp a file of the home to it and set the setgid
	 * bit: a setgid-tty program on the host for a user who is not in tty. Host root's chown of
	 * a pty to the unmapped gid works all the same; the pty then shows nogroup inside. A
	 * member of tty passes it through like any group (s->groups). */
	if (s->mode != ALCOVE_MODE_ROOT) {
		r = singles_add(v, &n, IDMAP_TTY_GID, IDMAP_TTY_GID);
		if (r < 0)
			return r;
	}
	return format_map(v, n, s->subgid, buf, len);
}

uid_t idmap_userns_owner(const IdmapSpec *s)
{
	return s->subuid;
}

uid_t idmap_nsroot_uid(const IdmapSpec *s)
{
	return s->mode == ALCOVE_MODE_ROOT ? s->uid : s->subuid;
}

gid_t idmap_nsroot_gid(const IdmapSpec *s)
{
	return s->mode == ALCOVE_MODE_ROOT ? s->gid : s->subgid;
}

uid_t idmap_login_uid(const IdmapSpec *s)
{
	return s->mode == ALCOVE_MODE_ROOT ? 0 : s->uid;
}

gid_t idmap_login_gid(const IdmapSpec *s)
{
	return s->mode == ALCOVE_MODE_ROOT ? 0 : s->gid;
}
