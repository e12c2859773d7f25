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
#include <linux/magic.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "control_client.h"
#include "dirs.h"
#include "enter_client.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "quota.h"
#include "show_format.h"
#include "statefile.h"

#define SHOW_MAX_ALCOVES 32

/* Reads a small file below dfd (no symlink followed) into buf, NUL-terminated. */
static int read_small_at(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return 0;
}

/* A controller that is not enabled for the scope has no file: that usage stays unknown. */
static void usage_read(int dfd, ShowUsage *u)
{
	char buf[1024];

	u->has_memory = read_small_at(dfd, "memory.current", buf, sizeof(buf)) >= 0 &&
			show_parse_u64(buf, &u->memory_bytes) >= 0;
	u->has_pids = read_small_at(dfd, "pids.current", buf, sizeof(buf)) >= 0 &&
		      show_parse_u64(buf, &u->pids) >= 0;
	u->has_cpu = read_small_at(dfd, "cpu.stat", buf, sizeof(buf)) >= 0 &&
		     show_parse_cpu_stat(buf, &u->cpu_usec) >= 0;
}

/* memory.max / pids.max: a number, or "max" (no limit). */
static bool limit_read(int dfd, const char *name, uint64_t *ret)
{
	char buf[64];

	if (read_small_at(dfd, name, buf, sizeof(buf)) < 0)
		return false;
	if (strcmp(buf, "max\n") == 0) {
		*ret = SHOW_LIMIT_NONE;
		return true;
	}
	return show_parse_u64(buf, ret) >= 0;
}

static void limits_read(int dfd, ShowLimits *l)
{
	l->has_memory_max = limit_read(dfd, "memory.max", &l->memory_max);
	l->has_pids_max = limit_read(dfd, "pids.max", &l->pids_max);
}

/* The alcove's tmpfs mounts, through init's root: resolved inside it (RESOLVE_IN_ROOT), never
 * through a symlink, and counted only when it is a tmpfs (in root mode ns root may have put
 * anything there). */
static void tmpfs_read(ShowInfo *a)
{
	_cleanup_close_ int rootfd = -1;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)a->state.pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || statefile_alive(&a->state, NULL) <= 0)
		return; /* checked after the open: the root is the alcove's init's */
	for (int t = 0; t < _SHOW_TMPFS_MAX; t++) {
		struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
						  RESOLVE_NO_MAGICLINKS};
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, show_tmpfs_path((ShowTmpfs)t),
						      &how, sizeof(how));
		struct statfs sf;

		if (fd < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
			continue;
		a->tmpfs[t] = (ShowTmpfsUsage){
		    .known = true,
		    .bytes = (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize,
		    .size = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize,
		    .inodes = (uint64_t)(sf.f_files - sf.f_ffree),
		    .inodes_max = (uint64_t)sf.f_files};
	}
}

/* The scope's usage and that of its first-level sub-cgroups. The path is the one the helper
 * recorded from systemd's ControlGroup; the names below it are made by the alcove's root, so
 * they are only opened with O_NOFOLLOW below the scope's directory fd. */
static void cgroup_read(ShowInfo *a)
{
	_cleanup_close_ int dfd = -1;
	struct dirent *de;
	DIR *d;

	if (a->state.cgroup[0] != '/')
		return;
	dfd = open(a->state.cgroup, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	usage_read(dfd, &a->usage);
	limits_read(dfd, &a->limits);
	d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return;
	while ((de = readdir(d)) && a->n_cgroups < SHOW_MAX_CGROUPS) {
		ShowCgroup *c = &a->cgroups[a->n_cgroups];
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    strlen(de->d_name) >= sizeof(c->name))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		strcpy(c->name, de->d_name);
		usage_read(sub, &c->usage);
		a->n_cgroups++;
	}
	closedir(d);
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
	char path[128];
	ProtoStatus st;
	time_t now = time(NULL);

	if (!a->alive)
		return;
	if (control_admin_path(a->name, path, sizeof(path)) < 0 || control_status(path, &st) < 0)
		return;
	a->has_status = true;
	a->sessions = st.sessions;
	a->holds = st.holds;
	a->processes = st.processes;
	a->uptime_sec = now > a->state.created ? (uint64_t)(now - a->state.created) : 0;
}

static int show_load(int rundir, const char *name, ShowInfo *a)
{
	_cleanup_close_ int dfd = -1;
	int r;

	if (strlen(name) >= sizeof(a->name))
		return -ENAMETOOLONG;
	dfd = openat(rundir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	r = statefile_read(dfd, &a->state);
	if (r < 0)
		return r;
	strcpy(a->name, name);
	process_read(a);
	cgroup_read(a);
	if (a->alive)
		tmpfs_read(a);
	status_read(a);
	return 0;
}

/* The alcove names of uid: "<uid>" (share = "user") and "<uid>-<hex>" (share = "session"). */
static bool name_is_users(const char *name, uid_t uid)
{
	char prefix[16];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%u", (unsigned)uid);

	return alcove_name_is_valid(name) && strncmp(name, prefix, n) == 0 &&
	       (name[n] == '\0' || name[n] == '-');
}

static int alcoves_load(uid_t uid, ShowInfo *infos, size_t max, size_t *ret_n)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	d = opendir(ALCOVE_RUN_DIR);
	if (!d) {
		*ret_n = 0;
		return errno == ENOENT ? 0 : negative_errno();
	}
	while ((de = readdir(d)) && n < max) {
		if (!name_is_users(de->d_name, uid))
			continue;
		memset(&infos[n], 0, sizeof(infos[n]));
		/* a directory without a readable state is a build in progress or a leftover */
		if (show_load(dirfd(d), de->d_name, &infos[n]) == 0)
			n++;
	}
	closedir(d);
	*ret_n = n;
	return 0;
}

/* /var/lib/alcove/<user>/layer against its quota. Opened as the helper opens it: beneath the
 * root-owned directories, never through a symlink. */
static void layer_load(const struct passwd *pw, ShowLayer *ret)
{
	_cleanup_close_ int libfd = -1, fd = -1;
	char path[512];
	QuotaUsage u;

	*ret = (ShowLayer){0};
	libfd = open(ALCOVE_LIB_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (libfd < 0 || snprintf(path, sizeof(path), "%s/layer", pw->pw_name) >= (int)sizeof(path))
		return;
	fd = open_beneath(libfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	ret->present = true;
	if (quota_read(fd, (uint32_t)pw->pw_uid, &u) < 0 || (!u.bytes_limit && !u.inodes_limit))
		return;
	*ret = (ShowLayer){.present = true, .has_usage = true, .counter = quota_fs_name(u.fs),
			   .bytes = u.bytes, .bytes_limit = u.bytes_limit,
			   .counts_inodes = u.counts_inodes, .inodes = u.inodes,
			   .inodes_limit = u.inodes_limit};
}

int cmd_show(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_free_ ShowInfo *infos = NULL;
	ShowLayer layer;
	struct passwd *pw;
	size_t n;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (first != argc - 1)
		return ctl_usage(ctx, first >= argc ? "a user name is needed" : "unexpected '%s'",
				 argv[argc - 1]);
	pw = getpwnam(argv[first]);
	if (!pw)
		return log_error("No such user '%s'", argv[first]), CTL_EXIT_FAILURE;
	layer_load(pw, &layer);
	infos = calloc(SHOW_MAX_ALCOVES, sizeof(*infos));
	if (!infos)
		return log_error_errno(-ENOMEM, "%m"), CTL_EXIT_FAILURE;
	r = alcoves_load(pw->pw_uid, infos, SHOW_MAX_ALCOVES, &n);
	if (r < 0)
		return log_error_errno(r, "Cannot read %s: %m", ALCOVE_RUN_DIR), CTL_EXIT_FAILURE;
	if (ctx->json) {
		show_format_json(pw->pw_name, infos, n, &layer, stdout);
	} else {
		show_format_text(infos, n, stdout);
		show_format_layer_text(&layer, stdout);
		if (n == 0)
			log_error("%s has no alcove running", pw->pw_name);
	}
	return n > 0 || layer.present ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}
