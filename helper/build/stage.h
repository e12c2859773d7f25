/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the pipeline driver (build.c) and its stages share while one alcove is being built.
 * The stages run in this order, each a file named for it (DESIGN §12):
 *   ids.c          subordinate ranges, uid and gid maps
 *   layers.c       image layers (directories; image.c: OCI images by name)
 *   persist.c      the persistent layer or the tmpfs upper (layer_quota.c: its quota,
 *                  layer_repair.c: its root's owner)
 *   home.c         the home volume
 *   mounts.c       profile mounts and /tmp
 *   init_files.c   alcove-init, its control and admin sockets, /dev/null
 *   rootfs_prepare.c  the filesystem plan (rootfs_plan.c) and its bind mounts
 * then userns.c (clone, maps), scope.c (the systemd scope), and in the child init_spawn.c and
 * rootfs_apply.c. A stage calls lib/ and common/ only, never a verb.
 */

#include "build.h"
#include "child.h"
#include "error.h"
#include "idmap.h"
#include "oci.h"

struct DirSpec; /* lib/paths.h */

/* The helper's detached mounts the child clones from the staging area (child.h): home,
 * profile mounts, /tmp. */
#define BUILD_MAX_BIND_FDS (2 + POLICY_MAX_MOUNTS)

typedef struct BuildCtx {
	const BuildSpec *spec;
	AlcError *error;   /* the caller's: the failure, its stage, tenant or not (build.h) */
	const char *stage; /* the stage running now, recorded with a failure */

	IdmapSpec ids;
	char uid_map[IDMAP_TEXT_MAX];
	char gid_map[IDMAP_TEXT_MAX];

	int layer_fds[POLICY_MAX_LAYERS]; /* O_PATH dirs of the image layers, top first */
	size_t n_layers;
	/* each layer for messages: its image path, or "NAME's layer sha256:<12 hex>" */
	char layer_label[POLICY_MAX_LAYERS][OCI_NAME_MAX + 40];
	char layer_hex[POLICY_MAX_LAYERS][OCI_HEX_LEN + 1]; /* "" for a directory image */
	int oci_lock_fd; /* the image store's lock, shared, until the layers are recorded */
	bool host_root_image;
	int bind_fds[BUILD_MAX_BIND_FDS]; /* detached mounts: home, profile mounts, /tmp */
	size_t n_bind_fds;

	char home_inside[4096];
	char hostname[65];
	char passwd[4096];
	char group[8192];
	char ssh_keys[ROOTFS_MAX_SSH_KEYS][64];
	const char *ssh_key_ptrs[ROOTFS_MAX_SSH_KEYS];
	size_t n_ssh_keys;
	char init_args[10][256];

	int quota_fd; /* the layer, whose quota quota_lift() lifts; -1: none to lift */
	/* lifted: quota_restore() or quota_restore_after_failure() sets it again */
	bool quota_lifted;

	ChildSetup cs; /* the fds in it are owned by this context until the clone */
	int sync_fd;   /* the helper's end */
} BuildCtx;

/* Records the failure r of the current stage in c->error (common/error.h: "<fmt with %m = r>");
 * returns r (negative). build_error_tenant() also marks it as one of what the user controls
 * (build.h). stage_error.c. */
int build_error(BuildCtx *c, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int build_error_tenant(BuildCtx *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The host-side stages, in order: everything opened or computed before the clone. */
int prepare_ids(BuildCtx *c);		 /* ids.c */
int prepare_layers(BuildCtx *c);	 /* layers.c */
int prepare_persist(BuildCtx *c);	 /* persist.c */
int prepare_home(BuildCtx *c);		 /* home.c */
int prepare_profile_mounts(BuildCtx *c); /* mounts.c */
int prepare_tmp(BuildCtx *c);		 /* mounts.c */
int prepare_init(BuildCtx *c);		 /* init_files.c */
int prepare_control(BuildCtx *c);	 /* init_files.c */
int prepare_plan(BuildCtx *c);		 /* rootfs_prepare.c */
/* image.c: image = "NAME", the layers of an OCI image in /var/lib/alcove/oci. */
int prepare_image_layers(BuildCtx *c, int libfd, const char *name);
int prepare_layers_record(BuildCtx *c);
void build_ctx_done(BuildCtx *c);
/* layers.c: "ext4", "overlayfs", or "filesystem type 0x..." of the fs holding fd. */
void fs_describe(int fd, char *buf, size_t len);
/* layer_quota.c: a new layer/ as a btrfs subvolume when a quota is wanted there; the quota set
 * (c->quota_fd kept to lift it), lifted right before the child mounts the overlay, set again
 * once the child has exec'd init or, logged if it cannot be, when the build failed after the
 * lift (build_ctx_done()). */
int persist_make_layer(BuildCtx *c, int userfd);
int persist_quota(BuildCtx *c, int layerfd);
int quota_lift(BuildCtx *c);
void quota_restore_after_failure(BuildCtx *c);
/* layer_repair.c: layer/upper, owned by another id of the user's range (ns root's chown of
 * its "/"), given back to ns root; -EPERM if it is not that. */
int persist_repair_upper(BuildCtx *c, int layerfd, const struct DirSpec *spec, int *ret_fd);
/* layer_repair.c: the home (an O_PATH fd), owned by another id of the user's range, given back
 * to U; -EPERM if it is not that. */
int repair_home_owner(BuildCtx *c, int fd, const char *path);
int quota_restore(BuildCtx *c);
