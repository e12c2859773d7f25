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

/* getpwnam_r (pw set), getgrnam_r (gr and name set) or getgrgid_r (gr set, no name) with a
 * growing buffer, kept in *ret_buf. */
static int lookup(const char *name, struct passwd *pw, gid_t gid, struct group *gr, char **ret_buf)
{
	size_t size = initial_size(pw ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	struct passwd *pres = NULL;
	struct group *gres = NULL;
	int r, g;

	if (!buf)
		return -ENOMEM;
	do {
		r = pw	 ? getpwnam_r(name, pw, buf, size, &pres)
		    : name ? getgrnam_r(name, gr, buf, size, &gres)
			   : getgrgid_r(gid, gr, buf, size, &gres);
		g = grow(&buf, &size, r);
	} while (g > 0);
	if (g < 0)
		return g;
	if (r != 0)
		return -r;
	if (!pres && !gres)
		return -ENOENT;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}

int nss_getpwnam(const char *name, NssPasswd *ret)
{
	return lookup(name, &ret->pw, 0, NULL, &ret->buf);
}

int nss_getgrnam(const char *name, NssGroup *ret)
{
	return lookup(name, NULL, 0, &ret->gr, &ret->buf);
}

int nss_getgrgid(gid_t gid, NssGroup *ret)
{
	return lookup(NULL, NULL, gid, &ret->gr, &ret->buf);
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
