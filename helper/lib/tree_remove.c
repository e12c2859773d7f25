/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Removing a tree a tenant wrote (the persistent layer: in root mode the user is its ns root),
 * for reset and gc. By fds only: openat O_NOFOLLOW, unlinkat, never a path through a symlink,
 * never into another mount. The tree may be deeper than any fd limit (a directory chain of
 * 5000 levels takes a few seconds to make), so no more than TREE_MAX_OPEN levels are open at
 * once: a directory met below that depth is renamed to the top of the tree under a unique name
 * (same filesystem: a rename is just a link change) and emptied from there in a later pass.
 * Everything below the top is being deleted anyway, so where a subtree sits does not matter.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs_tree.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "macro.h"
#include "quota.h"
#include "tree_remove.h"

#define TREE_MAX_OPEN 32

typedef struct TreeRemoval {
	int topfd;	     /* the directory being removed */
	dev_t dev;	     /* its filesystem: nothing on another is touched */
	unsigned long moved; /* subtrees moved to the top so far (also their names) */
	const char *last;    /* an entry of the top removed after all else (NULL: none) */
	char *bad;
	size_t badlen;
} TreeRemoval;

/* A directory entry that is a mount point or on another filesystem is not ours to empty: -EXDEV.
 * 1 for the root of a btrfs subvolume of the same mount (a layer with a quota, quota.h): it has a
 * device number of its own, and renames out of it are EXDEV, so it is removed as a tree of its
 * own; *ret_dev is its device. */
static int check_same_mount(TreeRemoval *t, int dirfd, const char *name, dev_t *ret_dev)
{
	_cleanup_close_ int fd = -1;
	struct statx stx;
	dev_t dev;

	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO, &stx) < 0)
		return negative_errno();
	dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	if (!(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) && dev != t->dev &&
	    stx.stx_ino == BTRFS_FIRST_FREE_OBJECTID) {
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) /* EMFILE, EACCES...: its own error, not "a mount point" */
			return negative_errno();
		if (quota_is_subvolume(fd)) {
			*ret_dev = dev;
			return 1;
		}
	}
	if (dev != t->dev || (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		snprintf(t->bad, t->badlen, "%s", name);
		return -EXDEV;
	}
	return 0;
}

/* Moves dirfd/name to the top under a name no entry has (RENAME_NOREPLACE). */
static int move_to_top(TreeRemoval *t, int dirfd, const char *name)
{
	char to[64];
	int r;

	do {
		snprintf(to, sizeof(to), ".alcove-remove-%lu", t->moved++);
		r = RET_NERRNO(renameat2(dirfd, name, t->topfd, to, RENAME_NOREPLACE));
	} while (r == -EEXIST);
	return r;
}

static int empty_dir(TreeRemoval *t, int fd, unsigned depth);

/* A subvolume at its qgroup limit refuses the renames below TREE_MAX_OPEN levels with EDQUOT,
 * even to root (btrfs reserves metadata space for a rename; unlink and rmdir it lets through):
 * a tenant who filled their layer behind a deep chain would make it impossible to delete. So
 * its limit goes first, and comes back if the removal fails (a mount point below it, EIO,
 * entries added meanwhile through an overlay that outlived its alcove: ENOTEMPTY): left lifted,
 * the layer had no limit until its user's next build, while such an overlay could write on.
 * Best effort either way: with quotas off there is no limit, and the failure that matters is
 * the removal's, which is reported. Held by fd: btrfs deletes an empty subvolume that is open. */
static int remove_subvolume(TreeRemoval *t, int dirfd, const char *name, dev_t dev)
{
	_cleanup_close_ int fd = -1;
	QuotaUsage u = {0};
	bool lifted = false;
	int r;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && quota_read(fd, 0, &u) == 0 && u.bytes_limit != 0)
		lifted = quota_apply(fd, 0, &(const LayerQuota){0}) == 0;
	r = remove_tree(dirfd, name, dev, t->bad, t->badlen);
	if (r < 0 && lifted)
		(void)quota_apply(fd, 0, &(const LayerQuota){.bytes = u.bytes_limit});
	return r;
}

/* Removes dirfd/name, a directory, with everything below it (or moves it to the top). */
static int remove_subdir(TreeRemoval *t, int dirfd, const char *name, unsigned depth)
{
	dev_t subvol_dev;
	int fd, r;

	r = check_same_mount(t, dirfd, name, &subvol_dev);
	if (r < 0)
		return r;
	if (r == 1) /* a tree of its own, with its own top; an empty subvolume goes with rmdir */
		return remove_subvolume(t, dirfd, name, subvol_dev);
	if (depth >= TREE_MAX_OPEN)
		return move_to_top(t, dirfd, name);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	r = empty_dir(t, fd, depth + 1); /* closes fd */
	if (r < 0)
		return r;
	return RET_NERRNO(unlinkat(dirfd, name, AT_REMOVEDIR));
}

/* Removes every entry of fd (taken: closed here), whose depth below the top is depth. */
static int empty_dir(TreeRemoval *t, int fd, unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = fdopendir(fd);
	if (!d) {
		r = negative_errno(); /* before close(), which may set errno */
		close(fd);
		return r;
	}
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (depth == 0 && t->last && strcmp(de->d_name, t->last) == 0))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = negative_errno();
		else if (S_ISDIR(st.st_mode))
			r = remove_subdir(t, dirfd(d), de->d_name, depth);
		else if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			r = negative_errno();
	}
	if (r >= 0 && errno != 0)
		r = negative_errno(); /* readdir failed */
	closedir(d);
	return r;
}

/* Empties t->topfd: pass after pass, until one moved nothing to the top (it then removed all
 * it saw, and nothing else adds to the tree). */
static int empty_top(TreeRemoval *t)
{
	unsigned long before;
	int r;

	do {
		int fd = fcntl(t->topfd, F_DUPFD_CLOEXEC, 3);

		if (fd < 0)
			return negative_errno();
		/* the duplicate shares the file offset: start each pass at the beginning */
		if (lseek(fd, 0, SEEK_SET) < 0) {
			r = negative_errno(); /* before close(), which may set errno */
			close(fd);
			return r;
		}
		before = t->moved;
		r = empty_dir(t, fd, 0);
		if (r < 0)
			return r;
	} while (t->moved != before);
	if (t->last && unlinkat(t->topfd, t->last, 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

int remove_tree(int parentfd, const char *name, dev_t dev, char *bad, size_t badlen)
{
	return remove_tree_last(parentfd, name, dev, NULL, bad, badlen);
}

int remove_tree_last(int parentfd, const char *name, dev_t dev, const char *last, char *bad,
		     size_t badlen)
{
	TreeRemoval t = {.dev = dev, .last = last, .bad = bad, .badlen = badlen};
	_cleanup_close_ int topfd = -1;
	int r;

	r = check_same_mount(&t, parentfd, name, &t.dev);
	if (r < 0)
		return r;
	topfd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (topfd < 0)
		return negative_errno();
	t.topfd = topfd;
	r = empty_top(&t);
	if (r < 0)
		return r;
	return RET_NERRNO(unlinkat(parentfd, name, AT_REMOVEDIR));
}

int remove_tree_contents(int fd, const char *last, char *bad, size_t badlen)
{
	TreeRemoval t = {.topfd = fd, .last = last, .bad = bad, .badlen = badlen};
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	t.dev = st.st_dev;
	return empty_top(&t);
}
