/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The alcove's systemd scope over sd-bus (DESIGN §6).
 *
 * StartTransientUnit's method reply only says that a job was queued; the pid is moved into
 * the scope's cgroup when the job completes. So the JobRemoved match is added before the call
 * (a signal that arrives between the reply and a later AddMatch would be lost) and we wait for
 * the returned job's result. systemd sends JobRemoved to the client that queued the job even
 * without Subscribe().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "error.h"
#include "fdwait.h"
#include "macro.h"
#include "scope.h"
#include "scope_props.h"
#include "unit_name.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define NO_BUS_TEXT "systemd not reachable on the system bus"
#define SCOPE_STAGE "scope"

typedef struct JobWait {
	const char *job; /* object path of the job we wait for */
	bool done;
	char result[32]; /* "done", "failed", "timeout", "canceled", "dependency", "skipped" */
} JobWait;

/* sd-bus.h defines sd_bus_flush_close_unrefp, sd_bus_message_unrefp, sd_bus_slot_unrefp. */

/* systemd's reply error → -errno + text. No systemd on the bus reads as "not reachable". */
static int bus_error_to_err(const sd_bus_error *e, int r, const char *what, AlcError *ret_error)
{
	if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
				   SD_BUS_ERROR_NO_SERVER))
		return alc_error(ret_error, -EHOSTDOWN, SCOPE_STAGE, NO_BUS_TEXT " (%s)",
				 e->message ? e->message : e->name);
	if (sd_bus_error_is_set(e) && e->message)
		return alc_error(ret_error, r, SCOPE_STAGE, "%s: %s", what, e->message);
	return alc_error(ret_error, r, SCOPE_STAGE, "%s: %m", what);
}

static int bus_open(sd_bus **ret, AlcError *ret_error)
{
	int r = sd_bus_open_system(ret);

	if (r < 0)
		return alc_error(ret_error, -EHOSTDOWN, SCOPE_STAGE, NO_BUS_TEXT " (%s)",
				 strerror(-r));
	return 0;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	JobWait *w = userdata;
	const char *path, *unit, *result;
	uint32_t id;

	/* JobRemoved(u id, o job, s unit, s result) */
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job && strcmp(path, w->job) == 0) {
		snprintf(w->result, sizeof(w->result), "%s", result);
		w->done = true;
	}
	return 0;
}

/* Processes the bus until w->done or the deadline. */
static int job_wait(sd_bus *bus, JobWait *w, uint64_t deadline)
{
	while (!w->done) {
		uint64_t now;
		int r = sd_bus_process(bus, NULL);

		if (r < 0)
			return r;
		if (r > 0)
			continue;
		now = monotonic_us();
		if (now >= deadline)
			return -ETIMEDOUT;
		r = sd_bus_wait(bus, deadline - now);
		if (r < 0)
			return r;
	}
	return 0;
}

static int match_job_removed(sd_bus *bus, sd_bus_slot **ret, JobWait *w)
{
	return sd_bus_match_signal(bus, ret, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
				   "JobRemoved", on_job_removed, w);
}

/* The a(sv) properties of the scope. */
/* The host's RAM, as a share of it ("25%") counts it; 0 if unknown (a share of 0 bytes is then
 * refused by systemd rather than taken as no limit). */
static uint64_t ram_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

static int append_properties(sd_bus_message *m, const ScopeRequest *req)
{
	char slice[64], description[256];
	int r;

	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)req->uid);
	snprintf(description, sizeof(description), "alcove of %s (profile %s)", req->user,
		 req->profile ? req->profile : "defaults");

	r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r < 0)
		return r;
	r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)",
				  /* the alcove's PID 1; its PID ns follows it */
				  "PIDs", "au", 1, (uint32_t)req->pid,
				  /* the subtree belongs to the alcove: init/ and login-<n>/ */
				  "Delegate", "b", 1,
				  /* with the user's other sessions, so user-wide limits apply */
				  "Slice", "s", slice, "Description", "s", description,
				  /* a failed scope is not left behind to block the next login */
				  "CollectMode", "s", "inactive-or-failed",
				  /* SIGKILL after seconds, not systemd's 90 s (scope.h) */
				  "TimeoutStopUSec", "t", (uint64_t)SCOPE_STOP_TIMEOUT_USEC);
	if (r < 0)
		return r;
	for (int k = 0; k < _LIMIT_MAX; k++) {
		if (!req->limits || !(req->limits->set & (1u << k)))
			continue;
		r = sd_bus_message_append(m, "(sv)", scope_limit_property((LimitKind)k), "t",
					  scope_limit_value(req->limits->value[k], ram_bytes()));
		if (r < 0)
			return r;
	}
	return sd_bus_message_close_container(m);
}

static int call_start(sd_bus *bus, const char *unit, const ScopeRequest *req,
		      sd_bus_message **ret_reply, sd_bus_error *e)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
	int r;

	r = sd_bus_message_new_method_call(bus, &m, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
					   "StartTransientUnit");
	if (r < 0)
		return r;
	/* name, mode: "replace" (not "fail": user-<uid>.slice may be stopping right now) */
	r = sd_bus_message_append(m, "ss", unit, "replace");
	if (r < 0)
		return r;
	r = append_properties(m, req);
	if (r < 0)
		return r;
	/* aux units: none */
	r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return r;
	return sd_bus_call(bus, m, SCOPE_JOB_TIMEOUT_USEC, e, ret_reply);
}

/* Queues a job with method(unit, "replace") or StartTransientUnit and waits for it. */
static int job_run(sd_bus *bus, const char *unit, const ScopeRequest *req, AlcError *ret_error)
{
	_cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	uint64_t deadline = monotonic_us() + SCOPE_JOB_TIMEOUT_USEC;
	JobWait w = {0};
	const char *what = req ? "StartTransientUnit" : "StopUnit";
	int r;

	r = match_job_removed(bus, &slot, &w);
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "watch systemd's jobs: %m");
	if (req)
		r = call_start(bus, unit, req, &reply, &e);
	else
		r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "StopUnit",
				       &e, &reply, "ss", unit, "replace");
	if (r < 0) {
		if (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
			r = -ENOENT;
		r = bus_error_to_err(&e, r, what, ret_error);
		sd_bus_error_free(&e);
		return r;
	}
	r = sd_bus_message_read(reply, "o", &w.job);
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "%s of %s: bad reply: %m", what, unit);
	r = job_wait(bus, &w, deadline);
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "%s of %s: wait for job %s: %m", what,
				 unit, w.job);
	/* not `systemctl status`: it prints the names of the cgroups below the scope raw, and
	 * in root mode ns root names them (a terminal escape in one reaches the admin) */
	if (strcmp(w.result, "done") != 0)
		return alc_error(ret_error, -EIO, SCOPE_STAGE,
				 "%s of %s: job %s (see 'journalctl -u %s')", what, unit, w.result,
				 unit);
	return 0;
}

static int unit_control_group(sd_bus *bus, const char *unit, char **ret, AlcError *ret_error)
{
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	const char *path;
	int r;

	r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnit", &e,
			       &reply, "s", unit);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, SYSTEMD_DEST, path,
					       "org.freedesktop.systemd1.Scope", "ControlGroup", &e,
					       ret);
	if (r < 0) {
		r = bus_error_to_err(&e, r, "ControlGroup", ret_error);
		sd_bus_error_free(&e);
		return r;
	}
	if (!*ret || (*ret)[0] != '/')
		return alc_error(ret_error, -ENOENT, SCOPE_STAGE, "%s has no control group", unit);
	return 0;
}

static int cgroup2_mount_point(char *ret, size_t size)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return negative_errno();
	r = getdelim(&text, &len, '\0', f) < 0 ? -EIO : 0;
	fclose(f);
	if (r < 0)
		return r;
	return scope_cgroup2_mount(text, ret, size);
}

/* The delegated subtree is the alcove's: its ns root may create sub-cgroups (mkdir in the
 * directory), move processes (cgroup.procs, cgroup.threads) and enable controllers
 * (cgroup.subtree_control). The other files stay root's: the limits systemd set in this
 * cgroup (memory.max, pids.max) must not be writable from inside. */
static int cgroup_chown(const char *path, uid_t uid, gid_t gid)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.subtree_control",
					    "cgroup.threads"};
	_cleanup_close_ int dfd = -1;

	dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	if (fchown(dfd, uid, gid) < 0)
		return negative_errno();
	for (size_t i = 0; i < ELEMENTSOF(files); i++)
		if (fchownat(dfd, files[i], uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
			return negative_errno();
	return 0;
}

static int scope_locate(sd_bus *bus, const ScopeRequest *req, ScopeResult *res,
			AlcError *ret_error)
{
	_cleanup_free_ char *cgroup = NULL;
	char mnt[4096];
	int r;

	r = unit_control_group(bus, res->unit, &cgroup, ret_error);
	if (r < 0)
		return r;
	r = cgroup2_mount_point(mnt, sizeof(mnt));
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE,
				 "find the cgroup2 mount in /proc/self/mountinfo: %m");
	r = scope_cgroup_join(mnt, cgroup, res->cgroup_path, sizeof(res->cgroup_path));
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "locate control group '%s' of %s: %m",
				 cgroup, res->unit);
	r = cgroup_chown(res->cgroup_path, req->owner_uid, req->owner_gid);
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "chown cgroup '%s' to %u:%u: %m",
				 res->cgroup_path, (unsigned)req->owner_uid,
				 (unsigned)req->owner_gid);
	return 0;
}

int scope_start(const ScopeRequest *req, ScopeResult *ret, AlcError *ret_error)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	ScopeResult res = {0};
	int r;

	if (!req || !req->user || !req->name || req->pid <= 0 || !ret)
		return alc_error(ret_error, -EINVAL, SCOPE_STAGE, "start a scope: invalid request");
	r = unit_name_for_alcove(req->name, res.unit, sizeof(res.unit));
	if (r < 0)
		return alc_error(ret_error, r, SCOPE_STAGE, "name the unit of alcove '%s': %m",
				 req->name);
	r = bus_open(&bus, ret_error);
	if (r < 0)
		return r;

	r = job_run(bus, res.unit, req, ret_error);
	if (r < 0)
		return r;

	r = scope_locate(bus, req, &res, ret_error);
	if (r < 0) {
		/* Leave no scope behind that claims an alcove we could not hand it to. */
		(void)job_run(bus, res.unit, NULL, NULL);
		return r;
	}
	*ret = res;
	return 0;
}

int scope_stop(const char *unit, AlcError *ret_error)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r;

	if (!unit || !*unit)
		return alc_error(ret_error, -EINVAL, SCOPE_STAGE, "stop a scope: no unit named");
	r = bus_open(&bus, ret_error);
	if (r < 0)
		return r;
	return job_run(bus, unit, NULL, ret_error);
}
