/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * A pull's layout read and its layers unpacked into the store, once per digest
 * (docs/INTERNALS.md, "OCI images"). Reading and unpacking are alcove-unpack's, a process of
 * its own (unpack/alcove-unpack.c says why), which these run (LIBEXECDIR/alcove-unpack, or
 * $ALCOVE_UNPACK) with the pull's directory as its fd 3; its one error line comes back in an
 * AlcError (stage "unpack") as it worded it, its errno (its exit status) as the return value.
 * The rename into the store is alcovectl's. -errno and *e naming what failed.
 */
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "oci.h"

/* The layout's single image manifest, verified: its digest, layers and sizes, labels and
 * config (img->source and pulled are left empty). */
int oci_unpack_read_layout(int layoutfd, OciImage *img, AlcError *e);

/* The layout's layer <hex> unpacked into <hex>.partial in the layout's directory (removed on
 * failure), its blob's size and sha256 and its uncompressed sha256 (the config's
 * rootfs.diff_ids) checked. */
int oci_unpack_layer(int layoutfd, const char *hex, AlcError *e);

/* partialdirfd/<hex>.partial renamed to layersfd/<hex> (*ret_new) unless a layer of that
 * digest is there already (*ret_new false: the .partial stays, to go with the pull's
 * directory after the store's lock is let go). */
int oci_layer_place(int partialdirfd, int layersfd, const char *hex, bool *ret_new, AlcError *e);
