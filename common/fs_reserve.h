/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The reserve of the image store's filesystem (/var/lib/alcove): what neither a layer's unpack
 * (unpack/layer_unpack.c) nor skopeo's download (ctl/cmd_image.c) may take of it,
 * 1/FS_RESERVE_PART of its size and of its inodes, so that a hostile or huge image does not
 * fill the host's disk. Pure arithmetic on a statvfs, and the look itself (fstatvfs).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/statvfs.h>

#define FS_RESERVE_PART 20
#define FS_RESERVE_PERCENT (100 / FS_RESERVE_PART)
/* fs_reserve_describe()'s text fits */
#define FS_RESERVE_TEXT_MAX 256

typedef struct FsReserve {
	uint64_t free_bytes, free_inodes, reserve_bytes, reserve_inodes;
	bool inodes_counted; /* false: the filesystem has no inode count (btrfs says 0) */
} FsReserve;

/* The reserve and what is free of a statvfs: f_bavail and f_favail, what is left to users,
 * root's own reserve (ext4's 5%) apart, which is what a full disk takes. */
void fs_reserve_from_statvfs(const struct statvfs *sv, FsReserve *ret);

/* The same for the filesystem of fd as it is now: 0 or fstatvfs' -errno. */
int fs_reserve_look(int fd, FsReserve *ret);

/* Whether extra_bytes and extra_inodes more would leave less than the reserve free. */
bool fs_reserve_short(const FsReserve *f, uint64_t extra_bytes, uint64_t extra_inodes);

/* "refusing to fill the filesystem past its reserve: 5% of its size and inodes stay free
 * (X KiB, N inodes; Y KiB, M inodes free now)" into buf (FS_RESERVE_TEXT_MAX); buf. */
const char *fs_reserve_describe(const FsReserve *f, char *buf, size_t len);
