/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image store's directories, its lock, and atomic image records (oci_store.h).
 */
#include "oci_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "lib/tree_remove.h"
#include "macro.h"
#include "lib/paths.h"

#define OCI_STORE_STAGE "oci store"

void oci_store_close(OciStore *s)
{
	closep(&s->libfd);
	closep(&s->ocifd);
	closep(&s->layersfd);
	closep(&s->imagesfd);
	closep(&s->lockfd); /* drops the lock */
	*s = OCI_STORE_INIT;
}

static int open_lock(OciStore *s, int lock_op)
{
	struct stat st;
	int fd, r;

	fd = openat(s->ocifd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	s->lockfd = fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 077) || st.st_nlink != 1)
		return -EPERM;
	do
		r = flock(fd, lock_op);
	while (r < 0 && errno == EINTR);
	return r < 0 ? negative_errno() : 0;
}

int oci_store_open(OciStore *s, int lock_op, AlcError *e)
{
	const DirSpec dir = {.uid = 0, .gid = 0, .mode = 0700, .check = MODE_EXACT};
	const char *what = ALCOVE_LIB_DIR;
	int r;

	*s = OCI_STORE_INIT;
	r = paths_open_lib(&s->libfd);
	if (r >= 0)
		r = paths_ensure_dir(s->libfd, what = OCI_DIR, &dir, &s->ocifd);
	if (r >= 0)
		r = paths_ensure_dir(s->ocifd, what = "layers", &dir, &s->layersfd);
	if (r >= 0)
		r = paths_ensure_dir(s->ocifd, what = "images", &dir, &s->imagesfd);
	if (r >= 0)
		r = open_lock(s, lock_op), what = "lock";
	if (r < 0) {
		oci_store_close(s);
		return alc_error(
		    e, r, OCI_STORE_STAGE, "%s/%s%s%s: %m%s", ALCOVE_LIB_DIR, OCI_DIR,
		    strcmp(what, OCI_DIR) ? "/" : "", strcmp(what, OCI_DIR) ? what : "",
		    r == -EPERM ? " (must be root's, mode 0700; a lock file 0600)" : "");
	}
	return r;
}

int oci_store_remove(int dirfd, const char *name)
{
	struct stat st;
	char bad[256];

	if (fstat(dirfd, &st) < 0)
		return negative_errno();
	return remove_tree(dirfd, name, st.st_dev, bad, sizeof(bad));
}

/* "<prefix>.<16 random hex digits>" into name (a pull's or a trash directory's). */
static int random_name(const char *prefix, char name[static 32])
{
	unsigned char rnd[8];

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		return -EIO;
	snprintf(name, 32, "%s.%02x%02x%02x%02x%02x%02x%02x%02x", prefix, rnd[0], rnd[1], rnd[2],
		 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	return 0;
}

/* dirfd/name renamed to trash.<random> in the store's root, and that rename fsync'd in both
 * directories: its removal waits for oci_store_empty_trash. */
static int trash(OciStore *s, int dirfd, const char *name)
{
	char to[32];
	int r;

	do {
		r = random_name("trash", to);
		if (r >= 0)
			r = RET_NERRNO(renameat2(dirfd, name, s->ocifd, to, RENAME_NOREPLACE));
	} while (r == -EEXIST);
	if (r < 0)
		return r;
	/* A half-deleted layer still named <hex> lacks files and whiteouts, and the lower layers'
	 * files would show through it: the rename is on disk before the first unlink, so that
	 * after a crash the layer is whole under its name or not there at all. The new name is
	 * the root's entry, made lasting by the root's own fsync: without it a crash may keep
	 * the removal from dirfd and lose trash.<random>, the tree then in no directory
	 * (lost+found after fsck), never emptied. */
	r = RET_NERRNO(fsync(dirfd));
	if (r >= 0 && dirfd != s->ocifd)
		r = RET_NERRNO(fsync(s->ocifd));
	return r;
}

int oci_store_remove_layer(OciStore *s, const char *hex)
{
	if (!oci_hex_ok(hex))
		return -EINVAL;
	return trash(s, s->layersfd, hex);
}

/* A trash directory another alcovectl is emptying holds its flock: skipped. */
static int empty_one(int ocifd, const char *name)
{
	_cleanup_close_ int fd = open_beneath(ocifd, name, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? 0 : negative_errno();
	return oci_store_remove(ocifd, name); /* the flock held until it is gone */
}

int oci_store_empty_trash(OciStore *s, AlcError *e)
{
	DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(s->ocifd, &d), first = 0;

	if (r < 0)
		return alc_error(e, r, OCI_STORE_STAGE, "list %s/%s: %m", ALCOVE_LIB_DIR, OCI_DIR);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "trash.", 6) != 0)
			continue;
		r = empty_one(s->ocifd, de->d_name);
		if (r < 0 && r != -ENOENT && first == 0)
			first = alc_error(e, r, OCI_STORE_STAGE, "remove %s/%s/%s: %m%s",
					  ALCOVE_LIB_DIR, OCI_DIR, de->d_name,
					  r == -EXDEV ? " (a mount point in it)" : "");
	}
	closedir(d);
	return first;
}

/* pull.* in the store's root, *.partial among the layers */
static bool is_stale(const char *name, bool pulls)
{
	size_t n = strlen(name);

	if (pulls)
		return strncmp(name, "pull.", 5) == 0;
	return n > 8 && strcmp(name + n - 8, ".partial") == 0;
}

/* A pull directory whose pull still runs holds its flock (oci_store_pull_dir): not stale. */
static bool pull_running(int dirfd, const char *name)
{
	_cleanup_close_ int fd = open_beneath(dirfd, name, O_RDONLY | O_DIRECTORY, 0);

	return fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

static int clean_dir(OciStore *s, int dirfd, bool pulls, AlcError *e)
{
	const char *where = pulls ? "" : "/layers";
	DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(dirfd, &d);

	if (r < 0)
		return alc_error(e, r, OCI_STORE_STAGE, "list %s/%s%s: %m", ALCOVE_LIB_DIR, OCI_DIR,
				 where);
	while ((de = readdir(d))) {
		if (!is_stale(de->d_name, pulls) || (pulls && pull_running(dirfd, de->d_name)))
			continue;
		r = trash(s, dirfd, de->d_name);
		if (r < 0 && r != -ENOENT) {
			alc_error(e, r, OCI_STORE_STAGE, "move %s%s%s to the trash: %m", where,
				  *where ? "/" : "", de->d_name);
			break;
		}
		r = 0;
	}
	closedir(d);
	return r;
}

/* .<NAME>.tmp among the records: oci_store_write_image's, left by a pull killed between its
 * open and its rename (under the exclusive lock, as this is: no pull is writing one now). */
static int clean_records(int imagesfd, AlcError *e)
{
	DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(imagesfd, &d);

	if (r < 0)
		return alc_error(e, r, OCI_STORE_STAGE, "list %s/%s/images: %m", ALCOVE_LIB_DIR,
				 OCI_DIR);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] != '.' || n <= 5 || strcmp(de->d_name + n - 4, ".tmp") != 0)
			continue;
		if (unlinkat(imagesfd, de->d_name, 0) < 0 && errno != ENOENT) {
			r = alc_error(e, negative_errno(), OCI_STORE_STAGE, "remove images/%s: %m",
				      de->d_name);
			break;
		}
	}
	closedir(d);
	return r;
}

int oci_store_clean(OciStore *s, AlcError *e)
{
	int r = clean_dir(s, s->ocifd, true, e);

	if (r >= 0) /* what removals of earlier versions left */
		r = clean_dir(s, s->layersfd, false, e);
	return r < 0 ? r : clean_records(s->imagesfd, e);
}

int oci_store_pull_dir(OciStore *s, char name[static 32], int *ret_fd)
{
	int r = random_name("pull", name), fd;

	if (r < 0)
		return r;
	if (mkdirat(s->ocifd, name, 0700) < 0)
		return negative_errno();
	fd = open_beneath(s->ocifd, name, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) { /* new: nobody else has it */
		closep(&fd);
		return negative_errno();
	}
	*ret_fd = fd;
	return 0;
}

int oci_store_relock(OciStore *s, int lock_op)
{
	int r;

	do
		r = flock(s->lockfd, lock_op);
	while (r < 0 && errno == EINTR);
	return r < 0 ? negative_errno() : 0;
}

int oci_store_write_image(OciStore *s, const char *name, const OciImage *img)
{
	char buf[OCI_RECORD_MAX], tmp[OCI_NAME_MAX + 8];
	_cleanup_close_ int fd = -1;
	int n, r;

	if (!oci_name_ok(name))
		return -EINVAL;
	n = oci_image_format(img, buf, sizeof(buf));
	if (n < 0)
		return n;
	snprintf(tmp, sizeof(tmp), ".%s.tmp", name); /* never a name: names start otherwise */
	if (unlinkat(s->imagesfd, tmp, 0) < 0 && errno != ENOENT)
		return negative_errno();
	fd = openat(s->imagesfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	/* a short write (ENOSPC, RLIMIT_FSIZE) left errno as it was: the next write says why */
	r = write_all(fd, buf, (size_t)n);
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && renameat(s->imagesfd, tmp, s->imagesfd, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(s->imagesfd, tmp, 0);
	return r;
}
