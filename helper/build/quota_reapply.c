/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "quota_reapply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "quota.h"
#include "lib/paths.h"
#include "lib/quota_log.h"

bool layer_quota_wanted(const Profile *p)
{
	return p->layer_quota || p->layer_inodes;
}

bool layer_quota_builtin(const Profile *p)
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

void layer_quota_describe(const Profile *p, char *buf, size_t size)
{
	if (p->layer_quota)
		policy_format_limit(LIMIT_MEMORY_MAX, p->layer_quota, buf, size);
	else
		snprintf(buf, size, "%llu inodes", (unsigned long long)p->layer_inodes);
}

bool quota_unenforceable(int r)
{
	return r == -EOPNOTSUPP || r == -EEXIST || r == -ENOTCONN || r == -ESRCH || r == -ENOSYS;
}

/* 0 when the failure r only warns (no quota wanted, or one the layer's filesystem cannot
 * enforce with layer_quota_fallback = "warn"), else -errno with *e filled: a build refuses a
 * quota it cannot set, and a join let through would leave the running alcove without the
 * limit, even none at all if its build's helper was killed after the lift (build.c). */
static int reapply_failed(const Profile *p, const char *user, int fd, int r, AlcError *e)
{
	QuotaFs fs = quota_fs_of(fd);
	char size[32];

	if (!layer_quota_wanted(p)) {
		if (!quota_unenforceable(r))
			log_warning_errno(r, "Failed to remove the quota of %s/%s/layer: %m",
					  ALCOVE_LIB_DIR, user);
		return 0;
	}
	layer_quota_describe(p, size, sizeof(size));
	/* as a build decides (layer_quota.c, quota_unenforced()): an error a build goes on with
	 * (EPERM from a container's btrfs, as much as no quota support) must not refuse the
	 * joins into the alcove it built */
	if (p->layer_quota_fallback == QUOTA_FALLBACK_REFUSE)
		return alc_error(e, r, "quota",
				 "Refusing %s's login into their running alcove: its layer cannot "
				 "be limited to %s (profile %s): %m%s%s",
				 user, size, p->name, quota_unenforceable(r) ? "; " : "",
				 quota_unenforceable(r) ? quota_hint(fs, r) : "");
	if (layer_quota_builtin(p))
		log_debug("%s's layer: builtin layer_quota not enforced: %s", user,
			  quota_hint(fs, r));
	else
		log_warning_errno(r,
				  "%s's running alcove is NOT limited to %s (profile %s, "
				  "layer_quota_fallback = \"warn\"): %m; %s; the login goes on",
				  user, size, p->name, quota_hint(fs, r));
	return 0;
}

int quota_reapply(const Profile *p, const char *user, uid_t uid, AlcError *e)
{
	const LayerQuota q = {.bytes = p->layer_quota, .inodes = p->layer_inodes};
	_cleanup_close_ int libfd = -1, fd = -1;
	char path[512], size[32];
	int r;

	if (!p->persist || p->share == SHARE_SESSION)
		return 0;
	/* opened as the build opens it: beneath /var/lib/alcove, never through a symlink;
	 * <user>/ is root's 0700, so layer/ is the one the build made */
	r = paths_open_lib(&libfd);
	if (r >= 0 && snprintf(path, sizeof(path), "%s/layer", user) >= (int)sizeof(path))
		r = -ENAMETOOLONG;
	if (r >= 0) {
		fd = paths_openat(libfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
		r = fd;
	}
	/* no layer: the running alcove was built without one (its profile said persist = false
	 * then), so there is nothing to limit */
	if (r == -ENOENT || (r < 0 && !layer_quota_wanted(p)))
		return 0;
	if (r < 0) {
		layer_quota_describe(p, size, sizeof(size));
		if (p->layer_quota_fallback == QUOTA_FALLBACK_REFUSE)
			return alc_error(e, r, "quota",
					 "Refusing %s's login into their running alcove: failed to "
					 "open %s/%s/layer to limit it to %s: %m",
					 user, ALCOVE_LIB_DIR, user, size);
		log_warning_errno(
		    r, "Failed to open %s/%s/layer to limit it to %s: %m; the login goes on",
		    ALCOVE_LIB_DIR, user, size);
		return 0;
	}
	/* the overlay is mounted already: no lift for overlayfs's work/work (layer_quota.c) */
	r = quota_apply(fd, (uint32_t)uid, &q);
	if (r < 0)
		return reapply_failed(p, user, fd, r, e);
	if (layer_quota_wanted(p))
		quota_log_hit(user, uid, fd);
	return 0;
}
