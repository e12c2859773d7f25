/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Reading an OCI image layout (index.json → manifest → config and layers, each JSON blob
 * verified against its sha256 before it is parsed; unpack/oci_layout.c), in alcove-unpack:
 * manifests and configs come from the registry as the layers do, and jansson and libcrypto
 * stay out of alcovectl with libarchive. Root code: every path below the layout is opened
 * with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS). -errno and an AlcError (stage "layout")
 * naming the file.
 */
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci.h"

#define OCI_JSON_MAX (4u << 20) /* index.json, a manifest */

/* The layout's single image manifest: its digest and layers (img->source, pulled untouched). */
int oci_layout_read(int layoutfd, OciImage *img, AlcError *e);

/* Reads blobs/sha256/<hex> whole (at most max bytes) and checks its sha256 and, if not
 * UINT64_MAX, its size. *ret_buf is NUL-terminated. */
int oci_blob_read(int layoutfd, const char *hex, uint64_t size, size_t max, char **ret_buf,
		  size_t *ret_len, AlcError *e);

/* A sha256 context over what a layer's reader consumes (OpenSSL's EVP). */
typedef struct OciHash OciHash;
int oci_hash_new(OciHash **ret);
int oci_hash_update(OciHash *h, const void *data, size_t len);
/* Finishes and compares with hex: 0, or -EBADMSG on a mismatch (got is set either way). */
int oci_hash_check(OciHash *h, const char *hex, char got[OCI_HEX_LEN + 1]);
void oci_hash_free(OciHash *h);
