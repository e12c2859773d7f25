/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Repairs on the host of what a root-mode tenant can hand to another id of its range (issue 12
 * route 6), so that a `chown 1:1` does not lock the user out of every later login: the upper
 * dir's root, the alcove's "/" (build stage "persistent layer"), and the home (stage "home").
 * What ns root leaves below the upper's root at mount points is repaired by the child,
 * through the overlay (rootfs_apply.c).
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "lib/paths.h"

/* An id ns root can give a file: the user's own, or one of its subordinate range. */
static bool tenant_uid(const IdmapSpec *ids, uid_t uid)
{
	return uid == ids->uid || idmap_range_holds(ids->subuid, uid);
}

/* fd's owner (and group, unless (gid_t)-1) set to uid through the fd itself (AT_EMPTY_PATH:
 * an O_PATH fd too, never a name looked up again), read back, then the note, whose text fmt
 * says: 0, -EPERM when another owner reads back, or -errno. */
static int give_back(BuildCtx *c, int fd, uid_t uid, gid_t gid, const char *fmt, ...)
    _printf_(5, 6);
static int give_back(BuildCtx *c, int fd, uid_t uid, gid_t gid, const char *fmt, ...)
{
	char msg[PATH_MAX + 256];
	struct stat st;
	va_list ap;

	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_uid != uid)
		return -EPERM;
	if (c->spec->note) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		c->spec->note(msg, c->spec->note_userdata);
	}
	return 0;
}

/*
 * layer/upper failed paths_ensure_dir(spec) with -EPERM: its owner is not ns root. In root
 * mode ns root can `chown 1:1 /` (its upper's root) to an id of its range, and every later
 * build would be refused until `alcovectl reset` wiped the layer. Host root gives it back to
 * ns root (fchown, owner and group) only when the tenant can have made that state:
 *  - layer/ and layer/work passed as ns root's (the caller checked them first): ns root cannot
 *    reach them from inside, so the profile's mode did not change under the layer (they would
 *    be the old ns root's, and that stays refused, `alcovectl reset` being the answer);
 *  - upper is a directory, opened beneath layer/ without following anything
 *    (O_NOFOLLOW|O_DIRECTORY, RESOLVE_NO_SYMLINKS), on layer/'s filesystem;
 *  - its owner is an id of the user's range; any other owner was set on the host, not by the
 *    tenant, and stays refused.
 * The layer's lock is held (lock_persist()): no alcove has the upper mounted, nothing of the
 * tenant's acts on it meanwhile. Its mode is the tenant's to choose (MODE_ANY) and stays.
 * On success *ret_fd is the upper, as paths_ensure_dir() would return it; else -EPERM or
 * -errno, for the caller's message.
 */
int persist_repair_upper(BuildCtx *c, int layerfd, const DirSpec *spec, int *ret_fd)
{
	_cleanup_close_ int fd = -1;
	struct stat st, lst;
	int r;

	fd = paths_openat(layerfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (fd < 0)
		return fd == -ELOOP ? -ENOTDIR : fd;
	if (fstat(fd, &st) < 0 || fstat(layerfd, &lst) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode) || st.st_dev != lst.st_dev || st.st_uid == spec->uid ||
	    !tenant_uid(&c->ids, st.st_uid))
		return -EPERM;
	/* read back: the owner paths_ensure_dir() checks */
	r = give_back(c, fd, spec->uid, spec->gid,
		      "Repaired '%s/%s/layer/upper' (the alcove's /) in %s's layer: owner uid %u "
		      "(an id of its range) given back to its ns root, uid %u",
		      ALCOVE_LIB_DIR, c->spec->login->user, c->spec->login->user,
		      (unsigned)st.st_uid, (unsigned)spec->uid);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/*
 * The home (fd: O_PATH, opened beneath root's directories without following anything), owned
 * by another id of the user's range: in root mode ns root is U, and `chown 1:1 ~` inside gives
 * it to S+1, after which every build refused it. Host root gives it back to U, and its group
 * to U's primary group where that too is an id of the range (any other group was set on the
 * host and stays). Any other owner stays refused: -EPERM; a failed chown is its -errno. Acted
 * on through the fd, never the name again: another alcove of U's (share = "session") may run
 * and chown it meanwhile, which is the tenant's own race against its own home. Its mode is
 * U's to choose and stays.
 */
int repair_home_owner(BuildCtx *c, int fd, const char *path)
{
	const IdmapSpec *ids = &c->ids;
	struct stat st;
	gid_t gid;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode) || st.st_uid == ids->uid || !tenant_uid(ids, st.st_uid))
		return -EPERM;
	gid = idmap_range_holds(ids->subgid, st.st_gid) ? ids->gid : (gid_t)-1;
	return give_back(c, fd, ids->uid, gid,
			 "Repaired home '%s' of %s: owner uid %u (an id of its range) given back "
			 "to uid %u",
			 path, c->spec->login->user, (unsigned)st.st_uid, (unsigned)ids->uid);
}
