/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl show USER [--json]: every alcove of USER (its own, "<uid>", and with
 * share = "session" the "<uid>-<hex>" ones) from /run/alcove/<name>/state, checked against
 * the live process, with the namespaces' inode numbers, the scope's cgroup usage and that of
 * each sub-cgroup (init/, login-<n>/), and the session count init reports on its socket.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "commands.h"
#include "dirs.h"
#include "enter_client.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "nsswrap.h"
#include "policy.h"
#include "show_format.h"
#include "statefile.h"
#include "usage_read.h"

/* A directory entry's name always fits a sub-cgroup's: none is left out for its length. */
_Static_assert(sizeof(((ShowCgroup *)0)->name) >= sizeof(((struct dirent *)0)->d_name),
	       "ShowCgroup.name holds any directory name");

/* The usage of the scope's first-level sub-cgroups, SHOW_CGROUPS_MAX of them, and the count
 * of the rest (the tenant's to make and name in root mode: opened only with O_NOFOLLOW below
 * the scope's directory fd). -errno when the directory cannot be read through (the list
 * would be cut short). */
static int cgroup_read_subs(ShowInfo *a, int dfd)
{
	size_t capacity = 0;
	struct dirent *de;
	int fd, r = 0;
	DIR *d;

	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return negative_errno();
	d = fdopendir(fd);
	if (!d) {
		r = negative_errno();
		close(fd);
		return r;
	}
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		_cleanup_close_ int sub = -1;
		ShowCgroup *c;

		/* only . and ..: the kernel takes any other name for a cgroup, ".hide" too, and
		 * in root mode ns root names those below the scope */
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (a->n_cgroups >= SHOW_CGROUPS_MAX) {
			a->n_cgroups_more++;
			continue;
		}
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed since readdir(), or not a directory after all */
		r = array_grow((void **)&a->cgroups, &capacity, a->n_cgroups, sizeof(*c));
		if (r < 0)
			break;
		c = &a->cgroups[a->n_cgroups++];
		*c = (ShowCgroup){0};
		strcpy(c->name, de->d_name);
		usage_read_cgroup(sub, &c->usage);
	}
	if (r >= 0 && errno != 0)
		r = negative_errno(); /* readdir() failed: the list would be cut short */
	closedir(d);
	return r;
}

/* The scope's usage and limits, and those of its sub-cgroups; nothing without a scope. */
static int cgroup_read(ShowInfo *a)
{
	_cleanup_close_ int dfd = usage_open_scope(&a->state);

	if (dfd < 0)
		return 0;
	usage_read_cgroup(dfd, &a->usage);
	usage_read_limits(dfd, &a->limits);
	return cgroup_read_subs(a, dfd);
}

static void process_read(ShowInfo *a)
{
	a->alive = statefile_alive(&a->state, NULL) > 0;
	if (!a->alive)
		return; /* the pid may be another process's by now: show none of its namespaces */
	for (int k = 0; k < _SHOW_NS_MAX; k++)
		if (proc_ns_inode(a->state.pid, show_ns_name((ShowNs)k), &a->ns[k]) < 0)
			a->ns[k] = 0;
}

static void status_read(ShowInfo *a)
{
	time_t now = time(NULL);

	if (!a->alive)
		return;
	usage_read_status(&a->state, a->name, &a->status);
	if (a->status.known)
		a->uptime_sec = now > a->state.created ? (uint64_t)(now - a->state.created) : 0;
}

/* 1 loaded; 0 no state to load (a build in progress or a leftover: not an alcove to show);
 * -errno when what was there could not be read whole. */
static int show_load(int rundir, const char *name, ShowInfo *a)
{
	int r;

	if (strlen(name) >= sizeof(a->name))
		return 0; /* not an alcove's name (alcove_name_is_valid()) */
	if (statefile_read_at(rundir, name, &a->state) < 0)
		return 0;
	strcpy(a->name, name);
	process_read(a);
	r = cgroup_read(a);
	if (r < 0)
		return r;
	if (a->alive)
		usage_read_tmpfs(&a->state, a->tmpfs);
	status_read(a);
	return 1;
}

static void show_infos_free(ShowInfo *infos, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(infos[i].cgroups);
	free(infos);
}

/* The alcove names of uid: "<uid>" (share = "user") and "<uid>-<hex>" (share = "session"). */
static bool name_is_users(const char *name, uid_t uid)
{
	char prefix[16];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%u", (unsigned)uid);

	return alcove_name_is_valid(name) && strncmp(name, prefix, n) == 0 &&
	       (name[n] == '\0' || name[n] == '-');
}

/* Every alcove of uid (share = "session" lets one user have any number): *ret_infos holds
 * *ret_n of them, to free with show_infos_free(). */
static int alcoves_load(uid_t uid, ShowInfo **ret_infos, size_t *ret_n)
{
	ShowInfo *infos = NULL;
	size_t n = 0, capacity = 0;
	struct dirent *de;
	int r = 0;
	DIR *d;

	*ret_infos = NULL;
	*ret_n = 0;
	d = opendir(ALCOVE_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((errno = 0, de = readdir(d))) {
		if (!name_is_users(de->d_name, uid))
			continue;
		r = array_grow((void **)&infos, &capacity, n, sizeof(*infos));
		if (r < 0)
			break;
		infos[n] = (ShowInfo){0};
		r = show_load(dirfd(d), de->d_name, &infos[n]);
		if (r < 0) {
			free(infos[n].cgroups);
			break;
		}
		n += r;
	}
	if (r >= 0 && errno != 0)
		r = negative_errno(); /* readdir() failed: the list would be cut short */
	closedir(d);
	if (r < 0) {
		show_infos_free(infos, n);
		return r;
	}
	*ret_infos = infos;
	*ret_n = n;
	return 0;
}

/* The profile of the user's alcove (the running one's, else the policy's decision for a login
 * now); NULL when the policy does not load or does not contain the user. */
static const Profile *user_profile(const Policy *p, const char *user, const ShowInfo *infos,
				   size_t n)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	const Profile *pr = n > 0 ? policy_find_profile(p, infos[0].state.profile) : NULL;
	Decision d;

	if (pr || login_lookup(user, NULL, NULL, NULL, &li) < 0)
		return pr;
	login_decide(p, li, &d);
	return d.kind == DECISION_CONTAIN ? d.profile : NULL;
}

/* A layer without a limit: the policy asking for none is the first reason to give, before
 * what the filesystem could not do (usage_read_layer()). */
static void layer_policy_why(const CtlContext *ctx, const char *user, const ShowInfo *infos,
			     size_t n, ShowLayer *l)
{
	PolicyErrors errs = {0};
	const Profile *pr;
	Policy *p = NULL;
	char size[32];

	if (!l->present || show_layer_limited(l))
		return;
	if (policy_load(ctx->config, &p, &errs) < 0) {
		policy_errors_clear(&errs);
		return; /* the filesystem's reason, or a generic one */
	}
	pr = user_profile(p, user, infos, n);
	if (pr && !pr->persist)
		snprintf(l->why, sizeof(l->why), "profile %s keeps no layer (persist = false)",
			 pr->name);
	else if (pr && !pr->layer_quota && !pr->layer_inodes)
		snprintf(l->why, sizeof(l->why), "no layer_quota in profile %s", pr->name);
	else if (pr && !l->why[0]) {
		if (pr->layer_quota)
			policy_format_limit(LIMIT_MEMORY_MAX, pr->layer_quota, size, sizeof(size));
		else
			snprintf(size, sizeof(size), "%llu inodes",
				 (unsigned long long)pr->layer_inodes);
		snprintf(l->why, sizeof(l->why),
			 "profile %s asks for layer_quota %s, set at %s's next login", pr->name,
			 size, user);
	}
	policy_free(p);
}

/* Prints what was loaded; the exit status. */
static int show_print(CtlContext *ctx, const char *user, const ShowInfo *infos, size_t n,
		      const ShowLayer *layer)
{
	if (ctx->json) {
		show_format_json(user, infos, n, layer, stdout);
		ctx->json_written = true; /* also when the user has nothing to show */
	} else {
		show_format_text(infos, n, stdout);
		show_format_layer_text(layer, stdout);
		if (n == 0)
			log_error("%s has no alcove running", user);
	}
	return n > 0 || layer->present ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}

int cmd_show(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(nss_passwd_done) NssPasswd user = {0};
	const struct passwd *pw = &user.pw;
	ShowInfo *infos = NULL;
	ShowLayer layer;
	size_t n = 0;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (first != argc - 1)
		return ctl_usage(ctx, first >= argc ? "a user name is needed" : "unexpected '%s'",
				 argv[argc - 1]);
	/* An NSS failure (sssd down) is not "no such user": it says which. */
	r = nss_getpwnam(argv[first], &user);
	if (r == -ENOENT)
		return log_error("No such user '%s'", argv[first]), CTL_EXIT_FAILURE;
	if (r < 0)
		return log_error_errno(r, "Failed to look up user '%s': %m", argv[first]),
		       CTL_EXIT_FAILURE;
	usage_read_layer(pw->pw_name, pw->pw_uid, &layer);
	r = alcoves_load(pw->pw_uid, &infos, &n);
	if (r < 0)
		return log_error_errno(r,
				       "Failed to read the alcoves of %s (%s, their cgroups): %m",
				       pw->pw_name, ALCOVE_RUN_DIR),
		       CTL_EXIT_FAILURE;
	layer_policy_why(ctx, pw->pw_name, infos, n, &layer);
	r = show_print(ctx, pw->pw_name, infos, n, &layer);
	show_infos_free(infos, n);
	return r;
}
