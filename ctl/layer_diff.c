/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A user's persistent layer against the image below it (layer_diff.h), and against the image
 * the user runs now for the "updated" mark; the images' side is ctl/layer_merge.c.
 */
#include "layer_diff.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "fileio.h"
#include "json.h"
#include "layer_merge.h"
#include "text_escape.h"
#include "macro.h"

#define LAYER_DIFF_STAGE "layer diff"

struct Pending;

typedef struct Walk {
	const LayerDiffLimits *lim;
	LayerChangeFn fn;
	void *userdata;
	bool has_base; /* a current image to tell "updated" by */
	const LayerMountPoints *points; /* the helper's, NULL: none */
	bool in_points;			/* the directory walked is one of them or on the way */
	struct Pending *pending;	/* the innermost directory change held back */
	uint64_t entries;
	char path[LAYER_DIFF_PATH_MAX];
	size_t len;
	char *buf; /* 2 * LAYER_CMP_CHUNK, for comparing files */
	AlcError *error;
} Walk;

/* One name of a directory of the user's layer, and what the images have there. */
typedef struct Cmp {
	int udir;
	const char *name;
	LayerEntry u;
	LayerSide l; /* the compared image's */
	LayerSide b; /* the current image's (with a base) */
} Cmp;

static void cmp_close(Cmp *c)
{
	layer_side_close(&c->l);
	layer_side_close(&c->b);
}

/* What a path of the user's layer is to the helper's mount points (layer_diff.h). */
typedef enum {
	POINT_NONE,
	POINT_ON_WAY, /* a directory on the way to one: the helper makes it if missing */
	POINT_DIR,    /* a directory is mounted there */
	POINT_FILE,   /* a file is */
} PointKind;

/*
 * A directory's own change (A, T, M), held back while the walk is below it: the helper's
 * mount point, or a directory it makes on the way to one. It is reported, first, once
 * anything below it is (parents before their children), and not at all if nothing is: then
 * the user's layer holds there only what the helper leaves at every build.
 */
typedef struct Pending {
	struct Pending *prev;
	const Cmp *c;
	size_t len; /* its path's length in the walk's path */
	LayerChangeKind kind;
	bool shadows, opaque, done;
} Pending;

/* The walk's path as text_escape() shows it: a tenant's names are never printed raw. */
static const char *shown(const Walk *w, char *buf, size_t len)
{
	if (text_escape(w->len ? w->path : "/", buf, len) < 0)
		snprintf(buf, len, "(a path too long to show)");
	return buf;
}

static int walk_error(Walk *w, int r, const char *what)
{
	char path[4 * LAYER_DIFF_PATH_MAX];

	shown(w, path, sizeof(path));
	return alc_error(w->error, r, LAYER_DIFF_STAGE, "%s: %s: %m", path, what);
}

/* With a base: 1 when the compared image's entry is not the current image's (the update adds
 * or changes what the user's change hides). The same inode is the same entry: a layer both
 * images share is not read. */
static int image_updated(Walk *w, const Cmp *c)
{
	const LayerEntry *l = &c->l.e, *b = &c->b.e;

	if (!w->has_base || !l->present)
		return 0;
	if (!b->present || (l->st.st_mode & S_IFMT) != (b->st.st_mode & S_IFMT))
		return 1;
	if (l->st.st_dev == b->st.st_dev && l->st.st_ino == b->st.st_ino)
		return 0;
	if (S_ISDIR(l->st.st_mode))
		return (l->st.st_mode & 07777) != (b->st.st_mode & 07777);
	return layer_entries_differ(c->l.dirfd, l, c->b.dirfd, b, c->name, w->buf);
}

static int emit_now(Walk *w, const Cmp *c, LayerChangeKind kind, bool shadows, bool opaque)
{
	int updated = shadows && !opaque ? image_updated(w, c) : 0;
	LayerChange ch = {
	    .kind = kind,
	    .shadows = shadows,
	    .updated = updated > 0,
	    .opaque = opaque,
	    .type = c->u.present ? (c->u.st.st_mode & S_IFMT) : 0,
	    .image_type = c->l.e.present ? (c->l.e.st.st_mode & S_IFMT) : 0,
	    .path = w->path,
	};

	int r;

	if (updated < 0)
		return walk_error(w, updated, "compare the image with the current one");
	r = w->fn(&ch, w->userdata);
	return r < 0 ? walk_error(w, r, "report the change") : r;
}

/* Reports the held-back directories above what is reported next, outermost first. */
static int flush_pending(Walk *w, Pending *p)
{
	size_t len = w->len;
	char cut;
	int r;

	if (!p || p->done)
		return 0;
	r = flush_pending(w, p->prev);
	if (r < 0)
		return r;
	p->done = true;
	cut = w->path[p->len];
	w->path[p->len] = '\0';
	w->len = p->len;
	r = emit_now(w, p->c, p->kind, p->shadows, p->opaque);
	w->path[p->len] = cut;
	w->len = len;
	return r;
}

static int emit(Walk *w, const Cmp *c, LayerChangeKind kind, bool shadows, bool opaque)
{
	int r = flush_pending(w, w->pending);

	return r < 0 ? r : emit_now(w, c, kind, shadows, opaque);
}

/* w->path against the helper's mount points: a short list, looked through only below the
 * root and those of its directories that are on the way to one. */
static PointKind point_kind(const Walk *w)
{
	PointKind k = POINT_NONE;

	for (size_t i = 0; w->in_points && i < w->points->n; i++) {
		const LayerMountPoint *m = &w->points->v[i];

		if (strncmp(m->path, w->path, w->len) != 0)
			continue;
		if (m->path[w->len] == '\0')
			return m->file ? POINT_FILE : POINT_DIR;
		if (m->path[w->len] == '/')
			k = POINT_ON_WAY;
	}
	return k;
}

/*
 * What the walk cannot look into at w->path (too deep, a path too long below it, an entry that
 * cannot be opened, read or compared) is a change of its own, and the walk goes on with its
 * siblings: the tenant makes these (a swap of a directory for a symlink mid-walk too), and
 * since names are walked sorted, stopping would let /0/d/d/... hide every change after it.
 * type: the user's entry's, 0 when not known. Only the caller's fn can stop the walk here.
 */
static int unreadable(Walk *w, mode_t type, const char *fmt, ...) _printf_(3, 4);
static int unreadable(Walk *w, mode_t type, const char *fmt, ...)
{
	char reason[256];
	LayerChange ch = {
	    .kind = LAYER_UNREADABLE, .type = type, .path = w->path, .reason = reason};
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	r = flush_pending(w, w->pending);
	if (r < 0)
		return r;
	r = w->fn(&ch, w->userdata);
	return r < 0 ? walk_error(w, r, "report the change") : 0;
}

/* A syscall's error on the user's side: out of memory stops the walk, anything else is the
 * tenant's tree (unreadable()). */
static int user_error(Walk *w, mode_t type, int r, const char *what)
{
	if (r == -ENOMEM)
		return walk_error(w, r, what);
	return unreadable(w, type, "cannot %s: %s", what, strerror(-r));
}

static int walk_dir(Walk *w, int dirfd, const LayerStack *lower, const LayerStack *base,
		    unsigned depth);

/* The user's directory's own change against the images' entry (fd: it, open), in *ret:
 * 1, or 0 when it has none. */
static int dir_change(Walk *w, Cmp *c, int fd, Pending *ret)
{
	const LayerEntry *u = &c->u, *l = &c->l.e;
	bool mode_differs = (u->st.st_mode & 07777) != (l->st.st_mode & 07777);
	int r;

	*ret = (Pending){.c = c, .len = w->len, .opaque = layer_opaque(fd)};
	if (!l->present)
		ret->kind = LAYER_ADDED;
	else if (!S_ISDIR(l->st.st_mode)) {
		ret->kind = LAYER_TYPE;
		ret->shadows = true;
	} else if (ret->opaque) {
		r = layer_stack_shows(&c->l.child);
		if (r < 0)
			return walk_error(w, r, "read the image's directory");
		cmp_close(c); /* the images' entries below are hidden */
		if (r == 0 && !mode_differs)
			return 0;
		ret->kind = LAYER_MODIFIED;
		ret->shadows = r > 0;
	} else if (mode_differs)
		ret->kind = LAYER_MODIFIED;
	else
		return 0;
	return 1;
}

/* A directory the helper leaves at every build: its mount point (the mount covers whatever
 * it is and hides), or one on the way to it where the image has no directory. */
static bool helper_dir(const Cmp *c, PointKind pk)
{
	return pk == POINT_DIR ||
	       (pk == POINT_ON_WAY && (!c->l.e.present || !S_ISDIR(c->l.e.st.st_mode)));
}

/* The user's directory c->name against the images' entries there. */
static int diff_dir(Walk *w, Cmp *c, PointKind pk, unsigned depth)
{
	_cleanup_close_ int fd =
	    open_beneath(c->udir, c->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	bool in_points = w->in_points, held = false;
	Pending ch;
	int r;

	if (fd < 0) /* swapped for a symlink or a file since its stat: ELOOP, ENOTDIR */
		return user_error(w, S_IFDIR, fd, "open");
	r = dir_change(w, c, fd, &ch);
	if (r > 0 && helper_dir(c, pk)) {
		ch.prev = w->pending;
		w->pending = &ch;
		held = true;
	} else if (r > 0)
		r = emit(w, c, ch.kind, ch.shadows, ch.opaque);
	if (r < 0)
		return r;
	w->in_points = pk == POINT_ON_WAY || pk == POINT_DIR;
	r = walk_dir(w, fd, &c->l.child, &c->b.child, depth + 1);
	w->in_points = in_points;
	if (held)
		w->pending = ch.prev;
	return r;
}

static int diff_entry(Walk *w, int udir, const LayerStack *lower, const LayerStack *base,
		      const char *name, unsigned depth)
{
	_cleanup_(cmp_close)
	    Cmp c = {.udir = udir, .name = name, .l = LAYER_SIDE_INIT, .b = LAYER_SIDE_INIT};
	PointKind pk;
	int r;

	r = layer_entry_stat(udir, name, &c.u);
	if (r < 0)
		return user_error(w, 0, r, "stat");
	r = layer_lookup(lower, name, &c.l);
	if (r >= 0 && w->has_base)
		r = layer_lookup(base, name, &c.b);
	if (r < 0)
		return walk_error(w, r, "look up in the image");
	if (c.u.whiteout)
		return c.l.e.present ? emit(w, &c, LAYER_DELETED, true, false) : 0;
	if (!c.u.present)
		return 0; /* gone since it was listed */
	pk = point_kind(w);
	if (S_ISDIR(c.u.st.st_mode))
		return diff_dir(w, &c, pk, depth);
	/* the helper's mount point for a file, as it makes one: empty, and the mount covers it
	 * and what it hides; a byte in it, or a symlink, is the user's */
	if (pk == POINT_FILE && S_ISREG(c.u.st.st_mode) && c.u.st.st_size == 0)
		return 0;
	if (!c.l.e.present)
		return emit(w, &c, LAYER_ADDED, false, false);
	if ((c.u.st.st_mode & S_IFMT) != (c.l.e.st.st_mode & S_IFMT))
		return emit(w, &c, LAYER_TYPE, true, false);
	r = layer_entries_differ(udir, &c.u, c.l.dirfd, &c.l.e, name, w->buf);
	if (r < 0) /* the user's entry swapped since its stat, or unreadable */
		return user_error(w, c.u.st.st_mode & S_IFMT, r, "compare with the image");
	return r ? emit(w, &c, LAYER_MODIFIED, true, false) : 0;
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

/* dirfd's names, sorted, counted against the walk's bound on entries: -E2BIG beyond it or
 * -ENOMEM stop the walk; 1 when the directory cannot be read (reported). */
static int read_names(Walk *w, int dirfd, Names *ns)
{
	_cleanup_(layer_closedirp) DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(dirfd, &d);

	if (r < 0) {
		r = user_error(w, S_IFDIR, r, "open");
		return r < 0 ? r : 1;
	}
	while ((errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > w->lim->max_entries)
			return alc_error(w->error, -E2BIG, LAYER_DIFF_STAGE,
					 "more than %llu entries",
					 (unsigned long long)w->lim->max_entries);
		if (array_grow((void **)&ns->v, &ns->cap, ns->n, sizeof(*ns->v)) < 0)
			return walk_error(w, -ENOMEM, "list");
		if (!(ns->v[ns->n] = strdup(de->d_name)))
			return walk_error(w, -ENOMEM, "list");
		ns->n++;
	}
	if (errno) { /* what was listed is not all: none of it is walked */
		r = user_error(w, S_IFDIR, negative_errno(), "read");
		return r < 0 ? r : 1;
	}
	if (ns->n) /* an empty directory has no array: qsort's is declared nonnull */
		qsort(ns->v, ns->n, sizeof(*ns->v), cmp_names);
	return 0;
}

static int walk_dir(Walk *w, int dirfd, const LayerStack *lower, const LayerStack *base,
		    unsigned depth)
{
	_cleanup_(names_free) Names ns = {0};
	bool too_long = false;
	size_t len = w->len;
	int r;

	if (depth > w->lim->max_depth)
		return unreadable(w, S_IFDIR, "deeper than %u directory levels", w->lim->max_depth);
	r = read_names(w, dirfd, &ns);
	if (r != 0)
		return r < 0 ? r : 0;
	for (size_t i = 0; r >= 0 && i < ns.n; i++) {
		if (len + 1 + strlen(ns.v[i]) >= sizeof(w->path)) {
			/* once for the directory; its shorter names are walked */
			if (!too_long)
				r = unreadable(w, S_IFDIR, "a path longer than %d bytes below it",
					       LAYER_DIFF_PATH_MAX);
			too_long = true;
			continue;
		}
		w->len += (size_t)sprintf(w->path + len, "/%s", ns.v[i]);
		r = diff_entry(w, dirfd, lower, base, ns.v[i], depth);
		w->len = len;
		w->path[len] = '\0';
	}
	return r;
}

int layer_diff(int upperfd, const LayerDiffImage *image, const LayerDiffImage *base,
	       const LayerMountPoints *points, const LayerDiffLimits *lim, LayerChangeFn fn,
	       void *userdata, AlcError *e)
{
	_cleanup_(layer_stack_close) LayerStack lower = {.n = 0}, cur = {.n = 0};
	_cleanup_free_ char *buf = malloc(2 * LAYER_CMP_CHUNK);
	Walk w = {.lim = lim,
		  .fn = fn,
		  .userdata = userdata,
		  .has_base = base != NULL,
		  .points = points,
		  .in_points = points && points->n > 0,
		  .buf = buf,
		  .error = e};
	int r;

	if (!buf)
		return alc_error(e, -ENOMEM, LAYER_DIFF_STAGE, "allocate a buffer: %m");
	r = layer_stack_dup(&lower, image->fds, image->n);
	if (r >= 0 && base)
		r = layer_stack_dup(&cur, base->fds, base->n);
	if (r == -E2BIG)
		return alc_error(e, r, LAYER_DIFF_STAGE, "more than %d image layers",
				 LAYER_MAX_LOWER);
	if (r < 0)
		return walk_error(&w, r, "dup");
	return walk_dir(&w, upperfd, &lower, &cur, 0);
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

static const char *change_name(LayerChangeKind k)
{
	return k == LAYER_ADDED	     ? "added"
	       : k == LAYER_MODIFIED ? "modified"
	       : k == LAYER_DELETED  ? "deleted"
	       : k == LAYER_TYPE     ? "type"
				     : "unreadable";
}

void layer_diff_print_begin(LayerDiffPrinter *pr)
{
	pr->n = 0;
	if (pr->json)
		fputs("{\"changes\": [", pr->f);
}

static void print_json(LayerDiffPrinter *pr, const LayerChange *c, const char *path)
{
	FILE *f = pr->f;
	int first = 1;

	fputs(pr->n ? ",\n {" : "\n {", f);
	json_key(f, "path", &first);
	json_string(f, path);
	json_key(f, "change", &first);
	json_string(f, change_name(c->kind));
	json_key(f, "type", &first);
	json_string(f, c->kind == LAYER_DELETED ? "whiteout" : layer_diff_type_name(c->type));
	json_key(f, "image_type", &first);
	json_string(f, layer_diff_type_name(c->image_type));
	fprintf(f, ", \"opaque\": %s, \"shadows\": %s, \"updated\": %s",
		c->opaque ? "true" : "false", c->shadows ? "true" : "false",
		c->updated ? "true" : "false");
	json_key(f, "reason", &first);
	json_string(f, c->reason);
	fputc('}', f);
}

int layer_diff_print_change(const LayerChange *c, void *userdata)
{
	LayerDiffPrinter *pr = userdata;
	char path[4 * LAYER_DIFF_PATH_MAX];

	if (text_escape(c->path, path, sizeof(path)) < 0)
		return -E2BIG;
	if (pr->json)
		print_json(pr, c, path);
	else if (c->kind == LAYER_UNREADABLE)
		fprintf(pr->f, "%c %s (%s)\n", c->kind, path, c->reason);
	else
		fprintf(pr->f, "%c %s%s%s%s\n", c->kind, path, c->opaque ? " opaque" : "",
			c->shadows ? " shadows" : "", c->updated ? " updated" : "");
	pr->n++;
	return 0;
}

/* A walk that stopped listed only some changes: the output says so last, where a reader of a
 * cut list looks, and the JSON document is not one that reads as complete. */
void layer_diff_print_end(const LayerDiffPrinter *pr, const char *error)
{
	if (!pr->json) {
		if (error)
			fprintf(pr->f,
				"incomplete: %s: the walk stopped there, what it did not "
				"reach is not listed\n",
				error);
		return;
	}
	fputs(pr->n ? "\n], \"complete\": " : "], \"complete\": ", pr->f);
	fputs(error ? "false" : "true", pr->f);
	if (error) {
		fputs(", \"error\": ", pr->f);
		json_string(pr->f, error);
	}
	fputs("}\n", pr->f);
}
