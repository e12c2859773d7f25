/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nsswrap.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "macro.h"

static size_t initial_size(int name)
{
	long n = sysconf(name);
	return n > 0 ? (size_t)n : 16384;
}

/* Grows *buf on ERANGE; 1: call again, 0: got an answer (r), -errno: give up. */
static int grow(char **buf, size_t *size, int r)
{
	char *n;

	if (r != ERANGE)
		return 0;
	if (*size >= NSS_BUF_MAX)
		return -ERANGE;
	n = realloc(*buf, *size * 2);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*size *= 2;
	return 1;
}

/* What one lookup asks NSS for: a passwd entry by name or uid, a group by name or gid. */
typedef enum { BY_PWNAM, BY_PWUID, BY_GRNAM, BY_GRGID } NssKind;
typedef struct NssKey {
	NssKind kind;
	const char *name;
	unsigned id; /* uid or gid */
} NssKey;

/* One *_r call: its error number (0, ERANGE: too small); *found when it gave an entry. */
static int lookup_once(const NssKey *k, struct passwd *pw, struct group *gr, char *buf,
		       size_t size, bool *found)
{
	struct passwd *pres = NULL;
	struct group *gres = NULL;
	int r;

	switch (k->kind) {
	case BY_PWNAM: r = getpwnam_r(k->name, pw, buf, size, &pres); break;
	case BY_PWUID: r = getpwuid_r((uid_t)k->id, pw, buf, size, &pres); break;
	case BY_GRNAM: r = getgrnam_r(k->name, gr, buf, size, &gres); break;
	default: r = getgrgid_r((gid_t)k->id, gr, buf, size, &gres); break;
	}
	*found = pres || gres;
	return r;
}

/* The lookup with a growing buffer, kept in *ret_buf. */
static int lookup(const NssKey *k, struct passwd *pw, struct group *gr, char **ret_buf)
{
	bool is_pw = k->kind == BY_PWNAM || k->kind == BY_PWUID;
	size_t size = initial_size(is_pw ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	bool found = false;
	int r, g;

	if (!buf)
		return -ENOMEM;
	do {
		r = lookup_once(k, pw, gr, buf, size, &found);
		g = grow(&buf, &size, r);
	} while (g > 0);
	if (g < 0)
		return g;
	if (r != 0)
		return -r;
	if (!found)
		return -ENOENT;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}

int nss_getpwnam(const char *name, NssPasswd *ret)
{
	return lookup(&(NssKey){.kind = BY_PWNAM, .name = name}, &ret->pw, NULL, &ret->buf);
}

int nss_getpwuid(uid_t uid, NssPasswd *ret)
{
	return lookup(&(NssKey){.kind = BY_PWUID, .id = uid}, &ret->pw, NULL, &ret->buf);
}

int nss_getgrnam(const char *name, NssGroup *ret)
{
	return lookup(&(NssKey){.kind = BY_GRNAM, .name = name}, NULL, &ret->gr, &ret->buf);
}

int nss_getgrgid(gid_t gid, NssGroup *ret)
{
	return lookup(&(NssKey){.kind = BY_GRGID, .id = gid}, NULL, &ret->gr, &ret->buf);
}

int nss_getgrouplist(const char *user, gid_t gid, gid_t **ret_gids, size_t *ret_n)
{
	_cleanup_free_ gid_t *gids = NULL;
	int n = 32;

	for (;;) {
		gid_t *g = reallocarray(gids, (size_t)n, sizeof(gid_t));
		int got = n;

		if (!g)
			return -ENOMEM;
		gids = g;
		/* -1 with got = the count needed when the array is too small (glibc, getgrouplist(3)). */
		if (getgrouplist(user, gid, gids, &got) >= 0) {
			*ret_gids = TAKE_PTR(gids);
			*ret_n = (size_t)got;
			return 0;
		}
		if (got > NSS_GROUPS_MAX)
			return -E2BIG;
		if (got <= n) /* failed, though not for want of room */
			return -EIO;
		n = got;
	}
}

void nss_passwd_done(NssPasswd *p)
{
	free(p->buf);
	p->buf = NULL;
}

void nss_group_done(NssGroup *g)
{
	free(g->buf);
	g->buf = NULL;
}

/* One database's enumeration: passwd (pw_fn set) or group (gr_fn set). */
typedef struct Walk {
	int (*pw_fn)(const struct passwd *pw, void *userdata);
	int (*gr_fn)(const struct group *gr, void *userdata);
	void *userdata;
	union {
		struct passwd pw;
		struct group gr;
	} ent;
} Walk;

/* getpwent_r or getgrent_r; 0 with *found = false at the end (ENOENT, or no entry). */
static int walk_next(Walk *w, char *buf, size_t size, bool *found)
{
	struct passwd *pres = NULL;
	struct group *gres = NULL;
	int r;

	if (w->pw_fn)
		r = getpwent_r(&w->ent.pw, buf, size, &pres);
	else
		r = getgrent_r(&w->ent.gr, buf, size, &gres);
	*found = r == 0 && (pres || gres);
	return r == ENOENT ? 0 : r;
}

/* getpwent_r/getgrent_r leave the position where it was on ERANGE, so a retry reads the same
 * entry again. */
static int walk(Walk *w)
{
	size_t size = initial_size(w->pw_fn ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	bool found;
	int r, g;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		r = walk_next(w, buf, size, &found);
		g = grow(&buf, &size, r);
		if (g > 0)
			continue;
		if (g < 0)
			return g;
		if (r != 0)
			return -r;
		if (!found)
			return 0;
		r = w->pw_fn ? w->pw_fn(&w->ent.pw, w->userdata)
			     : w->gr_fn(&w->ent.gr, w->userdata);
		if (r != 0)
			return r;
	}
}

int nss_each_passwd(int (*fn)(const struct passwd *pw, void *userdata), void *userdata)
{
	Walk w = {.pw_fn = fn, .userdata = userdata};
	int r;

	setpwent();
	r = walk(&w);
	endpwent();
	return r;
}

int nss_each_group(int (*fn)(const struct group *gr, void *userdata), void *userdata)
{
	Walk w = {.gr_fn = fn, .userdata = userdata};
	int r;

	setgrent();
	r = walk(&w);
	endgrent();
	return r;
}
