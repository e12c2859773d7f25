/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host side of a build, before the clone: the user's subordinate ranges and id maps, the
 * image layers, the persistent upper/work dirs, the home volume, profile mounts, alcove-init,
 * the control and admin sockets and the filesystem plan. Every fd opened here is
 * close-on-exec and owned by the BuildCtx until the child has been cloned.
 */
#include "build_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "lock.h"
#include "macro.h"
#include "mountapi.h"
#include "paths.h"
#include "quota.h"
#include "subid.h"

/* id: the user's uid (subuid) or primary gid (subgid), which the range must not hold; nor may
 * it hold another account's or range's ids (common/subid.h). */
static int find_range(BuildCtx *c, const char *file, SubidKind kind, uint32_t id, uint32_t *ret)
{
	const LoginInfo *li = c->spec->login;
	char err[BUILD_ERR_MAX];
	int r;

	r = subid_find(file, kind, li->user, li->uid, id, c->spec->policy, ret, err, sizeof(err));
	if (r < 0)
		return build_error(c, r, "%s", err);
	return 0;
}

int prepare_ids(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	int r;

	c->ids = (IdmapSpec){
	    .mode = s->profile->mode,
	    .uid = s->login->uid,
	    .gid = s->login->gid,
	    .groups = s->pass_gids,
	    .n_groups = s->n_pass,
	};
	r = find_range(c, "/etc/subuid", SUBID_UID, s->login->uid, &c->ids.subuid);
	if (r < 0)
		return r;
	r = find_range(c, "/etc/subgid", SUBID_GID, s->login->gid, &c->ids.subgid);
	if (r < 0)
		return r;
	r = idmap_format_uid(&c->ids, c->uid_map, sizeof(c->uid_map));
	if (r < 0)
		return build_error(
		    c, r, "uid map of %s: uid %u overlaps its subordinate range %u-%u or is 0",
		    s->login->user, (unsigned)s->login->uid, c->ids.subuid,
		    c->ids.subuid + IDMAP_RANGE - 1);
	r = idmap_format_gid(&c->ids, c->gid_map, sizeof(c->gid_map));
	if (r < 0)
		return build_error(
		    c, r,
		    "gid map of %s: a group (primary %u, tty, passed-through) overlaps "
		    "the subordinate range %u-%u or is 0",
		    s->login->user, (unsigned)s->login->gid, c->ids.subgid,
		    c->ids.subgid + IDMAP_RANGE - 1);
	return 0;
}

static const char *fs_name(unsigned long magic)
{
	switch (magic) {
	case OVERLAYFS_SUPER_MAGIC:
		return "overlayfs";
	case NFS_SUPER_MAGIC:
		return "nfs";
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case TMPFS_MAGIC:
		return "tmpfs";
	case SQUASHFS_MAGIC:
		return "squashfs";
	case 0x65735546:
		return "fuse";
	case 0x2fc12fc1:
		return "zfs";
	default:
		return NULL;
	}
}

void fs_describe(int fd, char *buf, size_t len)
{
	struct statfs sfs;
	const char *name;

	if (fstatfs(fd, &sfs) < 0) {
		snprintf(buf, len, "an unknown filesystem");
		return;
	}
	name = fs_name((unsigned long)sfs.f_type);
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "filesystem type 0x%lx", (unsigned long)sfs.f_type);
}

/* An image layer: a root-owned directory nobody else can write, on a filesystem that can be
 * idmapped (DESIGN §3: an overlayfs mount cannot; mount_setattr then fails with EINVAL). */
static int open_layer(BuildCtx *c, const char *path, int *ret)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;
	struct stat st, root;
	const char *fs;

	if (path[0] != '/')
		return build_error(c, -EINVAL, "image '%s' is not an absolute path", path);
	if (strcmp(path, "/") == 0) {
		fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = negative_errno();
	} else {
		_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

		fd = rootfd < 0 ? negative_errno()
				: paths_openat(rootfd, path + 1, O_PATH | O_DIRECTORY, 0);
	}
	if (fd == -ENOENT)
		return build_error(c, fd, "image '%s' not found", path);
	if (fd == -ELOOP)
		return build_error(
		    c, fd, "image '%s': a component is a symlink (give the real path)", path);
	if (fd < 0)
		return build_error(c, fd, "cannot open image '%s': %m", path);
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0 || stat("/", &root) < 0)
		return build_error(c, negative_errno(), "cannot stat image '%s': %m", path);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return build_error(c, -EPERM,
				   "image '%s' must be owned by root and not writable by "
				   "group or others (owner %u, mode %04o)",
				   path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	fs = fs_name((unsigned long)sfs.f_type);
	if (sfs.f_type == OVERLAYFS_SUPER_MAGIC || sfs.f_type == NFS_SUPER_MAGIC)
		return build_error(c, -EOPNOTSUPP,
				   "image '%s' is on %s, which cannot be idmapped; "
				   "put the image on ext4, xfs, btrfs or tmpfs%s",
				   path, fs,
				   strcmp(path, "/") == 0
				       ? " (a live system or container root cannot "
					 "be image = \"/\")"
				       : "");
	if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
		if (c->spec->profile->mode == ALCOVE_MODE_ROOT)
			return build_error(c, -EPERM,
					   "image '%s' is the host's root: not allowed in "
					   "mode = \"root\" (U would own every host file inside)",
					   path);
		c->host_root_image = true;
	}
	*ret = TAKE_FD(fd);
	return 0;
}

/* The profile's image list, top first: directories, and OCI images by name (each its layers,
 * top first), under the store's shared lock so that `image prune` never removes a layer
 * between its being opened here and its being recorded in the run dir (prepare_image.c). */
int prepare_layers(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	_cleanup_close_ int libfd = -1;
	int r;

	if (p->n_image == 0)
		return build_error(c, -EINVAL, "profile %s has no image", p->name);
	for (size_t i = 0; i < p->n_image; i++) {
		if (p->image[i][0] != '/') {
			if (libfd < 0 && (r = paths_open_lib(&libfd)) < 0)
				return build_error(c, r, "cannot open %s safely: %m", ALCOVE_LIB_DIR);
			r = prepare_image_layers(c, libfd, p->image[i]);
			if (r < 0)
				return r;
			continue;
		}
		if (c->n_layers >= POLICY_MAX_LAYERS)
			return build_error(c, -E2BIG, "profile %s stacks more than %d layers", p->name,
					   POLICY_MAX_LAYERS);
		r = open_layer(c, p->image[i], &c->layer_fds[c->n_layers]);
		if (r < 0)
			return r;
		snprintf(c->layer_label[c->n_layers], sizeof(c->layer_label[0]), "%s", p->image[i]);
		c->n_layers++;
	}
	return prepare_layers_record(c);
}

/* Describes, as a message, a persistent dir that failed its check. */
static int persist_error(BuildCtx *c, int r, int parentfd, const char *name, const DirSpec *spec)
{
	char why[256];

	/* layer/ and its dirs are ns root's: in root mode the user's own to chown or replace */
	if (r != -EPERM && r != -ENOTDIR)
		return build_error_tenant(c, r, "%s/%s/%s: %m", ALCOVE_LIB_DIR,
					  c->spec->login->user, name);
	paths_describe_dir(parentfd, strrchr(name, '/') ? strrchr(name, '/') + 1 : name, spec, why,
			   sizeof(why));
	return build_error_tenant(
	    c, r,
	    "%s/%s/%s: %s (did the profile's mode change? `alcovectl reset %s` "
	    "starts a fresh layer)",
	    ALCOVE_LIB_DIR, c->spec->login->user, name, why, c->spec->login->user);
}

/*
 * One upper dir must never be mounted by two alcoves (DESIGN §5: overlayfs only warns, and
 * with userxattr it cannot refuse). The state in /run/alcove is what normally finds the
 * running alcove, but it can be lost (removed, corrupted) while the alcove runs; then a new
 * login would build a second alcove on the same upper. So the layer itself is locked: flock
 * on <user>/lock (lock.h), an open file that alcove-init keeps as fd 4 for its whole life, so
 * the lock drops exactly when the alcove ends, whatever happened to /run/alcove. share =
 * session alcoves only read the layer's upper (as a lower layer): a shared lock among
 * themselves. Taken before anything in layer/ is looked at.
 */
static int lock_persist(BuildCtx *c, int userfd)
{
	const BuildSpec *s = c->spec;
	int r;

	r = lock_layer(userfd, true, s->profile->share == SHARE_SESSION, &c->cs.layer_lock_fd);
	if (r == -EPERM)
		return build_error(c, r,
				   "%s/%s/lock is not a regular file of root's with mode 0600 and "
				   "one link; remove it",
				   ALCOVE_LIB_DIR, s->login->user);
	if (r == -EWOULDBLOCK)
		return build_error(c, -EBUSY,
				   "%s/%s/layer is in use by another alcove of %s that %s no "
				   "longer tracks (its state was lost while it ran); `alcovectl gc "
				   "--force %s` ends it",
				   ALCOVE_LIB_DIR, s->login->user, s->login->user, ALCOVE_RUN_DIR,
				   s->login->user);
	if (r < 0)
		return build_error(c, r, "lock %s/%s/lock: %m", ALCOVE_LIB_DIR, s->login->user);
	return 0;
}

/*
 * /var/lib/alcove/<user>/layer/{upper,work}, owned by the host id of the alcove's ns root so
 * that ns root can write its layer; <user> stays root 0700 so no host user reaches the layer.
 * <user>/lock (root 0600) is the layer's lock, held by init.
 * The child gets a detached clone of layer/ (overlay only takes layers from mounts of the
 * mounter's own namespace, and ns root could not traverse <user> to reach them there).
 * share = session mounts the upper read-only as the top lower layer instead: one upper dir is
 * never mounted twice (DESIGN §5).
 */
static bool wants_quota(const Profile *p)
{
	return p->layer_quota || p->layer_inodes;
}

static bool quota_is_builtin(const Profile *p)
{
	static const ProfileKey keys[] = {PKEY_LAYER_QUOTA, PKEY_LAYER_INODES,
					  PKEY_LAYER_QUOTA_FALLBACK};

	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		const char *s = p->origin[keys[i]].section;
		if (s && strcmp(s, "builtin") != 0)
			return false;
	}
	return true;
}

/* A new layer/ is made where its quota can follow it: a subvolume of its own on btrfs. The
 * owner is set as paths_ensure_dir() would; only root could reach it meanwhile (<user>/ is
 * root's 0700). */
static int persist_make_layer(BuildCtx *c, int userfd)
{
	const Profile *p = c->spec->profile;
	_cleanup_close_ int fd = -1;
	int r;

	if (!wants_quota(p) || quota_fs_of(userfd) != QUOTA_FS_BTRFS)
		return 0;
	r = quota_make_layer_dir(userfd, "layer");
	if (r == -EEXIST)
		return 0;
	if (r < 0)
		return build_error(c, r, "Failed to make %s/%s/layer as a btrfs subvolume: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user);
	fd = paths_openat(userfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0 ||
	    fchown(fd, idmap_nsroot_uid(&c->ids), idmap_nsroot_gid(&c->ids)) < 0)
		return build_error(c, fd < 0 ? fd : negative_errno(),
				   "Failed to hand %s/%s/layer to the alcove: %m", ALCOVE_LIB_DIR,
				   c->spec->login->user);
	return 0;
}

/* A layer at its quota makes every write inside fail with EDQUOT: the journal says so, with
 * the user and the limit, when the user's next alcove is built (the kernel tells nobody). */
static void log_quota_hit(BuildCtx *c, int layerfd)
{
	QuotaUsage u;
	char used[32], lim[32];

	if (quota_read(layerfd, (uint32_t)c->spec->login->uid, &u) < 0)
		return;
	if (u.bytes_limit && u.bytes + (1u << 20) >= u.bytes_limit) {
		policy_format_limit(LIMIT_MEMORY_MAX, u.bytes, used, sizeof(used));
		policy_format_limit(LIMIT_MEMORY_MAX, u.bytes_limit, lim, sizeof(lim));
		log_warning("%s's layer is at its quota: %s of layer_quota %s used",
			    c->spec->login->user, used, lim);
	}
	if (u.counts_inodes && u.inodes_limit && u.inodes >= u.inodes_limit)
		log_warning("%s's layer is at its quota: %llu of layer_inodes %llu",
			    c->spec->login->user, (unsigned long long)u.inodes,
			    (unsigned long long)u.inodes_limit);
}

/* overlayfs remakes work/work at every mount and, with no room for that under the quota,
 * mounts read-only: a user at the quota could never log in and delete. So the limit is lifted
 * until the child has mounted, and set again by build.c's quota_restore() before anything of
 * the tenant's runs. */
static int quota_lift(BuildCtx *c, int layerfd)
{
	const LayerQuota none = {0};
	int r;

	r = quota_apply(layerfd, (uint32_t)c->spec->login->uid, &none);
	if (r < 0)
		return build_error(c, r, "Failed to lift %s/%s/layer's quota for the mount: %m",
				   ALCOVE_LIB_DIR, c->spec->login->user);
	c->quota_fd = fcntl(layerfd, F_DUPFD_CLOEXEC, 3);
	return c->quota_fd < 0 ? build_error(c, negative_errno(), "dup: %m") : 0;
}

/* The filesystem cannot enforce the quota (r): refused, or a warning per
 * layer_quota_fallback. The builtin quota is a default that only some filesystems can honour:
 * explain and check-config say so; the journal warns only about a quota an admin wrote. */
static int quota_unenforced(BuildCtx *c, int r, QuotaFs fs)
{
	const Profile *p = c->spec->profile;
	char size[32];

	if (p->layer_quota)
		policy_format_limit(LIMIT_MEMORY_MAX, p->layer_quota, size, sizeof(size));
	else
		snprintf(size, sizeof(size), "%llu inodes", (unsigned long long)p->layer_inodes);
	if (p->layer_quota_fallback == QUOTA_FALLBACK_REFUSE)
		return build_error(c, r, "Failed to set layer_quota %s on %s/%s/layer (%s): %m; %s",
				   size, ALCOVE_LIB_DIR, c->spec->login->user, quota_fs_name(fs),
				   quota_hint(fs, r));
	if (quota_is_builtin(p))
		log_debug("%s's layer: builtin layer_quota not enforced: %s", c->spec->login->user,
			  quota_hint(fs, r));
	else
		log_warning_errno(r,
				  "%s's layer is NOT limited to %s (layer_quota_fallback = "
				  "\"warn\"): %m; %s",
				  c->spec->login->user, size, quota_hint(fs, r));
	return 0;
}

/* layer_quota / layer_inodes, set again at every build (an admin may have changed them). */
static int persist_quota(BuildCtx *c, int layerfd)
{
	const Profile *p = c->spec->profile;
	const LayerQuota q = {.bytes = p->layer_quota, .inodes = p->layer_inodes};
	int r;

	if (!wants_quota(p))
		return 0;
	r = quota_apply(layerfd, (uint32_t)c->spec->login->uid, &q);
	if (r < 0)
		return quota_unenforced(c, r, quota_fs_of(layerfd));
	log_quota_hit(c, layerfd);
	return quota_lift(c, layerfd);
}

/* persist = false: the throw-away upper is a tmpfs, in memory: bounded like a layer on disk,
 * by layer_quota and layer_inodes, or by tmp_size and tmp_inodes when they are not set. */
static int prepare_tmpfs_upper(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	TmpfsSize size = p->tmp_size;
	int r;

	if (p->layer_quota)
		size = (TmpfsSize){.bytes = p->layer_quota};
	r = rootfs_tmpfs_options("0755", &size, p->layer_inodes ? p->layer_inodes : p->tmp_inodes,
				 c->cs.upper_options, sizeof(c->cs.upper_options));
	return r < 0 ? build_error(c, r, "layer_quota/layer_inodes of profile %s: %m", p->name) : 0;
}

int prepare_persist(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	const DirSpec user_dir = {.uid = 0, .gid = 0, .mode = 0700, .check = MODE_EXACT};
	DirSpec ns_dir = {.uid = idmap_nsroot_uid(&c->ids),
			  .gid = idmap_nsroot_gid(&c->ids),
			  .mode = 0700,
			  .check = MODE_ANY};
	_cleanup_close_ int libfd = -1, userfd = -1, layerfd = -1, fd = -1;
	int r;

	if (!s->profile->persist)
		return prepare_tmpfs_upper(c);
	r = paths_open_lib(&libfd);
	if (r < 0)
		return build_error(c, r, "cannot open %s safely: %m", ALCOVE_LIB_DIR);
	r = paths_ensure_dir(libfd, s->login->user, &user_dir, &userfd);
	if (r < 0)
		return build_error(c, r, "%s/%s must be a directory owned by root, mode 0700: %m",
				   ALCOVE_LIB_DIR, s->login->user);
	r = lock_persist(c, userfd);
	if (r < 0)
		return r;
	r = persist_make_layer(c, userfd);
	if (r < 0)
		return r;
	r = paths_ensure_dir(userfd, "layer", &ns_dir, &layerfd);
	if (r < 0)
		return persist_error(c, r, userfd, "layer", &ns_dir);
	r = persist_quota(c, layerfd); /* before upper/ and work/: they inherit the project */
	if (r < 0)
		return r;
	r = paths_ensure_dir(layerfd, "work", &ns_dir, &fd);
	if (r < 0)
		return persist_error(c, r, layerfd, "layer/work", &ns_dir);
	closep(&fd);
	ns_dir.mode = 0755; /* the upper's root dir is the alcove's "/" */
	r = paths_ensure_dir(layerfd, "upper", &ns_dir, &fd);
	if (r < 0)
		return persist_error(c, r, layerfd, "layer/upper", &ns_dir);
	c->cs.persist_fd = mnt_open_tree(layerfd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
	if (c->cs.persist_fd < 0)
		return build_error(c, c->cs.persist_fd, "clone %s/%s/layer: %m", ALCOVE_LIB_DIR,
				   s->login->user);
	c->cs.persist_as_lower = s->profile->share == SHARE_SESSION;
	if (c->cs.persist_as_lower && c->host_root_image) {
		struct stat lst, rst;

		/* overlayfs refuses a lower layer inside another one ("overlapping lowerdir") */
		if (fstat(layerfd, &lst) == 0 && stat("/", &rst) == 0 && lst.st_dev == rst.st_dev)
			return build_error(
			    c, -ELOOP,
			    "share = \"session\" with persist = true stacks "
			    "%s/%s/layer/upper on image \"/\", but it lies on the same "
			    "filesystem; use persist = false for this profile, or put %s "
			    "on a filesystem of its own",
			    ALCOVE_LIB_DIR, s->login->user, ALCOVE_LIB_DIR);
	}
	return 0;
}

/* home = "host": the passwd home, U's own directory, reached through root's directories only:
 * every parent root-owned and not writable by group or others, no symlink anywhere (a user who
 * could swap a component would have root mount, and chown-check, a directory of their choice). */
static int open_host_home(BuildCtx *c, int *ret_fd)
{
	const LoginInfo *li = c->spec->login;
	_cleanup_free_ char *parent = strdup(li->home);
	_cleanup_close_ int pfd = -1, fd = -1;
	const char *bad = NULL;
	struct stat st;
	char *slash;
	int r;

	if (!parent)
		return build_error(c, -ENOMEM, "%m");
	slash = strrchr(parent, '/'); /* rootfs_path_ok(): absolute, no trailing '/' */
	*slash = '\0';
	r = paths_open_trusted(*parent ? parent : "/", &pfd, &bad);
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR)
		return build_error(c, -EPERM,
				   "home '%s' of %s: '%.*s' is a symlink, or not a directory owned "
				   "by root and writable only by it (a home is reached through "
				   "root's directories only)",
				   li->home, li->user,
				   /* paths_open_trusted() points bad past the component */
				   bad && bad > parent ? (int)(bad - parent) : (int)strlen(parent),
				   *parent ? parent : "/");
	if (r < 0)
		return build_error(c, r, "home '%s' of %s: %m", li->home, li->user);
	/* the home itself is U's: in root mode its ns root may chown it to another id of the
	 * range, or (from the host) U may replace it */
	fd = paths_openat(pfd, slash + 1, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd == -ELOOP || fd == -ENOTDIR)
		return build_error_tenant(c, -EPERM,
					  "home '%s' of %s is a symlink or not a directory",
					  li->home, li->user);
	if (fd < 0)
		return build_error(c, fd, "home '%s' of %s: %m", li->home, li->user);
	if (fstat(fd, &st) < 0)
		return build_error(c, negative_errno(), "home '%s': %m", li->home);
	if (st.st_uid != li->uid)
		return build_error_tenant(c, -EPERM, "home '%s' of %s is owned by uid %u", li->home,
					  li->user, (unsigned)st.st_uid);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* home = "host": the passwd home (above). A pattern: created on first use under a trusted
 * parent, owned by U, 0700, never through a symlink. Mounted at U's passwd home inside either
 * way. */
int prepare_home(BuildCtx *c)
{
	const LoginInfo *li = c->spec->login;
	const char *pattern = c->spec->profile->home;
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int parent = -1;
	int r, fd;

	if (!rootfs_path_ok(li->home) || strcmp(li->home, "/") == 0)
		return build_error(c, -EINVAL, "home '%s' of %s cannot be a mount point", li->home,
				   li->user);
	snprintf(c->home_inside, sizeof(c->home_inside), "%s", li->home);
	if (!pattern || strcmp(pattern, "host") == 0) {
		r = open_host_home(c, &fd);
		if (r < 0)
			return r;
		c->bind_fds[0] = fd;
		c->n_bind_fds = 1;
		return 0;
	}
	r = policy_expand(pattern, li->user, li->uid, true, &path);
	if (r < 0)
		return build_error(c, r, "home pattern '%s' for %s: %m", pattern, li->user);
	char *slash = strrchr(path, '/');
	if (!slash || slash[1] == '\0')
		return build_error(c, -EINVAL, "home '%s' is not a directory path", path);
	*slash = '\0';
	r = paths_open_trusted(*path ? path : "/", &parent, NULL);
	if (r < 0)
		return build_error(c, r,
				   "parent '%s' of home must exist, be owned by root and not "
				   "writable by others: %m",
				   *path ? path : "/");
	const DirSpec spec = {.uid = li->uid, .gid = li->gid, .mode = 0700, .check = MODE_ANY};
	r = paths_ensure_dir(parent, slash + 1, &spec, &fd);
	*slash = '/';
	if (r < 0)
		return build_error_tenant(
		    c, r, "home '%s' of %s must be a directory owned by it: %m", path, li->user);
	c->bind_fds[0] = fd;
	c->n_bind_fds = 1;
	return 0;
}

/*
 * An admin's mount source, reached through root's directories only: every directory above it
 * root-owned and writable by nobody else, no symlink anywhere (the source itself may be the
 * user's). Else a user who owns or may write a directory on the way could swap the rest of
 * the path for a symlink to /etc and have root mount that into the alcove.
 */
static int open_mount_source(BuildCtx *c, const ProfileMount *m, int *ret_fd)
{
	const char *bad = NULL, *name = c->spec->profile->name;
	int r;

	r = paths_open_under_trusted(m->source, O_PATH, ret_fd, &bad);
	if (r == -EPERM || r == -ELOOP || r == -ENOTDIR)
		return build_error(c, -EPERM,
				   "mount source '%s' of profile %s: '%.*s' is a symlink, or a "
				   "directory above the source not owned by root or writable by "
				   "others",
				   m->source, name,
				   bad && bad > m->source ? (int)(bad - m->source) : 1, m->source);
	if (r < 0)
		return build_error(c, r, "mount source '%s' of profile %s: %m", m->source, name);
	return 0;
}

int prepare_profile_mounts(BuildCtx *c)
{
	const Profile *p = c->spec->profile;

	for (size_t i = 0; i < p->n_mounts; i++) {
		int fd = -1, r = open_mount_source(c, &p->mounts[i], &fd);

		if (r < 0)
			return r;
		c->bind_fds[c->n_bind_fds++] = fd;
	}
	return 0;
}

/*
 * /tmp is a tmpfs of host root's (made here, in the initial user namespace), root 1777, sized by
 * the profile. The lobby imports the alcove's /tmp for sshd and PAM, which run as host root; a
 * tmpfs the alcove's ns root mounted would belong to an id of the user's range (the user itself
 * in root mode, its first subordinate id in user mode): whoever holds it could drop the sticky
 * bit and make root follow its symlinks there (protected_symlinks trusts a directory's owner).
 * This one's root is nobody's inside, and the lobby checks that it is still the one in place.
 */
int prepare_tmp(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	char options[ROOTFS_TMPFS_OPTIONS_MAX];
	int fd, r;

	r = rootfs_tmpfs_options("1777", &p->tmp_size, p->tmp_inodes, options, sizeof(options));
	if (r < 0)
		return build_error(c, r, "tmp_size/tmp_inodes of profile %s: %m", p->name);
	fd = mnt_new_fs("tmpfs", options, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (fd < 0)
		return build_error(c, fd, "create the tmpfs for /tmp (%s): %m", options);
	c->bind_fds[c->n_bind_fds++] = fd;
	return 0;
}

/* alcove-init next to our own executable, root's and writable by nobody else. */
int prepare_init(BuildCtx *c)
{
	struct stat st;
	int fd;

	fd = openat(c->spec->exe_dirfd, "alcove-init", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return build_error(c, negative_errno(), "alcove-init next to alcove-helper: %m");
	c->cs.init_fd = fd;
	if (fstat(fd, &st) < 0)
		return build_error(c, negative_errno(), "alcove-init: %m");
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    !(st.st_mode & S_IXUSR))
		return build_error(c, -EPERM,
				   "alcove-init must be a root-owned executable writable "
				   "only by root (owner %u, mode %04o)",
				   (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* A listening socket at /run/alcove/<name>/<file>, born 0600 (never connectable by others,
 * not even for a moment), then given to owner. */
static int listen_at(BuildCtx *c, const char *file, uid_t uid, gid_t gid, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/%s", ALCOVE_RUN_DIR, c->spec->name, file);
	if (unlinkat(c->spec->rundirfd, file, 0) < 0 && errno != ENOENT)
		return build_error(c, negative_errno(), "remove stale %s: %m", sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return build_error(c, negative_errno(), "%s socket: %m", file);
	*ret_fd = fd;
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return build_error(c, negative_errno(), "bind %s: %m", sa.sun_path);
	if ((uid != 0 || gid != 0) &&
	    fchownat(c->spec->rundirfd, file, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return build_error(c, negative_errno(), "chown %s: %m", sa.sun_path);
	if (listen(fd, 64) < 0)
		return build_error(c, negative_errno(), "listen on %s: %m", sa.sun_path);
	return 0;
}

/*
 * The listening sockets init serves, created here socket-activation style: control (0600,
 * owner U) for the user's sessions, admin (0600, root's, in the root 0711 run dir) for the
 * helper and alcovectl. Only the admin socket's file permission, which nobody but host root
 * passes, authorizes HOLD/RELEASE/STOP/STATUS: init cannot tell host root from an unmapped id
 * of the user's range by SO_PEERCRED.
 */
int prepare_control(BuildCtx *c)
{
	const LoginInfo *li = c->spec->login;
	int fd, r;

	r = listen_at(c, "control", li->uid, li->gid, &c->cs.control_fd);
	if (r < 0)
		return r;
	r = listen_at(c, "admin", 0, 0, &c->cs.admin_fd);
	if (r < 0)
		return r;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return build_error(c, negative_errno(), "/dev/null: %m");
	c->cs.null_fd = fd;
	/* init's stderr, the journal stream, is connected by the child as the alcove's ns root
	 * (spawn.c) */
	return 0;
}
