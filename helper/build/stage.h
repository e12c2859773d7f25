/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What build.c and prepare.c share while one alcove is being built. */

#include "build.h"
#include "oci.h"

typedef struct BuildCtx {
	const BuildSpec *spec;
	char *err;
	size_t errlen;
	bool tenant; /* the failure is in something the user controls (build.h) */

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
	int bind_fds[2 + POLICY_MAX_MOUNTS]; /* detached mounts: home, profile mounts, /tmp */
	size_t n_bind_fds;

	char home_inside[4096];
	char hostname[65];
	char passwd[4096];
	char group[8192];
	char ssh_keys[ROOTFS_MAX_SSH_KEYS][64];
	const char *ssh_key_ptrs[ROOTFS_MAX_SSH_KEYS];
	size_t n_ssh_keys;
	char init_args[10][256];

	int quota_fd; /* the layer, whose quota build_quota_restore() sets again; -1: none */

	ChildSetup cs; /* the fds in it are owned by this context until the clone */
	int sync_fd;   /* the helper's end */
} BuildCtx;

/* Writes "<fmt with %m = r>" into c->err; returns r (negative). build_error_tenant() also marks
 * the failure as one of what the user controls (build.h). */
int build_error(BuildCtx *c, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int build_error_tenant(BuildCtx *c, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* prepare.c: everything opened or computed on the host before the clone. */
int prepare_ids(BuildCtx *c);
int prepare_layers(BuildCtx *c);
int prepare_persist(BuildCtx *c);
int prepare_home(BuildCtx *c);
int prepare_profile_mounts(BuildCtx *c);
int prepare_tmp(BuildCtx *c);
int prepare_init(BuildCtx *c);
int prepare_control(BuildCtx *c);
int prepare_plan(BuildCtx *c);
/* prepare_image.c: image = "NAME", the layers of an OCI image in /var/lib/alcove/oci. */
int prepare_image_layers(BuildCtx *c, int libfd, const char *name);
int prepare_layers_record(BuildCtx *c);
void build_ctx_done(BuildCtx *c);
/* "ext4", "overlayfs", or "filesystem type 0x..." of the fs holding fd. */
void fs_describe(int fd, char *buf, size_t len);
