/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unpacking one OCI layer blob into the store with libarchive's reader, in alcove-unpack
 * (unpack/alcove-unpack.c says why a process of its own): every entry is made by this file,
 * relative to the layer's root, its parent opened with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so that no entry of a hostile tar can reach
 * outside the layer (an absolute path, "..", a symlink the tar made earlier, a hard link to
 * a file elsewhere). The blob is hashed as it is read and the layer only gets its digest's name
 * once the whole blob matched. OCI whiteouts become overlayfs ones: ".wh.NAME" a character
 * device 0/0 NAME, ".wh..wh..opq" the xattr user.overlay.opaque=y on its directory, the name
 * overlayfs reads when mounted with userxattr, as the alcove's overlay is
 * (helper/build/rootfs_apply.c).
 * The tar's xattrs are not applied: an entry could otherwise set overlay xattrs of its own
 * (redirect, metacopy) that the alcove's overlay would honour.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer_unpack.h"

#include "fileio.h"
#include "fs_reserve.h"
#include "lib/tree_remove.h"
#include "macro.h"
#include "oci_layout.h"
#include "text_escape.h"

#define UNPACK_STAGE "unpack"
#define OPAQUE_XATTR "user.overlay.opaque"
/* What an entry costs of the layer's bound besides its file data: an inode and a name on disk,
 * so that millions of directories, symlinks or whiteouts are not free. */
#define ENTRY_CHARGE 4096
/* The components of an entry's path or a hard link's target. Each entry's parent is resolved
 * from the layer's root (open_parent, make_parents), so an entry costs its depth in lookups:
 * PATH_MAX alone allows 2048 ("a/a/..."), and 5000 such entries took 3 s. No image nests so
 * deep (node_modules of npm 2 stayed well below). */
#define MAX_DEPTH 256
/* What a layer leaves free of its filesystem (the store's, /var/lib/alcove): its reserve
 * (common/fs_reserve.h), so that a hostile but digest-valid layer does not take the host's disk
 * (the bounds above are fixed, and larger than many disks). The filesystem is looked at again
 * after this many entries or bytes of data, besides when the layer's own writes may have
 * reached the reserve: others write to it meanwhile. */
#define RECHECK_INODES 4096
#define RECHECK_BYTES (256ull << 20)

/* The store's filesystem at the last fstatvfs, and what the layer charged since. */
typedef struct Room {
	FsReserve fs;
	uint64_t bytes, inodes; /* charged since that look */
} Room;

typedef struct Unpack {
	struct archive *a;
	int blobfd, rootfd;
	OciHash *hash;
	uint64_t blob_bytes, bytes, entries;
	const char *hex, *entry; /* the layer, the entry being made (for messages) */
	const OciLimits *lim;
	bool too_big; /* the decompressed stream passed lim->max_stream */
	Room room;
	AlcError *error;
	char buf[1 << 16];
} Unpack;

/* A name the tar gave (an entry, a link target) as text_escape() shows it: the refusal reaches
 * the admin's terminal, and an image's name must not carry a terminal escape there. */
static const char *shown(const char *name, char *buf, size_t len)
{
	/* -E2BIG leaves the escaped prefix that fits, NUL-terminated */
	if (text_escape(name, buf, len) < 0 && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static int fail(Unpack *u, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(Unpack *u, int r, const char *fmt, ...)
{
	char why[512], name[512];
	va_list ap;

	errno = -r;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (u->entry)
		return alc_error(u->error, r, UNPACK_STAGE, "layer sha256:%s: entry '%s': %s",
				 u->hex, shown(u->entry, name, sizeof(name)), why);
	return alc_error(u->error, r, UNPACK_STAGE, "layer sha256:%s: %s", u->hex, why);
}

/* libarchive's failure: the stream's bound (blob_read), or the archive itself. */
static int archive_fail(Unpack *u)
{
	if (u->too_big)
		return fail(u, -EFBIG, "decompresses to more than %llu bytes (its bound)",
			    (unsigned long long)u->lim->max_stream);
	return fail(u, -EBADMSG, "a truncated or corrupt archive: %s",
		    archive_error_string(u->a) ?: "unknown error");
}

/* libarchive's read callback: the blob, hashed as it goes. The decompressed bytes are
 * checked each time the decompressor asks for more: a small blob may inflate without end
 * (the data of an entry libarchive skips), and it stops within what one buffer inflates to. */
static la_ssize_t blob_read(struct archive *a, void *data, const void **buf)
{
	Unpack *u = data;
	la_int64_t out = archive_filter_bytes(a, 0); /* -1 while libarchive sets up */
	ssize_t n;

	if (out > 0 && (uint64_t)out > u->lim->max_stream) {
		u->too_big = true;
		archive_set_error(a, EFBIG, "too large");
		return -1;
	}
	do
		n = read(u->blobfd, u->buf, sizeof(u->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 || oci_hash_update(u->hash, u->buf, (size_t)(n < 0 ? 0 : n)) < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	u->blob_bytes += (uint64_t)n;
	*buf = u->buf;
	return n;
}

/* pfd/base as a directory, made with mode when missing, open in *ret_fd. What is there
 * already stays unless it is a whiteout or, with replace, any non-directory (a later entry of
 * the same name wins). A directory over a whiteout of this layer (".wh.NAME", then NAME/...)
 * is opaque: the whiteout hid the lower layers' NAME (image-spec layer.md), and an ordinary
 * directory would merge with theirs. -ELOOP, -ENOTDIR through a symlink or a file. *ret_made
 * (may be NULL): a new directory was made. */
static int dir_at(int pfd, const char *base, mode_t mode, bool replace, int *ret_fd, bool *ret_made)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	bool wh = false, made = true;

	if (mkdirat(pfd, base, mode) < 0) {
		if (errno != EEXIST || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return negative_errno();
		wh = S_ISCHR(st.st_mode) && st.st_rdev == 0;
		made = !S_ISDIR(st.st_mode) && (wh || replace);
		if (made && (unlinkat(pfd, base, 0) < 0 || mkdirat(pfd, base, mode) < 0))
			return negative_errno();
	}
	fd = open_beneath(pfd, base, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	if (wh && fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	if (ret_made)
		*ret_made = made;
	return 0;
}

/* The filesystem of the layer's root as it is now (fs_reserve_look: what users have left). */
static int room_look(Unpack *u)
{
	Room *m = &u->room;
	int r = fs_reserve_look(u->rootfd, &m->fs);

	if (r < 0)
		return fail(u, r, "statvfs its filesystem: %m");
	m->bytes = m->inodes = 0;
	return 0;
}

static bool room_short(const Room *m)
{
	return fs_reserve_short(&m->fs, m->bytes, m->inodes);
}

static int room_fail(Unpack *u)
{
	char why[FS_RESERVE_TEXT_MAX];

	return fail(u, -ENOSPC, "%s", fs_reserve_describe(&u->room.fs, why, sizeof(why)));
}

/* bytes of data and inodes more for the layer, refused (-ENOSPC) where they would leave less
 * than the reserve free. The filesystem is looked at again when the charge reaches what the
 * last look left (what was written since is on it then) and every RECHECK_* (others' writes). */
static int room_take(Unpack *u, uint64_t bytes, uint64_t inodes)
{
	Room *m = &u->room;
	int r;

	m->bytes += bytes;
	m->inodes += inodes;
	if (!room_short(m) && m->bytes < RECHECK_BYTES && m->inodes < RECHECK_INODES)
		return 0;
	r = room_look(u);
	if (r < 0)
		return r;
	m->bytes = bytes; /* not written yet */
	m->inodes = inodes;
	return room_short(m) ? room_fail(u) : 0;
}

/*
 * One entry more against the layer's bounds: max_entries, and ENTRY_CHARGE bytes of max_bytes
 * (an entry costs an inode and a block whatever its size). Directories made for a path's
 * missing parents count each as an entry: else one entry "N/a/a/.../f" of 2000 components
 * made 2000 directories for the charge of one (a review made 4 million of a 45 KB blob).
 * -EFBIG with the message set (fail()).
 */
static int charge_entry(Unpack *u)
{
	if (++u->entries > u->lim->max_entries)
		return fail(u, -EFBIG, "more than %llu entries (directories made for paths count)",
			    (unsigned long long)u->lim->max_entries);
	if (ENTRY_CHARGE > u->lim->max_bytes - u->bytes)
		return fail(u, -EFBIG,
			    "the layer exceeds its bound of %llu bytes (its files' sizes and %d "
			    "bytes for each entry or directory made for one)",
			    (unsigned long long)u->lim->max_bytes, ENTRY_CHARGE);
	u->bytes += ENTRY_CHARGE;
	return room_take(u, 0, 1);
}

/* Makes dir (a path relative to the layer root) and its missing parents, root 0755 as tar
 * does when an archive does not list a directory before its entries; each component opened
 * beneath the one before, never through a symlink, and each one made charged. */
static int make_parents(Unpack *u, char *dir, int *ret_fd)
{
	_cleanup_close_ int cur = fcntl(u->rootfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;

	if (cur < 0)
		return negative_errno();
	for (char *c = strtok_r(dir, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool made = false;
		int next, r = dir_at(cur, c, 0755, false, &next, &made);

		if (r < 0)
			return r;
		if (made && (r = charge_entry(u)) < 0) {
			close(next);
			return r;
		}
		closep(&cur);
		cur = next;
	}
	*ret_fd = TAKE_FD(cur);
	return 0;
}

/* The directory an entry goes in (made when create is set, over a whiteout too). A symlink or
 * a file on the way: -ELOOP / -ENOTDIR. */
static int open_parent(Unpack *u, const char *rel, bool create, int *ret_fd, const char **ret_base)
{
	const char *slash = strrchr(rel, '/');
	char dir[PATH_MAX];
	int fd;

	*ret_base = slash ? slash + 1 : rel;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - rel) : 1, slash ? rel : ".");
	fd = open_beneath(u->rootfd, dir, O_PATH | O_DIRECTORY, 0);
	if ((fd == -ENOENT || fd == -ENOTDIR) && create)
		return make_parents(u, dir, ret_fd);
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

static int parent_error(Unpack *u, int r)
{
	if (r == -EFBIG)
		return r; /* charge_entry() said why */
	if (r == -ELOOP)
		return fail(u, r, "a path through a symlink");
	if (r == -ENOTDIR)
		return fail(u, r, "a path through a file that is not a directory");
	return fail(u, r, "open its directory: %s", strerror(-r));
}

/* Owner, mode (setuid bits kept: the alcove mounts them nosuid unless the profile has
 * setuid = true) and mtime, on an fd of the new file. */
static int set_meta(Unpack *u, int fd, struct archive_entry *e)
{
	const struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
				       {.tv_sec = archive_entry_mtime(e),
					.tv_nsec = archive_entry_mtime_nsec(e)}};
	int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

	if (uid < 0 || gid < 0 || uid >= UINT32_MAX || gid >= UINT32_MAX)
		return fail(u, -EINVAL, "owner %lld:%lld out of range", (long long)uid,
			    (long long)gid);
	/* chown first: it clears the setuid and setgid bits */
	if (fchown(fd, (uid_t)uid, (gid_t)gid) < 0 ||
	    fchmod(fd, archive_entry_perm(e) & 07777) < 0 || futimens(fd, ts) < 0)
		return fail(u, negative_errno(), "set owner and mode: %m");
	return 0;
}

/* Makes room for a new non-directory entry: a later entry of the same name replaces it (not a
 * directory: make_entry refuses that). */
static int replace(Unpack *u, int pfd, const char *base)
{
	if (unlinkat(pfd, base, 0) < 0)
		return fail(u, negative_errno(), "remove the entry it replaces: %m");
	return 0;
}

static int copy_data(Unpack *u, int fd, struct archive_entry *e)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(u->a, &buf, &len, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off + len > (uint64_t)archive_entry_size(e))
			return fail(u, -EBADMSG, "data beyond the entry's size");
		/* before the write: a full disk is no refusal to rely on */
		r = room_take(u, len, 0);
		if (r < 0)
			return r;
		for (size_t done = 0; done < len;) {
			ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
					   off + (off_t)done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return fail(u, negative_errno(), "write: %m");
			done += (size_t)n;
		}
	}
	if (r != ARCHIVE_EOF)
		return archive_fail(u);
	if (ftruncate(fd, archive_entry_size(e)) < 0) /* a sparse file's last hole */
		return fail(u, negative_errno(), "truncate: %m");
	return 0;
}

static int make_file(Unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	_cleanup_close_ int fd = -1;
	int64_t size = archive_entry_size(e);
	int r;

	if (size < 0 || (uint64_t)size > u->lim->max_bytes - u->bytes)
		return fail(u, -EFBIG, "%lld bytes: the layer exceeds its bound of %llu bytes",
			    (long long)size, (unsigned long long)u->lim->max_bytes);
	u->bytes += (uint64_t)size;
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		r = replace(u, pfd, base);
		if (r < 0)
			return r;
		fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0)
		return fail(u, negative_errno(), "create: %m");
	r = copy_data(u, fd, e);
	if (r < 0)
		return r;
	return set_meta(u, fd, e);
}

static int make_dir(Unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	_cleanup_close_ int fd = -1;
	int r = dir_at(pfd, base, 0700, true, &fd, NULL);

	if (r < 0)
		return fail(u, r, "mkdir: %s", strerror(-r));
	return set_meta(u, fd, e);
}

static int make_symlink(Unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	const char *target = archive_entry_symlink(e);
	const struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT},
				       {.tv_sec = archive_entry_mtime(e)}};
	int r;

	if (!target || !*target)
		return fail(u, -EINVAL, "a symlink without a target");
	if (archive_entry_uid(e) < 0 || archive_entry_gid(e) < 0 ||
	    archive_entry_uid(e) >= UINT32_MAX || archive_entry_gid(e) >= UINT32_MAX)
		return fail(u, -EINVAL, "owner %lld:%lld out of range",
			    (long long)archive_entry_uid(e), (long long)archive_entry_gid(e));
	r = RET_NERRNO(symlinkat(target, pfd, base));
	if (r == -EEXIST && (r = replace(u, pfd, base)) == 0)
		r = RET_NERRNO(symlinkat(target, pfd, base));
	if (r < 0)
		return fail(u, r, "symlink: %s", strerror(-r));
	if (fchownat(pfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
		     AT_SYMLINK_NOFOLLOW) < 0 ||
	    utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, negative_errno(), "symlink: %m");
	return 0;
}

/* Whether a normalised path (oci_entry_path) has more than MAX_DEPTH components. */
static bool too_deep(const char *rel)
{
	size_t n = 1;

	for (; *rel; rel++)
		n += *rel == '/';
	return n > MAX_DEPTH;
}

/* What a hard link may not name (NULL: a file, a symlink or a fifo, which it may). Not a
 * device: a layer's only ones are whiteouts (0:0), and a link to one replaced an entry of the
 * layer with a whiteout ("x", ".wh.foo", then "x" a link to "foo"); not a directory. */
static const char *link_refused(const struct stat *st)
{
	if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) || S_ISFIFO(st->st_mode))
		return NULL;
	if (S_ISCHR(st->st_mode) && st->st_rdev == 0)
		return "a whiteout";
	return S_ISDIR(st->st_mode) ? "a directory" : "a device";
}

/* A hard link to a file this layer already holds; never through a symlink, never out. */
static int make_hardlink(Unpack *u, int pfd, const char *base, const char *target)
{
	char trel[PATH_MAX], buf[512];
	const char *why, *tbase, *link = shown(target, buf, sizeof(buf));
	_cleanup_close_ int tpfd = -1;
	struct stat st;
	int r;

	if (oci_entry_path(target, trel, sizeof(trel), &why) < 0)
		return fail(u, -EINVAL, "a hard link to '%s': %s", link, why);
	if (too_deep(trel))
		return fail(u, -ENAMETOOLONG,
			    "a hard link to '%s': a path of more than %d components", link,
			    MAX_DEPTH);
	r = open_parent(u, trel, false, &tpfd, &tbase);
	if (r >= 0)
		r = strcmp(trel, ".") == 0
			? -ENOENT
			: RET_NERRNO(fstatat(tpfd, tbase, &st, AT_SYMLINK_NOFOLLOW));
	if (r == -ENOENT)
		return fail(u, -ENOENT, "a hard link to '%s', which the layer does not hold (yet)",
			    link);
	if (r < 0)
		return fail(u, r, "a hard link to '%s': %s", link,
			    r == -ELOOP ? "a path through a symlink" : strerror(-r));
	if ((why = link_refused(&st)))
		return fail(u, -EPERM,
			    "a hard link to '%s', %s: only files, symlinks and fifos are linked",
			    link, why);
	r = RET_NERRNO(linkat(tpfd, tbase, pfd, base, 0));
	if (r == -EEXIST && (r = replace(u, pfd, base)) == 0)
		r = RET_NERRNO(linkat(tpfd, tbase, pfd, base, 0));
	if (r < 0)
		return fail(u, r, "a hard link to '%s': %s", link, strerror(-r));
	return 0;
}

/* ".wh.NAME": an overlay whiteout, a character device 0/0 (overlayfs.rst "whiteouts"). An
 * entry of the same name in this layer stays: OCI whiteouts only hide what lower layers hold;
 * a directory of this layer becomes opaque, so that the lower layers' NAME does not merge
 * with it (dir_at for the other order). */
static int make_whiteout(Unpack *u, const char *target)
{
	_cleanup_close_ int pfd = -1, fd = -1;
	const char *base;
	struct stat st;
	int r;

	r = open_parent(u, target, true, &pfd, &base);
	if (r < 0)
		return parent_error(u, r);
	if (mknodat(pfd, base, S_IFCHR | 0, makedev(0, 0)) == 0)
		return 0;
	if (errno != EEXIST || fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(u, negative_errno(), "whiteout: %m");
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = open_beneath(pfd, base, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fail(u, fd, "open: %s", strerror(-fd));
	if (fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
		return fail(u, negative_errno(), "set " OPAQUE_XATTR ": %m");
	return 0;
}

/* ".wh..wh..opq": the directory is opaque, user.overlay.opaque=y being what overlayfs reads
 * with userxattr (trusted.overlay.* would be ignored by the alcove's mount). Not the layer's
 * root: the image spec hides every lower layer then, but overlayfs ignores the opacity of a
 * layer's root, and the alcove would stack what the image deleted. */
static int make_opaque(Unpack *u, const char *dir)
{
	_cleanup_close_ int pfd = -1, fd = -1;
	const char *base;
	int r;

	if (strcmp(dir, ".") == 0)
		return fail(
		    u, -EINVAL,
		    "an opaque whiteout of the layer's root (overlayfs ignores it: the lower "
		    "layers would show through)");
	r = open_parent(u, dir, true, &pfd, &base);
	if (r < 0)
		return parent_error(u, r);
	r = dir_at(pfd, base, 0755, false, &fd, NULL);
	if (r == -ELOOP || r == -ENOTDIR)
		return parent_error(u, r);
	if (r < 0)
		return fail(u, r, "mkdir: %s", strerror(-r));
	if (fsetxattr(fd, OPAQUE_XATTR, "y", 1, 0) < 0)
		return fail(u, negative_errno(), "set " OPAQUE_XATTR ": %m");
	return 0;
}

/* A fifo (or a device 0/0, which is what an overlay whiteout is): a mode and an owner. */
static int make_node(Unpack *u, int pfd, const char *base, struct archive_entry *e)
{
	_cleanup_close_ int fd = -1;
	mode_t type = archive_entry_filetype(e) == AE_IFIFO ? S_IFIFO : S_IFCHR;
	int r;

	r = RET_NERRNO(mknodat(pfd, base, type | 0600, 0));
	if (r == -EEXIST && (r = replace(u, pfd, base)) == 0)
		r = RET_NERRNO(mknodat(pfd, base, type | 0600, 0));
	if (r < 0)
		return fail(u, r, "mknod: %s", strerror(-r));
	if (type == S_IFCHR)
		return 0;
	/* O_NONBLOCK: opening a fifo for reading does not wait for a writer */
	fd = openat(pfd, base, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(u, negative_errno(), "open: %m");
	return set_meta(u, fd, e);
}

static int make_entry(Unpack *u, const char *rel, struct archive_entry *e)
{
	const char *link = archive_entry_hardlink(e), *base;
	_cleanup_close_ int pfd = -1, rootfd = -1;
	mode_t type = archive_entry_filetype(e);
	struct stat st;
	int r;

	if (strcmp(rel, ".") == 0) {
		if (type != AE_IFDIR)
			return fail(u, -EINVAL, "the layer's root is not a directory");
		rootfd = open_beneath(u->rootfd, ".", O_RDONLY | O_DIRECTORY, 0);
		return rootfd < 0 ? fail(u, rootfd, "open: %s", strerror(-rootfd))
				  : set_meta(u, rootfd, e);
	}
	r = open_parent(u, rel, true, &pfd, &base);
	if (r < 0)
		return parent_error(u, r);
	/* its entries may be unpacked already: a tar of one layer does not replace a directory */
	if ((link || type != AE_IFDIR) && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode))
		return fail(u, -EISDIR, "a non-directory over a directory of the same layer");
	if (link)
		return make_hardlink(u, pfd, base, link);
	switch (type) {
	case AE_IFREG:
		return make_file(u, pfd, base, e);
	case AE_IFDIR:
		return make_dir(u, pfd, base, e);
	case AE_IFLNK:
		return make_symlink(u, pfd, base, e);
	case AE_IFIFO:
		return make_node(u, pfd, base, e);
	case AE_IFCHR:
		if (archive_entry_rdev(e) == 0)
			return make_node(u, pfd, base, e);
		return fail(u, -EPERM, "a device node (%u:%u); only whiteouts (0:0) are allowed",
			    (unsigned)archive_entry_rdevmajor(e), (unsigned)archive_entry_rdevminor(e));
	default:
		return fail(u, -EPERM, "a device node or socket (type 0%o)", (unsigned)type);
	}
}

static int apply_entry(Unpack *u, struct archive_entry *e)
{
	const char *path = archive_entry_pathname(e), *why;
	char rel[PATH_MAX], target[PATH_MAX];
	int r;

	u->entry = path ? path : "?";
	r = charge_entry(u);
	if (r < 0)
		return r;
	if (!path || oci_entry_path(path, rel, sizeof(rel), &why) < 0)
		return fail(u, -EINVAL, "%s", path ? why : "a path that is not valid text");
	if (too_deep(rel))
		return fail(u, -ENAMETOOLONG, "a path of more than %d components", MAX_DEPTH);
	switch (oci_whiteout(rel, target, sizeof(target))) {
	case OCI_WH_FILE:
		return make_whiteout(u, target);
	case OCI_WH_OPAQUE:
		return make_opaque(u, target);
	case OCI_WH_BAD:
		return fail(u, -EINVAL, "a malformed whiteout name");
	case OCI_WH_NONE:
		break;
	}
	return make_entry(u, rel, e);
}

/* The rest of the blob after the tar's end (padding, a gzip trailer), into the digest. */
static int drain(Unpack *u)
{
	const void *buf;

	while (true) {
		la_ssize_t n = blob_read(u->a, u, &buf);
		if (n < 0)
			return u->too_big ? archive_fail(u) : fail(u, -EIO, "read: %m");
		if (n == 0)
			return 0;
	}
}

static void archive_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static int unpack_blob(Unpack *u, uint64_t size)
{
	_cleanup_(archive_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	char got[OCI_HEX_LEN + 1];
	int r;

	/* tar only; gzip and zstd by libarchive itself (no external program is ever run) */
	if (!a || archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(a) != ARCHIVE_OK)
		return fail(u, -ENOMEM, "set up libarchive");
	u->a = a;
	if (archive_read_open(a, u, NULL, blob_read, NULL) != ARCHIVE_OK)
		return u->too_big
			   ? archive_fail(u)
			   : fail(u, -EBADMSG, "not a tar archive: %s", archive_error_string(a));
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		r = apply_entry(u, e);
		if (r < 0)
			return r;
	}
	u->entry = NULL;
	if (r != ARCHIVE_EOF)
		return archive_fail(u);
	r = drain(u);
	if (r < 0)
		return r;
	if (u->blob_bytes != size)
		return fail(u, -EBADMSG, "%llu bytes, the manifest says %llu",
			    (unsigned long long)u->blob_bytes, (unsigned long long)size);
	if (oci_hash_check(u->hash, u->hex, got) < 0)
		return fail(u, -EBADMSG, "digest mismatch (content is sha256:%s)", got);
	return 0;
}

static void hash_freep(OciHash **h)
{
	oci_hash_free(*h);
}

/* Fills <hex>.partial from the blob; the caller renames or removes it. */
static int fill_partial(int layoutfd, int partialfd, const char *hex, uint64_t size,
			const OciLimits *lim, AlcError *e)
{
	_cleanup_(hash_freep) OciHash *h = NULL;
	_cleanup_close_ int blobfd = -1;
	char path[sizeof("blobs/sha256/") + OCI_HEX_LEN];
	Unpack *u;
	int r;

	snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	blobfd = open_beneath(layoutfd, path, O_RDONLY | O_NOFOLLOW, 0);
	if (blobfd < 0)
		return alc_error(e, blobfd, UNPACK_STAGE, "layer sha256:%s: %m", hex);
	r = oci_hash_new(&h);
	u = calloc(1, sizeof(*u)); /* its read buffer is too large for the stack */
	if (r < 0 || !u) {
		free(u);
		return alc_error(e, -ENOMEM, UNPACK_STAGE, "layer sha256:%s: %m", hex);
	}
	*u = (Unpack){.blobfd = blobfd, .rootfd = partialfd, .hash = h, .hex = hex,
		      .lim = lim, .error = e};
	r = room_look(u);
	if (r >= 0 && room_short(&u->room))
		r = room_fail(u);
	if (r >= 0)
		r = unpack_blob(u, size);
	free(u);
	if (r >= 0 && syncfs(partialfd) < 0)
		return alc_error(e, negative_errno(), UNPACK_STAGE, "layer sha256:%s: sync: %m",
				 hex);
	return r;
}

/* The blob through libarchive's raw format: the decompressed stream itself, which diff_ids
 * hash. */
static int raw_open(int blobfd, size_t block, struct archive **ret)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	if (!a)
		return -ENOMEM;
	*ret = a;
	if (archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(a) != ARCHIVE_OK ||
	    archive_read_support_format_raw(a) != ARCHIVE_OK ||
	    archive_read_open_fd(a, blobfd, block) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		return -EBADMSG;
	return 0;
}

/* Whether the layout's layer blob <hex> decompresses to the sha256 diff_id (the config's
 * rootfs.diff_ids): 0, or -EBADMSG naming both digests. A second read of the blob, the whole
 * stream this time (what follows the tar's end too): at most lim->max_stream bytes of it, or
 * a small blob of zeros would keep the pull hashing for hours (-EFBIG). */
static int diff_id_check(int layoutfd, const char *hex, const char *diff_id, const OciLimits *lim,
			 AlcError *err)
{
	_cleanup_(hash_freep) OciHash *h = NULL;
	_cleanup_(archive_freep) struct archive *a = NULL;
	_cleanup_close_ int blobfd = -1;
	char path[sizeof("blobs/sha256/") + OCI_HEX_LEN], got[OCI_HEX_LEN + 1], buf[65536];
	uint64_t total = 0;
	la_ssize_t n = 0;
	int r;

	snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	blobfd = open_beneath(layoutfd, path, O_RDONLY | O_NOFOLLOW, 0);
	r = blobfd < 0 ? blobfd : oci_hash_new(&h);
	if (r >= 0)
		r = raw_open(blobfd, sizeof(buf), &a);
	while (r >= 0 && (n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		total += (uint64_t)n;
		r = total > lim->max_stream ? -EFBIG : oci_hash_update(h, buf, (size_t)n);
	}
	if (r >= 0 && n < 0)
		r = -EBADMSG;
	if (r == -EFBIG)
		return alc_error(
		    err, r, UNPACK_STAGE,
		    "layer sha256:%s: decompresses to more than %llu bytes (its bound)", hex,
		    (unsigned long long)lim->max_stream);
	if (r < 0)
		return alc_error(err, r, UNPACK_STAGE, "layer sha256:%s: decompress: %s", hex,
				 a && archive_error_string(a) ? archive_error_string(a)
							      : strerror(-r));
	if (oci_hash_check(h, diff_id, got) < 0)
		return alc_error(err, -EBADMSG, UNPACK_STAGE,
				 "layer sha256:%s: uncompressed it is sha256:%s, the config's "
				 "rootfs.diff_ids says sha256:%s",
				 hex, got, diff_id);
	return 0;
}

int oci_layer_unpack_partial(int layoutfd, int partialdirfd, const char *hex, uint64_t size,
			     const char *diff_id, const OciLimits *lim, AlcError *e)
{
	char partial[OCI_HEX_LEN + sizeof(".partial")], bad[256] = "";
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (!oci_hex_ok(hex) || fstat(partialdirfd, &st) < 0)
		return alc_error(e, -EINVAL, UNPACK_STAGE,
				 "unpack layer '%s': not a digest, or no directory to unpack into",
				 hex);
	snprintf(partial, sizeof(partial), "%s.partial", hex);
	/* what an interrupted unpack left */
	r = remove_tree(partialdirfd, partial, st.st_dev, bad, sizeof(bad));
	if (r < 0 && r != -ENOENT)
		return alc_error(e, r, UNPACK_STAGE, "remove the stale %s: %m", partial);
	if (mkdirat(partialdirfd, partial, 0755) < 0)
		return alc_error(e, negative_errno(), UNPACK_STAGE, "mkdir %s: %m", partial);
	fd = open_beneath(partialdirfd, partial, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		alc_error(e, fd, UNPACK_STAGE, "open %s: %m", partial);
	r = fd < 0 ? fd : fill_partial(layoutfd, fd, hex, size, lim, e);
	if (r >= 0)
		r = diff_id_check(layoutfd, hex, diff_id, lim, e);
	if (r < 0)
		(void)remove_tree(partialdirfd, partial, st.st_dev, bad, sizeof(bad));
	return r;
}

int oci_unpack_limit_memory(void)
{
	const struct rlimit rl = {OCI_UNPACK_MEMORY_MAX, OCI_UNPACK_MEMORY_MAX};

	return setrlimit(RLIMIT_AS, &rl) < 0 ? negative_errno() : 0;
}
