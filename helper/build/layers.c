/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "layers": the profile's image list opened top first, directories here and OCI
 * images by name in image.c; each layer a root-owned directory nobody else can write, on a
 * filesystem that can be idmapped.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "macro.h"
#include "lib/paths.h"

static const char *fs_name(unsigned long magic)
{
	switch (magic) {
	case OVERLAYFS_SUPER_MAGIC:
		return "overlayfs";
	case NFS_SUPER_MAGIC:
		return "nfs";
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case TMPFS_MAGIC:
		return "tmpfs";
	case SQUASHFS_MAGIC:
		return "squashfs";
	case 0x65735546:
		return "fuse";
	case 0x2fc12fc1:
		return "zfs";
	default:
		return NULL;
	}
}

void fs_describe(int fd, char *buf, size_t len)
{
	struct statfs sfs;
	const char *name;

	if (fstatfs(fd, &sfs) < 0) {
		snprintf(buf, len, "an unknown filesystem");
		return;
	}
	name = fs_name((unsigned long)sfs.f_type);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "filesystem type 0x%lx", (unsigned long)sfs.f_type);
}

/* An image layer: a root-owned directory nobody else can write, on a filesystem that can be
 * idmapped (DESIGN §3: an overlayfs mount cannot; mount_setattr then fails with EINVAL). */
static int open_layer(BuildCtx *c, const char *path, int *ret)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	struct stat st, root;
	const char *fs;

	if (path[0] != '/')
		return build_error(c, -EINVAL, "image '%s' is not an absolute path", path);
	if (strcmp(path, "/") == 0) {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = negative_errno();
	} else {
		_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		fd = rootfd < 0 ? negative_errno()
				: paths_openat(rootfd, path + 1, O_PATH | O_DIRECTORY, 0);
	}
	if (fd == -ENOENT)
		return build_error(c, fd, "image '%s' not found", path);
	if (fd == -ELOOP)
		return build_error(
		    c, fd, "image '%s': a component is a symlink (give the real path)", path);
	if (fd < 0)
		return build_error(c, fd, "failed to open image '%s': %m", path);
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0 || stat("/", &root) < 0)
		return build_error(c, negative_errno(), "failed to stat image '%s': %m", path);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return build_error(c, -EPERM,
				   "image '%s' must be owned by root and not writable by "
				   "group or others (owner %u, mode %04o)",
				   path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	fs = fs_name((unsigned long)sfs.f_type);
	if (sfs.f_type == OVERLAYFS_SUPER_MAGIC || sfs.f_type == NFS_SUPER_MAGIC)
		return build_error(c, -EOPNOTSUPP,
				   "image '%s' is on %s, which cannot be idmapped; "
				   "put the image on ext4, xfs, btrfs or tmpfs%s",
				   path, fs,
				   strcmp(path, "/") == 0
				       ? " (a live system or container root cannot "
					 "be image = \"/\")"
				       : "");
	if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
		if (c->spec->profile->mode == ALCOVE_MODE_ROOT)
			return build_error(c, -EPERM,
					   "image '%s' is the host's root: not allowed in "
					   "mode = \"root\" (U would own every host file inside)",
					   path);
		c->host_root_image = true;
	}
	*ret = TAKE_FD(fd);
	return 0;
}

/* The profile's image list, top first: directories, and OCI images by name (each its layers,
 * top first), under the store's shared lock so that `image prune` never removes a layer
 * between its being opened here and its being recorded in the run dir (image.c). */
int prepare_layers(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	_cleanup_close_ int libfd = -1;
	int r;

	if (p->n_image == 0)
		return build_error(c, -EINVAL, "profile %s has no image", p->name);
	for (size_t i = 0; i < p->n_image; i++) {
		if (p->image[i][0] != '/') {
			if (libfd < 0 && (r = paths_open_lib(&libfd)) < 0)
				return build_error(c, r, "failed to open %s safely: %m",
						   ALCOVE_LIB_DIR);
			r = prepare_image_layers(c, libfd, p->image[i]);
			if (r < 0)
				return r;
			continue;
		}
		if (c->n_layers >= POLICY_MAX_LAYERS)
			return build_error(c, -E2BIG, "profile %s stacks more than %d layers", p->name,
					   POLICY_MAX_LAYERS);
		r = open_layer(c, p->image[i], &c->layer_fds[c->n_layers]);
		if (r < 0)
			return r;
		snprintf(c->layer_label[c->n_layers], sizeof(c->layer_label[0]), "%s", p->image[i]);
		c->n_layers++;
	}
	return prepare_layers_record(c);
}
