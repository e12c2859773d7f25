/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "home": the home volume, U's passwd home reached through root's directories only,
 * or a pattern's directory created on first use; mounted at U's passwd home inside.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "macro.h"
#include "lib/paths.h"

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
		return build_error(c, -ENOMEM, "copy the home path: %m");
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
	r = st.st_uid != li->uid ? repair_home_owner(c, fd, li->home) : 0;
	if (r == -EPERM)
		return build_error_tenant(c, -EPERM, "home '%s' of %s is owned by uid %u", li->home,
					  li->user, (unsigned)st.st_uid);
	if (r < 0)
		return build_error(c, r,
				   "give home '%s' of %s (owned by uid %u, an id of its range) "
				   "back to it: %m",
				   li->home, li->user, (unsigned)st.st_uid);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* A pattern's directory that exists with another owner (paths_ensure_dir's -EPERM): given
 * back to U when that owner is an id of U's range (repair_home_owner), else -EPERM. */
static int repair_pattern_home(BuildCtx *c, int parent, const char *name, const char *path)
{
	_cleanup_close_ int fd = paths_openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);

	return fd < 0 ? -EPERM : repair_home_owner(c, fd, path);
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
	if (r == -EPERM) {
		r = repair_pattern_home(c, parent, slash + 1, path);
		if (r < 0 && r != -EPERM)
			return build_error(c, r, "give home '%s' of %s back to it: %m", path,
					   li->user);
		r = r < 0 ? r : paths_ensure_dir(parent, slash + 1, &spec, &fd);
	}
	if (r < 0)
		return build_error_tenant(
		    c, r, "home '%s' of %s must be a directory owned by it: %m", path, li->user);
	c->bind_fds[0] = fd;
	c->n_bind_fds = 1;
	return 0;
}
