/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "oci.h"

int paths_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return open_beneath(dirfd, path, flags, mode);
}

static bool trusted(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

int paths_open_trusted(const char *abs, int *ret_fd, const char **ret_bad)
{
	_cleanup_close_ int fd = -1;
	const char *p = abs;
	struct stat st;

	if (abs[0] != '/')
		return -EINVAL;
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		char comp[256];
		size_t n;

		if (fstat(fd, &st) < 0)
			return negative_errno();
		if (!trusted(&st)) {
			if (ret_bad)
				*ret_bad = p;
			return -EPERM;
		}
		while (*p == '/')
			p++;
		if (!*p)
			break;
		n = strcspn(p, "/");
		if (n >= sizeof(comp))
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		if (strcmp(comp, "..") == 0)
			return -EINVAL;
		int next = paths_openat(fd, comp, O_PATH | O_DIRECTORY, 0);
		if (next < 0) {
			if (ret_bad) /* a symlink (-ELOOP), not a directory, missing */
				*ret_bad = p + n;
			return next;
		}
		closep(&fd);
		fd = next;
		p += n;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int paths_open_under_trusted(const char *abs, int flags, int *ret_fd, const char **ret_bad)
{
	_cleanup_free_ char *parent = strdup(abs);
	_cleanup_close_ int pfd = -1;
	const char *bad = NULL;
	char *slash;
	int r;

	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (abs[0] != '/' || !slash || slash[1] == '\0')
		return -EINVAL;
	*slash = '\0';
	r = paths_open_trusted(*parent ? parent : "/", &pfd, &bad);
	if (r < 0) {
		if (ret_bad) /* bad points into parent, a copy of abs */
			*ret_bad = abs + (bad ? bad - parent : 0);
		return r;
	}
	/* no O_NOFOLLOW: with O_PATH it would open a symlink itself; RESOLVE_NO_SYMLINKS
	 * refuses one (-ELOOP) */
	r = paths_openat(pfd, slash + 1, flags, 0);
	if (r < 0 && ret_bad)
		*ret_bad = abs + strlen(abs);
	if (r < 0)
		return r;
	*ret_fd = r;
	return 0;
}

static int check_dir(int fd, const DirSpec *spec)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (st.st_uid != spec->uid)
		return -EPERM;
	if (spec->check == MODE_EXACT && (st.st_mode & 07777) != spec->mode)
		return -EPERM;
	if (spec->check == MODE_NOT_WRITABLE && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return -EPERM;
	return 0;
}

int paths_temp_name(char *buf, size_t len)
{
	uint64_t v;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		return -EIO;
	if ((size_t)snprintf(buf, len, "..alcove-new.%016" PRIx64, v) >= len)
		return -ENAMETOOLONG;
	return 0;
}

bool paths_is_temp_name(const char *name)
{
	static const char prefix[] = "..alcove-new.";
	const size_t n = sizeof(prefix) - 1;

	if (strncmp(name, prefix, n) != 0 || strlen(name + n) != 16)
		return false;
	return strspn(name + n, "0123456789abcdef") == 16;
}

/* Made in place, as before RENAME_NOREPLACE: a concurrent caller may see it half made. */
static int make_dir_in_place(int parentfd, const char *name, const DirSpec *spec)
{
	_cleanup_close_ int fd = -1;

	if (mkdirat(parentfd, name, 0700) < 0)
		return negative_errno(); /* -EEXIST: another caller made it */
	fd = paths_openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	if (fchown(fd, spec->uid, spec->gid) < 0 || fchmod(fd, spec->mode) < 0)
		return negative_errno();
	return 0;
}

int paths_publish_dir(int parentfd, const char *tmp, const char *name, const DirSpec *spec)
{
	_cleanup_close_ int fd = -1;
	int r = 0;

	fd = paths_openat(parentfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		r = fd;
	else if (fchown(fd, spec->uid, spec->gid) < 0 || fchmod(fd, spec->mode) < 0 ||
		 renameat2(parentfd, tmp, parentfd, name, RENAME_NOREPLACE) < 0)
		r = negative_errno();
	/* the rename's error is the one told: a leftover (not empty: the owner filled it) is
	 * under a name nobody looks up; an empty btrfs subvolume goes with rmdir(2) too */
	if (r < 0)
		(void)unlinkat(parentfd, tmp, AT_REMOVEDIR);
	return r;
}

/*
 * Makes parent/name with spec's owner and mode already set: under a temporary name, renamed
 * into place, so that a concurrent caller sees the finished directory or none. Made in place,
 * another helper could open it between mkdirat() and fchmod(), root 0700, and refuse it
 * (EPERM): two logins of one user racing to its /run/alcove directory (80-load, one login in
 * 200 on a loaded machine). -EEXIST: another caller made name first.
 */
static int make_dir_finished(int parentfd, const char *name, const DirSpec *spec)
{
	char tmp[PATHS_TEMP_NAME_MAX];
	int r;

	r = paths_temp_name(tmp, sizeof(tmp));
	if (r < 0)
		return r;
	if (mkdirat(parentfd, tmp, 0700) < 0)
		return negative_errno();
	r = paths_publish_dir(parentfd, tmp, name, spec);
	/* NFS, and ZFS before 2.2, take no rename flag (EINVAL): a home or /var/lib/alcove
	 * there is made in place; /run/alcove, where logins race for a name, is a tmpfs */
	if (r == -EINVAL || r == -EOPNOTSUPP)
		return make_dir_in_place(parentfd, name, spec);
	return r;
}

int paths_ensure_dir(int parentfd, const char *name, const DirSpec *spec, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	int r;

	/* an existing directory first: the common case costs the open and the check */
	fd = paths_openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd == -ENOENT) {
		r = make_dir_finished(parentfd, name, spec);
		if (r < 0 && r != -EEXIST)
			return r;
		fd = paths_openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	}
	if (fd < 0)
		return fd == -ELOOP ? -ENOTDIR : fd;
	r = check_dir(fd, spec);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void paths_describe_dir(int parentfd, const char *name, const DirSpec *spec, char *buf, size_t len)
{
	struct stat st;

	if (fstatat(parentfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		snprintf(buf, len, "%s", strerror(errno));
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(buf, len, "not a directory (a symlink or file)");
		return;
	}
	snprintf(buf, len, "owner %u mode %04o, expected owner %u%s", (unsigned)st.st_uid,
		 (unsigned)(st.st_mode & 07777), (unsigned)spec->uid,
		 spec->check == MODE_EXACT	    ? " mode exactly as created"
		 : spec->check == MODE_NOT_WRITABLE ? " and no group/other write permission"
						    : "");
}

static int open_under_trusted(const char *parent, const char *name, int *ret_fd)
{
	static const DirSpec root_0755 = {
	    .uid = 0, .gid = 0, .mode = 0755, .check = MODE_NOT_WRITABLE};
	_cleanup_close_ int pfd = -1;
	int r;

	r = paths_open_trusted(parent, &pfd, NULL);
	if (r < 0)
		return r;
	return paths_ensure_dir(pfd, name, &root_0755, ret_fd);
}

bool paths_lib_name_reserved(const char *name)
{
	return strcmp(name, "images") == 0 || strcmp(name, OCI_DIR) == 0;
}

int paths_open_run(int *ret_fd)
{
	return open_under_trusted("/run", "alcove", ret_fd);
}

int paths_open_lib(int *ret_fd)
{
	return open_under_trusted(LOCALSTATEDIR "/lib", "alcove", ret_fd);
}
