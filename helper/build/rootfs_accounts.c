/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Root mode's /etc/passwd and /etc/group (DESIGN §4): no mount, but files of the alcove's own,
 * which its root edits (useradd, adduser in a package's postinst: they rename "passwd+" over
 * "passwd", which a mount point refuses) and a persistent layer keeps like any other file. At
 * every build the child, ns root of the alcove's user namespace, before pivot_root, puts the
 * helper's lines (root, the user, nobody; root, tty, the passed-through groups, nogroup) back
 * on top of what the file holds, the image's accounts (apt's _apt) and the tenant's, through
 * the overlay (account_merge()). The tenant's bytes are read here only, bounded, by a process
 * with no privilege over the host; no host code reads them to decide anything: the login's uid,
 * home and shell are the host's NSS entry's (the lobby's marker, init's argv).
 *
 * What ns root left at the name is never followed: a directory, or a file over
 * ACCOUNT_FILE_MAX, is moved aside (kept); a symlink, fifo, socket or device node is removed;
 * the helper logs each. The file is replaced by a rename, so a failed write (the layer full)
 * leaves the one before, and is not written at all when neither its bytes nor its mode
 * change (no copy-up). A
 * failure here is logged and the build goes on (rootfs_apply.c, run_step()): nothing outside
 * the alcove reads the file, so a login refused for it would only lock the user out.
 */
#include "rootfs_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_merge.h"
#include "fileio.h"
#include "macro.h"
#include "lib/paths.h"

/* Reads the regular file parent/name, at most ACCOUNT_FILE_MAX bytes, into buf: the length,
 * -EFBIG when it holds more; *ret_mode the permission bits of the file read. O_NONBLOCK|
 * O_NOFOLLOW: no fifo or symlink put there since the caller's fstatat can make it wait or
 * lead elsewhere, and fstat says it is still a file. */
static int read_file(int parent, const char *name, char *buf, mode_t *ret_mode)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t n = 0;
	int r;

	fd = open_regular_beneath(parent, name, &st);
	if (fd < 0)
		return fd == -EISDIR ? -EBADFD : fd;
	*ret_mode = st.st_mode & 07777;
	/* -EFBIG when it fills the buffer: more than ACCOUNT_FILE_MAX */
	r = read_fd_whole(fd, buf, ACCOUNT_FILE_MAX + 1, &n);
	return r < 0 ? r : (int)n;
}

/* The alcove's file at parent/name into buf: its length, 0 when there is none or what was
 * there is gone (moved aside or removed, which the helper logs), -errno; *ret_mode its
 * permission bits when it was read, else 0. */
static int read_theirs(Rootfs *rf, int parent, const char *name, const char *target, char *buf,
		       mode_t *ret_mode)
{
	struct stat st;
	int r;

	*ret_mode = 0;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (S_ISREG(st.st_mode)) {
		r = read_file(parent, name, buf, ret_mode);
		if (r != -EFBIG)
			return r;
		*ret_mode = 0; /* moved aside below: nothing was read */
		r = rootfs_move_aside(
		    rf, parent, name, target, st.st_mode,
		    "as it is over 1 MiB; it starts again from the helper's lines");
	} else if (S_ISDIR(st.st_mode))
		r = rootfs_move_aside(rf, parent, name, target, st.st_mode,
				      "to write the alcove's accounts there");
	else if (unlinkat(parent, name, 0) < 0)
		r = negative_errno();
	else
		r = child_note(rf->cs,
			       "Replaced '%s' (%s) in %s's layer by the alcove's accounts file",
			       target, rootfs_file_type(st.st_mode), rf->cs->user);
	return r < 0 ? r : 0;
}

/* data (len bytes) as parent/name, mode, ns root's: written whole to a new file of a random
 * name beside it (O_EXCL: nothing ns root left there), then renamed over it. */
static int write_file(int parent, const char *name, const char *data, size_t len, mode_t mode)
{
	_cleanup_close_ int fd = -1;
	char tmp[PATHS_TEMP_NAME_MAX];
	int r;

	r = paths_temp_name(tmp, sizeof(tmp));
	if (r < 0)
		return r;
	fd = paths_openat(parent, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	if (fd < 0)
		return fd;
	r = write_all(fd, data, len);
	/* the umask may have taken bits of mode; a crash must not leave an empty file renamed */
	if (r >= 0 && (fchmod(fd, mode) < 0 || fsync(fd) < 0))
		r = negative_errno();
	if (r >= 0 && renameat(parent, tmp, parent, name) < 0)
		r = negative_errno();
	if (r < 0)
		(void)unlinkat(parent, tmp, 0);
	return r;
}

int rootfs_accounts(Rootfs *rf, const MountStep *s)
{
	_cleanup_close_ int parent = -1;
	_cleanup_free_ char *theirs = NULL, *merged = NULL;
	size_t size = strlen(s->data) + ACCOUNT_FILE_MAX + 2;
	char name[256];
	mode_t mode;
	int n, r;

	r = rootfs_open_parent(rf, s->target, name, sizeof(name), &parent);
	if (r < 0)
		return r;
	theirs = malloc(ACCOUNT_FILE_MAX + 1);
	merged = malloc(size);
	if (!theirs || !merged)
		return -ENOMEM;
	n = read_theirs(rf, parent, name, s->target, theirs, &mode);
	if (n < 0)
		return n;
	r = account_merge(s->data, theirs, (size_t)n, s->members, merged, size);
	if (r > (int)ACCOUNT_FILE_MAX) {
		/* what the next build would not read back (over the bound with our lines): moved
		 * aside now, as a larger file is, not written to be moved aside next time */
		r = rootfs_move_aside(
		    rf, parent, name, s->target, S_IFREG,
		    "as it is over 1 MiB with the helper's lines; it starts again from them");
		if (r >= 0)
			r = account_merge(s->data, "", 0, false, merged, size);
	}
	if (r < 0)
		return r;
	/* the same bytes: nothing to write (no copy-up), unless ns root took the read bits from
	 * the file (chmod 600): every account but root's would then stop resolving inside, and
	 * this build is where the file is put right */
	if (r == n && memcmp(merged, theirs, (size_t)n) == 0 && mode == s->mode)
		return 0;
	return write_file(parent, name, merged, (size_t)r, s->mode);
}
