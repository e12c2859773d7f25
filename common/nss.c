/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "nss.h"

#include <errno.h>
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

int nss_getpwnam(const char *name, NssPasswd *ret)
{
	size_t size = initial_size(_SC_GETPW_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	struct passwd *res = NULL;
	int r, g;

	if (!buf)
		return -ENOMEM;
	do {
		r = getpwnam_r(name, &ret->pw, buf, size, &res);
		g = grow(&buf, &size, r);
	} while (g > 0);
	if (g < 0)
		return g;
	if (r != 0)
		return -r;
	if (!res)
		return -ENOENT;
	ret->buf = TAKE_PTR(buf);
	return 0;
}

int nss_getgrgid(gid_t gid, NssGroup *ret)
{
	size_t size = initial_size(_SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	struct group *res = NULL;
	int r, g;

	if (!buf)
		return -ENOMEM;
	do {
		r = getgrgid_r(gid, &ret->gr, buf, size, &res);
		g = grow(&buf, &size, r);
	} while (g > 0);
	if (g < 0)
		return g;
	if (r != 0)
		return -r;
	if (!res)
		return -ENOENT;
	ret->buf = TAKE_PTR(buf);
	return 0;
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

/* getpwent_r leaves the position where it was on ERANGE, so a retry reads the same entry. */
int nss_each_passwd(int (*fn)(const struct passwd *pw, void *userdata), void *userdata)
{
	size_t size = initial_size(_SC_GETPW_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	struct passwd pw, *res;
	int r = 0, g;

	if (!buf)
		return -ENOMEM;
	setpwent();
	for (;;) {
		res = NULL;
		r = getpwent_r(&pw, buf, size, &res);
		g = grow(&buf, &size, r);
		if (g > 0)
			continue;
		if (g < 0 || r != 0 || !res) {
			/* ENOENT (or no entry) is the end of the enumeration */
			r = g < 0 ? g : r == ENOENT || r == 0 ? 0 : -r;
			break;
		}
		r = fn(&pw, userdata);
		if (r != 0)
			break;
	}
	endpwent();
	return r;
}

int nss_each_group(int (*fn)(const struct group *gr, void *userdata), void *userdata)
{
	size_t size = initial_size(_SC_GETGR_R_SIZE_MAX);
	_cleanup_free_ char *buf = malloc(size);
	struct group gr, *res;
	int r = 0, g;

	if (!buf)
		return -ENOMEM;
	setgrent();
	for (;;) {
		res = NULL;
		r = getgrent_r(&gr, buf, size, &res);
		g = grow(&buf, &size, r);
		if (g > 0)
			continue;
		if (g < 0 || r != 0 || !res) {
			/* ENOENT (or no entry) is the end of the enumeration */
			r = g < 0 ? g : r == ENOENT || r == 0 ? 0 : -r;
			break;
		}
		r = fn(&gr, userdata);
		if (r != 0)
			break;
	}
	endgrent();
	return r;
}
