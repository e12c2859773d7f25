/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "persistent layer", its quota: layer_quota and layer_inodes set on the layer's
 * project (common/quota.h) at every build; lifted only while the child mounts the overlay
 * (build.c, run_parent()), and set again before the helper answers, or when the build fails.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "quota.h"
#include "lib/fault.h"
#include "lib/paths.h"
#include "lib/quota_log.h"
#include "quota_reapply.h"

/* A new layer/ is made where its quota can follow it: a subvolume of its own on btrfs, made
 * whole (ns root's, 0700) under a temporary name and renamed into place, as paths_ensure_dir()
 * makes a directory. Made in place, a concurrent build of the user (another share = "session"
 * alcove takes the layer lock shared) saw it root's and was refused, and a helper killed at
 * its deadline between the two steps left it root's for every later build. */
int persist_make_layer(BuildCtx *c, int userfd)
{
	const Profile *p = c->spec->profile;
	char tmp[PATHS_TEMP_NAME_MAX];
	struct stat st;
	int r;

	if (!layer_quota_wanted(p) || quota_fs_of(userfd) != QUOTA_FS_BTRFS ||
	    fstatat(userfd, "layer", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	r = paths_temp_name(tmp, sizeof(tmp));
	if (r >= 0) {
		r = quota_make_layer_dir(userfd, tmp);
		/* made but not opened or chmod'ed: removed too (ENOENT if never made) */
		if (r < 0)
			(void)unlinkat(userfd, tmp, AT_REMOVEDIR);
	}
	if (r < 0)
		return build_error(c, r, "Failed to make %s/%s/layer as a btrfs subvolume: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user);
	/* made, not yet ns root's: nothing of it may be left as the layer */
	FAULT_POINT("layer-subvol");
	r = paths_publish_dir(userfd, tmp, "layer",
			      &(DirSpec){.uid = idmap_nsroot_uid(&c->ids),
					 .gid = idmap_nsroot_gid(&c->ids),
					 .mode = 0700});
	if (r == -EEXIST)
		return 0; /* a concurrent build made it first: its layer is the one */
	if (r < 0)
		return build_error(c, r, "Failed to hand %s/%s/layer to the alcove: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user);
	return 0;
}

/* The filesystem cannot enforce the quota (r): refused, or a warning per
 * layer_quota_fallback. The builtin quota is a default that only some filesystems can honour,
 * not an admin's request: check-config says so in a note and explain per user
 * (ctl/cmd_config.c, quota_problem()); the build logs it at debug only, as a line at every
 * alcove start would stand in the journal of every host without quotas (ext4 as made by
 * default) and on the terminal of each `alcovectl enter` (the helper logs to stderr too),
 * asking the admin for nothing. A quota an admin wrote is warned about at every build. */
static int quota_unenforced(BuildCtx *c, int r, QuotaFs fs)
{
	const Profile *p = c->spec->profile;
	char size[32];

	layer_quota_describe(p, size, sizeof(size));
	if (p->layer_quota_fallback == QUOTA_FALLBACK_REFUSE)
		return build_error(c, r, "Failed to set layer_quota %s on %s/%s/layer (%s): %m; %s",
				   size, ALCOVE_LIB_DIR, c->spec->login->user, quota_fs_name(fs),
				   quota_hint(fs, r));
	/* a layer made before the quota (EEXIST: not a subvolume, not in the project) is this
	 * layer's, which reset remakes, not the filesystem's: said even for the builtin one */
	if (layer_quota_builtin(p) && r != -EEXIST)
		log_debug("%s's layer: builtin layer_quota not enforced: %s", c->spec->login->user,
			  quota_hint(fs, r));
	else
		log_warning_errno(r,
				  "%s's layer is NOT limited to %s (layer_quota_fallback = "
				  "\"warn\"): %m; %s",
				  c->spec->login->user, size, quota_hint(fs, r));
	return 0;
}

/* No quota wanted (layer_quota = "infinity"): a limit an earlier build set stays on the
 * subvolume or project until it is set to none. The errors that say there is no subvolume,
 * project or quota support at all mean there is nothing to remove. */
static int quota_remove(BuildCtx *c, int layerfd)
{
	const LayerQuota none = {0};
	int r;

	r = quota_apply(layerfd, (uint32_t)c->spec->login->uid, &none);
	if (quota_unenforceable(r))
		return 0;
	return r < 0 ? build_error(c, r, "Failed to remove the quota of %s/%s/layer: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user)
		     : 0;
}

/* layer_quota / layer_inodes, set again at every build (an admin may have changed them); the
 * layer kept in c->quota_fd for quota_lift(). share = "session" stacks the layer read-only as
 * a lower layer: no work/work to make, nothing to lift. */
int persist_quota(BuildCtx *c, int layerfd)
{
	const Profile *p = c->spec->profile;
	const LayerQuota q = {.bytes = p->layer_quota, .inodes = p->layer_inodes};
	int r;

	if (!layer_quota_wanted(p))
		return quota_remove(c, layerfd);
	r = quota_apply(layerfd, (uint32_t)c->spec->login->uid, &q);
	if (r < 0)
		return quota_unenforced(c, r, quota_fs_of(layerfd));
	quota_log_hit(c->spec->login->user, c->spec->login->uid, layerfd);
	if (p->share == SHARE_SESSION)
		return 0;
	c->quota_fd = fcntl(layerfd, F_DUPFD_CLOEXEC, 3);
	return c->quota_fd < 0 ? build_error(c, negative_errno(), "dup: %m") : 0;
}

/* overlayfs remakes work/work at every mount and, with no room for that under the quota,
 * mounts read-only: a user at the quota could never log in and delete. So the limit is lifted
 * as late as that needs, right before the child is told to mount, and set again by
 * quota_restore() before anything of the tenant's runs: the control socket is the user's only
 * after that (helper/verbs/open.c, hand_control()), so no ENTER of theirs is served
 * meanwhile. A build that fails after the lift sets it again too
 * (quota_restore_after_failure()): else the layer kept no limit until a build succeeded, and
 * on ext4/xfs, whose project is the uid's, neither did the running alcove of another name of
 * that uid. */
int quota_lift(BuildCtx *c)
{
	const LayerQuota none = {0};
	int r;

	if (c->quota_fd < 0)
		return 0;
	r = quota_apply(c->quota_fd, (uint32_t)c->spec->login->uid, &none);
	if (r < 0)
		return build_error(c, r, "Failed to lift %s/%s/layer's quota for the mount: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user);
	c->quota_lifted = true;
	return 0;
}

/* The limit quota_lift() lifted, set again; once: a failure is told once. */
static int quota_set_again(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	const LayerQuota q = {.bytes = p->layer_quota, .inodes = p->layer_inodes};

	if (!c->quota_lifted)
		return 0;
	c->quota_lifted = false;
	return quota_apply(c->quota_fd, (uint32_t)c->spec->login->uid, &q);
}

/* Once the child has exec'd init: before the helper answers, so before any login of the
 * tenant's. */
int quota_restore(BuildCtx *c)
{
	int r = quota_set_again(c);

	return r < 0 ? build_error(c, r,
				   "Failed to set the quota of %s's layer again: %m; it is NOT "
				   "limited until their next login",
				   c->spec->login->user)
		     : 0;
}

/* A build that failed after the lift: its child is dead (its overlay with it), the layer lock
 * still held, so no other build of the user has lifted the limit meanwhile. The build's own
 * error is the one answered: this one is logged. */
void quota_restore_after_failure(BuildCtx *c)
{
	char size[32];
	int r = quota_set_again(c);

	if (r >= 0)
		return;
	layer_quota_describe(c->spec->profile, size, sizeof(size));
	log_warning_errno(r,
			  "Failed to set layer_quota %s on %s/%s/layer again after its build "
			  "failed: %m; it is NOT limited until %s's next login",
			  size, ALCOVE_LIB_DIR, c->spec->login->user, c->spec->login->user);
}
