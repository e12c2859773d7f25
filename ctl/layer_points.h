/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The mount points the helper makes in a user's overlay, so in their persistent layer when
 * the image lacks them, for `alcovectl layer diff` to tell from the user's changes
 * (ctl/layer_diff.h). Worked out by the helper's own plan code (helper/build/rootfs_plan.c,
 * rootfs_step_on_overlay()) on the profile, not by a list of its own that could drift from
 * what rootfs_apply.c does. No syscalls, no logging: -errno.
 */
#include <stdbool.h>

#include "layer_diff.h"
#include "policy.h"

typedef struct LayerPoints {
	LayerMountPoint *v; /* owned, and the paths too */
	size_t n;
} LayerPoints;

/* home: the user's home path inside (their passwd entry's); host_root: an image of the
 * profile is the host's "/" (as the helper finds it: helper/build/layers.c). -EINVAL when the
 * profile makes no plan (a mount target or the home not a clean absolute path), -ENOMEM. */
int layer_points_build(const Profile *p, const char *home, bool host_root, LayerPoints *ret);
void layer_points_free(LayerPoints *pts);
