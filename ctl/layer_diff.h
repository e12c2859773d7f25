/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * What a user's persistent layer (an overlay upper dir) changes relative to an image's layers
 * (overlay lower dirs, top first), as overlayfs would merge them (docs/INTERNALS.md, "Layer
 * diff"). Root code reading a tenant's tree: every entry is opened below its parent's fd with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) and O_NOFOLLOW, nothing is followed, and the walk
 * is bounded in depth, entries and path length. No logging: -errno and an AlcError (stage
 * "layer diff"); the printer below writes the command's output to the FILE it is given.
 * The images' side: ctl/layer_merge.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "error.h"

#define LAYER_DIFF_PATH_MAX 4096 /* PATH_MAX: a longer path could not be opened by name */

typedef struct LayerDiffLimits {
	unsigned max_depth;   /* directory levels below the layer's root */
	uint64_t max_entries; /* entries of the user's layer visited */
} LayerDiffLimits;

#define LAYER_DIFF_LIMITS ((LayerDiffLimits){.max_depth = 128, .max_entries = 1000000})

typedef enum {
	LAYER_ADDED = 'A',    /* the image has nothing at this path */
	LAYER_MODIFIED = 'M', /* same type; content, target or permission bits differ, or opaque */
	LAYER_DELETED = 'D',  /* a whiteout over an entry the image has */
	LAYER_TYPE = 'T',     /* the user's entry is of another type than the image's */
	/* what the walk cannot look into (reason): a directory too deep or with a path too long
	 * below it, an entry that cannot be opened, read or compared; nothing below it is listed,
	 * its siblings are */
	LAYER_UNREADABLE = 'U',
} LayerChangeKind;

typedef struct LayerChange {
	LayerChangeKind kind;
	/* The image's entry at this path is hidden from the user: their file, symlink or whiteout
	 * wins over the image's, or their opaque directory hides the image's entries below it. A
	 * directory merges with the image's: a changed mode alone hides nothing. */
	bool shadows;
	/* With a current image to compare with (layer_diff's base): a shadowing change over an
	 * entry the compared image adds or changes relative to the current one: the user will not
	 * see what the update brings there. Not worked out for opaque directories. */
	bool updated;
	bool opaque;	   /* an opaque directory (overlay.opaque = y) */
	mode_t type;	   /* S_IFMT of the user's entry; 0 for a whiteout */
	mode_t image_type; /* S_IFMT of the image's entry; 0 when the image has none */
	const char *path;  /* "/etc/motd": raw bytes, as the tree names them */
	const char *reason; /* LAYER_UNREADABLE: why ("deeper than 128 directory levels"); NULL */
} LayerChange;

/* Called once per change, parents before their children; a negative return stops the walk. */
typedef int (*LayerChangeFn)(const LayerChange *change, void *userdata);

/* An image: its layers' directories, top first (the caller's fds). */
typedef struct LayerDiffImage {
	const int *fds;
	size_t n;
} LayerDiffImage;

/* A mount point the helper makes in the overlay, so in the user's layer when the image lacks
 * it (helper/build/rootfs_plan.h, rootfs_step_on_overlay()): an absolute path. */
typedef struct LayerMountPoint {
	const char *path;
	bool file; /* a file is mounted there, not a directory */
} LayerMountPoint;

typedef struct LayerMountPoints {
	const LayerMountPoint *v;
	size_t n;
} LayerMountPoints;

/*
 * Walks upperfd (a directory) against image; with base (NULL: none), the image the user runs
 * now, also marks what is "updated". What of the user's layer cannot be walked (too deep, too
 * long, unreadable) is a LAYER_UNREADABLE change and the walk goes on. A negative return means
 * the walk stopped, the changes reported so far being not all of them: -E2BIG (more than
 * max_entries, or too many layers), -ENOMEM, the -errno of reading the images, or of fn; *e
 * says why.
 *
 * With points (NULL: none), what the helper leaves there at every build is not reported, and
 * only that: at a mount point, an empty regular file (a file's) or a directory (a
 * directory's) with nothing reported below it, whatever the image has there, since the mount
 * covers it and all it hides; on the way to one, a directory with nothing reported below it
 * where the image has none (the helper makes the missing ones). Nothing with content is
 * left out: a file with a byte in it, a whiteout, a symlink, an entry below, and on the way
 * to a mount point an opaque directory or a changed mode over the image's directory are
 * reported as anywhere else (no mount covers what they hide).
 */
int layer_diff(int upperfd, const LayerDiffImage *image, const LayerDiffImage *base,
	       const LayerMountPoints *points, const LayerDiffLimits *lim, LayerChangeFn fn,
	       void *userdata, AlcError *e);

/* Paths are shown through text_escape() (common/text_escape.h). */

/*
 * `alcovectl layer diff`'s output on f (man/alcovectl.8): a line per change ("M /etc/motd
 * shadows", "U /x (why)"), or one JSON object {"changes": [...], "complete": true}. A walk that
 * stopped (layer_diff() < 0) ends with its error: a last line "incomplete: ...", or
 * "complete": false and "error".
 */
typedef struct LayerDiffPrinter {
	FILE *f;
	bool json;
	size_t n; /* changes printed */
} LayerDiffPrinter;

void layer_diff_print_begin(LayerDiffPrinter *pr);
/* A LayerChangeFn; userdata is the LayerDiffPrinter. */
int layer_diff_print_change(const LayerChange *c, void *userdata);
/* error: why the walk stopped, NULL when it did not. */
void layer_diff_print_end(const LayerDiffPrinter *pr, const char *error);

/* "file", "dir", "symlink", "whiteout" (0), ... for a change's type or image_type. */
const char *layer_diff_type_name(mode_t type);
