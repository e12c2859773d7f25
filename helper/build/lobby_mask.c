/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the lobby hides from the login user that the alcove hides too (lobby_mask.h). Runs in
 * the lobby child of lobby.c, in the lobby mount ns, as host root.
 */
#include "lobby_mask.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "lib/mountapi.h"

/* The 0700 directory inside a masking tmpfs that holds the original tree, and its mount point. */
#define HIDDEN_DIR ".alcove-lobby"
#define HIDDEN_TREE HIDDEN_DIR "/host"

static const uint64_t SAFE = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

/*
 * What stays of the directory for everyone, prepared in the new tmpfs `mnt` (still detached
 * and writable): a directory to bind a recursive clone of the original on (*ret_tree), or a
 * copy of the original symlink; nothing when there is none.
 */
static int keep_prepare(int dirfd, int mnt, const char *keep, int keep_tree, int *ret_tree)
{
	_cleanup_close_ int src = -1, tree = -1;
	char target[PATH_MAX];
	ssize_t n;

	*ret_tree = -1;
	if (keep_tree >= 0) {
		tree = RET_NERRNO(fcntl(keep_tree, F_DUPFD_CLOEXEC, 3));
		if (tree < 0)
			return tree;
		if (mkdirat(mnt, keep, 0755) < 0)
			return negative_errno();
		*ret_tree = TAKE_FD(tree);
		return 0;
	}
	src = open_beneath(dirfd, keep, O_PATH | O_DIRECTORY, 0);
	if (src == -ENOENT)
		return 0;
	if (src == -ELOOP || src == -ENOTDIR) {
		n = readlinkat(dirfd, keep, target, sizeof(target) - 1);
		if (n < 0)
			return errno == EINVAL ? -ENOTDIR : negative_errno(); /* a file */
		target[n] = '\0';
		return RET_NERRNO(symlinkat(target, mnt, keep));
	}
	if (src < 0)
		return src;
	tree = RET_NERRNO(
	    open_tree(src, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
	if (tree < 0)
		return tree;
	if (mkdirat(mnt, keep, 0755) < 0)
		return negative_errno();
	*ret_tree = TAKE_FD(tree);
	return 0;
}

/* Every entry of orig but keep as a symlink into the hidden tree, which only CAP_DAC_OVERRIDE
 * passes. */
static int link_others(int mnt, int orig, const char *keep)
{
	char target[PATH_MAX];
	DIR *d = NULL;
	struct dirent *e;
	int r;

	if (mkdirat(mnt, HIDDEN_DIR, 0700) < 0 || mkdirat(mnt, HIDDEN_TREE, 0755) < 0)
		return negative_errno();
	r = opendir_fd(orig, &d);
	if (r < 0)
		return r;
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, HIDDEN_DIR) == 0 || (keep && strcmp(e->d_name, keep) == 0))
			continue;
		if ((size_t)snprintf(target, sizeof(target), HIDDEN_TREE "/%s", e->d_name) >=
		    sizeof(target)) {
			r = -ENAMETOOLONG;
			break;
		}
		r = RET_NERRNO(symlinkat(target, mnt, e->d_name));
		if (r < 0)
			break;
	}
	if (r >= 0 && errno)
		r = negative_errno();
	closedir(d);
	return r;
}

/* The tmpfs, filled, over dirfd; then the original tree into the hidden dir, keep onto its
 * mount point. */
static int mask_attach(int mnt, int dirfd, int orig, const char *keep, int tree)
{
	_cleanup_close_ int hidden = -1, dst = -1;
	int r;

	r = mnt_attach(mnt, dirfd);
	if (r < 0)
		return r;
	if (orig >= 0) {
		hidden = open_beneath(mnt, HIDDEN_TREE, O_PATH | O_DIRECTORY, 0);
		if (hidden < 0)
			return hidden;
		r = mnt_attach(orig, hidden);
		if (r < 0)
			return r;
	}
	if (tree < 0)
		return 0;
	dst = open_beneath(mnt, keep, O_PATH | O_DIRECTORY, 0);
	if (dst < 0)
		return dst;
	return mnt_attach(tree, dst);
}

int lobby_mask_dir(int dirfd, const char *keep, int keep_tree, unsigned flags)
{
	_cleanup_close_ int orig = -1, mnt = -1, tree = -1;
	int r;

	if (keep && (!*keep || strchr(keep, '/') || strcmp(keep, HIDDEN_DIR) == 0 ||
		     strcmp(keep, ".") == 0 || strcmp(keep, "..") == 0))
		return -EINVAL;
	/* The directory as it is, with every mount below it: root reaches it all through the
	 * hidden tree. A clone keeps the lobby's propagation (slave of the host), so mounts the
	 * host makes below it later (logind's /run/user/N) still arrive. */
	if (flags & LOBBY_MASK_LINK_OTHERS) {
		orig = RET_NERRNO(open_tree(
		    dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
		if (orig < 0)
			return orig;
	}
	mnt = mnt_new_fs("tmpfs", "mode=0711,size=256k", SAFE);
	if (mnt < 0)
		return mnt;
	r = keep ? keep_prepare(dirfd, mnt, keep, keep_tree, &tree) : 0;
	if (r >= 0 && orig >= 0)
		r = link_others(mnt, orig, keep);
	if (r >= 0 && !(flags & LOBBY_MASK_WRITABLE))
		r = mnt_setattr(mnt, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
	if (r < 0)
		return r;
	return mask_attach(mnt, dirfd, orig, keep, tree);
}

int lobby_mask_empty(int dirfd, const char *options, uint64_t attrs)
{
	_cleanup_close_ int mnt = mnt_new_fs("tmpfs", options, SAFE | attrs);

	if (mnt < 0)
		return mnt;
	return mnt_attach(mnt, dirfd);
}
