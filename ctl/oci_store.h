/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * /var/lib/alcove/oci (docs/INTERNALS.md, "OCI images"): layers by digest, image records by
 * name, skopeo's per-pull layouts, and the store's lock. Root's, 0700: a layer keeps an image's
 * setuid-root files as they are, and no host user may reach them.
 */
#include <stdbool.h>
#include <stddef.h>

#include "oci.h"

typedef struct OciStore {
	int libfd, ocifd, layersfd, imagesfd, lockfd;
} OciStore;

#define OCI_STORE_INIT ((OciStore){-1, -1, -1, -1, -1})

/* Opens (creating when missing) the store and takes its lock: LOCK_EX to change it (pull, rm,
 * prune), LOCK_SH to read it. */
int oci_store_open(OciStore *s, int lock_op, char *err, size_t errlen);
void oci_store_close(OciStore *s);

/* Removes what interrupted pulls left: pull.* layouts and *.partial layers (the lock is held,
 * so no pull is running). */
int oci_store_clean(OciStore *s, char *err, size_t errlen);

/* A new empty pull.<random> directory under the store; its name in name. */
int oci_store_pull_dir(OciStore *s, char name[static 32], int *ret_fd);
/* Removes a directory tree of the store (dirfd/name), never following a symlink. */
int oci_store_remove(int dirfd, const char *name);

/* Writes images/<name> atomically (a temporary file, fsync, rename, fsync of the dir). */
int oci_store_write_image(OciStore *s, const char *name, const OciImage *img);
