/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login shell, opened once by a root process that is about to bind it (lobby.c). The path
 * comes from passwd and nothing vouches for it: a shell under a directory the user can write
 * (~/bin/myshell) can be swapped for a symlink to /bin/sh between two lookups, and root code in
 * the lobby running /bin/sh would then reach the user's program. So the path is walked one
 * component at a time from "/", every directory on the way (symlinks' targets included) must be
 * root's and not writable by group or others, and the file at the end must be a regular file
 * with the same owner and modes. What is returned is an O_PATH fd of that file: the caller
 * clones it and covers it without looking the path up again.
 */
#include "shell_path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

#define SHELL_MAX_LINKS 40 /* the kernel's own limit for one lookup */
#define SHELL_STAGE "shell"

typedef struct Walk {
	char rest[PATH_MAX];  /* what is left to resolve */
	char where[PATH_MAX]; /* the resolved path so far, for messages */
	int fd;		      /* O_PATH of the directory `where` */
	unsigned links;
	AlcError *error;
	bool named; /* the failure is recorded in *error, naming where the walk stopped */
} Walk;

static bool trusted(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* The walk stops at `where`/comp (`where` itself when n is 0): names it in the failure. */
static int walk_fail(Walk *w, const char *comp, size_t n, int r)
{
	const char *dir = strcmp(w->where, "/") == 0 ? "" : w->where;
	const char *slash = n > 0 || !dir[0] ? "/" : "";

	w->named = true;
	if (r == -EPERM)
		return alc_error(w->error, r, SHELL_STAGE,
				 "'%s%s%.*s': not owned by root, or writable by group or others",
				 dir, slash, (int)n, comp);
	return alc_error(w->error, r, SHELL_STAGE, "'%s%s%.*s': %m", dir, slash, (int)n, comp);
}

static int walk_enter_dir(Walk *w, int next, const char *comp, size_t n)
{
	struct stat st;
	size_t len = strlen(w->where);

	if (fstat(next, &st) < 0) {
		int r = negative_errno();
		close(next);
		return walk_fail(w, comp, n, r);
	}
	if (!S_ISDIR(st.st_mode) || !trusted(&st)) {
		close(next);
		return walk_fail(w, comp, n, S_ISDIR(st.st_mode) ? -EPERM : -ENOTDIR);
	}
	closep(&w->fd);
	w->fd = next;
	if (n == 2 && comp[0] == '.' && comp[1] == '.') {
		char *slash = strrchr(w->where, '/');
		if (slash && slash != w->where)
			*slash = '\0';
		else
			snprintf(w->where, sizeof(w->where), "/");
	} else if (len + 1 + n < sizeof(w->where))
		snprintf(w->where + len, sizeof(w->where) - len, "%s%.*s",
			 strcmp(w->where, "/") == 0 ? "" : "/", (int)n, comp);
	return 0;
}

static int walk_root(Walk *w)
{
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	snprintf(w->where, sizeof(w->where), "/");
	closep(&w->fd);
	return walk_enter_dir(w, fd, "", 0);
}

/* comp (n bytes) is a symlink in the trusted directory w->fd: its target replaces it, the
 * part after it (tail) is kept. A symlink cannot be changed, only replaced, and only root
 * can replace entries of a trusted directory: its owner and mode do not matter. */
static int walk_link(Walk *w, const char *comp, size_t n, const char *tail)
{
	char name[NAME_MAX + 1], target[PATH_MAX], joined[PATH_MAX];
	ssize_t len;

	if (++w->links > SHELL_MAX_LINKS)
		return walk_fail(w, comp, n, -ELOOP);
	memcpy(name, comp, n);
	name[n] = '\0';
	len = readlinkat(w->fd, name, target, sizeof(target) - 1);
	if (len < 0)
		return walk_fail(w, comp, n, negative_errno());
	target[len] = '\0';
	if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", target, tail) >= sizeof(joined))
		return walk_fail(w, comp, n, -ENAMETOOLONG);
	memcpy(w->rest, joined, sizeof(w->rest));
	return target[0] == '/' ? walk_root(w) : 0;
}

/* The last component: a regular file, root's, writable by root only. */
static int walk_file(Walk *w, const char *comp, int *ret_fd)
{
	struct stat st;
	int fd = openat(w->fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	int r = 0;

	if (fd < 0)
		return walk_fail(w, comp, strlen(comp), negative_errno());
	if (fstat(fd, &st) < 0)
		r = negative_errno();
	else if (!S_ISREG(st.st_mode))
		r = -ENOEXEC;
	else if (!trusted(&st))
		r = -EPERM;
	if (r < 0) {
		close(fd);
		return walk_fail(w, comp, strlen(comp), r);
	}
	*ret_fd = fd;
	return 0;
}

/* Splits the next component of w->rest into comp; *ret_tail is what follows it (slashes
 * skipped). -EISDIR when the path ends at a directory. */
static int walk_next(Walk *w, char comp[static NAME_MAX + 1], const char **ret_tail)
{
	const char *p = w->rest;
	size_t n;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return -EISDIR;
	n = strcspn(p, "/");
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(comp, p, n);
	comp[n] = '\0';
	p += n;
	while (*p == '/')
		p++;
	*ret_tail = p;
	return 0;
}

/* One step of the walk: 0 to go on, 1 when the file is open in *ret_fd, or -errno. */
static int walk_step(Walk *w, int *ret_fd)
{
	char comp[NAME_MAX + 1];
	const char *p;
	struct stat st;
	size_t n;
	int next, r;

	r = walk_next(w, comp, &p);
	if (r < 0)
		return r;
	n = strlen(comp);
	if (strcmp(comp, ".") == 0) {
		memmove(w->rest, p, strlen(p) + 1);
		return 0;
	}
	if (fstatat(w->fd, comp, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return walk_fail(w, comp, n, negative_errno());
	if (S_ISLNK(st.st_mode)) {
		char tail[PATH_MAX];

		snprintf(tail, sizeof(tail), "%s", p);
		return walk_link(w, comp, n, tail);
	}
	if (*p == '\0' && strcmp(comp, "..") != 0) {
		r = walk_file(w, comp, ret_fd);
		return r < 0 ? r : 1;
	}
	next = openat(w->fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (next < 0)
		return walk_fail(w, comp, n, negative_errno());
	r = walk_enter_dir(w, next, comp, n);
	if (r < 0)
		return r;
	memmove(w->rest, p, strlen(p) + 1);
	return 0;
}

int shell_open_trusted(const char *path, int *ret_fd, AlcError *e)
{
	Walk w = {.fd = -1, .error = e};
	int r;

	if (!path || path[0] != '/')
		return alc_error(e, -EINVAL, SHELL_STAGE, "'%s': not an absolute path",
				 path ? path : "");
	if (strlen(path) >= sizeof(w.rest))
		return alc_error(e, -ENAMETOOLONG, SHELL_STAGE, "'%.64s...': %m", path);
	snprintf(w.rest, sizeof(w.rest), "%s", path);
	r = walk_root(&w);
	if (r < 0)
		return walk_fail(&w, "", 0, r);
	do
		r = walk_step(&w, ret_fd);
	while (r == 0);
	closep(&w.fd);
	/* what did not stop at a component of its own (the path ends at a directory, a
	 * component is too long) stopped at the directory reached */
	if (r < 0 && !w.named)
		return walk_fail(&w, "", 0, r);
	return r < 0 ? r : 0;
}
