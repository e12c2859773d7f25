/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A user's persistent layer against the image below it (layer_diff.h). The image side is
 * merged as overlayfs merges lower layers (Documentation/filesystems/overlayfs.rst, "Multiple
 * lower layers", "whiteouts and opaque directories"): for each name the topmost layer that has
 * it wins; a whiteout there hides it; a directory merges with the directories of the same name
 * below it down to the first opaque one. Whiteouts are character devices 0:0 or (overlayfs
 * since Linux 6.7) empty files with overlay.whiteout; opaque directories have overlay.opaque=y;
 * both in the user. namespace (userxattr mounts, as alcoves' are) or trusted. (others).
 */
#include "layer_diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "errbuf.h"
#include "fileio.h"
#include "macro.h"

#define MAX_LOWER 16 /* POLICY_MAX_LAYERS */
#define CMP_CHUNK 65536

typedef struct Stack {
	int fd[MAX_LOWER];
	size_t n;
} Stack;

typedef struct Entry {
	struct stat st;
	bool present;  /* there, and not a whiteout */
	bool whiteout; /* a whiteout: hides the name in the layers below */
} Entry;

typedef struct Walk {
	const LayerDiffLimits *lim;
	LayerChangeFn fn;
	void *userdata;
	uint64_t entries;
	char path[LAYER_DIFF_PATH_MAX];
	size_t len;
	char *buf; /* 2 * CMP_CHUNK, for comparing files */
	char *err;
	size_t errlen;
} Walk;

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void stack_close(Stack *s)
{
	for (size_t i = 0; i < s->n; i++)
		closep(&s->fd[i]);
	s->n = 0;
}

/* The walk's path as layer_diff_escape() shows it: a tenant's names are never printed raw. */
static const char *shown(const Walk *w, char *buf, size_t len)
{
	if (layer_diff_escape(w->len ? w->path : "/", buf, len) < 0)
		snprintf(buf, len, "(a path too long to show)");
	return buf;
}

static int walk_error(Walk *w, int r, const char *what)
{
	char path[4 * LAYER_DIFF_PATH_MAX];

	shown(w, path, sizeof(path));
	errno = -r;
	errbuf_set(w->err, w->errlen, "%s: %s: %m", path, what);
	return r;
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

/* Opens a non-directory to read it: never follows it, never waits on a FIFO, never makes a
 * terminal ours. */
static int open_entry(int dirfd, const char *name)
{
	return open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY, 0);
}

static int entry_stat(int dirfd, const char *name, Entry *e)
{
	*e = (Entry){0};
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

/* Pushes layer dirfd's directory name onto child; true when it is opaque (the merge stops). */
static int stack_push(Stack *child, int dirfd, const char *name, bool *ret_opaque)
{
	int fd = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

	if (fd < 0)
		return fd;
	child->fd[child->n++] = fd;
	*ret_opaque = has_overlay_xattr(fd, "opaque", true);
	return 0;
}

/* The image's entry name in the merged directory lower: ret, the layer it is in (*ret_layer,
 * -1 for none), and for a directory the merged directory in child. */
static int lower_lookup(const Stack *lower, const char *name, Entry *ret, int *ret_layer,
			Stack *child)
{
	*ret = (Entry){0};
	*ret_layer = -1;
	for (size_t i = 0; i < lower->n; i++) {
		bool opaque = false;
		Entry e;
		int r = entry_stat(lower->fd[i], name, &e);

		if (r < 0)
			return r;
		if (!e.present && !e.whiteout)
			continue;
		if (*ret_layer < 0) {
			*ret = e;
			*ret_layer = (int)i;
		}
		if (!e.present || !S_ISDIR(e.st.st_mode) || !S_ISDIR(ret->st.st_mode))
			return 0;
		r = stack_push(child, lower->fd[i], name, &opaque);
		if (r < 0 || opaque)
			return r;
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
static int files_differ(Walk *w, int adir, const char *name, int bdir)
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
		int na = read_full(a, w->buf, CMP_CHUNK), nb;

		if (na < 0)
			return na;
		nb = read_full(b, w->buf + CMP_CHUNK, CMP_CHUNK);
		if (nb < 0)
			return nb;
		if (na != nb || memcmp(w->buf, w->buf + CMP_CHUNK, (size_t)na) != 0)
			return 1;
		if (na < CMP_CHUNK)
			return 0;
	}
}

static int links_differ(int adir, const char *name, int bdir)
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

/* Two entries of the same type: 1 when content, link target, device or permission bits
 * differ. Owners are not compared: the user's layer holds ids mapped to the host's. */
static int entries_differ(Walk *w, int udir, const char *name, const Entry *u, int ldir,
			  const Entry *l)
{
	if ((u->st.st_mode & 07777) != (l->st.st_mode & 07777))
		return 1;
	if (S_ISREG(u->st.st_mode))
		return files_differ(w, udir, name, ldir);
	if (S_ISLNK(u->st.st_mode))
		return links_differ(udir, name, ldir);
	if (S_ISCHR(u->st.st_mode) || S_ISBLK(u->st.st_mode))
		return u->st.st_rdev != l->st.st_rdev;
	return 0;
}

static int emit(Walk *w, LayerChangeKind kind, bool shadows, bool opaque, const Entry *u,
		const Entry *l)
{
	LayerChange c = {
	    .kind = kind,
	    .shadows = shadows,
	    .opaque = opaque,
	    .type = u && u->present ? (u->st.st_mode & S_IFMT) : 0,
	    .image_type = l->present ? (l->st.st_mode & S_IFMT) : 0,
	    .path = w->path,
	};

	return w->fn(&c, w->userdata);
}

/* Whether the merged directory shows anything (an opaque directory over it hides that). */
static int stack_shows(const Stack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		_cleanup_(closedirp) DIR *d = NULL;
		struct dirent *de;
		int r = opendir_fd(s->fd[i], &d);

		if (r < 0)
			return r;
		while ((de = readdir(d))) {
			Entry e;

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			r = entry_stat(s->fd[i], de->d_name, &e);
			if (r < 0)
				return r;
			if (e.present)
				return 1;
		}
	}
	return 0;
}

static int walk_dir(Walk *w, int dirfd, const Stack *lower, unsigned depth);

/* The user's directory name against the image's entry l (child: the image's merged
 * directory there, if it is one). */
static int diff_dir(Walk *w, int udir, const char *name, const Entry *u, const Entry *l,
		    Stack *child, unsigned depth)
{
	_cleanup_close_ int fd = open_beneath(udir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	bool opaque;
	int r = 0;

	if (fd < 0)
		return walk_error(w, fd, "open");
	opaque = has_overlay_xattr(fd, "opaque", true);
	if (!l->present)
		r = emit(w, LAYER_ADDED, false, opaque, u, l);
	else if (!S_ISDIR(l->st.st_mode))
		r = emit(w, LAYER_TYPE, true, opaque, u, l);
	else if (opaque) {
		r = stack_shows(child);
		if (r < 0)
			return walk_error(w, r, "read the image's directory");
		if (r > 0 || (u->st.st_mode & 07777) != (l->st.st_mode & 07777))
			r = emit(w, LAYER_MODIFIED, r > 0, true, u, l);
		stack_close(child); /* the image's entries below are hidden */
	} else if ((u->st.st_mode & 07777) != (l->st.st_mode & 07777))
		r = emit(w, LAYER_MODIFIED, false, false, u, l);
	if (r < 0)
		return r;
	return walk_dir(w, fd, child, depth + 1);
}

static int diff_entry(Walk *w, int udir, const Stack *lower, const char *name, unsigned depth)
{
	_cleanup_(stack_close) Stack child = {.n = 0};
	Entry u, l;
	int layer, r;

	r = entry_stat(udir, name, &u);
	if (r < 0)
		return walk_error(w, r, "stat");
	r = lower_lookup(lower, name, &l, &layer, &child);
	if (r < 0)
		return walk_error(w, r, "look up in the image");
	if (u.whiteout)
		return l.present ? emit(w, LAYER_DELETED, true, false, &u, &l) : 0;
	if (!u.present)
		return 0; /* gone since it was listed */
	if (S_ISDIR(u.st.st_mode))
		return diff_dir(w, udir, name, &u, &l, &child, depth);
	if (!l.present)
		return emit(w, LAYER_ADDED, false, false, &u, &l);
	if ((u.st.st_mode & S_IFMT) != (l.st.st_mode & S_IFMT))
		return emit(w, LAYER_TYPE, true, false, &u, &l);
	r = entries_differ(w, udir, name, &u, lower->fd[layer], &l);
	if (r < 0)
		return walk_error(w, r, "compare with the image");
	return r ? emit(w, LAYER_MODIFIED, true, false, &u, &l) : 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct Names {
	char **v;
	size_t n, cap;
} Names;

static void names_free(Names *ns)
{
	for (size_t i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
	*ns = (Names){0};
}

/* dirfd's names, sorted, counted against the walk's bound on entries. */
static int read_names(Walk *w, int dirfd, Names *ns)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(dirfd, &d);

	if (r < 0)
		return walk_error(w, r, "open");
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > w->lim->max_entries) {
			errbuf_set(w->err, w->errlen, "more than %llu entries",
				   (unsigned long long)w->lim->max_entries);
			return -E2BIG;
		}
		if (ns->n == ns->cap) {
			size_t cap = ns->cap ? ns->cap * 2 : 64;
			char **v = reallocarray(ns->v, cap, sizeof(*v));

			if (!v)
				return walk_error(w, -ENOMEM, "list");
			ns->v = v;
			ns->cap = cap;
		}
		if (!(ns->v[ns->n] = strdup(de->d_name)))
			return walk_error(w, -ENOMEM, "list");
		ns->n++;
	}
	if (errno)
		return walk_error(w, negative_errno(), "read");
	qsort(ns->v, ns->n, sizeof(*ns->v), cmp_names);
	return 0;
}

static int walk_dir(Walk *w, int dirfd, const Stack *lower, unsigned depth)
{
	_cleanup_(names_free) Names ns = {0};
	size_t len = w->len;
	int r;

	if (depth > w->lim->max_depth) {
		errbuf_set(w->err, w->errlen, "%s: deeper than %u directory levels",
			   shown(w, w->buf, 2 * CMP_CHUNK), w->lim->max_depth);
		return -ELOOP;
	}
	r = read_names(w, dirfd, &ns);
	for (size_t i = 0; r >= 0 && i < ns.n; i++) {
		if (len + 1 + strlen(ns.v[i]) >= sizeof(w->path)) {
			errbuf_set(w->err, w->errlen, "%s: a path longer than %d bytes below it",
				   shown(w, w->buf, 2 * CMP_CHUNK), LAYER_DIFF_PATH_MAX);
			return -ENAMETOOLONG;
		}
		w->len += (size_t)sprintf(w->path + len, "/%s", ns.v[i]);
		r = diff_entry(w, dirfd, lower, ns.v[i], depth);
		w->len = len;
		w->path[len] = '\0';
	}
	return r;
}

int layer_diff(int upperfd, const int *lowerfds, size_t n_lower, const LayerDiffLimits *lim,
	       LayerChangeFn fn, void *userdata, char *err, size_t errlen)
{
	_cleanup_(stack_close) Stack root = {.n = 0};
	_cleanup_free_ char *buf = malloc(2 * CMP_CHUNK);
	Walk w = {
	    .lim = lim, .fn = fn, .userdata = userdata, .buf = buf, .err = err, .errlen = errlen};

	if (!buf)
		return -ENOMEM;
	if (n_lower > MAX_LOWER) {
		errbuf_set(err, errlen, "more than %d image layers", MAX_LOWER);
		return -E2BIG;
	}
	for (size_t i = 0; i < n_lower; i++) {
		root.fd[root.n] = fcntl(lowerfds[i], F_DUPFD_CLOEXEC, 3);
		if (root.fd[root.n] < 0)
			return walk_error(&w, negative_errno(), "dup");
		root.n++;
	}
	return walk_dir(&w, upperfd, &root, 0);
}

int layer_diff_escape(const char *path, char *out, size_t len)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		int k = (*p > 0x20 && *p < 0x7f && *p != '\\')
			    ? snprintf(out + n, len - n, "%c", *p)
			    : snprintf(out + n, len - n, "\\x%02x", *p);

		if (k < 0 || (size_t)k >= len - n)
			return -E2BIG;
		n += (size_t)k;
	}
	if (n >= len)
		return -E2BIG;
	out[n] = '\0';
	return 0;
}

const char *layer_diff_type_name(mode_t type)
{
	switch (type) {
	case 0:
		return "none";
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "symlink";
	case S_IFCHR:
		return "chardev";
	case S_IFBLK:
		return "blockdev";
	case S_IFIFO:
		return "fifo";
	case S_IFSOCK:
		return "socket";
	default:
		return "unknown";
	}
}
