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
#define HIDDEN_DIR LOBBY_HIDDEN_DIR
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

/* An entry of the original that the hidden tree would reach: not our own hidden dir's name,
 * not keep. */
static bool is_other(const char *name, const char *keep)
{
	return strcmp(name, HIDDEN_DIR) != 0 && !(keep && strcmp(name, keep) == 0);
}

/* The entries of a directory opened for reading, by getdents64() into a buffer: opendir() and
 * its fstat(), fcntl() and close() are four system calls more per mask, and a system call is
 * most of what a mask costs (several µs each in a VM). */
typedef struct DirIter {
	int fd;
	ssize_t len, pos;
	_Alignas(8) char buf[4096];
} DirIter;

/* The next entry but . and .., or NULL at the end (*r = 0) or on an error (*r < 0). */
static struct dirent64 *dir_next(DirIter *it, int *r)
{
	struct dirent64 *e;

	for (;;) {
		if (it->pos >= it->len) {
			it->len = getdents64(it->fd, it->buf, sizeof(it->buf));
			it->pos = 0;
			if (it->len <= 0) {
				*r = it->len < 0 ? negative_errno() : 0;
				return NULL;
			}
		}
		e = (struct dirent64 *)(it->buf + it->pos);
		it->pos += e->d_reclen;
		if (!is_dots(e->d_name))
			return e;
	}
}

/* NAME -> .alcove-lobby/host/NAME: root follows it, only CAP_DAC_OVERRIDE passes the 0700 dir. */
static int link_hidden(int mnt, const char *name)
{
	char target[sizeof(HIDDEN_TREE) + NAME_MAX + 1];

	if ((size_t)snprintf(target, sizeof(target), HIDDEN_TREE "/%s", name) >= sizeof(target))
		return -ENAMETOOLONG;
	return RET_NERRNO(symlinkat(target, mnt, name));
}

/* The hidden dir in mnt and the tree it is to hold (*ret_orig): the directory as it is, with
 * every mount below it. A clone keeps the lobby's propagation (slave of the host), so mounts
 * the host makes below it later (logind's /run/user/N) still arrive. */
static int hidden_make(int dirfd, int mnt, int *ret_orig)
{
	int orig = RET_NERRNO(open_tree(
	    dirfd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH));

	if (orig < 0)
		return orig;
	*ret_orig = orig;
	if (mkdirat(mnt, HIDDEN_DIR, 0700) < 0 || mkdirat(mnt, HIDDEN_TREE, 0755) < 0)
		return negative_errno();
	return 0;
}

/* Every entry of the directory but keep, linked into the hidden tree, made at the first one:
 * an empty directory needs no tree, no old path leads into it. */
static int link_others(int dirfd, int mnt, const char *keep, int *orig)
{
	DirIter it = {.fd = dirfd};
	struct dirent64 *e;
	int r = 0;

	while ((e = dir_next(&it, &r))) {
		if (!is_other(e->d_name, keep))
			continue;
		r = *orig < 0 ? hidden_make(dirfd, mnt, orig) : 0;
		if (r >= 0)
			r = link_hidden(mnt, e->d_name);
		if (r < 0)
			return r;
	}
	return r;
}

/* The tmpfs, filled, over dirfd; then the original tree into the hidden dir, keep onto its
 * mount point. Both paths are in our own new tmpfs: nothing there but what we made. */
static int mask_attach(int mnt, int dirfd, int orig, const char *keep, int tree)
{
	int r = mnt_attach(mnt, dirfd);

	if (r >= 0 && orig >= 0)
		r = mnt_move(orig, "", mnt, HIDDEN_TREE, MOVE_MOUNT_F_EMPTY_PATH);
	if (r >= 0 && tree >= 0)
		r = mnt_move(tree, "", mnt, keep, MOVE_MOUNT_F_EMPTY_PATH);
	return r;
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
	/* the first mask may have made it already (its own hidden tree) */
	if (sh->n == 0 && mkdirat(sh->fs, HIDDEN_DIR, 0700) < 0 && errno != EEXIST)
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
	return r;
}

static bool keep_valid(const char *keep)
{
	return !keep ||
	       (*keep && !strchr(keep, '/') && strcmp(keep, HIDDEN_DIR) != 0 && !is_dots(keep));
}

int lobby_mask_dir(int dirfd, const char *keep, int keep_tree, unsigned flags, LobbyMaskFs *sh)
{
	_cleanup_close_ int orig = -1, mnt = -1, tree = -1;
	bool ro;
	int r;

	if (!keep_valid(keep) || (sh && (flags & LOBBY_MASK_WRITABLE)) ||
	    ((flags & LOBBY_MASK_KEEP_EMPTY) && (!keep || keep_tree >= 0)))
		return -EINVAL;
	mnt = mask_mount(sh, 0711, &ro);
	if (mnt < 0)
		return mnt;
	if (keep && (flags & LOBBY_MASK_KEEP_EMPTY))
		r = RET_NERRNO(mkdirat(mnt, keep, 0755));
	else
		r = keep ? keep_prepare(dirfd, mnt, keep, keep_tree, &tree) : 0;
	if (r >= 0 && (flags & LOBBY_MASK_LINK_OTHERS))
		r = link_others(dirfd, mnt, keep, &orig);
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
 * propagation; an autofs trigger is cloned as one, not fired), on a directory or an empty file
 * made for it. */
static int bind_back(int dirfd, int mnt, const char *name, bool dir)
{
	_cleanup_close_ int tree =
	    RET_NERRNO(open_tree(dirfd, name,
				 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				     AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT));

	if (tree < 0)
		return tree;
	if ((dir ? mkdirat(mnt, name, 0755) : mknodat(mnt, name, S_IFREG | 0644, 0)) < 0)
		return negative_errno();
	return mnt_move(tree, "", mnt, name, MOVE_MOUNT_F_EMPTY_PATH);
}

static bool strv_has(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* One entry of a directory masked by lobby_mask_listed(), into the attached mask mnt. */
static int listed_entry(int dirfd, int mnt, const struct dirent64 *e, const char *const *hide,
			const char *keep)
{
	unsigned char type = e->d_type;
	struct statx stx;

	/* a file system that does not tell: the type of what is there, cached (a hung FUSE
	 * server or an autofs trigger in /var must not stop the login) */
	if (type == DT_UNKNOWN) {
		if (statx(dirfd, e->d_name,
			  AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_STATX_DONT_SYNC, STATX_TYPE,
			  &stx) < 0)
			return negative_errno();
		type = S_ISDIR(stx.stx_mode) ? DT_DIR : S_ISLNK(stx.stx_mode) ? DT_LNK : DT_REG;
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
	DirIter it = {.fd = dirfd};
	struct dirent64 *e;
	bool ro;
	int r;

	if (!keep_valid(keep))
		return -EINVAL;
	mnt = mask_mount(sh, 0755, &ro);
	if (mnt < 0)
		return mnt;
	r = hidden_make(dirfd, mnt, &orig);
	if (r >= 0)
		r = mask_attach(mnt, dirfd, orig, NULL, -1);
	/* Filled once attached: the binds back need a mount to go on (a detached one takes none
	 * before Linux 6.15). Nobody is in the lobby yet; dirfd still shows the original. */
	while (r >= 0 && (e = dir_next(&it, &r)))
		if (strcmp(e->d_name, HIDDEN_DIR) != 0)
			r = listed_entry(dirfd, mnt, e, hide, keep);
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
