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
#include "mountapi.h"

/* The 0700 directory inside a masking tmpfs that holds the original tree, and its mount point. */
#define HIDDEN_DIR ".alcove-lobby"
#define HIDDEN_TREE HIDDEN_DIR "/host"

static const uint64_t SAFE = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

/*
 * One entry of the masked directory, made in the new tmpfs `mnt` (still detached and
 * writable): every name a symlink into the hidden tree, which only CAP_DAC_OVERRIDE passes;
 * `keep` a directory to bind the original on (returns 1), or the same symlink as the original.
 */
static int mask_entry(int mnt, int orig, const struct dirent *e, const char *keep)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (!keep || strcmp(e->d_name, keep) != 0) {
		if ((size_t)snprintf(target, sizeof(target), HIDDEN_TREE "/%s", e->d_name) >=
		    sizeof(target))
			return -ENAMETOOLONG;
		return RET_NERRNO(symlinkat(target, mnt, e->d_name));
	}
	if (fstatat(orig, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return mkdirat(mnt, e->d_name, 0755) < 0 ? negative_errno() : 1;
	if (!S_ISLNK(st.st_mode))
		return -ENOTDIR;
	n = readlinkat(orig, e->d_name, target, sizeof(target) - 1);
	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	return RET_NERRNO(symlinkat(target, mnt, e->d_name));
}

/* The tmpfs that covers the directory: 0711, root's, read-only once filled. 1: keep is a
 * directory to bind back; 0: there is none (missing, or copied as a symlink). */
static int mask_fill(int mnt, int orig, const char *keep)
{
	DIR *d = NULL;
	struct dirent *e;
	int r, bind = 0;

	if (mkdirat(mnt, HIDDEN_DIR, 0700) < 0 || mkdirat(mnt, HIDDEN_TREE, 0755) < 0)
		return negative_errno();
	r = opendir_fd(orig, &d);
	if (r < 0)
		return r;
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, HIDDEN_DIR) == 0)
			continue;
		r = mask_entry(mnt, orig, e, keep);
		if (r < 0)
			break;
		bind |= r;
	}
	if (r >= 0 && errno)
		r = negative_errno();
	closedir(d);
	return r < 0 ? r : bind;
}

int lobby_mask_dir(int dirfd, const char *keep, bool writable)
{
	_cleanup_close_ int orig = -1, mnt = -1, hidden = -1, src = -1, dst = -1, tree = -1;
	int r, bind;

	if (keep && (!*keep || strchr(keep, '/') || strcmp(keep, HIDDEN_DIR) == 0))
		return -EINVAL;
	/* The directory as it is, with every mount below it: root reaches it all through the
	 * hidden tree. A clone keeps the lobby's propagation (slave of the host), so mounts the
	 * host makes below it later (logind's /run/user/N) still arrive. */
	orig = RET_NERRNO(open_tree(dirfd, "",
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
	if (orig < 0)
		return orig;
	mnt = mnt_new_fs("tmpfs", "mode=0711,size=256k", SAFE);
	if (mnt < 0)
		return mnt;
	bind = mask_fill(mnt, orig, keep);
	if (bind < 0)
		return bind;
	r = writable ? 0 : mnt_setattr(mnt, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
	if (r < 0)
		return r;
	r = mnt_attach(mnt, dirfd);
	if (r < 0)
		return r;
	hidden = open_beneath(mnt, HIDDEN_TREE, O_PATH | O_DIRECTORY, 0);
	if (hidden < 0)
		return hidden;
	r = mnt_attach(orig, hidden);
	if (r < 0 || !bind)
		return r;
	/* keep, as a real mount: the login user reaches it (and nothing else) by its path. */
	src = open_beneath(orig, keep, O_PATH | O_DIRECTORY, 0);
	if (src < 0)
		return src;
	tree = RET_NERRNO(open_tree(src, "",
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
	if (tree < 0)
		return tree;
	dst = open_beneath(mnt, keep, O_PATH | O_DIRECTORY, 0);
	if (dst < 0)
		return dst;
	return mnt_attach(tree, dst);
}

int lobby_mask_empty(int dirfd, const char *options, uint64_t attrs)
{
	_cleanup_close_ int mnt = mnt_new_fs("tmpfs", options, SAFE | attrs);

	if (mnt < 0)
		return mnt;
	return mnt_attach(mnt, dirfd);
}
