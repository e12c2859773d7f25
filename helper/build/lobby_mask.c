/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the lobby hides from the login user that the alcove hides too (lobby_mask.h). Runs in
 * the lobby child of lobby.c, in the lobby mount ns, as host root.
 */
#include "lobby_mask.h"

#include <dirent.h>
#include <stdbool.h>
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

static bool is_dots(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0;
}

/* An entry of the original that the hidden tree would reach: not . or .., not our own hidden
 * dir's name, not keep. */
static bool is_other(const char *name, const char *keep)
{
	return !is_dots(name) && strcmp(name, HIDDEN_DIR) != 0 && !(keep && strcmp(name, keep) == 0);
}

static void closedirp(DIR **d)
{
	if (*d)
		(void)closedir(*d);
}

/* 1 when the directory read by d has an entry but keep, 0 when not; rewound. An empty
 * directory needs no hidden tree: no old path would lead into it. */
static int has_others(DIR *d, const char *keep)
{
	struct dirent *e;
	int r = 0;

	while ((errno = 0, e = readdir(d)))
		if (is_other(e->d_name, keep)) {
			r = 1;
			break;
		}
	if (!e && errno)
		return negative_errno();
	rewinddir(d);
	return r;
}

/* NAME -> .alcove-lobby/host/NAME: root follows it, only CAP_DAC_OVERRIDE passes the 0700 dir. */
static int link_hidden(int mnt, const char *name)
{
	char target[PATH_MAX];

	if ((size_t)snprintf(target, sizeof(target), HIDDEN_TREE "/%s", name) >= sizeof(target))
		return -ENAMETOOLONG;
	return RET_NERRNO(symlinkat(target, mnt, name));
}

/* Every entry of the original (read by d) but keep, linked into the hidden tree. */
static int link_others(int mnt, DIR *d, const char *keep)
{
	struct dirent *e;
	int r = 0;

	while (r >= 0 && (errno = 0, e = readdir(d)))
		if (is_other(e->d_name, keep))
			r = link_hidden(mnt, e->d_name);
	if (r >= 0 && errno)
		r = negative_errno();
	return r;
}

static int make_hidden(int mnt)
{
	if (mkdirat(mnt, HIDDEN_DIR, 0700) < 0 || mkdirat(mnt, HIDDEN_TREE, 0755) < 0)
		return negative_errno();
	return 0;
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

/*
 * The tmpfs a mask is made of, mode `mode`: its own, or one on the shared tmpfs sh: its root
 * for the first mask, for each later one a bind of a directory made for it in the first one's
 * hidden dir (a superblock costs more than all the rest of a small mask). *ret_ro: whether the
 * caller makes it read-only (the shared root is made so by lobby_mask_fs_done()).
 */
static int mask_mount(LobbyMaskFs *sh, mode_t mode, bool *ret_ro)
{
	_cleanup_close_ int mnt = -1;
	char buf[64];

	*ret_ro = !sh || sh->fs >= 0;
	if (!sh || sh->fs < 0) {
		snprintf(buf, sizeof(buf), "mode=%04o,size=%s", (unsigned)mode, sh ? "1m" : "256k");
		mnt = mnt_new_fs("tmpfs", buf, SAFE);
		if (mnt < 0 || !sh)
			return TAKE_FD(mnt);
		sh->fs = RET_NERRNO(fcntl(mnt, F_DUPFD_CLOEXEC, 3));
		return sh->fs < 0 ? sh->fs : TAKE_FD(mnt);
	}
	if (mkdirat(sh->fs, HIDDEN_DIR, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	snprintf(buf, sizeof(buf), HIDDEN_DIR "/mask%u", ++sh->n);
	if (mkdirat(sh->fs, buf, mode) < 0)
		return negative_errno();
	return RET_NERRNO(open_tree(sh->fs, buf, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
}

int lobby_mask_fs_done(LobbyMaskFs *sh)
{
	int r = 0;

	if (sh->fs >= 0)
		r = mnt_setattr(sh->fs, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
	closep(&sh->fs);
	sh->fs = -1;
	return r;
}

static bool keep_valid(const char *keep)
{
	return !keep || (*keep && !strchr(keep, '/') && strcmp(keep, HIDDEN_DIR) != 0 &&
			 !is_dots(keep));
}

int lobby_mask_dir(int dirfd, const char *keep, int keep_tree, unsigned flags, LobbyMaskFs *sh)
{
	_cleanup_close_ int orig = -1, mnt = -1, tree = -1;
	_cleanup_(closedirp) DIR *d = NULL;
	bool ro;
	int r = 0;

	if (!keep_valid(keep) || (sh && (flags & LOBBY_MASK_WRITABLE)))
		return -EINVAL;
	/* The directory as it is, with every mount below it: root reaches it all through the
	 * hidden tree. A clone keeps the lobby's propagation (slave of the host), so mounts the
	 * host makes below it later (logind's /run/user/N) still arrive. */
	if (flags & LOBBY_MASK_LINK_OTHERS) {
		r = opendir_fd(dirfd, &d);
		if (r >= 0)
			r = has_others(d, keep);
		if (r < 0)
			return r;
		if (r > 0) {
			orig = RET_NERRNO(open_tree(dirfd, "",
						    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
							AT_RECURSIVE | AT_EMPTY_PATH));
			if (orig < 0)
				return orig;
		}
	}
	mnt = mask_mount(sh, 0711, &ro);
	if (mnt < 0)
		return mnt;
	r = keep ? keep_prepare(dirfd, mnt, keep, keep_tree, &tree) : 0;
	if (r >= 0 && orig >= 0)
		r = make_hidden(mnt);
	if (r >= 0 && orig >= 0)
		r = link_others(mnt, d, keep);
	if (r >= 0 && ro && !(flags & LOBBY_MASK_WRITABLE))
		r = mnt_setattr(mnt, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
	if (r < 0)
		return r;
	return mask_attach(mnt, dirfd, orig, keep, tree);
}

/* A copy of the symlink dirfd/name in mnt: its target, relative (`../run`) or not, resolves
 * from the same directory as before. */
static int copy_symlink(int dirfd, int mnt, const char *name)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	return RET_NERRNO(symlinkat(target, mnt, name));
}

/* dirfd/name (not a symlink) bound back, for everyone, onto the same name in the attached mask
 * mnt: a recursive clone (what is mounted below it stays, and a clone keeps the lobby's
 * propagation), on a directory or an empty file made for it. */
static int bind_back(int dirfd, int mnt, const char *name, bool dir)
{
	_cleanup_close_ int tree = RET_NERRNO(open_tree(
	    dirfd, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW));

	if (tree < 0)
		return tree;
	if ((dir ? mkdirat(mnt, name, 0755) : mknodat(mnt, name, S_IFREG | 0644, 0)) < 0)
		return negative_errno();
	return RET_NERRNO(move_mount(tree, "", mnt, name, MOVE_MOUNT_F_EMPTY_PATH));
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* One entry of a directory masked by lobby_mask_listed(), into the attached mask mnt. */
static int listed_entry(int dirfd, int mnt, const struct dirent *e, const char *const *hide,
			const char *keep)
{
	unsigned char type = e->d_type;
	struct stat st;

	if (type == DT_UNKNOWN) {
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return negative_errno();
		type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
	}
	if (type == DT_LNK)
		return copy_symlink(dirfd, mnt, e->d_name);
	if (type == DT_DIR && strv_has(hide, e->d_name) && !(keep && strcmp(e->d_name, keep) == 0))
		return link_hidden(mnt, e->d_name);
	return bind_back(dirfd, mnt, e->d_name, type == DT_DIR);
}

int lobby_mask_listed(int dirfd, const char *const *hide, const char *keep, LobbyMaskFs *sh)
{
	_cleanup_close_ int orig = -1, mnt = -1;
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *e;
	bool ro;
	int r;

	if (!keep_valid(keep))
		return -EINVAL;
	r = opendir_fd(dirfd, &d);
	if (r < 0)
		return r;
	orig = RET_NERRNO(open_tree(
	    dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));
	if (orig < 0)
		return orig;
	mnt = mask_mount(sh, 0755, &ro);
	if (mnt < 0)
		return mnt;
	r = make_hidden(mnt);
	if (r >= 0)
		r = mask_attach(mnt, dirfd, orig, NULL, -1);
	/* Filled once attached: the binds back need a mount to go on (a detached one takes none
	 * before Linux 6.15). Nobody is in the lobby yet; d and dirfd still show the original. */
	while (r >= 0 && (errno = 0, e = readdir(d)))
		if (!is_dots(e->d_name) && strcmp(e->d_name, HIDDEN_DIR) != 0)
			r = listed_entry(dirfd, mnt, e, hide, keep);
	if (r >= 0 && errno)
		r = negative_errno();
	if (r < 0 || !ro)
		return r;
	return mnt_setattr(mnt, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
}

int lobby_mask_empty(int dirfd, const char *options, uint64_t attrs)
{
	_cleanup_close_ int mnt = mnt_new_fs("tmpfs", options, SAFE | attrs);

	if (mnt < 0)
		return mnt;
	return mnt_attach(mnt, dirfd);
}
