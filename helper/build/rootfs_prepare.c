/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alcove's filesystem plan and alcove-init's command line, from the profile and the user:
 * synthesized /etc/passwd and /etc/group (in root mode the lines the child puts on top of the
 * alcove's own files: rootfs_accounts.c), the host's ssh keys to mask for image = "/", the
 * hostname, the detached clones of the home volume and profile mounts with the plan's
 * attributes (set here, by host root, before the child ever sees them), and /sys.
 */
#include "stage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirs.h"
#include "macro.h"
#include "nsswrap.h"
#include "lib/mountapi.h"

/* The primary group's name for /etc/group inside; its number when NSS has none. */
static void gid_name(gid_t gid, char *buf, size_t len)
{
	NssGroup gr = {0};

	if (nss_getgrgid(gid, &gr) == 0)
		snprintf(buf, len, "%s", gr.gr.gr_name);
	else
		snprintf(buf, len, "%u", (unsigned)gid);
	nss_group_done(&gr);
}

static int accounts(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	char group[256];
	AccountsInput in = {
	    .mode = s->profile->mode,
	    .user = s->login->user,
	    .uid = s->login->uid,
	    .gid = s->login->gid,
	    .gecos = "",
	    .home = c->home_inside,
	    .shell = s->login->shell,
	    .group = group,
	    .pass_names = s->pass_names,
	    .pass_gids = s->pass_gids,
	    .n_pass = s->n_pass,
	};
	int r;

	gid_name(s->login->gid, group, sizeof(group));
	r = rootfs_format_passwd(&in, c->passwd, sizeof(c->passwd));
	if (r >= 0)
		r = rootfs_format_group(&in, c->group, sizeof(c->group));
	if (r < 0)
		return build_error(c, r, "synthesize /etc/passwd and /etc/group for %s: %m",
				   s->login->user);
	return 0;
}

/* The host's /etc/ssh/ *_key files: with image = "/" they would be in the lower layer. */
static int list_ssh_keys(BuildCtx *c)
{
	DIR *d;
	struct dirent *de;

	d = opendir("/etc/ssh");
	if (!d)
		return errno == ENOENT ? 0 : build_error(c, negative_errno(), "list /etc/ssh: %m");
	/* readdir's NULL is the end only with errno still 0: a failed read would leave the rest
	 * of the keys unmasked */
	while ((errno = 0, de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 4 || strcmp(de->d_name + n - 4, "_key") != 0)
			continue;
		if (c->n_ssh_keys >= ROOTFS_MAX_SSH_KEYS || n + 10 > sizeof(c->ssh_keys[0])) {
			closedir(d);
			return build_error(c, -E2BIG, "too many or too long key files in /etc/ssh");
		}
		snprintf(c->ssh_keys[c->n_ssh_keys], sizeof(c->ssh_keys[0]), "/etc/ssh/%s",
			 de->d_name);
		c->ssh_key_ptrs[c->n_ssh_keys] = c->ssh_keys[c->n_ssh_keys];
		c->n_ssh_keys++;
	}
	if (errno != 0) {
		int r = negative_errno();

		closedir(d);
		return build_error(c, r, "list /etc/ssh: %m");
	}
	closedir(d);
	return 0;
}

/* Replaces the O_PATH fd of a BIND_FD source with a detached recursive clone of it carrying
 * the step's attributes (read-only, nosuid, nodev), set by host root on its own clone. */
static int clone_bind(BuildCtx *c, const MountStep *s)
{
	int *fd = &c->bind_fds[s->fd_index];
	int mfd, r;

	mfd = mnt_open_tree(*fd, "", OPEN_TREE_CLONE | AT_RECURSIVE | AT_EMPTY_PATH);
	if (mfd < 0)
		return build_error(c, mfd, "clone mount for '%s': %m", s->target);
	r = mnt_setattr(mfd, "", AT_EMPTY_PATH | AT_RECURSIVE, s->attrs, 0, -1);
	if (r < 0) {
		close(mfd);
		return build_error(c, r, "set attributes of the mount for '%s': %m", s->target);
	}
	close(*fd);
	*fd = mfd;
	return 0;
}

static int init_argv(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	const Profile *p = s->profile;
	size_t n = 0, a = 0;
	char *groups = c->init_args[a];
	size_t off;

	c->cs.init_argv[n++] = "alcove-init";
#define ARG(...)                                                                                   \
	do {                                                                                       \
		snprintf(c->init_args[a], sizeof(c->init_args[a]), __VA_ARGS__);                   \
		c->cs.init_argv[n++] = c->init_args[a++];                                          \
	} while (0)
	ARG("--uid=%u", (unsigned)idmap_login_uid(&c->ids));
	ARG("--gid=%u", (unsigned)idmap_login_gid(&c->ids));
	if (p->mode == ALCOVE_MODE_USER)
		ARG("--keep-groups");
	else if (s->n_pass > 0) {
		groups = c->init_args[a];
		off = (size_t)snprintf(groups, sizeof(c->init_args[0]), "--groups=");
		for (size_t i = 0; i < s->n_pass && off < sizeof(c->init_args[0]); i++)
			off += (size_t)snprintf(groups + off, sizeof(c->init_args[0]) - off, "%s%u",
						i ? "," : "", (unsigned)s->pass_gids[i]);
		if (off >= sizeof(c->init_args[0]))
			return build_error(c, -E2BIG, "too many passed-through groups");
		c->cs.init_argv[n++] = c->init_args[a++];
	}
	if (strlen(c->home_inside) + 8 > sizeof(c->init_args[0]))
		return build_error(c, -ENAMETOOLONG, "home path too long");
	ARG("--home=%s", c->home_inside);
	/* share = "session" with idle: stop. No login joins a session alcove, so idling would only
	 * hold it, unreachable, for idle_timeout, counted against max_sessions. */
	ARG("--on-last-logout=%s",
	    policy_choice_name(PKEY_ON_LAST_LOGOUT, (int)profile_last_logout(p)));
	if (profile_last_logout(p) == LOGOUT_IDLE)
		ARG("--idle-timeout=%u", p->idle_timeout);
	if (p->mode == ALCOVE_MODE_USER)
		ARG("--no-new-privs");
	if (p->cgroup == CGROUP_SYSTEMD)
		ARG("--cgroup");
	ARG("--user=%s", s->login->user);
#undef ARG
	c->cs.init_argv[n] = NULL;
	return 0;
}

static int plan_hostname(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	const Profile *p = s->profile;
	_cleanup_free_ char *hostname = NULL;
	int r;

	r = policy_expand(p->hostname ? p->hostname : "%u-alcove", s->login->user, s->login->uid,
			  false, &hostname);
	if (r < 0 || strlen(hostname) >= sizeof(c->hostname))
		return build_error(c, r < 0 ? r : -ENAMETOOLONG, "hostname pattern '%s': %m",
				   p->hostname);
	snprintf(c->hostname, sizeof(c->hostname), "%s", hostname);
	snprintf(c->cs.hostname, sizeof(c->cs.hostname), "%s", hostname);
	return 0;
}

/*
 * network != "none": a sysfs of the helper's network namespace (the host's), mounted here by
 * host root, with nothing below it. The child's own recursive clone of the host's /sys brought
 * along every mount below it: the host's cgroup tree (each unit's and each other alcove's
 * cgroup, readable; ns root could unmount the cgroup2 init mounts over it to find the
 * host's), securityfs, debugfs... The child cannot take /sys without them (a non-recursive
 * clone of a mount with locked children fails, EINVAL) nor mount a sysfs of a network ns not
 * its own. A new mount rather than a clone of /sys: the host's /sys need not be one sysfs
 * mount (systemd-nspawn's is a tmpfs with sysfs subdirectories bound in). The plan's
 * attributes are locked when userns.c has the child's mount ns copied from one holding it.
 */
static int plan_sys(BuildCtx *c, const MountStep *st)
{
	int fd;

	if (c->cs.sys_fd >= 0)
		return build_error(c, -EEXIST, "plan wants a second sysfs, on %s", st->target);
	fd = mnt_new_fs("sysfs", NULL, st->attrs);
	if (fd < 0)
		return build_error(c, fd, "mount a sysfs for %s: %m", st->target);
	c->cs.sys_fd = fd;
	return 0;
}

/* The plan's steps that take the helper's mounts: each bind step its own clone of a detached
 * mount with the step's attributes (a fresh mount of the helper's has them already), /sys a
 * sysfs. */
static int plan_helper_mounts(BuildCtx *c)
{
	for (size_t i = 0; i < c->cs.plan.n; i++) {
		const MountStep *st = &c->cs.plan.step[i];
		int r = 0;

		if (st->kind == STEP_SYSFS_HOST)
			r = plan_sys(c, st);
		else if (st->kind == STEP_BIND_FD && st->fd_index >= c->n_bind_fds)
			r = build_error(c, -EBADF, "plan wants mount fd %u of %zu", st->fd_index,
					c->n_bind_fds);
		else if (st->kind == STEP_BIND_FD && !st->fresh)
			r = clone_bind(c, st);
		if (r < 0)
			return r;
	}
	return 0;
}

int prepare_plan(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	const Profile *p = s->profile;
	RootfsInput in;
	int r;

	r = accounts(c);
	if (r >= 0 && c->host_root_image)
		r = list_ssh_keys(c);
	if (r >= 0)
		r = plan_hostname(c);
	if (r < 0)
		return r;
	snprintf(c->cs.user, sizeof(c->cs.user), "%s", s->login->user);
	in = (RootfsInput){
	    .host_root_image = c->host_root_image,
	    .setuid = p->setuid,
	    .network_none = p->network == NETWORK_NONE,
	    .tmp_size = p->tmp_size,
	    .tmp_inodes = p->tmp_inodes,
	    .home = c->home_inside,
	    .mounts = p->mounts,
	    .n_mounts = p->n_mounts,
	    .ssh_keys = c->ssh_key_ptrs,
	    .n_ssh_keys = c->n_ssh_keys,
	    .passwd = c->passwd,
	    .group = c->group,
	    .tenant_accounts = p->mode == ALCOVE_MODE_ROOT,
	};
	r = rootfs_plan_build(&in, &c->cs.plan);
	if (r < 0)
		return build_error(c, r,
				   "filesystem plan of profile %s (a mount target must be an "
				   "absolute path without '..'): %m",
				   p->name);
	r = plan_helper_mounts(c);
	if (r < 0)
		return r;
	c->cs.network_none = in.network_none;
	c->cs.keep_groups = p->mode == ALCOVE_MODE_USER;
	c->cs.setuid = p->setuid;
	c->cs.owner_uid = idmap_userns_owner(&c->ids);
	c->cs.n_bind_fds = c->n_bind_fds;
	r = alcove_run_dir(s->name, c->cs.staging, sizeof(c->cs.staging));
	if (r < 0)
		return build_error(c, r, "name the staging directory of %s: %m", s->name);
	return init_argv(c);
}
