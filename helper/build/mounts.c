/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "mounts": the profile's mount sources, reached through root's directories only,
 * and the alcove's /tmp, a tmpfs of host root's.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>

#include "macro.h"
#include "lib/mountapi.h"
#include "lib/paths.h"

/*
 * An admin's mount source, reached through root's directories only: every directory above it
 * root-owned and writable by nobody else, no symlink anywhere (the source itself may be the
 * user's). Else a user who owns or may write a directory on the way could swap the rest of
 * the path for a symlink to /etc and have root mount that into the alcove.
 */
static int open_mount_source(BuildCtx *c, const ProfileMount *m, int *ret_fd)
{
	const char *bad = NULL, *name = c->spec->profile->name;
	int r;

	r = paths_open_under_trusted(m->source, O_PATH, ret_fd, &bad);
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR)
		return build_error(c, -EPERM,
				   "mount source '%s' of profile %s: '%.*s' is a symlink, or a "
				   "directory above the source not owned by root or writable by "
				   "others",
				   m->source, name,
				   bad && bad > m->source ? (int)(bad - m->source) : 1, m->source);
	if (r < 0)
		return build_error(c, r, "mount source '%s' of profile %s: %m", m->source, name);
	return 0;
}

int prepare_profile_mounts(BuildCtx *c)
{
	const Profile *p = c->spec->profile;

	for (size_t i = 0; i < p->n_mounts; i++) {
		int fd = -1, r = open_mount_source(c, &p->mounts[i], &fd);

		if (r < 0)
			return r;
		c->bind_fds[c->n_bind_fds++] = fd;
	}
	return 0;
}

/*
 * /tmp is a tmpfs of host root's (made here, in the initial user namespace), root 1777, sized by
 * the profile. The lobby imports the alcove's /tmp for sshd and PAM, which run as host root; a
 * tmpfs the alcove's ns root mounted would belong to an id of the user's range (the user itself
 * in root mode, its first subordinate id in user mode): whoever holds it could drop the sticky
 * bit and make root follow its symlinks there (protected_symlinks trusts a directory's owner).
 * This one's root is nobody's inside, and the lobby checks that it is still the one in place.
 */
int prepare_tmp(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	char options[ROOTFS_TMPFS_OPTIONS_MAX];
	int fd, r;

	r = rootfs_tmpfs_options("1777", &p->tmp_size, p->tmp_inodes, options, sizeof(options));
	if (r < 0)
		return build_error(c, r, "tmp_size/tmp_inodes of profile %s: %m", p->name);
	fd = mnt_new_fs("tmpfs", options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (fd < 0)
		return build_error(c, fd, "create the tmpfs for /tmp (%s): %m", options);
	c->bind_fds[c->n_bind_fds++] = fd;
	return 0;
}
