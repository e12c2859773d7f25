/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gc: finds and removes what a crash left (DESIGN §5): /run/alcove/<name> of alcoves whose
 * init is gone (or that never got a state), half-built /var/lib/alcove/<user> dirs (never the
 * user's files without force), systemd scopes no live alcove owns, and reports alcove-init
 * processes that no state tracks (killed with force). dryrun=1 changes nothing and reports
 * what would be done. user=NAME limits all of it to one user.
 *
 * Every removal happens with the alcove's lock held (lock.c), the lock a build holds, so gc
 * never takes away what a helper is building right now; what is alive is never touched.
 */
#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirs.h"
#include "enter_client.h"
#include "fileio.h"
#include "idmap.h"
#include "macro.h"
#include "nsswrap.h"
#include "policy.h"
#include "verb.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/state.h"
#include "lib/tree_remove.h"

/* The state of /run/alcove/<name> (dirfd), and whether it may be alive: a liveness check that
 * cannot tell (pidfd_open failing with EMFILE, say) counts as alive, so gc never removes the
 * run dir of an init that still runs. */
static int read_state(int dirfd, AlcoveState *st, bool *alive)
{
	int r = statefile_read(dirfd, st);

	*alive = r == 0 && statefile_alive(st, NULL) != 0;
	return r;
}

static bool name_selected(const Gc *g, const char *name, const AlcoveState *st, int state_r)
{
	uid_t uid;

	if (!g->user)
		return true;
	if (gc_name_uid(name, &uid) == 0 && uid == g->uid)
		return true;
	return state_r == 0 && strcmp(st->user, g->user) == 0;
}

static void remember_live(Gc *g, const AlcoveState *st)
{
	if (g->n_live < GC_MAX_ALCOVES)
		g->live[g->n_live++] = *st;
}

/* An alcove gc cannot tell about (its lock or its state could not be had now) counts as live:
 * its uid, from its name, keeps its user's layer in use; its scope, which no state read here
 * names, gc_scan.c asks about again under the lock and keeps while that cannot tell. */
static void remember_undecided(Gc *g, const char *name)
{
	AlcoveState st = {0};

	if (gc_name_uid(name, &st.uid) == 0)
		remember_live(g, &st);
}

/* One /run/alcove/<name>: kept when alive, else its directory is removed (under its lock). */
static void gc_run_one(Gc *g, const char *name)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	const char *why;
	AlcoveState st;
	bool alive;
	int r;

	/* a first look without the lock: other users' alcoves are not ours to wait for */
	dirfd = paths_openat(g->runfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (dirfd < 0)
		return;
	r = read_state(dirfd, &st, &alive);
	if (!name_selected(g, name, &st, r))
		return;
	if (!g->dry_run) {
		closep(&dirfd);
		r = lock_alcove(g->runfd, name, false, &dirfd, &lockfd);
		if (r == -ENOENT)
			return; /* removed meanwhile */
		if (r < 0) {
			g->failed++;
			gc_report_add(&g->report, "failed to lock %s/%s: %s", ALCOVE_RUN_DIR, name,
				      strerror(-r));
			remember_undecided(g, name);
			return;
		}
		r = read_state(dirfd, &st, &alive);
	}
	switch (gc_run_action(r, alive, &why)) {
	case GC_KEEP:
		remember_live(g, &st);
		return;
	case GC_KEEP_ODD:
		g->failed++;
		gc_report_add(&g->report, "kept %s/%s: %s (%s)", ALCOVE_RUN_DIR, name, why,
			      strerror(-r));
		remember_undecided(g, name);
		return;
	default:
		break;
	}
	if (g->dry_run) {
		gc_report_add(&g->report, "would remove %s/%s: %s", ALCOVE_RUN_DIR, name, why);
		return;
	}
	r = state_remove_dir(g->runfd, name, dirfd);
	if (r < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to remove %s/%s (%s): %s", ALCOVE_RUN_DIR, name,
			      why, strerror(-r));
		return;
	}
	g->removed++;
	gc_report_add(&g->report, "removed %s/%s: %s", ALCOVE_RUN_DIR, name, why);
}

static int gc_run_dirs(Gc *g)
{
	struct dirent *de;
	DIR *d;
	int r = opendir_fd(g->runfd, &d);

	if (r < 0)
		return r;
	if (!g->user) /* whose they are cannot be told */
		gc_temp_dirs(g, g->runfd, ALCOVE_RUN_DIR);
	while ((de = readdir(d)))
		if (alcove_name_is_valid(de->d_name))
			gc_run_one(g, de->d_name);
	closedir(d);
	return 0;
}

bool gc_pid_is_tracked(Gc *g, pid_t pid, uint64_t starttime)
{
	_cleanup_close_ int fd = -1;
	struct dirent *de;
	bool found = false;
	DIR *d;

	/* read again: an alcove built since gc_run_dirs() has its state recorded before its
	 * init was exec'd (build.c), so a fresh read sees every init that exists now */
	fd = openat(g->runfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd)))
		return true; /* cannot tell: never treat as untracked */
	fd = -1;
	/* every failure to read says "cannot tell", never "untracked": an fd limit or a short
	 * allocation must not get a live, tracked init killed */
	for (errno = 0; !found && (de = readdir(d)); errno = 0) {
		_cleanup_close_ int dfd = -1;
		AlcoveState st;
		int r;

		if (!alcove_name_is_valid(de->d_name))
			continue;
		dfd = paths_openat(g->runfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		r = dfd >= 0 ? statefile_read(dfd, &st) : dfd == -ENOENT ? -ENOENT : -EIO;
		found = gc_state_read_failed(r) ||
			(r == 0 && st.pid == pid && st.starttime == starttime);
	}
	found = found || errno != 0;
	closedir(d);
	return found;
}

bool gc_unit_is_tracked(Gc *g, const char *unit)
{
	for (size_t i = 0; i < g->n_live; i++)
		if (strcmp(g->live[i].scope, unit) == 0)
			return true;
	return false;
}

/* Whether dir holds an entry: -errno when it cannot be read (never taken for empty). */
static int dir_has_entry(int dirfd, bool *ret)
{
	struct dirent *de;
	DIR *d;
	int r;

	r = opendir_fd(dirfd, &d);
	if (r < 0)
		return r;
	*ret = false;
	while (!*ret && (errno = 0, de = readdir(d)))
		*ret = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	r = !*ret && errno != 0 ? negative_errno() : 0;
	closedir(d);
	return r;
}

/* A part of the layer that is not there: missing, or not a directory (a symlink, never
 * followed). Any other error is an error, never "missing": gc would remove a layer it could
 * not read (EIO, EMFILE), the user's files with it. */
static bool part_missing(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -ELOOP;
}

/* What layer/ (of /var/lib/alcove/<name>) holds. */
static int scan_layer(int userfd, PersistScan *s)
{
	_cleanup_close_ int layerfd = -1, workfd = -1, upperfd = -1;

	layerfd = paths_openat(userfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (layerfd < 0)
		return part_missing(layerfd) ? 0 : layerfd;
	workfd = paths_openat(layerfd, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
	if (workfd < 0 && !part_missing(workfd))
		return workfd;
	s->has_work = workfd >= 0;
	upperfd = paths_openat(layerfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (upperfd < 0)
		return part_missing(upperfd) ? 0 : upperfd;
	s->has_upper = true;
	return dir_has_entry(upperfd, &s->upper_has_data);
}

/* What /var/lib/alcove/<name> holds. */
static int scan_persist(int libfd, const char *name, PersistScan *ret)
{
	_cleanup_close_ int userfd = -1;
	PersistScan s = {.empty = true};
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r;

	userfd = paths_openat(libfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (userfd < 0)
		return userfd;
	r = opendir_fd(userfd, &d);
	if (r < 0)
		return r;
	while ((errno = 0, de = readdir(d))) {
		/* a build's temporary directory is a build's (gc_temp.c), not a layer's part */
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    paths_is_temp_name(de->d_name))
			continue;
		if (strcmp(de->d_name, ALCOVE_LIB_LOCK) == 0 &&
		    fstatat(dirfd(d), ALCOVE_LIB_LOCK, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			continue; /* the layer's lock (lock.h): made by every build, holds nothing
				   */
		s.empty = false;
		if (strcmp(de->d_name, "layer") == 0 &&
		    fstatat(dirfd(d), "layer", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			s.has_layer = true;
		else
			s.other_entries = true;
	}
	r = errno != 0 ? negative_errno() : 0;
	closedir(d);
	if (r >= 0 && s.has_layer)
		r = scan_layer(userfd, &s);
	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

/* Whether user (uid) has an alcove alive now; its layer is then in use, whatever it looks
 * like. */
static bool user_has_live_alcove(Gc *g, const char *user, uid_t uid)
{
	for (size_t i = 0; i < g->n_live; i++)
		if (strcmp(g->live[i].user, user) == 0 ||
		    (uid != (uid_t)-1 && g->live[i].uid == uid))
			return true;
	return false;
}

static int remove_persist(Gc *g, const char *name, char *bad, size_t badlen)
{
	struct stat st;

	if (fstat(g->libfd, &st) < 0)
		return negative_errno();
	return remove_tree_last(g->libfd, name, st.st_dev, ALCOVE_LIB_LOCK, bad, badlen);
}

/* The layer's lock, taken as a build takes it (lock.h): an alcove that runs on the layer
 * untracked holds it (-EWOULDBLOCK). Made when missing, as reset does (reset.c). */
static int lock_persist(Gc *g, const char *name, int *ret_fd)
{
	_cleanup_close_ int userfd = -1;

	userfd = paths_openat(g->libfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (userfd < 0)
		return userfd;
	return lock_layer(userfd, true, false, ret_fd);
}

/* The build's temporary directories in /var/lib/alcove/<name> and its layer/. */
static void gc_persist_temps(Gc *g, const char *name)
{
	_cleanup_close_ int userfd = -1, layerfd = -1;
	char where[PATH_MAX];

	userfd = paths_openat(g->libfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (userfd < 0)
		return;
	snprintf(where, sizeof(where), "%s/%s", ALCOVE_LIB_DIR, name);
	gc_temp_dirs(g, userfd, where);
	layerfd = paths_openat(userfd, "layer", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (layerfd < 0)
		return;
	snprintf(where, sizeof(where), "%s/%s/layer", ALCOVE_LIB_DIR, name);
	gc_temp_dirs(g, layerfd, where);
}

/* Decides and, unless dry-run, removes; the caller holds the user's alcove lock. */
static void gc_persist_locked(Gc *g, const char *name, uid_t uid)
{
	_cleanup_close_ int layer_lock = -1;
	char bad[256] = "";
	const char *why;
	PersistScan s;
	GcAction a;
	int r;

	gc_persist_temps(g, name);
	r = scan_persist(g->libfd, name, &s);
	if (r < 0) {
		if (r != -ENOENT) {
			g->failed++;
			gc_report_add(&g->report, "failed to read %s/%s: %s", ALCOVE_LIB_DIR, name,
				      strerror(-r));
		}
		return;
	}
	a = gc_persist_action(&s, g->force, &why);
	if (a != GC_KEEP && user_has_live_alcove(g, name, uid)) {
		gc_report_add(&g->report, "kept %s/%s (%s): an alcove of %s is running",
			      ALCOVE_LIB_DIR, name, why, name);
		return;
	}
	if (a == GC_KEEP)
		return;
	if (a == GC_KEEP_DATA || a == GC_KEEP_ODD) {
		gc_report_add(&g->report, "kept %s/%s: %s%s", ALCOVE_LIB_DIR, name, why,
			      a == GC_KEEP_DATA ? " (--force deletes them)" : "");
		return;
	}
	if (g->dry_run) {
		gc_report_add(&g->report, "would remove %s/%s: %s", ALCOVE_LIB_DIR, name, why);
		return;
	}
	r = lock_persist(g, name, &layer_lock);
	if (r == -EWOULDBLOCK) {
		gc_report_add(&g->report,
			      "kept %s/%s (%s): an alcove that %s does not track holds its lock",
			      ALCOVE_LIB_DIR, name, why, ALCOVE_RUN_DIR);
		return;
	}
	if (r < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to lock %s/%s/lock: %s", ALCOVE_LIB_DIR, name,
			      strerror(-r));
		return;
	}
	r = remove_persist(g, name, bad, sizeof(bad));
	if (r < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to remove %s/%s (%s): %s%s%s", ALCOVE_LIB_DIR,
			      name, why, strerror(-r), bad[0] ? " at " : "", bad);
		return;
	}
	g->removed++;
	gc_report_add(&g->report, "removed %s/%s: %s", ALCOVE_LIB_DIR, name, why);
}

/* One /var/lib/alcove/<name>. A build of this user creates the dir under the lock of alcove
 * "<uid>" (share = user): gc takes it too, and lets the lock dir go again if it made it. */
static void gc_persist_one(Gc *g, const char *name)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	char lockname[16];
	NssPasswd pw = {0};
	uid_t uid = (uid_t)-1;
	AlcoveState st;
	bool alive;
	int r;

	/* only "no such user" means no login can build here; NSS failing (sssd down) is not it */
	r = nss_getpwnam(name, &pw);
	if (r < 0 && r != -ENOENT) {
		g->failed++;
		gc_report_add(&g->report, "failed to look up user %s: %s", name, strerror(-r));
		return;
	}
	if (r >= 0)
		uid = pw.pw.pw_uid;
	nss_passwd_done(&pw);
	if (g->dry_run || uid == (uid_t)-1 || uid == 0) {
		/* dry-run changes nothing; a user not in passwd has no login that could build */
		gc_persist_locked(g, name, uid);
		return;
	}
	snprintf(lockname, sizeof(lockname), "%u", (unsigned)uid);
	r = lock_alcove(g->runfd, lockname, true, &dirfd, &lockfd);
	if (r < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to lock %s/%s: %s", ALCOVE_RUN_DIR, lockname,
			      strerror(-r));
		return;
	}
	gc_persist_locked(g, name, uid);
	r = read_state(dirfd, &st, &alive);
	if (r == -ENOENT)
		(void)state_remove_dir(g->runfd, lockname, dirfd);
}

static int gc_persist_dirs(Gc *g)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r;

	if (g->user) {
		if (fstatat(g->libfd, g->user, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) && gc_is_persist_name(g->user))
			gc_persist_one(g, g->user);
		return 0;
	}
	r = opendir_fd(g->libfd, &d);
	if (r < 0)
		return r;
	gc_temp_dirs(g, g->libfd, ALCOVE_LIB_DIR);
	while ((de = readdir(d)))
		if (gc_is_persist_name(de->d_name) &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode))
			gc_persist_one(g, de->d_name);
	closedir(d);
	return 0;
}

/* user's uid and first subordinate uid, when it has them: 0, also for a user NSS does not
 * know; -errno when NSS fails. */
static int lookup_user(Gc *g)
{
	NssPasswd pw = {0};
	_cleanup_free_ char *text = NULL;
	uint32_t start = 0;
	size_t len = 0;
	FILE *f;
	int r;

	r = nss_getpwnam(g->user, &pw);
	if (r < 0 && r != -ENOENT)
		return r;
	g->uid = r >= 0 ? pw.pw.pw_uid : (uid_t)-1;
	/* A case-insensitive NSS (sssd, LDAP) answers "ALICE" with alice: her layer, state and
	 * scope are named after alice, so "ALICE" would find none of them and clean nothing. */
	if (r >= 0 && policy_name_is_safe(pw.pw.pw_name) &&
	    strlen(pw.pw.pw_name) < sizeof(g->user_name)) {
		snprintf(g->user_name, sizeof(g->user_name), "%s", pw.pw.pw_name);
		g->user = g->user_name;
	}
	nss_passwd_done(&pw);
	f = fopen("/etc/subuid", "re");
	if (!f)
		return 0;
	text = calloc(1, 1 << 20);
	if (text)
		len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	if (text && idmap_find_subid(text, len, g->user, g->uid, &start, NULL) == 0)
		g->subuid = start;
	return 0;
}

static int gc_setup(Gc *g, const Request *req, Answer *ans)
{
	int r;

	g->dry_run = req->dry_run;
	g->force = req->force;
	g->user = req->user;
	if (g->user && !*g->user)
		g->user = NULL;
	g->uid = (uid_t)-1;
	if (g->user) {
		if (!policy_name_is_safe(g->user))
			return answer_error(ans, EINVAL, "gc: invalid user name");
		r = lookup_user(g);
		if (r < 0)
			return answer_error(ans, r, "Failed to look up user %s: %m", g->user);
	}
	g->live = calloc(GC_MAX_ALCOVES, sizeof(*g->live));
	if (!g->live)
		return answer_error(ans, ENOMEM, "Failed to allocate the list of live alcoves: %m");
	r = paths_open_run(&g->runfd);
	if (r < 0)
		return answer_error(ans, r, "Failed to open %s safely: %m", ALCOVE_RUN_DIR);
	r = paths_open_lib(&g->libfd);
	if (r < 0)
		return answer_error(ans, r, "Failed to open %s safely: %m", ALCOVE_LIB_DIR);
	return 0;
}

int verb_gc(const HelperEnv *env, const Request *req, Answer *ans)
{
	Gc *g = calloc(1, sizeof(*g));
	struct stat st;
	int r;

	ans->fields.stage = "gc";
	if (!g)
		return answer_error(ans, ENOMEM, "Failed to allocate the gc state: %m");
	*g = (Gc){.runfd = -1, .libfd = -1};
	/* the file every init of ours runs (main.c checked it is root's and writable only by
	 * root); without it no process is taken for an init */
	if (fstatat(env->exe_dirfd, "alcove-init", &st, 0) == 0) {
		g->init_dev = st.st_dev;
		g->init_ino = st.st_ino;
	}
	snprintf(g->init_deleted, sizeof(g->init_deleted), "%s/alcove-init (deleted)",
		 env->exe_dir);
	ans->fields.user = req->user;
	r = gc_setup(g, req, ans);
	if (r >= 0) {
		/* order matters: the live alcoves found first protect their scopes and layers */
		r = gc_run_dirs(g);
		if (r < 0)
			r = answer_error(ans, r, "Failed to read %s: %m", ALCOVE_RUN_DIR);
	}
	if (r >= 0) {
		r = gc_persist_dirs(g);
		if (r < 0)
			r = answer_error(ans, r, "Failed to read %s: %m", ALCOVE_LIB_DIR);
	}
	if (r >= 0) {
		(void)gc_scopes(g);
		(void)gc_untracked_inits(g);
		kv_add(&ans->kv, "status", "ok");
		kv_add(&ans->kv, "report", gc_report_text(&g->report));
		kv_addf(&ans->kv, "removed", "%u", g->removed);
		kv_addf(&ans->kv, "failed", "%u", g->failed);
	}
	closep(&g->runfd);
	closep(&g->libfd);
	free(g->live);
	free(g);
	return r < 0 ? r : 0;
}
