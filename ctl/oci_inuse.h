/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Which layers of the store are in use: named by an image record, or by a
 * /run/alcove/<name>/layers file (the layers an alcove stacks, written by the helper under
 * the store's shared lock; docs/INTERNALS.md, "OCI images").
 */
#include <stdbool.h>
#include <stddef.h>

#include "oci_store.h"

typedef struct OciLayerSet {
	char (*hex)[OCI_HEX_LEN + 1];
	size_t n, cap;
} OciLayerSet;

void oci_layer_set_free(OciLayerSet *set);
bool oci_layer_set_has(const OciLayerSet *set, const char *hex);

/* Adds every image record's layers. -errno (a record that cannot be read: nothing is known)
 * with *e (stage "oci store") naming it. */
int oci_layers_of_images(const OciStore *s, OciLayerSet *set, AlcError *e);
/* Adds the layers of every alcove under /run/alcove, running or not (gc removes the dead
 * ones' directories): -errno when one cannot be read, with *e naming it. */
int oci_layers_of_alcoves(OciLayerSet *set, AlcError *e);
/* The users of the live alcoves (statefile_alive: a dead one's directory waits for gc) that
 * stack every layer of img (run this version of it), one a line; an alcove whose liveness
 * cannot be told counts. */
int oci_alcoves_using(const OciImage *img, char *buf, size_t len);
/* The OCI layers the live alcove /run/alcove/<name> stacks, top first, as its build pinned
 * them, in groups: one per run of the profile's OCI images between directory images, in the
 * profile's order, into groups[0..max) (empty sets, freed by the caller). 0 with *ret_n 0
 * when it does not run (or stacks none); -EBADMSG for a file that is not such groups. */
int oci_live_alcove_layer_groups(const char *name, OciLayerSet *groups, size_t max, size_t *ret_n);
