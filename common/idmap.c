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

/* Does the first field of a subuid line name this user (by name or by decimal uid)? */
static bool owner_matches(const char *f, size_t n, const char *user, uid_t uid)
{
	uint32_t v;

	if (strlen(user) == n && memcmp(f, user, n) == 0)
		return true;
	return parse_u32(f, n, &v) && v == uid;
}

int idmap_find_subid(const char *text, size_t len, const char *user, uid_t uid, uint32_t *ret_start)
{
	bool seen = false;
	size_t off = 0;

	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - line) : len - off;
		const char *c1 = memchr(line, ':', ll), *c2;
		uint32_t start, count;

		off += ll + 1;
		if (!c1)
			continue;
		c2 = memchr(c1 + 1, ':', (size_t)(line + ll - c1 - 1));
		if (!c2 || !owner_matches(line, (size_t)(c1 - line), user, uid))
			continue;
		if (!parse_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) ||
		    !parse_u32(c2 + 1, (size_t)(line + ll - c2 - 1), &count))
			continue; /* malformed: skipped, like shadow-utils */
		seen = true;
		/* id 0 must never be mapped; the last id (2^32-1) is invalid for the kernel */
		if (count < IDMAP_RANGE || start == 0 || (uint64_t)start + IDMAP_RANGE > UINT32_MAX)
			continue;
		*ret_start = start;
		return 0;
	}
	return seen ? -ERANGE : -ENOENT;
}

int idmap_check_range(uint32_t start, uint32_t id)
{
	if (start < IDMAP_RANGE)
		return -EDOM;
	if (id >= start && id - start < IDMAP_RANGE)
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
