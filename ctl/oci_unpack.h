/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Reading an OCI image layout (index.json → manifest → layers, each blob verified against its
 * sha256) and unpacking its layers into the store, once per digest (docs/INTERNALS.md, "OCI
 * images"). Root code: every path below the layout and the store is opened with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS). -errno and one line in err.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci.h"

#define OCI_JSON_MAX (4u << 20) /* index.json, a manifest */

typedef struct OciLimits {
	uint64_t max_bytes;   /* the sum of a layer's file sizes */
	uint64_t max_entries; /* a layer's tar entries */
} OciLimits;

#define OCI_DEFAULT_LIMITS ((OciLimits){.max_bytes = 64ull << 30, .max_entries = 10000000})

/* The layout's single image manifest: its digest and layers (img->source, pulled untouched). */
int oci_layout_read(int layoutfd, OciImage *img, char *err, size_t errlen);

/* Reads blobs/sha256/<hex> whole (at most max bytes) and checks its sha256 and, if not
 * UINT64_MAX, its size. *ret_buf is NUL-terminated. */
int oci_blob_read(int layoutfd, const char *hex, uint64_t size, size_t max, char **ret_buf,
		  size_t *ret_len, char *err, size_t errlen);

/* A sha256 context over what a layer's reader consumes (OpenSSL's EVP). */
typedef struct OciHash OciHash;
int oci_hash_new(OciHash **ret);
int oci_hash_update(OciHash *h, const void *data, size_t len);
/* Finishes and compares with hex: 0, or -EBADMSG on a mismatch (got is set either way). */
int oci_hash_check(OciHash *h, const char *hex, char got[OCI_HEX_LEN + 1]);
void oci_hash_free(OciHash *h);

/*
 * Unpacks the layout's blob <hex> into layersfd/<hex>/ unless it is there already (*ret_new
 * false): into <hex>.partial, then renamed, so that only a complete, verified layer ever has
 * its digest's name; on any failure the .partial is removed.
 */
int oci_layer_unpack(int layoutfd, int layersfd, const char *hex, uint64_t size,
		     const OciLimits *lim, bool *ret_new, char *err, size_t errlen);
/* The two halves of oci_layer_unpack, for a pull that unpacks without the store's lock:
 * partialdirfd/<hex>.partial filled from the blob (removed on failure), then renamed to
 * layersfd/<hex> (*ret_new) unless a layer of that digest is there already (the .partial
 * removed, *ret_new false). */
int oci_layer_unpack_partial(int layoutfd, int partialdirfd, const char *hex, uint64_t size,
			     const OciLimits *lim, char *err, size_t errlen);
int oci_layer_place(int partialdirfd, int layersfd, const char *hex, bool *ret_new, char *err,
		    size_t errlen);

/* Whether the layout's layer blob <hex> decompresses to the sha256 diff_id (the config's
 * rootfs.diff_ids): 0, or -EBADMSG naming both digests. A second read of the blob, through
 * libarchive's raw format. */
int oci_layer_diff_id_check(int layoutfd, const char *hex, const char *diff_id, char *err,
			    size_t errlen);
