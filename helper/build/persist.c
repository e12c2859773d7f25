/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "persistent layer": persist = true, /var/lib/alcove/<user>/layer/{upper,work},
 * locked for the alcove's lifetime and cloned for the child; persist = false, the options of
 * the tmpfs upper. The quota is layer_quota.c's.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "macro.h"
#include "statefile.h"
#include "lib/lock.h"
#include "lib/mountapi.h"
#include "lib/paths.h"
#include "verbs/stop.h"

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
 * Who holds the layer's lock when a build cannot take it: 1, a running alcove of the user
 * that /run/alcove tracks (its name and state; of the other share mode: the profile's share
 * changed since it started, and with it the lock's kind, shared or exclusive), or 0, none
 * found: one whose state was lost. Best effort, for the message: a failure finds none.
 */
static int layer_holder(const BuildCtx *c, char *ret_name, size_t len, AlcoveState *ret_state)
{
	const BuildSpec *s = c->spec;
	_cleanup_(alcove_names_free) AlcoveNames names = {0};
	_cleanup_close_ int runfd = -1;

	if (paths_open_run(&runfd) < 0 ||
	    alcove_names_of(runfd, s->login->user, s->login->uid, &names) < 0)
		return 0;
	for (size_t i = 0; i < names.n; i++) {
		if (strcmp(names.name[i], s->name) == 0 ||
		    statefile_read_at(runfd, names.name[i], ret_state) < 0 ||
		    statefile_alive(ret_state, NULL) <= 0)
			continue;
		snprintf(ret_name, len, "%s", names.name[i]);
		return 1;
	}
	return 0;
}

/* The layer is locked by another alcove (lock_persist()): the one to end, and how. */
static int layer_busy_error(BuildCtx *c)
{
	const char *user = c->spec->login->user;
	char name[64];
	AlcoveState st;

	if (layer_holder(c, name, sizeof(name), &st) > 0)
		return build_error(
		    c, -EBUSY,
		    "%s/%s/layer is in use by alcove %s of %s, which runs with "
		    "share = \"%s\" (the profile's share changed since it started?); "
		    "`alcovectl stop %s` ends it",
		    ALCOVE_LIB_DIR, user, name, user, st.share, user);
	return build_error(c, -EBUSY,
			   "%s/%s/layer is in use by another alcove of %s that %s no longer "
			   "tracks (its state was lost while it ran); `alcovectl gc --force %s` "
			   "ends it",
			   ALCOVE_LIB_DIR, user, user, ALCOVE_RUN_DIR, user);
}

/*
 * One upper dir must never be mounted by two alcoves (DESIGN §5: overlayfs only warns, and
 * with userxattr it cannot refuse). The state in /run/alcove is what normally finds the
 * running alcove, but it can be lost (removed, corrupted) while the alcove runs; then a new
 * login would build a second alcove on the same upper. So the layer itself is locked: flock
 * on <user>/lock (lock.h), an open file that alcove-init keeps as fd 4 for its whole life, so
 * the lock drops exactly when the alcove ends, whatever happened to /run/alcove. (Its
 * overlay may outlive it: an fd of one of its directories handed to a host process of U's
 * keeps that mount alive, writable by U, which no lock can see: docs/SECURITY.md, "What
 * remains".) share = session alcoves only read the layer's upper (as a lower layer): a
 * shared lock among themselves. Taken before anything in layer/ is looked at.
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
		return layer_busy_error(c);
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
/* persist = false, and share = "session" (its upper is a tmpfs too, the layer only a lower):
 * the throw-away upper is a tmpfs, in memory, so bounded by the smaller of layer_quota and
 * tmp_size (and of layer_inodes and tmp_inodes): without size= tmpfs takes half the RAM, and a
 * layer_quota of 10G must not give a small host's alcove 10G of memory. */
static int prepare_tmpfs_upper(BuildCtx *c)
{
	const Profile *p = c->spec->profile;
	struct sysinfo si;
	TmpfsSize size;
	int r;

	/* tmpfs's size=N% is of the RAM sysinfo counts (totalram) */
	if (sysinfo(&si) < 0)
		return build_error(c, negative_errno(), "Failed to read the RAM size: %m");
	size = rootfs_upper_size(&p->tmp_size, p->layer_quota,
				 (uint64_t)si.totalram * si.mem_unit);
	r = rootfs_tmpfs_options("0755", &size, rootfs_upper_inodes(p->tmp_inodes, p->layer_inodes),
				 c->cs.upper_options, sizeof(c->cs.upper_options));
	return r < 0 ? build_error(c, r, "layer_quota/layer_inodes of profile %s: %m", p->name) : 0;
}

/* /var/lib/alcove/<user>, root's 0700, made if missing. */
static int open_user_dir(BuildCtx *c, int *ret_fd)
{
	const DirSpec user_dir = {.uid = 0, .gid = 0, .mode = 0700, .check = MODE_EXACT};
	const char *user = c->spec->login->user;
	_cleanup_close_ int libfd = -1;
	int r;

	/* the user's layer directory would be one of alcove's own: the OCI store's lock, held
	 * by the alcove for its life, would stop every pull and every other OCI-image build */
	if (paths_lib_name_reserved(user))
		return build_error(
		    c, -EINVAL,
		    "%s/%s is alcove's own directory, not a place for the persistent "
		    "layer of user %s: give its profile persist = false",
		    ALCOVE_LIB_DIR, user, user);
	r = paths_open_lib(&libfd);
	if (r < 0)
		return build_error(c, r, "failed to open %s safely: %m", ALCOVE_LIB_DIR);
	r = paths_ensure_dir(libfd, user, &user_dir, ret_fd);
	if (r < 0)
		return build_error(c, r, "%s/%s must be a directory owned by root, mode 0700: %m",
				   ALCOVE_LIB_DIR, user);
	return 0;
}

int prepare_persist(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	DirSpec ns_dir = {.uid = idmap_nsroot_uid(&c->ids),
			  .gid = idmap_nsroot_gid(&c->ids),
			  .mode = 0700,
			  .check = MODE_ANY};
	_cleanup_close_ int userfd = -1, layerfd = -1, fd = -1;
	int r;

	if (!s->profile->persist)
		return prepare_tmpfs_upper(c);
	r = open_user_dir(c, &userfd);
	if (r < 0)
		return r;
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
	if (r == -EPERM)
		r = persist_repair_upper(c, layerfd, &ns_dir, &fd);
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
	return c->cs.persist_as_lower ? prepare_tmpfs_upper(c) : 0;
}
