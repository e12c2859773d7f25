/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The persistent layer's disk quota, enforced by the kernel (DESIGN §4):
 *   btrfs      the layer is a subvolume of its own, limited by its level-0 qgroup
 *              (referenced bytes; qgroups count no inodes);
 *   ext4, xfs  the layer directory carries a project id (the user's uid) with
 *              FS_XFLAG_PROJINHERIT, limited by a project quota (bytes and inodes).
 * The tenant cannot move its files out of the project or the subvolume: changing a
 * project id is refused outside the initial user namespace, renames across projects or
 * subvolumes are EXDEV.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
	QUOTA_FS_NONE,    /* a filesystem with no per-directory quota (tmpfs, ...) */
	QUOTA_FS_BTRFS,   /* subvolume + qgroup */
	QUOTA_FS_PROJECT, /* ext4 or xfs project quota */
} QuotaFs;

typedef struct LayerQuota {
	uint64_t bytes;  /* 0: no limit */
	uint64_t inodes; /* 0: no limit */
} LayerQuota;

typedef struct QuotaUsage {
	QuotaFs fs;
	uint64_t bytes, bytes_limit; /* limit 0: none */
	uint64_t inodes, inodes_limit;
	bool counts_inodes; /* false on btrfs */
} QuotaUsage;

QuotaFs quota_fs_of(int fd);
const char *quota_fs_name(QuotaFs fs); /* "btrfs", "project", "none" */

/* Whether fd is the root of a btrfs subvolume (which has a device number of its own without
 * being a mount point). */
bool quota_is_subvolume(int fd);

/* Makes parentfd/name as a directory the quota can follow: a subvolume on btrfs, a plain
 * directory (mode 0700, root) elsewhere. -EEXIST if it exists. */
int quota_make_layer_dir(int parentfd, const char *name);

/* Sets (or re-sets: idempotent, done at every build) the limits on the layer directory.
 * projid is the project id for ext4/xfs. Errors, each with a hint from quota_hint():
 *   -EOPNOTSUPP  the filesystem has no per-directory quota, or btrfs and q->inodes
 *   -ENOTCONN    btrfs quotas are disabled on the filesystem
 *   -ESRCH       project quotas are not enabled (mount option prjquota), -ENOSYS no kernel support
 *   -EEXIST      the layer was made before a quota was configured (not a subvolume, or files
 *                outside the project) */
int quota_apply(int layerfd, uint32_t projid, const LayerQuota *q);

/* Whether a quota could be enforced on the filesystem of dirfd (the directory that holds the
 * layers), without changing anything: 0, or quota_apply()'s errors. For explain. */
int quota_probe(int dirfd, const LayerQuota *q);

/* Current usage and limits of the layer: -EEXIST when the layer is not counted on its own (not
 * a subvolume, not in the project: made before a quota was set up), quota_apply()'s other
 * errors when the filesystem does not count it. */
int quota_read(int layerfd, uint32_t projid, QuotaUsage *ret);

/* One sentence telling the admin how to make quota_apply()'s error go away. */
const char *quota_hint(QuotaFs fs, int err);
