/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * /var/lib/alcove/oci (docs/INTERNALS.md, "OCI images"): layers by digest, image records by
 * name, skopeo's per-pull layouts, and the store's lock. Root's, 0700: a layer keeps an image's
 * setuid-root files as they are, and no host user may reach them.
 */
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci.h"

typedef struct OciStore {
	int libfd, ocifd, layersfd, imagesfd, lockfd;
} OciStore;

#define OCI_STORE_INIT ((OciStore){-1, -1, -1, -1, -1})

/* Opens (creating when missing) the store and takes its lock: LOCK_EX to change it (pull, rm,
 * prune), LOCK_SH to read it. -errno with *e (stage "oci store") naming the directory. */
int oci_store_open(OciStore *s, int lock_op, AlcError *e);
void oci_store_close(OciStore *s);

/* Under the store's exclusive lock, moves to the trash what interrupted pulls and removals
 * left: pull.* layouts whose pull no longer holds their flock, *.partial layers (what an
 * earlier version's interrupted removal left) and removes .<NAME>.tmp records. -errno with
 * *e naming what could not be listed or moved. */
int oci_store_clean(OciStore *s, AlcError *e);

/* Removes every trash.* directory of the store: after letting go of the store's lock (a big
 * tree takes seconds to delete, and builds on images wait for the shared lock meanwhile). A
 * trash directory another alcovectl is removing (its flock held) is left to it. 0, or the
 * first error with *e naming its directory (the rest are still tried; what remains goes
 * with the next pull or prune). */
int oci_store_empty_trash(OciStore *s, AlcError *e);

/* flock(2) on the store's lock again: LOCK_UN while skopeo downloads (builds, list and
 * inspect go on meanwhile), LOCK_EX again to unpack and record. */
int oci_store_relock(OciStore *s, int lock_op);

/* A new empty pull.<random> directory under the store, its name in name; *ret_fd holds a flock
 * on it for the pull's lifetime, so that another pull's clean-up leaves it alone. */
int oci_store_pull_dir(OciStore *s, char name[static 32], int *ret_fd);
/* Removes a directory tree of the store (dirfd/name), never following a symlink. */
int oci_store_remove(int dirfd, const char *name);
/* Under the store's exclusive lock, moves layers/<hex> to the trash (trash.<random> in the
 * store's root; oci_store_empty_trash removes it): that rename fsync'd before anything in it
 * is deleted, so that an interrupted removal never leaves part of a layer under its digest's
 * name, which pulls and builds take as the whole layer. */
int oci_store_remove_layer(OciStore *s, const char *hex);

/* Writes images/<name> atomically (a temporary file, fsync, rename): -errno only while the
 * record is not in place (the one name had stays). The caller fsyncs s->imagesfd after. */
int oci_store_write_image(OciStore *s, const char *name, const OciImage *img);
