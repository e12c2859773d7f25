/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The image side of `layer diff` (ctl/layer_diff.c): an image's layers, top first, merged as
 * overlayfs merges lower layers (Documentation/filesystems/overlayfs.rst, "Multiple lower
 * layers", "whiteouts and opaque directories"): for each name the topmost layer that has it
 * wins; a whiteout there hides it; a directory merges with the directories of the same name
 * below it down to the first opaque one. Whiteouts are character devices 0:0 or (overlayfs
 * since Linux 6.7) empty files with overlay.whiteout; opaque directories have
 * overlay.opaque=y; both in the user. namespace (userxattr mounts, as alcoves' are) or
 * trusted. (others). Every name is opened below its directory's fd with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) and O_NOFOLLOW: the same code reads the
 * tenant's upper dir. -errno, no logging.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#define LAYER_MAX_LOWER 16    /* POLICY_MAX_LAYERS */
#define LAYER_CMP_CHUNK 65536 /* layer_entries_differ's buffer is twice this */

typedef struct LayerStack {
	int fd[LAYER_MAX_LOWER]; /* directories, top first; owned */
	size_t n;
} LayerStack;

typedef struct LayerEntry {
	struct stat st;
	bool present;  /* there, and not a whiteout */
	bool whiteout; /* a whiteout: hides the name in the layers below */
} LayerEntry;

/* An image's entry for one name of a merged directory. */
typedef struct LayerSide {
	LayerEntry e;
	int dirfd;	  /* the layer's directory that holds it (the stack's fd), -1: none */
	LayerStack child; /* for a directory: the merged directory below it */
} LayerSide;

#define LAYER_SIDE_INIT ((LayerSide){.dirfd = -1})

static inline void layer_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

void layer_stack_close(LayerStack *s);
void layer_side_close(LayerSide *side);
/* A stack of new fds of fds[0..n) (the caller keeps its own). -E2BIG beyond LAYER_MAX_LOWER. */
int layer_stack_dup(LayerStack *s, const int *fds, size_t n);

/* overlay.opaque=y on an open directory. */
bool layer_opaque(int dirfd);
/* Stats name below dirfd without following it; a whiteout is whiteout, not present; an
 * absent name neither. */
int layer_entry_stat(int dirfd, const char *name, LayerEntry *e);
/* The merged stack s's entry for name. */
int layer_lookup(const LayerStack *s, const char *name, LayerSide *ret);
/* Whether the merged directory s shows any entry. */
int layer_stack_shows(const LayerStack *s);

/* Two entries of the same type, each name below its dirfd: 1 when content, link target,
 * device or permission bits differ, else 0. Owners are not compared (a user's layer holds ids
 * mapped to the host's). Files are read only when their sizes are equal. */
int layer_entries_differ(int adir, const LayerEntry *a, int bdir, const LayerEntry *b,
			 const char *name, char buf[static 2 * LAYER_CMP_CHUNK]);
