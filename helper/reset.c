/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reset: stop every alcove of the user, then delete /var/lib/alcove/<user> (the persistent
 * layer). The tree was written by the alcove's ns root, i.e. by the user in root mode: it is
 * walked with fds only (openat O_NOFOLLOW, unlinkat), never following a symlink and never
 * crossing into another mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.h"
#include "macro.h"
#include "paths.h"
#include "policy.h"

#define RESET_MAX_DEPTH 4096

/* Removes parentfd/name (a directory on device dev) and everything below it. */
int remove_tree(int parentfd, const char *name, dev_t dev, unsigned depth, char *bad, size_t badlen)
{
	struct statx stx;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	if (depth > RESET_MAX_DEPTH)
		return -ELOOP;
	fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (statx(fd, "", AT_EMPTY_PATH, STATX_TYPE, &stx) < 0) {
		close(fd);
		return negative_errno();
	}
	if (makedev(stx.stx_dev_major, stx.stx_dev_minor) != (dev_t)dev ||
	    (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT)) {
		snprintf(bad, badlen, "%s", name);
		close(fd);
		return -EXDEV; /* a mount point: not ours to empty */
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return negative_errno();
	}
	while (r >= 0 && (de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			r = negative_errno();
		else if (S_ISDIR(st.st_mode))
			r = remove_tree(dirfd(d), de->d_name, dev, depth + 1, bad, badlen);
		else if (unlinkat(dirfd(d), de->d_name, 0) < 0)
			r = negative_errno();
	}
	closedir(d);
	if (r < 0)
		return r;
	return RET_NERRNO(unlinkat(parentfd, name, AT_REMOVEDIR));
}

int verb_reset(const HelperEnv *env, const KvMessage *req, Answer *ans)
{
	_cleanup_close_ int runfd = -1, libfd = -1;
	const char *user = kv_get(req, "user");
	struct rlimit rl;
	struct stat st;
	char bad[256] = "";
	int r;

	ans->fields.user = user;
	ans->fields.stage = "reset";
	if (!user || !policy_name_is_safe(user))
		return answer_error(ans, EINVAL, "reset needs a valid user name");
	r = paths_open_run(&runfd);
	if (r < 0)
		return answer_error(ans, r, "Cannot open %s safely: %m", ALCOVE_RUN_DIR);
	r = stop_request(req, ans, runfd);
	if (r < 0)
		return r;
	r = paths_open_lib(&libfd);
	if (r < 0)
		return answer_error(ans, r, "Cannot open %s safely: %m", ALCOVE_LIB_DIR);
	if (fstatat(libfd, user, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return answer_error(ans, errno, "%s/%s: %m", ALCOVE_LIB_DIR, user);
	} else {
		if (!S_ISDIR(st.st_mode))
			return answer_error(ans, ENOTDIR, "%s/%s is not a directory",
					    ALCOVE_LIB_DIR, user);
		/* one fd per level of the user's tree: allow as many as the hard limit */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		r = remove_tree(libfd, user, st.st_dev, 0, bad, sizeof(bad));
		if (r == -EXDEV)
			return answer_error(ans, r,
					    "%s/%s: '%s' is a mount point; unmount it first",
					    ALCOVE_LIB_DIR, user, bad);
		if (r < 0)
			return answer_error(ans, r, "Cannot delete %s/%s: %m", ALCOVE_LIB_DIR,
					    user);
	}
	kv_add(&ans->kv, "status", "ok");
	return 0;
}
