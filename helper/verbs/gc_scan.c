/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gc, the parts outside alcove's own directories: systemd's alcove-*.scope units that no
 * live alcove owns (stopped: systemd kills what is left in them), and alcove-init processes
 * (known by their executable, not their name) that are PID 1 of a PID namespace one level
 * below ours but tracked by no state file (their
 * /run/alcove/<name> was removed while they ran: reported, killed with force). Without a
 * system bus (cgroup = "none" hosts) there are no scopes to look at, which the report says.
 */
#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "enter_client.h"
#include "fileio.h"
#include "macro.h"
#include "nsswrap.h"
#include "unit_name.h"
#include "verb.h"
#include "build/scope.h"
#include "lib/lock.h"
#include "lib/paths.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/* The alcove name whose lock guards unit: "<uid>" for alcove-<user>.scope, "<uid>-<hex>" for
 * a share = session scope. -ENOENT when the user is gone; -errno of NSS. */
static int unit_alcove_name(const char *unit, char *ret, size_t size)
{
	char middle[UNIT_NAME_MAX];
	const char *p = unit + strlen("alcove-");
	size_t n = 0, end = strlen(unit) - strlen(".scope");
	NssPasswd pw = {0};
	int r;

	for (size_t i = (size_t)(p - unit); i < end && n + 1 < sizeof(middle); i++) {
		unsigned v;

		if (unit[i] == '\\' && i + 3 < end && sscanf(unit + i, "\\x%2x", &v) == 1) {
			middle[n++] = (char)v;
			i += 3;
		} else
			middle[n++] = unit[i];
	}
	middle[n] = '\0';
	r = nss_getpwnam(middle, &pw);
	if (r >= 0) {
		uid_t uid = pw.pw.pw_uid;

		nss_passwd_done(&pw);
		if (uid != 0) {
			snprintf(ret, size, "%u", (unsigned)uid);
			return 0;
		}
	} else if (r != -ENOENT)
		return r; /* NSS failing is not "the user is gone" */
	if (alcove_name_is_valid(middle) && n < size) {
		memcpy(ret, middle, n + 1);
		return 0;
	}
	return -ENOENT;
}

/*
 * Whether unit belongs to a live alcove, asked under that alcove's lock so that a scope whose
 * build is still writing its state is not taken for an orphan: 1 owned, 0 not, -errno when it
 * cannot be told. Only a missing run directory (ENOENT: nothing builds or runs under that
 * name) or a missing or corrupt state says "not owned". Any other failure, of the lock (EISDIR
 * on a lock file that is a directory, EPERM, EMFILE), of the state's read (gc_names.h) or of
 * the liveness check, tells nothing, and counts as owned as it does for the run directory
 * (gc.c): systemd's stop of a scope kills every process in it, a live alcove's whole.
 */
static int unit_owner(Gc *g, const char *unit)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	char name[64];
	AlcoveState st;
	int r;

	r = unit_alcove_name(unit, name, sizeof(name));
	if (r < 0)
		return r == -ENOENT ? 0 : r; /* NSS failing is not "the user is gone" */
	r = lock_alcove(g->runfd, name, false, &dirfd, &lockfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = statefile_read(dirfd, &st);
	if (gc_state_read_failed(r))
		return r;
	if (r < 0 || strcmp(st.scope, unit) != 0)
		return 0;
	r = statefile_alive(&st, NULL);
	return r < 0 ? r : r > 0;
}

static void gc_scope_one(Gc *g, const char *unit, const char *active)
{
	AlcError e = {0};
	int r;

	if (!gc_scope_is_ours(unit, g->user, g->uid) || gc_unit_is_tracked(g, unit))
		return;
	if (strcmp(active, "inactive") == 0)
		return; /* CollectMode=inactive-or-failed: systemd drops it itself */
	if (g->dry_run) {
		gc_report_add(&g->report, "would stop %s (%s): no live alcove owns it", unit,
			      active);
		return;
	}
	r = unit_owner(g, unit);
	if (r < 0) {
		g->failed++;
		gc_report_add(&g->report,
			      "kept %s (%s): whether a live alcove owns it cannot be told now: %s",
			      unit, active, strerror(-r));
		return;
	}
	if (r > 0)
		return;
	r = scope_stop(unit, &e);
	if (r < 0 && r != -ENOENT) {
		g->failed++;
		gc_report_add(&g->report, "failed to stop %s: %s", unit, e.msg);
		return;
	}
	g->removed++;
	gc_report_add(&g->report, "stopped %s (%s): no live alcove owned it", unit, active);
}

int gc_scopes(Gc *g)
{
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	const char *unit, *active;
	int r;

	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "ListUnitsByPatterns",
				       &error, &reply, "asas",
				       /* states: all */ 0,
				       /* patterns */ 1, "alcove-*.scope");
	if (r < 0) {
		gc_report_add(&g->report,
			      "scopes not checked: systemd not reachable on the "
			      "system bus (%s)",
			      error.message ? error.message : strerror(-r));
		return 0;
	}
	r = sd_bus_message_enter_container(reply, 'a', "(ssssssouso)");
	if (r < 0)
		return r;
	/* name, description, load state, active state, sub state, followed, object path,
	 * job id, job type, job path */
	while ((r = sd_bus_message_read(reply, "(ssssssouso)", &unit, NULL, NULL, &active, NULL,
					NULL, NULL, NULL, NULL, NULL)) > 0)
		gc_scope_one(g, unit, active);
	return r;
}

/* From /proc/<pid>/status: the real uid and whether the process is PID 1 of a PID namespace
 * exactly one level below ours (NSpid: <pid here> 1). */
static int proc_status(int procfd, const char *pid, uid_t *ret_uid, bool *ret_ns_init)
{
	char path[300], line[512];
	unsigned long uid = 0;
	bool got_uid = false;
	FILE *f;
	int fd;

	*ret_ns_init = false;
	snprintf(path, sizeof(path), "%s/status", pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	f = fdopen(fd, "re");
	if (!f) {
		int r = negative_errno(); /* before close(), which may set errno */

		close(fd);
		return r;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, c;

		if (sscanf(line, "Uid: %lu", &uid) == 1)
			got_uid = true;
		else if (strncmp(line, "NSpid:", 6) == 0)
			*ret_ns_init = sscanf(line + 6, "%lu %lu %lu", &a, &b, &c) == 2 && b == 1;
	}
	fclose(f);
	if (!got_uid)
		return -EBADMSG;
	*ret_uid = (uid_t)uid;
	return 0;
}

/* Whether pid runs the alcove-init next to this helper: its file by device and inode, or,
 * replaced since the process started (a package upgrade), the old file at that path. */
static bool proc_runs_init(Gc *g, int procfd, const char *pid)
{
	char path[300], link[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/exe", pid);
	if (g->init_ino != 0 && fstatat(procfd, path, &st, 0) == 0 && st.st_dev == g->init_dev &&
	    st.st_ino == g->init_ino)
		return true;
	n = readlinkat(procfd, path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, g->init_deleted) == 0;
}

/* The host uid that ns uid 0 maps to in pid's user namespace (its uid_map's "0 HOST n" line). */
/* The host uid that ns uid id maps to in pid's uid_map. */
static bool proc_ns_host_uid(int procfd, const char *pid, unsigned long id, uid_t *ret)
{
	char path[300], buf[1024];
	unsigned long ns, host, n;
	size_t len;
	int used;

	snprintf(path, sizeof(path), "%s/uid_map", pid);
	if (read_file_at(procfd, path, 0, buf, sizeof(buf), &len) < 0)
		return false;
	buf[len] = '\0';
	for (const char *s = buf; sscanf(s, "%lu %lu %lu%n", &ns, &host, &n, &used) == 3; s += used)
		if (id >= ns && id - ns < n && host + (id - ns) <= UINT32_MAX - 1) {
			*ret = (uid_t)(host + (id - ns));
			return true;
		}
	return false;
}

/*
 * An alcove-init is a process that runs the alcove-init next to this helper (not its comm: that
 * is any name a process gives itself, PR_SET_NAME or the name of a copied file) in a user
 * namespace owned by S, the first subordinate uid (userns.c): the host id of ns 1 less one in
 * either mode; or, for alcoves made before, its ns root's host id or host root
 * (NS_GET_OWNER_UID). Only an alcove's init is that
 * and PID 1 of a PID namespace one level below ours, so a path that reads "(deleted)" cannot be
 * faked; what a user can make alike (unshare -r, then the alcove-init binary as PID 1) is
 * their own process, which --force only kills.
 */
static bool proc_is_alcove_init(Gc *g, int procfd, const char *pid)
{
	char path[300];
	_cleanup_close_ int ns = -1;
	uid_t owner = (uid_t)-1, nsroot = (uid_t)-1, ns1 = (uid_t)-1;

	if (!proc_runs_init(g, procfd, pid))
		return false;
	snprintf(path, sizeof(path), "%s/ns/user", pid);
	ns = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || ioctl(ns, NS_GET_OWNER_UID, &owner) < 0)
		return false;
	return owner == 0 || (proc_ns_host_uid(procfd, pid, 0, &nsroot) && owner == nsroot) ||
	       (proc_ns_host_uid(procfd, pid, 1, &ns1) && ns1 > 0 && owner == ns1 - 1);
}

/* Whether init's argv has --user=user (the helper starts every init with it). */
static bool proc_init_user_is(int procfd, const char *pid, const char *user)
{
	char path[300], buf[4096], want[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/cmdline", pid);
	snprintf(want, sizeof(want), "--user=%s", user);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *a = buf; a < buf + n; a += strlen(a) + 1)
		if (strcmp(a, want) == 0)
			return true;
	return false;
}

/* Whether pid is an untracked alcove-init gc may report or kill (with user: that user's):
 * its executable, a PID ns of its own, its ns root's uid and --user=, and no state naming it. */
static bool untracked_init(Gc *g, int procfd, const char *name, uint64_t starttime, uid_t *uid)
{
	bool ns_init;
	pid_t pid = (pid_t)atoi(name);

	if (!proc_is_alcove_init(g, procfd, name) || proc_status(procfd, name, uid, &ns_init) < 0 ||
	    !ns_init)
		return false;
	/* with user: its init runs as the user's ns root, S (user mode) or the uid (root mode),
	 * and was started with --user=<user> (subordinate ranges of deleted users get reused) */
	if (g->user && ((*uid != g->uid && (g->subuid == 0 || *uid != g->subuid)) ||
			!proc_init_user_is(procfd, name, g->user)))
		return false;
	return !gc_pid_is_tracked(g, pid, starttime);
}

/*
 * The pidfd first, then the start time, the checks by /proc/PID, the start time again: the
 * checks were of the pidfd's process only if the pid was not reused in between (the second
 * start time would differ), and the kill goes through the pidfd, which never names another
 * process (ESRCH once its process has gone).
 */
static void gc_init_one(Gc *g, int procfd, const char *name)
{
	_cleanup_close_ int pidfd = -1;
	uint64_t starttime, again = 0;
	pid_t pid = (pid_t)atoi(name);
	uid_t uid;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0 || proc_starttime(pid, &starttime) < 0 ||
	    !untracked_init(g, procfd, name, starttime, &uid) || proc_starttime(pid, &again) < 0 ||
	    again != starttime)
		return;
	if (!g->force) {
		gc_report_add(&g->report,
			      "untracked: alcove-init pid %d (host uid %u) has no state in %s "
			      "(--force kills it)",
			      (int)pid, (unsigned)uid, ALCOVE_RUN_DIR);
		return;
	}
	if (g->dry_run) {
		gc_report_add(&g->report, "would kill untracked alcove-init pid %d (host uid %u)",
			      (int)pid, (unsigned)uid);
		return;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to kill alcove-init pid %d: %s", (int)pid,
			      strerror(errno));
		return;
	}
	g->removed++;
	gc_report_add(&g->report, "killed untracked alcove-init pid %d (host uid %u)", (int)pid,
		      (unsigned)uid);
}

int gc_untracked_inits(Gc *g)
{
	_cleanup_close_ int procfd = -1;
	struct dirent *de;
	DIR *d;

	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return negative_errno();
	d = opendir("/proc");
	if (!d)
		return negative_errno();
	while ((de = readdir(d)))
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			gc_init_one(g, procfd, de->d_name);
	closedir(d);
	return 0;
}
