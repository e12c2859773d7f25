/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * close: the login's session ended; its hold on the alcove is released. What happens then is
 * alcove-init's business (on_last_logout). An alcove that is gone already is not an error.
 * When the release ends the alcove (stop, or keep with no process left), close waits for its
 * init to exit and removes /run/alcove/<name> (rundir.h): nothing stays behind in /run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "control_client.h"
#include "enter_client.h"
#include "login.h"
#include "macro.h"
#include "policy.h"
#include "stop.h"
#include "verb.h"
#include "lib/holds.h"
#include "lib/paths.h"
#include "lib/quota_log.h"
#include "lib/rundir.h"

/* How long close waits for an ending alcove's init to exit: a stopping init SIGKILLs what is
 * left after 3 s (docs/INTERNALS.md, alcove-init lifecycle). Longer: the next open sweeps it. */
#define CLOSE_END_WAIT_MS 5000


static bool init_gone(int r)
{
	return r == -ENOENT || r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE;
}

/*
 * RELEASE, then STATUS on the same connection (init handles one request after the other, and
 * acts on the release in between): *ret_ending when init is on its way out: it says it is
 * stopping, it closed the connection (keep: it exits at once when nothing is left), or
 * nothing listens any more.
 */
static int release(const char *name, const char *session, bool *ret_ending)
{
	_cleanup_close_ int fd = -1;
	char path[128];
	ProtoMessage a;
	int r;

	*ret_ending = false;
	r = control_admin_path(name, path, sizeof(path));
	if (r < 0)
		return r;
	fd = control_connect(path);
	if (init_gone(fd))
		return *ret_ending = true, 0;
	if (fd < 0)
		return fd;
	r = control_request(fd, &(ProtoMessage){.type = PROTO_RELEASE, .session = session}, NULL,
			    0, &a);
	/* -ENOENT: the hold ended with its process already */
	if (r < 0 && r != -ENOENT)
		return init_gone(r) ? (*ret_ending = true, 0) : r;
	r = control_request(fd, &(ProtoMessage){.type = PROTO_STATUS}, NULL, 0, &a);
	if (r < 0)
		*ret_ending = init_gone(r); /* anything else: the next open or gc sees */
	else
		*ret_ending = a.type == PROTO_STATUS_REPLY && (a.status.flags & PROTO_STATUS_STOPPING);
	return 0;
}

/* init did not answer the release: one that its tenant froze (common/frozen.h) never will, and
 * would keep the alcove past its last logout (on_last_logout undone) and every later login
 * waiting. It is ended here, its run directory removed: 1; 0 when it is not frozen. runfd:
 * /run/alcove, or the -errno of its open. */
static int release_frozen(Answer *ans, int runfd, const char *name)
{
	AlcError e = {0};
	int r = runfd;

	if (r >= 0)
		r = alcove_stop_frozen(runfd, name, &e);
	if (r < 0)
		log_full(LOG_ERR, -r, &ans->fields,
			 "Failed to end alcove %s, whose init is frozen: %s", name,
			 e.msg[0] ? e.msg : strerror(-r));
	return r;
}

/* The alcove ended with this session: its run directory goes too (best effort: a failure is
 * the next open's or gc's to clean up, never the closing session's). */
static void remove_ended(Answer *ans, int runfd, const char *name)
{
	int r = runfd;

	if (r >= 0)
		r = rundir_remove_when_ended(runfd, name, CLOSE_END_WAIT_MS);
	if (r < 0)
		log_full(LOG_WARNING, -r, &ans->fields,
			 "Failed to remove %s/%s of the ended alcove: %m", ALCOVE_RUN_DIR, name);
}

/* The session's hold record (lib/holds.h) goes before the release: once the release may end the
 * alcove, the removal of its run directory ends the processes still recorded there, and the
 * caller, whose session this is, is closing already. Best effort: a record left names a
 * process that the alcove's end then finds gone, or not the one recorded. */
static void forget_hold(Answer *ans, int runfd, const char *name, const char *session)
{
	_cleanup_close_ int dirfd = -1;
	int r = runfd;

	if (r >= 0) {
		dirfd = paths_openat(runfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		r = dirfd;
	}
	if (r >= 0)
		r = holds_forget(dirfd, session);
	if (r < 0 && r != -ENOENT)
		log_full(LOG_WARNING, -r, &ans->fields,
			 "Failed to remove the hold record of session %s in %s/%s: %m", session,
			 ALCOVE_RUN_DIR, name);
}

/* The session may have filled the user's layer: the journal hears of it at the logout, not only
 * at the next build (lib/quota_log.h). Opened as the build opens it: beneath /var/lib/alcove,
 * never through a symlink. No layer (persist = false) or no quota: nothing. An ssh login's
 * close runs in the lobby, whose /var/lib/alcove is an empty mask, and for an image alcove
 * /var/lib a symlink into the /var mask (DESIGN §11): when the layer cannot be reached in the
 * helper's own view, it is reached from the root of the host's PID 1 (root's own view;
 * /proc/1/root is a magic link only root may follow into another mount namespace), beneath it
 * without symlinks. */
static void layer_check(const char *user, uid_t uid)
{
	_cleanup_close_ int libfd = -1, rootfd = -1, fd = -1;
	char path[512];

	if (snprintf(path, sizeof(path), "%s/%s/layer", ALCOVE_LIB_DIR + 1, user) >=
	    (int)sizeof(path))
		return;
	if (paths_open_lib(&libfd) >= 0)
		fd = paths_openat(libfd, path + strlen(ALCOVE_LIB_DIR),
				  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0) {
		rootfd = open("/proc/1/root", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return;
		fd = paths_openat(rootfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
	}
	if (fd >= 0)
		quota_log_hit(user, uid, fd);
}

int verb_close(const HelperEnv *env, const Request *req, Answer *ans)
{
	const char *user = req->user, *name = req->name, *session = req->session;
	_cleanup_close_ int runfd = -1;
	bool ending;
	uid_t uid;
	int r;

	ans->fields.user = user;
	ans->fields.stage = "close";
	if (!user || !name || !session)
		return answer_error(ans, EINVAL, "close needs user, name and session");
	r = login_uid(user, &uid);
	if (r < 0)
		return answer_error(ans, r, "Failed to look up user '%s': %m", user);
	if (!rundir_name_of_uid(name, uid))
		return answer_error(ans, EINVAL, "Alcove '%s' is not one of %s's", name, user);
	/* opened once (its trusted path checked from /), for the three steps that need it; each
	 * of them logs a failed open as its own failure, as it did opening it itself */
	r = paths_open_run(&runfd);
	if (r < 0)
		runfd = r;
	forget_hold(ans, runfd, name, session);
	r = release(name, session, &ending);
	if (r == -ETIMEDOUT && release_frozen(ans, runfd, name) > 0)
		r = 0, ending = false; /* ended, its directory removed */
	if (r < 0)
		return answer_error(ans, r, "Failed to release session %s of alcove %s: %m",
				    session, name);
	if (ending)
		remove_ended(ans, runfd, name);
	layer_check(user, uid);
	kv_add(&ans->kv, "status", "ok");
	return 0;
}
