/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Executing the filesystem plan inside the child's own mount namespace (DESIGN §4): a staging
 * tmpfs, the idmapped image layers the helper sent, the overlay (mounted by ns root with
 * userxattr), the plan's mounts on top, then pivot_root(".", ".") and the old root detached.
 * Nothing here can reach the host's mount table: the namespace was made private first, and
 * every mount lives and dies with the alcove.
 *
 * Targets inside the new root are opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
 * from the overlay's root: a symlink planted in a persistent upper layer cannot send a mount
 * anywhere else. Such a symlink (or a file) where a mount point must be is replaced, through
 * the overlay, by an empty directory or file; a directory where a file is mounted is moved
 * aside (renamed, its content kept); the helper logs each.
 */
#include "rootfs_apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "lib/mountapi.h"
#include "lib/paths.h"

_Static_assert(STEP_ATTR_RDONLY == MOUNT_ATTR_RDONLY && STEP_ATTR_NOSUID == MOUNT_ATTR_NOSUID &&
		   STEP_ATTR_NODEV == MOUNT_ATTR_NODEV && STEP_ATTR_NOEXEC == MOUNT_ATTR_NOEXEC,
	       "plan attributes are MOUNT_ATTR_* values");

static int make_dir(int dirfd, const char *name, mode_t mode, int *ret)
{
	int fd;

	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return negative_errno();
	fd = paths_openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	*ret = fd;
	return 0;
}

static int attach_at(int mntfd, int dirfd, const char *name)
{
	_cleanup_close_ int target = -1;
	int r;

	r = make_dir(dirfd, name, 0700, &target);
	if (r < 0)
		return r;
	return mnt_attach(mntfd, target);
}

static int stage_mount(Rootfs *rf)
{
	int mfd, r;

	/* nothing we mount may propagate anywhere (our copies of shared mounts are slaves of the
	 * host's already, since the namespace belongs to a less privileged user ns) */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return child_error(rf->e, errno, "mounts", "make / private: %m");
	/* the helper's tmpfs there, in the mount ns ours was copied from, with its mounts on it,
	 * their flags locked in our copy; cloned from it when their step comes (step_mount) */
	rf->staged = open(rf->cs->staging, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rf->staged < 0)
		return child_error(rf->e, errno, "mounts", "open staging dir '%s': %m",
				   rf->cs->staging);
	mfd = mnt_new_fs("tmpfs", "mode=0700",
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mfd < 0)
		return child_error(rf->e, mfd, "mounts", "mount staging tmpfs: %m");
	r = mnt_attach(mfd, rf->staged);
	if (r < 0) {
		close(mfd);
		return child_error(rf->e, r, "mounts", "attach staging tmpfs on '%s': %m",
				   rf->cs->staging);
	}
	rf->stagefd = mfd;
	return 0;
}

static int tmpfs_upper(Rootfs *rf, char *upper, char *work, size_t size)
{
	_cleanup_close_ int mfd = -1, rw = -1, d = -1;
	int r;

	/* persist = false: a throw-away upper, gone with the alcove */
	mfd = mnt_new_fs("tmpfs", rf->cs->upper_options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (mfd < 0)
		return mfd;
	r = attach_at(mfd, rf->stagefd, "rw");
	if (r < 0)
		return r;
	r = paths_openat(rf->stagefd, "rw", O_PATH | O_DIRECTORY, 0);
	if (r < 0)
		return r;
	rw = r;
	r = make_dir(rw, "upper", 0755, &d);
	if (r < 0)
		return r;
	closep(&d);
	r = make_dir(rw, "work", 0700, &d);
	if (r < 0)
		return r;
	snprintf(upper, size, "%s/rw/upper", rf->cs->staging);
	snprintf(work, size, "%s/rw/work", rf->cs->staging);
	return 0;
}

/* The lower layers, attached in the staging tmpfs, as overlay's lowerdir (top first): the
 * persistent layer's upper for share = session, then the image layers. */
static int overlay_lowers(Rootfs *rf, char *lowerdir, size_t size)
{
	const ChildSetup *cs = rf->cs;
	char paths[CHILD_MAX_LAYERS + 1][160];
	const char *lower[CHILD_MAX_LAYERS + 1];
	size_t n = 0;
	int r;

	if (cs->persist_fd >= 0) {
		/* overlay takes private clones of its layers' mounts, and only of mounts in the
		 * mounter's own namespace (else EINVAL, "failed to clone upperpath"): attach the
		 * helper's detached clone here first. Its root, the layer dir, is ns root's. */
		r = attach_at(cs->persist_fd, rf->stagefd, "p");
		if (r < 0)
			return child_error(rf->e, r, "mounts", "attach the persistent layer: %m");
	}
	if (cs->persist_fd >= 0 && cs->persist_as_lower) {
		/* share = session: the user's persistent layer, read-only, above the image */
		snprintf(paths[n], sizeof(paths[n]), "%s/p/upper", cs->staging);
		lower[n] = paths[n];
		n++;
	}
	for (size_t i = 0; i < cs->n_layers; i++) {
		char name[16];

		snprintf(name, sizeof(name), "l%zu", i);
		r = attach_at(rf->fds[i], rf->stagefd, name);
		if (r < 0)
			return child_error(rf->e, r, "mounts", "attach image layer %zu: %m", i);
		snprintf(paths[n], sizeof(paths[n]), "%s/%s", cs->staging, name);
		lower[n] = paths[n];
		n++;
	}
	r = overlay_lowerdir(lower, n, lowerdir, size);
	return r < 0 ? child_error(rf->e, r, "mounts", "overlay lowerdir: %m") : 0;
}

/* The overlay itself, by ns root with userxattr, attached as the staging area's "root". */
static int overlay_mount(Rootfs *rf, const char *lowerdir, const char *upper, const char *work)
{
	_cleanup_close_ int fsfd = -1;
	int mfd, r;

	fsfd = mnt_fsopen("overlay");
	if (fsfd < 0)
		return child_error(rf->e, fsfd, "mounts", "fsopen overlay: %m");
	if ((r = mnt_fsconfig_string(fsfd, "lowerdir", lowerdir)) < 0 ||
	    (r = mnt_fsconfig_string(fsfd, "upperdir", upper)) < 0 ||
	    (r = mnt_fsconfig_string(fsfd, "workdir", work)) < 0 ||
	    (r = mnt_fsconfig_flag(fsfd, "userxattr")) < 0)
		return child_error(rf->e, r, "mounts", "configure overlay (lowerdir=%s): %m",
				   lowerdir);
	mfd = mnt_fsmount(fsfd, MOUNT_ATTR_NODEV | (rf->cs->setuid ? 0 : MOUNT_ATTR_NOSUID));
	if (mfd == -ELOOP)
		return child_error(
		    rf->e, mfd, "mounts",
		    "mount overlay: an image layer lies inside another layer on the same "
		    "filesystem (overlayfs: \"overlapping lowerdir path\"); layers stacked "
		    "on image \"/\" must be on a filesystem of their own");
	if (mfd < 0)
		return child_error(rf->e, mfd, "mounts",
				   "mount overlay (lowerdir=%s upperdir=%s): %m", lowerdir, upper);
	r = attach_at(mfd, rf->stagefd, "root");
	if (r < 0) {
		close(mfd);
		return child_error(rf->e, r, "mounts", "attach overlay: %m");
	}
	rf->rootfd = mfd;
	return 0;
}

static int mount_overlay(Rootfs *rf)
{
	const ChildSetup *cs = rf->cs;
	char lowerdir[4096], upper[160], work[160];
	int r;

	r = overlay_lowers(rf, lowerdir, sizeof(lowerdir));
	if (r < 0)
		return r;
	if (cs->persist_fd >= 0 && !cs->persist_as_lower) {
		snprintf(upper, sizeof(upper), "%s/p/upper", cs->staging);
		snprintf(work, sizeof(work), "%s/p/work", cs->staging);
	} else {
		r = tmpfs_upper(rf, upper, work, sizeof(upper));
		if (r < 0)
			return child_error(rf->e, r, "mounts", "tmpfs upper layer: %m");
	}
	r = overlay_mount(rf, lowerdir, upper, work);
	/* the user's persistent layer is in the overlay as ns root left it, user.overlay.*
	 * xattrs included (userxattr: overlayfs reads those, which the owner sets): a failure
	 * may be theirs, so failure = "open" must not apply */
	if (r < 0 && cs->persist_fd >= 0)
		rf->e->tenant = 1;
	return r;
}

/*
 * A directory in the new root that a mount goes on, or one on the way to it; path (len bytes)
 * names it for the log. In root mode ns root may leave anything in its persistent upper layer
 * between logins: a symlink or a file at /tmp, /run, /proc, the home... A mount cannot sit
 * there, and refusing would lock the user out until root edited the layer on the host. So
 * a regular file (the user's data) is moved aside as rootfs_move_aside() does, anything else that
 * is not a directory (a symlink, a fifo: no data) is removed through the overlay (unlinkat: a
 * whiteout in the upper when the image has that name, which is what hides it), and an empty
 * directory is made in its place; a real directory, full or not, is mounted over as it is.
 * Never followed: a single component, lstat'ed, renamed or unlinked, then opened with
 * RESOLVE_NO_SYMLINKS.
 */
static int ensure_dir(Rootfs *rf, int parent, const char *name, const char *path, size_t len,
		      int *ret)
{
	struct stat st;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return negative_errno();
	} else if (S_ISREG(st.st_mode)) {
		char target[256];
		int r;

		if ((size_t)snprintf(target, sizeof(target), "%.*s", (int)len, path) >= sizeof(target))
			return -ENAMETOOLONG;
		r = rootfs_move_aside(rf, parent, name, target, st.st_mode,
				      "to mount a directory there");
		if (r < 0)
			return r;
	} else if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0)
			return negative_errno();
		/* for the helper's log */
		int r = child_note(rf->cs,
				   "Replaced '%.*s' (%s) in %s's layer by an empty directory to "
				   "mount on",
				   (int)len, path, rootfs_file_type(st.st_mode), rf->cs->user);
		if (r < 0)
			return r;
	}
	return make_dir(parent, name, 0755, ret);
}

/* Opens (creating or replacing as needed) the parent directory of target; name receives the
 * last component. */
int rootfs_open_parent(Rootfs *rf, const char *target, char *name, size_t size, int *ret)
{
	_cleanup_close_ int fd = -1;
	const char *p = target + 1;

	fd = fcntl(rf->rootfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	for (;;) {
		size_t n = strcspn(p, "/");
		int next, r;

		if (n >= size)
			return -ENAMETOOLONG;
		memcpy(name, p, n);
		name[n] = '\0';
		if (p[n] == '\0')
			break;
		r = ensure_dir(rf, fd, name, target, (size_t)(p + n - target), &next);
		if (r < 0)
			return r;
		closep(&fd);
		fd = next;
		p += n + 1;
	}
	*ret = TAKE_FD(fd);
	return 0;
}

/*
 * A directory where a file is to be mounted (/etc/passwd, /etc/resolv.conf...), or a file
 * where a directory is (ensure_dir): ns root may make one in a persistent upper layer (root
 * mode), and a mount needs the other type; every later build would fail. Renamed in the same
 * parent to "<name>.alcove-moved-<epoch>" through the overlay, so what the user kept there
 * stays and the name is free for the mount point. renameat2() acts on the entry itself, never
 * through a symlink; RENAME_NOREPLACE never overwrites what the user has under the new name.
 * Where that name is taken, the next ones add the nanoseconds of the moment of the try: ns
 * root may have made any name it can foresee (all of a window of seconds and small numbers
 * after them), not these.
 */
int rootfs_move_aside(Rootfs *rf, int parent, const char *name, const char *target, mode_t mode,
		      const char *why)
{
	char moved[256];
	struct timespec ts;
	long now = (long)time(NULL);
	int r = -EEXIST;

	for (unsigned i = 0; i < 16 && r == -EEXIST; i++) {
		int n;

		if (i > 0 && clock_gettime(CLOCK_REALTIME, &ts) < 0)
			return negative_errno();
		n = i == 0 ? snprintf(moved, sizeof(moved), "%s.alcove-moved-%ld", name, now)
			   : snprintf(moved, sizeof(moved), "%s.alcove-moved-%ld.%09ld", name, now,
				      (long)ts.tv_nsec);
		if (n < 0 || (size_t)n >= sizeof(moved))
			return -ENAMETOOLONG;
		r = RET_NERRNO(renameat2(parent, name, parent, moved, RENAME_NOREPLACE));
	}
	if (r < 0)
		return r;
	return child_note(rf->cs, "Moved '%s' (%s) in %s's layer aside to '%.*s%s', %s", target,
			  rootfs_file_type(mode), rf->cs->user,
			  (int)(strrchr(target, '/') - target + 1), target, moved, why);
}

/* The mount point of a step: a directory, or a file (replacing a symlink the image has there,
 * e.g. /etc/resolv.conf -> ../run/...: a mount cannot sit on a symlink; or moving aside a
 * directory the user left there). -ENOENT only for an optional mask whose target does not
 * exist. */
static int open_target(Rootfs *rf, const MountStep *s, int *ret)
{
	_cleanup_close_ int parent = -1;
	char name[256];
	struct stat st;
	int fd, r;

	r = rootfs_open_parent(rf, s->target, name, sizeof(name), &parent);
	if (r < 0)
		return r;
	if (!s->file)
		return ensure_dir(rf, parent, name, s->target, strlen(s->target), ret);
	fd = paths_openat(parent, name, O_PATH | O_NOFOLLOW, 0);
	if (fd >= 0) {
		if (fstat(fd, &st) < 0) {
			r = negative_errno();
			close(fd);
			return r;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
			*ret = fd;
			return 0;
		}
		close(fd);
		if (s->kind == STEP_MASK_FILE)
			return -ELOOP; /* a mask over a symlink or directory would hide nothing */
		r = S_ISDIR(st.st_mode) ? rootfs_move_aside(rf, parent, name, s->target, st.st_mode,
							    "to mount a file there")
					: RET_NERRNO(unlinkat(parent, name, 0));
		if (r < 0)
			return r;
	} else if (fd != -ENOENT)
		return fd;
	else if (s->kind == STEP_MASK_FILE)
		return -ENOENT;
	fd = paths_openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	if (fd < 0)
		return fd;
	close(fd);
	fd = paths_openat(parent, name, O_PATH | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd;
	*ret = fd;
	return 0;
}

/* A file in the staging tmpfs holding data (or empty with mode 0 for a mask). */
static int stage_file(Rootfs *rf, const char *data, mode_t mode, int *ret_mnt)
{
	_cleanup_close_ int fd = -1;
	char name[32];
	size_t len = data ? strlen(data) : 0;

	snprintf(name, sizeof(name), "f%u", rf->n_files++);
	fd = paths_openat(rf->stagefd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
	if (fd < 0)
		return fd;
	errno = 0; /* a short write sets none: -EIO then, not an earlier call's errno */
	if (len > 0 && write(fd, data, len) != (ssize_t)len)
		return errno ? negative_errno() : -EIO;
	if (fchmod(fd, mode) < 0)
		return negative_errno();
	*ret_mnt = mnt_open_tree(rf->stagefd, name, OPEN_TREE_CLONE);
	return *ret_mnt < 0 ? *ret_mnt : 0;
}

/* A clone of the helper's bind mount index (the home, a profile mount, /tmp) with what is
 * below it: the helper set its attributes, and the kernel locked them in our copy of its
 * mount ns; a clone of a locked mount stays locked (and a non-recursive clone of one with
 * locked children is EINVAL). */
static int staged_bind(Rootfs *rf, unsigned index)
{
	char name[24];

	if (index >= rf->cs->n_bind_fds)
		return -EBADF;
	snprintf(name, sizeof(name), CHILD_STAGED_BIND, (size_t)index);
	return mnt_open_tree(rf->staged, name, OPEN_TREE_CLONE | AT_RECURSIVE);
}

/* The detached mount a step attaches, or -1 for steps that attach nothing. */
static int step_mount(Rootfs *rf, const MountStep *s, int *ret_mnt)
{
	struct stat st;
	int mfd = -1, r;

	switch (s->kind) {
	case STEP_TMPFS:
		mfd = mnt_new_fs("tmpfs", s->data, s->attrs);
		break;
	case STEP_PROC:
		mfd = mnt_new_fs("proc", NULL, s->attrs);
		break;
	case STEP_SYSFS:
		mfd = mnt_new_fs("sysfs", NULL, s->attrs);
		break;
	case STEP_DEVPTS:
		mfd = mnt_new_fs("devpts", s->data, s->attrs);
		break;
	case STEP_SYSFS_HOST:
		/* its attributes are the helper's, and locked; no children to clone */
		mfd = rf->cs->sys_fd < 0
			  ? -EBADF
			  : mnt_open_tree(rf->staged, CHILD_STAGED_SYS, OPEN_TREE_CLONE);
		break;
	case STEP_BIND_HOST:
		if (s->optional && stat(s->source, &st) < 0 && errno == ENOENT)
			return 0;
		mfd = mnt_open_tree(AT_FDCWD, s->source, OPEN_TREE_CLONE);
		if (mfd < 0)
			return mfd;
		r = mnt_setattr(mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, s->attrs, 0, -1);
		if (r < 0) {
			close(mfd);
			return r;
		}
		break;
	case STEP_BIND_FD:
		mfd = staged_bind(rf, s->fd_index);
		break;
	case STEP_FILE:
	case STEP_MASK_FILE:
		r = stage_file(rf, s->kind == STEP_FILE ? s->data : NULL,
			       s->kind == STEP_FILE ? s->mode : 0, &mfd);
		if (r < 0)
			return r;
		r = mnt_setattr(mfd, "", AT_EMPTY_PATH, s->attrs, 0, -1);
		if (r < 0) {
			close(mfd);
			return r;
		}
		break;
	default:
		return 0;
	}
	if (mfd < 0)
		return mfd;
	*ret_mnt = mfd;
	return 1;
}

static int run_step(Rootfs *rf, const MountStep *s)
{
	_cleanup_close_ int target = -1, mfd = -1, parent = -1;
	char name[256];
	int r;

	if (s->kind == STEP_ACCOUNTS) {
		/* the alcove's own file, which nothing outside reads: left as it was rather than
		 * the user locked out (a layer's filesystem full, say), and the helper logs it */
		r = rootfs_accounts(rf, s);
		if (r < 0)
			r = child_note(
			    rf->cs,
			    "Failed to put the helper's accounts into '%s' in %s's layer, "
			    "left as it was: %s",
			    s->target, rf->cs->user, strerror(-r));
		return r < 0 ? r : 0;
	}
	if (s->kind == STEP_SYMLINK) {
		r = rootfs_open_parent(rf, s->target, name, sizeof(name), &parent);
		if (r < 0)
			return r;
		return RET_NERRNO(symlinkat(s->data, parent, name));
	}
	r = open_target(rf, s, &target);
	if (r == -ENOENT && s->kind == STEP_MASK_FILE)
		return 0; /* nothing to hide */
	if (r < 0) {
		/* the mount point is in the user's upper layer, as ns root left it */
		rf->e->tenant = 1;
		return r;
	}
	if (s->kind == STEP_REMOUNT_RO)
		return mnt_setattr(target, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, -1);
	r = step_mount(rf, s, &mfd);
	if (r <= 0)
		return r;
	return mnt_attach(mfd, target);
}

static int pivot(Rootfs *rf)
{
	/* the overlay's root becomes "/", the old root (the host's tree) stacked on it is
	 * detached: no path leads out of the alcove afterwards, not even for ns root */
	if (fchdir(rf->rootfd) < 0)
		return child_error(rf->e, errno, "pivot", "chdir to the new root: %m");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return child_error(rf->e, errno, "pivot", "pivot_root: %m");
	if (umount2(".", MNT_DETACH) < 0)
		return child_error(rf->e, errno, "pivot", "detach the old root: %m");
	if (chdir("/") < 0)
		return child_error(rf->e, errno, "pivot", "chdir /: %m");
	return 0;
}

int rootfs_setup(const ChildSetup *cs, const int *fds, size_t n_fds, ChildError *err)
{
	Rootfs rf = {.cs = cs,
		     .fds = fds,
		     .n_fds = n_fds,
		     .stagefd = -1,
		     .rootfd = -1,
		     .staged = -1,
		     .e = err};
	int r;

	if (n_fds < cs->n_layers)
		return child_error(err, EBADMSG, "sync", "GO carried %zu fds, expected %zu", n_fds,
				   cs->n_layers);
	r = stage_mount(&rf);
	if (r < 0)
		goto out;
	r = mount_overlay(&rf);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < cs->plan.n; i++) {
		const MountStep *s = &cs->plan.step[i];

		r = run_step(&rf, s);
		if (r < 0) {
			child_error(err, r, "mounts", "%s on '%s'%s%s: %m",
				    s->kind == STEP_MASK_FILE ? "mask" : "mount", s->target,
				    s->source ? " from " : "", s->source ? s->source : "");
			goto out;
		}
	}
	r = pivot(&rf);
out:
	closep(&rf.stagefd);
	closep(&rf.rootfd);
	closep(&rf.staged);
	return r;
}
