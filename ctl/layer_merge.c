/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An image's layers merged as overlayfs merges them, and entries compared (layer_merge.h).
 */
#include "layer_merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fileio.h"
#include "layer_diff.h"
#include "macro.h"

void layer_stack_close(LayerStack *s)
{
	for (size_t i = 0; i < s->n; i++)
		closep(&s->fd[i]);
	s->n = 0;
}

void layer_side_close(LayerSide *side)
{
	layer_stack_close(&side->child);
}

int layer_stack_dup(LayerStack *s, const int *fds, size_t n)
{
	if (n > LAYER_MAX_LOWER)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		s->fd[s->n] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (s->fd[s->n] < 0)
			return negative_errno();
		s->n++;
	}
	return 0;
}

/* overlay.<what> in the user. or trusted. namespace; with want_y, only the value "y" counts. */
static bool has_overlay_xattr(int fd, const char *what, bool want_y)
{
	static const char *const ns[] = {"user.overlay.", "trusted.overlay."};
	char name[64], v[2];

	for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
		ssize_t n;

		snprintf(name, sizeof(name), "%s%s", ns[i], what);
		n = fgetxattr(fd, name, v, sizeof(v));
		if (n >= 0 && (!want_y || (n == 1 && v[0] == 'y')))
			return true;
	}
	return false;
}

bool layer_opaque(int dirfd)
{
	return has_overlay_xattr(dirfd, "opaque", true);
}

/* Opens a non-directory to read it: never follows it, never waits on a FIFO, never makes a
 * terminal ours. */
static int open_entry(int dirfd, const char *name)
{
	return open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY, 0);
}

int layer_entry_stat(int dirfd, const char *name, LayerEntry *e)
{
	*e = (LayerEntry){0};
	if (fstatat(dirfd, name, &e->st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (S_ISCHR(e->st.st_mode) && e->st.st_rdev == makedev(0, 0))
		e->whiteout = true;
	else if (S_ISREG(e->st.st_mode) && e->st.st_size == 0) {
		_cleanup_close_ int fd = open_entry(dirfd, name);

		if (fd < 0)
			return fd;
		e->whiteout = has_overlay_xattr(fd, "whiteout", false);
	}
	e->present = !e->whiteout;
	return 0;
}

/* Pushes layer dirfd's directory name onto child; *ret_opaque when it is opaque. */
static int stack_push(LayerStack *child, int dirfd, const char *name, bool *ret_opaque)
{
	int fd = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

	if (fd < 0)
		return fd;
	child->fd[child->n++] = fd;
	*ret_opaque = layer_opaque(fd);
	return 0;
}

int layer_lookup(const LayerStack *s, const char *name, LayerSide *ret)
{
	for (size_t i = 0; i < s->n; i++) {
		bool opaque = false;
		LayerEntry e;
		int r = layer_entry_stat(s->fd[i], name, &e);

		if (r < 0)
			return r;
		if (!e.present && !e.whiteout)
			continue;
		if (ret->dirfd < 0) {
			ret->e = e;
			ret->dirfd = s->fd[i];
		}
		if (!e.present || !S_ISDIR(e.st.st_mode) || !S_ISDIR(ret->e.st.st_mode))
			return 0;
		r = stack_push(&ret->child, s->fd[i], name, &opaque);
		if (r < 0 || opaque)
			return r;
	}
	return 0;
}

int layer_stack_shows(const LayerStack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		_cleanup_(layer_closedirp) DIR *d = NULL;
		struct dirent *de;
		int r = opendir_fd(s->fd[i], &d);

		if (r < 0)
			return r;
		while ((de = readdir(d))) {
			LayerEntry e;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = layer_entry_stat(s->fd[i], de->d_name, &e);
			if (r < 0)
				return r;
			if (e.present)
				return 1;
		}
	}
	return 0;
}

static int read_full(int fd, char *buf, size_t len)
{
	size_t n = 0;

	while (n < len) {
		ssize_t k = read(fd, buf + n, len - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		n += (size_t)k;
	}
	return (int)n;
}

/* 1 when the regular files differ in size or bytes, 0 when they are the same. */
static int files_differ(int adir, int bdir, const char *name, char *buf)
{
	_cleanup_close_ int a = open_entry(adir, name);
	_cleanup_close_ int b = open_entry(bdir, name);
	struct stat as, bs;

	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	if (fstat(a, &as) < 0 || fstat(b, &bs) < 0)
		return negative_errno();
	if (!S_ISREG(as.st_mode) || !S_ISREG(bs.st_mode) || as.st_size != bs.st_size)
		return 1; /* replaced since it was looked at */
	for (;;) {
		int na = read_full(a, buf, LAYER_CMP_CHUNK), nb;

		if (na < 0)
			return na;
		nb = read_full(b, buf + LAYER_CMP_CHUNK, LAYER_CMP_CHUNK);
		if (nb < 0)
			return nb;
		if (na != nb || memcmp(buf, buf + LAYER_CMP_CHUNK, (size_t)na) != 0)
			return 1;
		if (na < LAYER_CMP_CHUNK)
			return 0;
	}
}

static int links_differ(int adir, int bdir, const char *name)
{
	char a[LAYER_DIFF_PATH_MAX], b[LAYER_DIFF_PATH_MAX];
	ssize_t na = readlinkat(adir, name, a, sizeof(a)), nb;

	if (na < 0)
		return negative_errno();
	nb = readlinkat(bdir, name, b, sizeof(b));
	if (nb < 0)
		return negative_errno();
	return na != nb || memcmp(a, b, (size_t)na) != 0;
}

int layer_entries_differ(int adir, const LayerEntry *a, int bdir, const LayerEntry *b,
			 const char *name, char buf[static 2 * LAYER_CMP_CHUNK])
{
	if ((a->st.st_mode & 07777) != (b->st.st_mode & 07777))
		return 1;
	if (S_ISREG(a->st.st_mode))
		return a->st.st_size != b->st.st_size ? 1 : files_differ(adir, bdir, name, buf);
	if (S_ISLNK(a->st.st_mode))
		return links_differ(adir, bdir, name);
	if (S_ISCHR(a->st.st_mode) || S_ISBLK(a->st.st_mode))
		return a->st.st_rdev != b->st.st_rdev;
	return 0;
}
