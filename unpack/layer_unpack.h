/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * One OCI layer blob of a layout, unpacked with libarchive (unpack/layer_unpack.c). Only
 * alcove-unpack and the test tool tests/tools/oci-unpack link this: alcovectl runs
 * alcove-unpack (ctl/oci_unpack.h), so that it does not load libarchive itself. Root code:
 * every path below the layout and the layer is opened with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS). -errno and an AlcError (stage "unpack")
 * naming the layer and, inside it, the entry.
 */
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct OciLimits {
	uint64_t max_bytes;   /* the sum of a layer's file sizes */
	uint64_t max_entries; /* a layer's tar entries */
} OciLimits;

#define OCI_DEFAULT_LIMITS ((OciLimits){.max_bytes = 64ull << 30, .max_entries = 10000000})

/* partialdirfd/<hex>.partial filled from the layout's blob <hex> (removed first if an
 * interrupted unpack left one, and removed on failure); the blob's size and sha256 checked as
 * it is read. The caller renames it into the store (oci_layer_place). */
int oci_layer_unpack_partial(int layoutfd, int partialdirfd, const char *hex, uint64_t size,
			     const OciLimits *lim, AlcError *e);

/* Whether the layout's layer blob <hex> decompresses to the sha256 diff_id (the config's
 * rootfs.diff_ids): 0, or -EBADMSG naming both digests. A second read of the blob, through
 * libarchive's raw format. */
int oci_layer_diff_id_check(int layoutfd, const char *hex, const char *diff_id, AlcError *e);
