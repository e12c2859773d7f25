/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper's mount points in a user's overlay, from the plan it builds (layer_points.h).
 */
#include "layer_points.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build/rootfs_plan.h"

void layer_points_free(LayerPoints *pts)
{
	for (size_t i = 0; i < pts->n; i++)
		free((char *)pts->v[i].path);
	free(pts->v);
	*pts = (LayerPoints){0};
}

int layer_points_build(const Profile *p, const char *home, bool host_root, LayerPoints *ret)
{
	/* the plan the helper's rootfs_prepare.c builds; /etc/passwd's and /etc/group's content
	 * and the ssh keys it masks on "/" change no mount point made in the overlay; in root
	 * mode the two are no mount points but the alcove's own files (DESIGN §4) */
	const RootfsInput in = {
	    .host_root_image = host_root,
	    .setuid = p->setuid,
	    .network_none = p->network == NETWORK_NONE,
	    .tmp_size = p->tmp_size,
	    .tmp_inodes = p->tmp_inodes,
	    .home = home,
	    .mounts = p->mounts,
	    .n_mounts = p->n_mounts,
	    .passwd = "",
	    .group = "",
	    .tenant_accounts = p->mode == ALCOVE_MODE_ROOT,
	};
	LayerPoints pts = {0};
	RootfsPlan plan;
	int r = rootfs_plan_build(&in, &plan);

	if (r < 0)
		return r;
	pts.v = calloc(plan.n, sizeof(*pts.v));
	if (!pts.v)
		return -ENOMEM;
	for (size_t i = 0; i < plan.n; i++) {
		if (!rootfs_step_on_overlay(&plan, i))
			continue;
		pts.v[pts.n].path = strdup(plan.step[i].target);
		if (!pts.v[pts.n].path) {
			layer_points_free(&pts);
			return -ENOMEM;
		}
		pts.v[pts.n++].file = plan.step[i].file;
	}
	*ret = pts;
	return 0;
}
