/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stop: ends an alcove and removes its /run/alcove/<name>. alcove-init is asked to STOP (its
 * SIGTERM path: every process TERMed, KILLed after 3 s), or systemd stops the scope when one
 * is recorded; if init is still there after a grace time, SIGKILL to the PID 1 ends the whole
 * PID namespace. Only then are state, socket and lock removed. An init its tenant froze is
 * sent SIGKILL at once (common/frozen.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "control_client.h"
#include "enter_client.h"
#include "fileio.h"
#include "login.h"
#include "macro.h"
#include "stop.h"
#include "verb.h"
#include "build/scope.h"
#include "frozen.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/rundir.h"
#include "lib/state.h"

#define STOP_GRACE_MS 10000

/* 1 when the process behind pidfd has exited within ms. */
static int wait_gone(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return negative_errno();
	return r > 0;
}

/* Asks the running init of name to end: systemd stops its scope (which kills what is in it),
 * or init is sent STOP on its control socket. Does not wait. -errno with why filled. */
static int ask_to_end(const char *name, const AlcoveState *st, AlcError *why)
{
	char path[128];
	int r;

	if (st->scope[0])
		return scope_stop(st->scope, why);
	(void)control_admin_path(name, path, sizeof(path)); /* a name fits (32 bytes) */
	r = control_stop(path);
	if (r < 0)
		return alc_error(why, r, "stop", "send STOP to init over %s: %m", path);
	return 0;
}

/* Ends the running init behind pidfd: asked first, SIGKILL to the PID 1 (and with it the
 * PID ns) when the ask failed or init is still there after the grace time. */
static int end_init(const char *name, const AlcoveState *st, int pidfd, AlcError *e)
{
	AlcError why = {0};
	int r;

	r = ask_to_end(name, st, &why);
	/* either way the pidfd tells when PID 1 (and with it the PID ns) is gone */
	if (r >= 0 && wait_gone(pidfd, STOP_GRACE_MS) > 0)
		return 0;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	if (wait_gone(pidfd, STOP_GRACE_MS) <= 0) {
		if (r < 0)
			return alc_error(e, -ETIMEDOUT, "stop",
					 "end init (pid %d) of alcove %s: it did not end on "
					 "SIGKILL either (%s)",
					 (int)st->pid, name, why.msg);
		return alc_error(e, -ETIMEDOUT, "stop",
				 "end init (pid %d) of alcove %s: it did not end",
				 (int)st->pid, name);
	}
	/* Handled here (SIGKILL did it), so told here: a scope that systemd would not stop or
	 * an init that would not listen is worth the admin's look, not the caller's failure. */
	if (r < 0)
		log_warning_errno(r, "Failed to stop alcove %s cleanly, its init (pid %d) was "
				     "killed: %s", name, (int)st->pid, why.msg);
	return 0;
}

/* Ends an init that its tenant froze (common/frozen.h): asking is pointless (it answers nothing,
 * and systemd's stop would SIGKILL only after the scope's stop timeout), SIGKILL is not (the
 * freezer lets it through) and takes the PID ns with it. The emptied scope is then stopped, so
 * that it is gone when we return. Acting on a freeze that ns root lifts right after is fine:
 * it froze its own init, and a thawed one is ended all the same. */
static int end_frozen(const char *name, const AlcoveState *st, int pidfd, AlcError *e)
{
	AlcError why = {0};
	int r;

	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return alc_error(e, negative_errno(), "stop",
				 "SIGKILL the frozen init (pid %d) of alcove %s: %m", (int)st->pid,
				 name);
	if (wait_gone(pidfd, STOP_GRACE_MS) <= 0)
		return alc_error(
		    e, -ETIMEDOUT, "stop",
		    "end the frozen init (pid %d) of alcove %s: it did not end on SIGKILL",
		    (int)st->pid, name);
	r = st->scope[0] ? scope_stop(st->scope, &why) : 0;
	if (r < 0 && r != -ENOENT)
		log_warning_errno(r,
				  "Failed to stop %s of alcove %s after its frozen init was "
				  "killed: %s",
				  st->scope, name, why.msg);
	log_warning("alcove %s: its init is frozen (cgroup.freeze written inside the alcove); "
		    "stopped it",
		    name);
	return 0;
}

/* Ends the alcove whose directory is dirfd (lock held), leaving the directory and its lock:
 * 1 when its init was frozen (then ended), 0 when it was not running or ended otherwise. Only
 * a frozen one with frozen_only. */
static int end_init_locked(const char *name, int dirfd, bool frozen_only, AlcError *e)
{
	_cleanup_close_ int pidfd = -1;
	AlcoveState st;
	int r;

	r = statefile_read(dirfd, &st);
	/* A corrupt state names no init to stop: the admin's stop removes it. Any other error,
	 * or an init whose liveness cannot be told, fails the stop: removing the state of a
	 * running alcove would let the next login build a second one. */
	if (r < 0 && r != -ENOENT && r != -EBADMSG)
		return alc_error(e, r, "stop", "read %s/%s/state: %m", ALCOVE_RUN_DIR, name);
	if (r != 0)
		return 0;
	r = statefile_alive(&st, &pidfd);
	if (r < 0)
		return alc_error(e, r, "stop", "tell whether init (pid %d) of alcove %s runs: %m",
				 (int)st.pid, name);
	if (r == 0)
		return 0;
	r = init_frozen(&st, pidfd);
	if (r < 0)
		log_debug("alcove %s: cannot tell whether its init (pid %d) is frozen: %s", name,
			  (int)st.pid, strerror(-r));
	if (r > 0) {
		r = end_frozen(name, &st, pidfd, e);
		return r < 0 ? r : 1;
	}
	return frozen_only ? 0 : end_init(name, &st, pidfd, e);
}

int alcove_end_locked(const char *name, int dirfd, AlcError *e)
{
	int r = end_init_locked(name, dirfd, false, e);

	if (r < 0)
		return r;
	r = state_remove_leftovers(dirfd, name);
	if (r < 0)
		return alc_error(e, r, "stop", "remove the state of %s/%s: %m", ALCOVE_RUN_DIR, name);
	return 0;
}

int alcove_end_frozen_locked(const char *name, int dirfd, AlcError *e)
{
	int r = end_init_locked(name, dirfd, true, e), q;

	if (r <= 0)
		return r;
	q = state_remove_leftovers(dirfd, name);
	if (q < 0)
		return alc_error(e, q, "stop", "remove the state of %s/%s: %m", ALCOVE_RUN_DIR,
				 name);
	return 1;
}

int alcove_stop_locked(int runfd, const char *name, int dirfd, AlcError *e)
{
	int r = end_init_locked(name, dirfd, false, e);

	if (r < 0)
		return r;
	r = state_remove_dir(runfd, name, dirfd);
	if (r < 0)
		return alc_error(e, r, "stop", "remove %s/%s: %m", ALCOVE_RUN_DIR, name);
	return 0;
}

int alcove_stop(int runfd, const char *name, AlcError *e)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	int r;

	r = lock_alcove(runfd, name, false, &dirfd, &lockfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return alc_error(e, r, "stop", "lock %s/%s: %m", ALCOVE_RUN_DIR, name);
	return alcove_stop_locked(runfd, name, dirfd, e);
}

int alcove_stop_frozen(int runfd, const char *name, AlcError *e)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	int r, q;

	r = lock_alcove(runfd, name, false, &dirfd, &lockfd);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return alc_error(e, r, "stop", "lock %s/%s: %m", ALCOVE_RUN_DIR, name);
	r = end_init_locked(name, dirfd, true, e);
	if (r <= 0)
		return r;
	q = state_remove_dir(runfd, name, dirfd);
	if (q < 0)
		return alc_error(e, q, "stop", "remove %s/%s: %m", ALCOVE_RUN_DIR, name);
	return 1;
}

void alcove_names_free(AlcoveNames *l)
{
	free(l->name);
	*l = (AlcoveNames){0};
}

static int names_add(AlcoveNames *l, const char *name)
{
	size_t len = strlen(name);
	int r;

	if (len >= sizeof(l->name[0]))
		return 0; /* cannot be: alcove_name_is_valid() bounds it */
	r = array_grow((void **)&l->name, &l->cap, l->n, sizeof(l->name[0]));
	if (r < 0)
		return r;
	memcpy(l->name[l->n++], name, len + 1);
	return 0;
}

int alcove_names_of(int runfd, const char *user, uid_t uid, AlcoveNames *ret)
{
	struct dirent *de;
	DIR *d;
	int r = opendir_fd(runfd, &d);

	*ret = (AlcoveNames){0};
	if (r < 0)
		return r;
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		bool match = uid != (uid_t)-1 && rundir_name_of_uid(de->d_name, uid);

		if (!match && user && alcove_name_is_valid(de->d_name)) {
			/* a user deleted from passwd is still found by the state's user= */
			_cleanup_close_ int dfd =
			    paths_openat(runfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
			AlcoveState st;

			match =
			    dfd >= 0 && statefile_read(dfd, &st) == 0 && strcmp(st.user, user) == 0;
		}
		if (match)
			r = names_add(ret, de->d_name);
	}
	if (r >= 0 && errno != 0)
		r = negative_errno(); /* readdir failed */
	closedir(d);
	if (r < 0)
		alcove_names_free(ret);
	return r;
}

/* Stops every alcove of the request's user (or the one named). */
int stop_request(const Request *req, Answer *ans, int runfd)
{
	const char *user = req->user, *name = req->name;
	_cleanup_(alcove_names_free) AlcoveNames names = {0};
	AlcError e = {0};
	uid_t uid = (uid_t)-1;
	int r;

	if (name) {
		if (!alcove_name_is_valid(name))
			return answer_error(ans, EINVAL, "Invalid alcove name '%s'", name);
		r = names_add(&names, name);
	} else if (user) {
		_cleanup_(login_info_freep) LoginInfo *li = NULL;

		if (!policy_name_is_safe(user))
			return answer_error(ans, EINVAL, "Invalid user name");
		if (login_lookup(user, NULL, NULL, NULL, &li) == 0)
			uid = li->uid;
		r = alcove_names_of(runfd, user, uid, &names);
	} else
		return answer_error(ans, EINVAL, "Request without user or name");
	if (r < 0)
		return answer_error(ans, r, "Failed to list %s: %m", ALCOVE_RUN_DIR);
	for (size_t i = 0; i < names.n; i++) {
		r = alcove_stop(runfd, names.name[i], &e);
		if (r < 0)
			return answer_error(ans, r, "Failed to stop alcove %s: %s", names.name[i],
					    e.msg);
	}
	/* how many were found: a stop that found none says so (a mistyped name is no success) */
	kv_addf(&ans->kv, "stopped", "%zu", names.n);
	return 0;
}

int verb_stop(const HelperEnv *env, const Request *req, Answer *ans)
{
	_cleanup_close_ int runfd = -1;
	int r;

	ans->fields.user = req->user;
	ans->fields.stage = "stop";
	r = paths_open_run(&runfd);
	if (r < 0)
		return answer_error(ans, r, "Failed to open %s safely: %m", ALCOVE_RUN_DIR);
	r = stop_request(req, ans, runfd);
	if (r < 0)
		return r;
	kv_add(&ans->kv, "status", "ok");
	return 0;
}
