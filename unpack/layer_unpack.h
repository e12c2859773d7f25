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
	/* the sum of a layer's file sizes, and ENTRY_CHARGE (4 KiB) for each of its entries */
	uint64_t max_bytes;
	uint64_t max_entries; /* a layer's tar entries */
	/* its decompressed stream: the files, their headers, whatever follows the tar's end */
	uint64_t max_stream;
} OciLimits;

#define OCI_DEFAULT_LIMITS                                                                         \
	((OciLimits){.max_bytes = 64ull << 30, .max_entries = 10000000, .max_stream = 80ull << 30})

/* The address space of the unpacking process, set by oci_unpack_limit_memory(). */
#define OCI_UNPACK_MEMORY_MAX (512ull << 20)

/* RLIMIT_AS = OCI_UNPACK_MEMORY_MAX for this process. libarchive allocates what a header asks
 * for before any entry is ours to judge: a GNU sparse 1.0 map of N pairs costs ~48 bytes each
 * (a review's 78 KB blob took 946 MB, and more would bring in the host's OOM killer, whose
 * victims may be tenants' sessions). Streaming needs little (zstd's default largest window is
 * 128 MiB, xz -9's dictionary 64 MiB): past the limit the layer is refused, "out of memory". */
int oci_unpack_limit_memory(void);

/* partialdirfd/<hex>.partial filled from the layout's blob <hex> (removed first if an
 * interrupted unpack left one, and removed on failure); the blob's size and sha256 checked as
 * it is read, then its decompressed stream's sha256 against diff_id (the config's
 * rootfs.diff_ids: -EBADMSG naming both digests), a second read of the blob through
 * libarchive's raw format. The caller renames it into the store (oci_layer_place). */
int oci_layer_unpack_partial(int layoutfd, int partialdirfd, const char *hex, uint64_t size,
			     const char *diff_id, const OciLimits *lim, AlcError *e);
