/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reset: stop every alcove of the user, then delete /var/lib/alcove/<user> (the persistent
 * layer), holding the lock of /run/alcove/<uid> across both. The tree was written by the alcove's
 * ns root, i.e. by the user in root mode: remove_tree (tree_remove.c) walks it by fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "login.h"
#include "macro.h"
#include "policy.h"
#include "stop.h"
#include "verb.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/tree_remove.h"

/* The user's alcoves (names under ALCOVE_RUN_DIR), or an answered error. */
static int list_alcoves(Answer *ans, int runfd, const char *user, uid_t uid, AlcoveNames *names)
{
	int r = alcove_names_of(runfd, user, uid, names);

	if (r < 0)
		return answer_error(ans, r, "Failed to list %s: %m", ALCOVE_RUN_DIR);
	return 0;
}

/* Ends every alcove of the user; the one named held_name through the lock the caller holds
 * (its directory stays), the others each under its own lock. */
static int stop_all(Answer *ans, int runfd, const char *user, uid_t uid, const char *held_name,
		    int held_dirfd)
{
	_cleanup_(alcove_names_free) AlcoveNames names = {0};
	AlcError e = {0};
	int r;

	r = list_alcoves(ans, runfd, user, uid, &names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.name[i];

		if (held_dirfd >= 0 && strcmp(name, held_name) == 0)
			r = alcove_end_locked(name, held_dirfd, &e);
		else
			r = alcove_stop(runfd, name, &e);
		if (r < 0)
			return answer_error(ans, r, "Failed to stop alcove %s: %s", name, e.msg);
	}
	return 0;
}

/* Under the lock: no alcove of the user may be running (or be unknown) any more. A login
 * with share = "session" locks a name of its own, so it may have started one since. */
static int check_none_alive(Answer *ans, int runfd, const char *user, uid_t uid)
{
	_cleanup_(alcove_names_free) AlcoveNames names = {0};
	int r;

	r = list_alcoves(ans, runfd, user, uid, &names);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_close_ int dfd =
		    paths_openat(runfd, names.name[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		AlcoveState st;

		if (dfd == -ENOENT)
			continue;
		if (dfd < 0)
			return answer_error(ans, dfd, "Failed to open %s/%s: %m", ALCOVE_RUN_DIR,
					    names.name[i]);
		r = statefile_read(dfd, &st);
		if (r == -ENOENT)
			continue;
		if (r == 0)
			r = statefile_alive(&st, NULL);
		if (r != 0)
			return answer_error(
			    ans, EBUSY,
			    "A login started alcove %s of %s during the reset (or its "
			    "state cannot be read); nothing was deleted, try again",
			    names.name[i], user);
	}
	return 0;
}

/*
 * The layer's lock (lock.h), held like an alcove-init holds it for the time of the delete: a
 * build that got past the checks above (share = "session" locks a name of its own) cannot
 * lock it, and an alcove that still runs untracked makes the reset fail instead of losing
 * its upper dir under it. A session alcove a login built between check_none_alive() and
 * here holds it too, perhaps before its state file exists: the message names both. A missing lock
 * file (a layer older than the lock, a build killed before it made one) is made here: going on
 * without it, a build starting meanwhile would make and hold one that the delete then unlinks last,
 * under that build.
 */
static int lock_persist(Answer *ans, int libfd, const char *user, int *ret_fd)
{
	_cleanup_close_ int userfd = -1;
	int r;

	userfd = paths_openat(libfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (userfd < 0)
		return answer_error(ans, userfd, "Failed to open %s/%s: %m", ALCOVE_LIB_DIR, user);
	r = lock_layer(userfd, true, false, ret_fd);
	if (r == -EWOULDBLOCK)
		return answer_error(
		    ans, EBUSY,
		    "%s/%s/layer is in use by an alcove of %s: one that a login "
		    "started during the reset (share = \"session\": try again), or "
		    "one that %s does not track (`alcovectl gc --force %s` ends it); "
		    "nothing was deleted",
		    ALCOVE_LIB_DIR, user, user, ALCOVE_RUN_DIR, user);
	if (r < 0)
		return answer_error(ans, r, "Failed to lock %s/%s/lock: %m", ALCOVE_LIB_DIR, user);
	return 0;
}

/* /var/lib/alcove/<user> is a filesystem of its own (an admin's per-user volume): what is in
 * it goes, the mount point stays. */
static int empty_mounted(int libfd, const char *user, char *bad, size_t badlen)
{
	_cleanup_close_ int fd = paths_openat(libfd, user, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

	if (fd < 0)
		return fd;
	bad[0] = '\0';
	return remove_tree_contents(fd, ALCOVE_LIB_LOCK, bad, badlen);
}

static int delete_layer(Answer *ans, const char *user)
{
	_cleanup_close_ int libfd = -1, layer_lock = -1;
	struct stat st;
	char bad[256] = "";
	int r;

	r = paths_open_lib(&libfd);
	if (r < 0)
		return answer_error(ans, r, "Failed to open %s safely: %m", ALCOVE_LIB_DIR);
	if (fstatat(libfd, user, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		return answer_error(ans, errno, "Failed to stat %s/%s: %m", ALCOVE_LIB_DIR, user);
	}
	if (!S_ISDIR(st.st_mode))
		return answer_error(ans, ENOTDIR, "%s/%s is not a directory", ALCOVE_LIB_DIR, user);
	r = lock_persist(ans, libfd, user, &layer_lock);
	if (r < 0)
		return r;
	r = remove_tree_last(libfd, user, st.st_dev, ALCOVE_LIB_LOCK, bad, sizeof(bad));
	if (r == -EXDEV && strcmp(bad, user) == 0)
		r = empty_mounted(libfd, user, bad, sizeof(bad));
	if (r == -EXDEV)
		return answer_error(ans, r, "%s/%s: '%s' is a mount point; unmount it first",
				    ALCOVE_LIB_DIR, user, bad);
	if (r < 0)
		return answer_error(ans, r, "Failed to delete %s/%s: %m", ALCOVE_LIB_DIR, user);
	return 0;
}

/*
 * The lock of /run/alcove/<uid> is held from the stop to the end of the delete: a login that
 * comes in between waits for it, and then builds on a fresh layer, never on the tree being
 * deleted. Its directory is removed last, while still locked (waiters start over, lock.c).
 */
int verb_reset(const HelperEnv *env, const Request *req, Answer *ans)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	_cleanup_close_ int runfd = -1, dirfd = -1, lockfd = -1;
	const char *user = req->user;
	uid_t uid = (uid_t)-1;
	char name[32] = "";
	int r;

	ans->fields.user = user;
	ans->fields.stage = "reset";
	if (!user || !policy_name_is_safe(user))
		return answer_error(ans, EINVAL, "reset needs a valid user name");
	/* its "layer" would be the OCI store or the directory images */
	if (paths_lib_name_reserved(user))
		return answer_error(
		    ans, EINVAL, "%s/%s is alcove's own directory, not a user's layer: not reset",
		    ALCOVE_LIB_DIR, user);
	r = paths_open_run(&runfd);
	if (r < 0)
		return answer_error(ans, r, "Failed to open %s safely: %m", ALCOVE_RUN_DIR);
	/* a user deleted from passwd has no uid any more, and no login to race with */
	if (login_lookup(user, NULL, NULL, NULL, &li) == 0) {
		/* passwd's spelling: a case-insensitive NSS answers "ALICE" with alice, whose layer
		 * is /var/lib/alcove/alice; "ALICE"'s does not exist, and reset said "ok" */
		if (policy_name_is_safe(li->user))
			user = ans->fields.user = li->user;
		if (paths_lib_name_reserved(user)) /* "IMAGES" is the account images */
			return answer_error(ans, EINVAL,
					    "%s/%s is alcove's own directory, not a user's "
					    "layer: not reset",
					    ALCOVE_LIB_DIR, user);
		uid = li->uid;
		snprintf(name, sizeof(name), "%u", (unsigned)uid);
		r = lock_alcove(runfd, name, true, &dirfd, &lockfd);
		if (r < 0)
			return answer_error(ans, r, "Failed to lock %s/%s: %m", ALCOVE_RUN_DIR,
					    name);
	}
	r = stop_all(ans, runfd, user, uid, name, dirfd);
	if (r < 0)
		return r;
	r = check_none_alive(ans, runfd, user, uid);
	if (r < 0)
		return r;
	r = delete_layer(ans, user);
	if (r < 0)
		return r;
	if (dirfd >= 0) {
		r = state_remove_dir(runfd, name, dirfd);
		if (r < 0)
			return answer_error(ans, r, "Failed to remove %s/%s: %m", ALCOVE_RUN_DIR,
					    name);
	}
	kv_add(&ans->kv, "status", "ok");
	return 0;
}
