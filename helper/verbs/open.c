/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * open: the policy's decision for this login, then the user's running alcove (found by its
 * state and verified alive) or a new one, a hold for the caller, and the lobby.
 *   policy -> lock -> (reuse | build: userns, mounts, scope) -> hold -> lobby -> answer
 * Each stage is timed (CLOCK_MONOTONIC) and logged in one debug line.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "control_client.h"
#include "fdwait.h"
#include "helper_client.h"
#include "login.h"
#include "macro.h"
#include "nsswrap.h"
#include "policy.h"
#include "stop.h"
#include "verb.h"
#include "build/build.h"
#include "build/lobby.h"
#include "build/quota_reapply.h"
#include "lib/fault.h"
#include "lib/holds.h"
#include "lib/lock.h"
#include "lib/paths.h"
#include "lib/rundir.h"
#include "lib/state.h"

typedef struct OpenCtx {
	const HelperEnv *env;
	Answer *ans;
	Policy *policy;
	LoginInfo *login;
	const Profile *profile;
	gid_t pass_gids[POLICY_MAX_GROUPS];
	const char *pass_names[POLICY_MAX_GROUPS];
	size_t n_pass;
	char name[32];
	char session[33];
	char profile_name[64];
	int runfd, dirfd, lockfd, pidfd;
	pid_t pid;
	bool built;
	bool lobby; /* a login (the PAM module): its lobby is made from its profile */
	uint64_t t_start, t_policy, t_lock, t_lobby, t_hold;
	long long deadline_ms; /* every wait ends by then (HELPER_OPEN_BUDGET_MS) */
	BuildTimings bt;
} OpenCtx;

static int random_hex(char *buf, size_t bytes)
{
	unsigned char raw[16];

	if (bytes > sizeof(raw))
		return -EINVAL;
	if (getrandom(raw, bytes, 0) != (ssize_t)bytes)
		return negative_errno();
	for (size_t i = 0; i < bytes; i++)
		sprintf(buf + 2 * i, "%02x", raw[i]);
	return 0;
}

/* The passed-through groups the user is a member of (host gid == ns gid inside). A group too
 * big for NSS_BUF_MAX or NSS failing refuses the login (answered): a group left out silently
 * would change what the user may reach inside. */
static int passthrough_groups(OpenCtx *c)
{
	const Profile *p = c->profile;

	for (size_t i = 0; i < p->n_groups_passthrough; i++) {
		NssGroup gr = {0};
		gid_t gid;
		int r = nss_getgrnam(p->groups_passthrough[i], &gr);

		if (r == -ENOENT)
			continue; /* a group this host does not have: nothing to pass */
		if (r < 0)
			return answer_error(c->ans, r,
					    "Failed to look up group '%s' of groups_passthrough "
					    "(profile %s): %m",
					    p->groups_passthrough[i], p->name);
		gid = gr.gr.gr_gid;
		nss_group_done(&gr);
		for (size_t k = 0; k < c->login->n_gids; k++)
			if (c->login->gids[k] == gid && gid != c->login->gid) {
				c->pass_gids[c->n_pass] = gid;
				c->pass_names[c->n_pass] = p->groups_passthrough[i];
				c->n_pass++;
				break;
			}
	}
	return 0;
}

/* The alcove's groups, for the PAM module to give sshd's session process (its setcred): the
 * primary group, then the passed-through ones. */
static void answer_groups(OpenCtx *c)
{
	char text[(POLICY_MAX_GROUPS + 1) * 11 + 1];
	size_t at;

	at = (size_t)snprintf(text, sizeof(text), "%u", (unsigned)c->login->gid);
	for (size_t i = 0; i < c->n_pass && at < sizeof(text); i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, ",%u",
				       (unsigned)c->pass_gids[i]);
	kv_add(&c->ans->kv, "groups", text);
}

/* The caller found user's account first (the PAM module through its own NSS lookup, by the
 * name as typed, as sshd did): the helper's lookup of the account's own name must give the
 * same uid, home and shell. With two accounts of one name in two NSS sources (a local alice
 * and a directory's, case-insensitive sssd) a second lookup by name can answer with the other
 * one: its alcove would be built or joined for this login, and the lobby would cover the
 * other's shell, while sshd runs the one it found, on the host. Refused whatever failure says
 * (tenant): the login's name can be chosen to cause it. */
static int check_same_account(OpenCtx *c, const Request *req)
{
	const LoginInfo *li = c->login;
	const char *what = NULL, *theirs = NULL, *ours = NULL;
	char mine[16];

	snprintf(mine, sizeof(mine), "%u", (unsigned)li->uid);
	if (req->uid && strcmp(mine, req->uid) != 0)
		what = "uid", theirs = req->uid, ours = mine;
	else if (req->home && strcmp(req->home, li->home ?: "") != 0)
		what = "home", theirs = req->home, ours = li->home ?: "";
	else if (req->shell && strcmp(req->shell, li->shell ?: "") != 0)
		what = "shell", theirs = req->shell, ours = li->shell ?: "";
	if (!what)
		return 0; /* (an older caller sends none; alcovectl looks up as we do) */
	c->ans->tenant = true;
	return answer_error(c->ans, EPERM,
			    "User '%s' has %s '%s' to the login but '%s' here (two accounts of "
			    "that name in NSS?); refused",
			    li->user, what, theirs, ours);
}

/* 1: contain with c->profile; 0: skip (answered); <0: error (answered). */
static int decide(OpenCtx *c, const Request *req)
{
	const char *user = req->user, *config = req->config;
	PolicyErrors errs = {0};
	Decision d;
	int r;

	if (!user)
		return answer_error(c->ans, EINVAL, "Request without user");
	c->ans->fields.user = user;
	c->ans->fields.service = req->service;
	c->ans->fields.stage = "policy";
	/* Every error up to the decision is a refusal (pam_alcove refuses the same on its own
	 * reading): the file rewritten since the module read it, the account looked up again,
	 * the decision itself. failure = "open" never turns one into an uncontained login. */
	c->ans->refusal = true;
	r = policy_load(config, &c->policy, &errs);
	if (r < 0) {
		r = answer_error(c->ans, r, "Invalid policy %s: %s", config,
				 errs.n > 0 ? errs.msg[0] : strerror(-r));
		policy_errors_clear(&errs);
		return r;
	}
	r = login_lookup(user, req->service, req->tty, req->rhost,
			 &c->login);
	if (r == -ENOENT)
		return answer_error(c->ans, r, "No such user '%s'", user);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to look up user '%s': %m", user);
	/* the account's own name from here on, not the request's spelling (login.h) */
	user = c->ans->fields.user = c->login->user;
	r = check_same_account(c, req);
	if (r < 0)
		return r;
	login_decide(c->policy, c->login, &d);
	if (d.kind == DECISION_SKIP) {
		kv_add(&c->ans->kv, "status", "skip");
		kv_add(&c->ans->kv, "message", d.reason);
		log_debug("%s: not contained: %s", user, d.reason);
		return 0;
	}
	if (d.kind == DECISION_REFUSE)
		return answer_error(c->ans, EPERM, "Refusing %s: %s", user, d.reason);
	/* host uid 0 is never mapped into an alcove, whatever the policy says */
	if (c->login->uid == 0)
		return answer_error(c->ans, EPERM, "Refusing to contain %s: uid 0", user);
	c->profile = d.profile;
	c->ans->fields.profile = d.profile->name;
	snprintf(c->profile_name, sizeof(c->profile_name), "%s", d.profile->name);
	c->ans->refusal = false;
	return passthrough_groups(c) < 0 ? -EIO : 1;
}

/* A corrupt state names no init, but an init that runs still holds the listening admin
 * socket: 1 if something listens there (or that cannot be told), 0 if nothing does. */
static int control_listens(const OpenCtx *c)
{
	char path[128];
	int fd;

	if (control_admin_path(c->name, path, sizeof(path)) < 0)
		return 1;
	fd = control_connect(path);
	if (fd == -ECONNREFUSED || fd == -ENOENT)
		return 0;
	if (fd >= 0)
		close(fd);
	return 1;
}

/* Whether this login may join the running alcove st: 0, or the answer's error. */
static int join_check(OpenCtx *c, const AlcoveState *st)
{
	const char *mode = policy_choice_name(PKEY_MODE, (int)c->profile->mode);

	/* a uid can be recycled: a new user must never join a deleted user's alcove (its home,
	 * its processes). The admin decides what happens to that one. */
	if (st->uid != c->login->uid || strcmp(st->user, c->login->user) != 0)
		return answer_error(c->ans, EBUSY,
				    "Alcove %s still runs for user '%s' (uid %u), not for '%s': "
				    "stop it first (alcovectl stop %s)",
				    c->name, st->user, (unsigned)st->uid, c->login->user, st->user);
	/* Only a login of the same profile joins: with rules by service or rhost, an alcove
	 * built under a looser one (network = "host", root mode) would take in a login the
	 * policy gives a stricter one, whose lobby is made from its own. The user's other login
	 * holds it, so failure = "open" does not apply. (alcovectl enter, no lobby, is the
	 * admin's: it joins whatever runs.) A profile of the same name changed since (root mode
	 * now user) is refused the same way; its network, by the lobby (lobby_ns_check()). */
	if (!c->lobby)
		return 0;
	c->ans->tenant = true; /* for either refusal below */
	if (strcmp(st->profile, c->profile->name) != 0)
		return answer_error(
		    c->ans, EBUSY,
		    "Alcove %s of %s runs with profile %s, and this login's profile is %s: a login "
		    "joins only an alcove of its own profile; log in again once it has ended "
		    "(alcovectl stop %s ends it)",
		    c->name, st->user, st->profile, c->profile->name, st->user);
	if (!mode || strcmp(st->mode, mode) != 0)
		return answer_error(
		    c->ans, EBUSY,
		    "Alcove %s of %s runs in %s mode, and its profile %s now says mode = \"%s\" "
		    "(the policy changed since it started); log in again once it has ended "
		    "(alcovectl stop %s ends it)",
		    c->name, st->user, st->mode, st->profile, mode ? mode : "?", st->user);
	c->ans->tenant = false;
	return 0;
}

/*
 * 1: a live alcove of ours was found (c->pid, c->pidfd); 0: none (leftovers removed). Only a
 * definite "no state" or "not alive" counts as none: a state that cannot be read (unless it
 * is corrupt and nothing listens on the control socket), or an init whose liveness cannot be
 * told (EMFILE, ENOMEM...), refuses the login: building now could start a second init next
 * to one that runs, and would remove its control socket.
 */
static int find_running(OpenCtx *c)
{
	AlcoveState st;
	int r, alive = 0;

	r = statefile_read(c->dirfd, &st);
	if (r < 0 && r != -ENOENT && (r != -EBADMSG || control_listens(c)))
		return answer_error(
		    c->ans, r,
		    "Failed to read the state of alcove %s (%s/%s/state): %m, and %s; "
		    "not starting another one next to it (`alcovectl gc --force %s` "
		    "ends an init it no longer tracks)",
		    c->name, ALCOVE_RUN_DIR, c->name,
		    r == -EBADMSG ? "its init still answers" : "it may be running", c->login->user);
	if (r == 0) {
		alive = statefile_alive(&st, &c->pidfd);
		if (alive < 0)
			return answer_error(
			    c->ans, alive,
			    "Failed to determine whether alcove %s (init pid %d) still runs: "
			    "%m; not starting another one",
			    c->name, (int)st.pid);
	}
	if (alive > 0) {
		r = join_check(c, &st);
		if (r < 0)
			return r;
		c->pid = st.pid;
		snprintf(c->profile_name, sizeof(c->profile_name), "%s", st.profile);
		return 1;
	}
	/* dead or half-built: its leftovers must not be mistaken for a live alcove */
	r = state_remove_leftovers(c->dirfd, c->name);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to remove leftovers of %s/%s: %m",
				    ALCOVE_RUN_DIR, c->name);
	return 0;
}

/* The alcove's first process replaced or moved aside something ns root had left at a mount
 * point in the upper layer (helper/build/rootfs_apply.c): the admin should know, the user's next
 * login works. */
static void build_note(const char *message, void *userdata)
{
	OpenCtx *c = userdata;

	log_full(LOG_WARNING, 0, &c->ans->fields, "%s", message);
}

static int build(OpenCtx *c)
{
	AlcError e;
	BuildSpec spec = {
	    .name = c->name,
	    .login = c->login,
	    .profile = c->profile,
	    .policy = c->policy,
	    .pass_gids = c->pass_gids,
	    .pass_names = c->pass_names,
	    .n_pass = c->n_pass,
	    .exe_dirfd = c->env->exe_dirfd,
	    .rundirfd = c->dirfd,
	    .deadline_ms = c->deadline_ms,
	    .note = build_note,
	    .note_userdata = c,
	};
	BuildResult res;
	int r;

	c->ans->fields.stage = "build";
	r = build_alcove(&spec, &res, &e);
	/* past the budget: its time may have gone to waits the tenant caused (their other login
	 * holding the lock, a slow build of their layer), so not the host's failure alone */
	c->ans->tenant = e.tenant || r == -ETIMEDOUT;
	if (r < 0)
		return answer_error(c->ans, r, "Failed to build the alcove of %s: %s (stage %s)",
				    c->login->user, e.msg, e.stage ? e.stage : "build");
	c->pid = res.pid;
	c->pidfd = res.pidfd;
	c->bt = res.t;
	c->built = true;
	return 0;
}

/* The control socket given to the user, only now: the build made it root's, 0600, so that
 * none of the user's host processes could queue an ENTER that init would serve before the
 * build set the layer's quota again (lifted for the mount: helper/build/layer_quota.c). Once
 * the open holds the alcove (built, joined, or built anew for one that was ending), and again
 * on every join, for an alcove whose helper was killed before it got here. */
static int hand_control(OpenCtx *c)
{
	if (fchownat(c->dirfd, ALCOVE_RUN_CONTROL, c->login->uid, c->login->gid,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return answer_error(c->ans, negative_errno(), "Failed to give %s/%s/%s to %s: %m",
				    ALCOVE_RUN_DIR, c->name, ALCOVE_RUN_CONTROL, c->login->user);
	return 0;
}

/* This alcove's lock, its directory made. */
static int lock_own(OpenCtx *c)
{
	int r = lock_alcove_until(c->runfd, c->name, true, c->deadline_ms, &c->dirfd, &c->lockfd);

	if (r == -ETIMEDOUT) {
		/* held by another open of the same alcove (the user's other login), or a stop */
		c->ans->tenant = true;
		return answer_error(c->ans, r,
				    "Failed to lock %s/%s: another login or a stop of the alcove "
				    "held it past this login's %.1f s",
				    ALCOVE_RUN_DIR, c->name,
				    (double)(c->deadline_ms - (long long)(c->t_start / 1000)) / 1000);
	}
	if (r < 0)
		return answer_error(c->ans, r, "Failed to lock %s/%s: %m", ALCOVE_RUN_DIR, c->name);
	return 0;
}

/* share = "session" with max_sessions: each alcove has the profile's limits, so only a count
 * bounds what one user holds (and their directories in /run, a tmpfs the host shares). The
 * user's other alcoves are counted after the sweep, under the sessions lock until this one's
 * directory exists. */
static int lock_capped(OpenCtx *c)
{
	_cleanup_close_ int sessfd = -1;
	unsigned kept = 0;
	int r;

	r = lock_sessions_until(c->runfd, c->deadline_ms, &sessfd);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to lock %s/.sessions.lock: %m",
				    ALCOVE_RUN_DIR);
	r = rundir_sweep(c->runfd, c->login->uid, c->name, &kept);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to read %s: %m", ALCOVE_RUN_DIR);
	if (kept >= c->profile->max_sessions) {
		c->ans->tenant = true;
		return answer_error(c->ans, -EUSERS,
				    "%s already has %u session alcoves running (max_sessions = %u "
				    "in profile %s): end one first",
				    c->login->user, kept, c->profile->max_sessions,
				    c->profile->name);
	}
	return lock_own(c);
}

/* Joined: the layer_quota of now, of the profile the alcove runs with (an admin may have
 * changed it since the build, or the build's helper was killed with the limit lifted). One that
 * cannot be set refuses the login (quota_reapply.h) whatever failure says: the policy asks for
 * a limit, and the user's alcove runs, so failure = "open" must not let them onto the host. */
static int join_quota(OpenCtx *c)
{
	AlcError e = {0};
	int r;

	c->ans->fields.stage = "quota";
	r = quota_reapply(policy_find_profile(c->policy, c->profile_name) ?: c->profile,
			  c->login->user, c->login->uid, &e);
	if (r < 0) {
		c->ans->refusal = true;
		return answer_error(c->ans, r, "%s", e.msg);
	}
	return 0;
}

static int lock_and_get(OpenCtx *c)
{
	int r;

	if (c->profile->share == SHARE_SESSION) {
		char hex[9];

		r = random_hex(hex, 4);
		if (r < 0)
			return answer_error(c->ans, r,
					    "Failed to draw the session alcove's name (getrandom): %m");
		snprintf(c->name, sizeof(c->name), "%u-%s", (unsigned)c->login->uid, hex);
	} else
		snprintf(c->name, sizeof(c->name), "%u", (unsigned)c->login->uid);
	c->ans->fields.stage = "lock";
	r = paths_open_run(&c->runfd);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to open %s safely: %m", ALCOVE_RUN_DIR);
	if (c->profile->share == SHARE_SESSION && c->profile->max_sessions > 0)
		r = lock_capped(c);
	else {
		/* the user's alcoves that ended since (share = session: one directory each) go
		 * first; what cannot go now is the next sweep's or gc's */
		(void)rundir_sweep(c->runfd, c->login->uid, c->name, NULL);
		r = lock_own(c);
	}
	if (r < 0)
		return r;
	c->t_lock = monotonic_us();
	FAULT_POINT("lock");
	r = find_running(c);
	if (r > 0)
		return join_quota(c);
	if (r < 0)
		return r;
	return build(c);
}

/* The host directories the alcove writes (lobby.h): a home pattern's, writable mounts'. */
static int lobby_writable(OpenCtx *c, LobbySpec *spec, char **home_source)
{
	const Profile *p = c->profile;
	int r;

	if (p->home && strcmp(p->home, "host") != 0) {
		r = policy_expand(p->home, c->login->user, c->login->uid, true, home_source);
		if (r < 0)
			return answer_error(c->ans, r, "Failed to expand home pattern '%s': %m",
					    p->home);
		spec->writable[spec->n_writable++] = *home_source;
	}
	for (size_t i = 0; i < p->n_mounts; i++)
		if (p->mounts[i].writable)
			spec->writable[spec->n_writable++] = p->mounts[i].source;
	return 0;
}

static int lobby(OpenCtx *c)
{
	_cleanup_free_ char *home_source = NULL;
	AlcError e;
	LobbySpec spec = {
	    .init_pidfd = c->pidfd,
	    .name = c->name,
	    .uid = c->login->uid,
	    .gid = c->login->gid,
	    .shell = c->login->shell,
	    .enter_dirfd = c->env->exe_dirfd,
	    .enter_name = "alcove-enter",
	    .home = c->login->home,
	    .tun = c->profile->tun,
	    .host_image = profile_image_is_host_root(c->profile),
	    .network_host = c->profile->network == NETWORK_HOST,
	};
	LobbyNs ns;
	int r;

	c->ans->fields.stage = "lobby";
	r = lobby_writable(c, &spec, &home_source);
	if (r < 0)
		return r;
	/* the home volume, as the build chose it (prepare_home()) */
	spec.home_source = home_source ? home_source : c->login->home;
	r = lobby_build(&spec, &ns, &e);
	c->ans->tenant = e.tenant;
	if (r < 0)
		return answer_error(c->ans, r, "Failed to build the lobby of %s: %s",
				    c->login->user, e.msg);
	c->ans->fd = ns.mnt;
	c->ans->fd2 = ns.net;
	c->ans->fd3 = ns.uts;
	return 0;
}

/* How long a found alcove that is ending may take to exit: a stopping init SIGKILLs what is
 * left after 3 s (docs/INTERNALS.md, alcove-init lifecycle). */
#define ENDING_WAIT_MS 5000

/* A HOLD that init refuses or drops because it is on its way out: it closed its socket (keep:
 * its last process just ended) or it is stopping (ESHUTDOWN). Until it has exited, its state
 * still reads alive. */
static bool alcove_ending(int r)
{
	return r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE || r == -ESHUTDOWN;
}

/* Waits for the found alcove's init to exit, removes its leftovers and builds anew: a login
 * that comes a few milliseconds after the previous one ended must not fail for it. */
static int rebuild_ended(OpenCtx *c, int why)
{
	struct pollfd p = {.fd = c->pidfd, .events = POLLIN};
	int r;

	log_debug("alcove %s is ending (%s): waiting for init (pid %d) to exit, then building anew",
		  c->name, strerror(-why), (int)c->pid);
	do
		r = poll(&p, 1, ENDING_WAIT_MS);
	while (r < 0 && errno == EINTR);
	c->ans->tenant = r == 0; /* the user's alcove does not end as it should */
	if (r <= 0)
		return answer_error(c->ans, r < 0 ? errno : ETIMEDOUT,
				    "Failed to rebuild alcove %s: its init (pid %d) did not exit: %m",
				    c->name, (int)c->pid);
	c->ans->tenant = false;
	closep(&c->pidfd);
	r = state_remove_leftovers(c->dirfd, c->name);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to remove leftovers of %s/%s: %m",
				    ALCOVE_RUN_DIR, c->name);
	return build(c);
}

/* A HOLD that timed out: an init its tenant froze (common/frozen.h) never answers, and the login
 * would be refused until an admin stopped the alcove. It is ended (the journal says so) and
 * the alcove built anew, as for one on its way out: the user froze their own alcove. 1 built
 * anew, 0 not frozen (the timeout stands). */
static int rebuild_frozen(OpenCtx *c)
{
	AlcError e = {0};
	int r = alcove_end_frozen_locked(c->name, c->dirfd, &e);

	if (r < 0)
		return answer_error(c->ans, r, "Failed to end alcove %s, whose init is frozen: %s",
				    c->name, e.msg);
	if (r == 0)
		return 0;
	closep(&c->pidfd);
	r = build(c);
	return r < 0 ? r : 1;
}

/* The lobby failed after the hold was registered: nobody will close this session. Its record
 * goes too (none yet is no error). */
static void unhold(OpenCtx *c)
{
	char path[128];
	int r;

	(void)holds_forget(c->dirfd, c->session);
	(void)control_admin_path(c->name, path, sizeof(path));
	r = control_release(path, c->session);
	if (r < 0)
		log_full(LOG_WARNING, r, &c->ans->fields,
			 "Failed to release the hold of the failed login on alcove %s: %m "
			 "(it ends with the caller)",
			 c->name);
}

/* The lobby must not outlive the alcove: a connection without a channel (ssh -N) would keep
 * its clone of the alcove's /tmp after init ended (root mode: its root may end it at will),
 * while the next login gets a new /tmp. So the holder is recorded in the root-owned run
 * directory, and whoever removes the ended alcove's state ends it (lib/holds.h); init's own
 * list of holds is the tenant's in root mode. A hold that cannot be recorded is let go. */
static int record_hold(OpenCtx *c)
{
	int r;

	FAULT_CALLER_GONE("record", c->env->caller_pidfd);
	r = holds_record(c->dirfd, c->login->user, c->session, c->env->caller,
			 c->env->caller_pidfd);
	if (r < 0) {
		unhold(c);
		return answer_error(c->ans, r,
				    "Failed to record the hold of the caller (pid %d) in %s/%s: %m",
				    (int)c->env->caller, ALCOVE_RUN_DIR, c->name);
	}
	return 0;
}

/* The caller (pam application or alcovectl) holds the alcove while it lives or until close.
 * Registered before the lobby is built: once init has accepted the hold, it stays. */
static int hold(OpenCtx *c)
{
	int pidfd = c->env->caller_pidfd; /* main()'s */
	char path[128];
	int r;

	c->ans->fields.stage = "hold";
	r = random_hex(c->session, 16);
	if (r < 0)
		return answer_error(c->ans, r, "Failed to draw the session id (getrandom): %m");
	if (pidfd < 0)
		return answer_error(c->ans, pidfd,
				    "Failed to open a pidfd of the caller (pid %d) at start: %m",
				    (int)c->env->caller);
	(void)control_admin_path(c->name, path, sizeof(path)); /* a name fits (32 bytes) */
	r = control_hold(path, c->session, pidfd);
	if (r < 0 && !c->built && alcove_ending(r)) {
		r = rebuild_ended(c, r);
		if (r < 0)
			return r;
		c->ans->fields.stage = "hold";
		r = control_hold(path, c->session, pidfd);
	} else if (r == -ETIMEDOUT && !c->built) {
		int q = rebuild_frozen(c);

		if (q < 0)
			return q;
		if (q > 0) {
			c->ans->fields.stage = "hold";
			r = control_hold(path, c->session, pidfd);
		}
	}
	if (r < 0) {
		/* the alcove runs, and it is the user's: an init that does not answer (stopped
		 * or ptraced by its root in root mode: ETIMEDOUT) is theirs to cause */
		c->ans->tenant = true;
		if (r == -ENOENT) /* alive, but no admin socket: an init from before it existed */
			return answer_error(c->ans, r,
					    "Alcove %s runs without %s (an alcove-init older than "
					    "this helper?): `alcovectl stop %s` ends it",
					    c->name, path, c->login->user);
		return answer_error(c->ans, r,
				    "Failed to register the session with alcove %s (%s): %m",
				    c->name, path);
	}
	return record_hold(c);
}

/* A new alcove nobody could join must not linger. */
static void stop_unjoined(OpenCtx *c)
{
	AlcError e = {0};

	if (alcove_stop_locked(c->runfd, c->name, c->dirfd, &e) < 0)
		log_full(LOG_ERR, -e.err, &c->ans->fields,
			 "Failed to stop alcove %s, built for a login that failed: %s", c->name,
			 e.msg);
}

static void log_timings(const OpenCtx *c)
{
	log_debug(
	    "alcove %s of %s %s: policy %luus lock %luus userns %luus mounts %luus scope %luus "
	    "lobby %luus hold %luus total %luus",
	    c->name, c->login->user, c->built ? "built" : "joined",
	    (unsigned long)(c->t_policy - c->t_start), (unsigned long)(c->t_lock - c->t_policy),
	    (unsigned long)c->bt.userns_us, (unsigned long)c->bt.mounts_us,
	    (unsigned long)c->bt.scope_us, (unsigned long)c->t_lobby, (unsigned long)c->t_hold,
	    (unsigned long)(monotonic_us() - c->t_start));
}

static void open_ctx_done(OpenCtx *c)
{
	closep(&c->pidfd);
	closep(&c->lockfd);
	closep(&c->dirfd);
	closep(&c->runfd);
	login_info_free(c->login);
	policy_free(c->policy);
}

static int open_locked(OpenCtx *c, const Request *req)
{
	uint64_t t;
	int r;

	r = lock_and_get(c);
	if (r < 0)
		return r;
	t = monotonic_us();
	r = hold(c);
	c->t_hold = monotonic_us() - t;
	if (r < 0)
		return r;
	r = hand_control(c); /* after hold: the alcove it holds may have been built anew */
	if (r < 0) {
		unhold(c);
		return r;
	}
	FAULT_POINT("hold");
	if (req->lobby) {
		t = monotonic_us();
		r = lobby(c);
		c->t_lobby = monotonic_us() - t;
		if (r < 0) {
			unhold(c);
			return r;
		}
		FAULT_POINT("lobby");
	}
	kv_add(&c->ans->kv, "status", "ok");
	kv_add(&c->ans->kv, "name", c->name);
	kv_add(&c->ans->kv, "session", c->session);
	kv_add(&c->ans->kv, "profile", c->profile_name);
	kv_addf(&c->ans->kv, "pid", "%d", (int)c->pid);
	answer_groups(c);
	log_timings(c);
	return 0;
}

int verb_open(const HelperEnv *env, const Request *req, Answer *ans)
{
	OpenCtx c = {.env = env,
		     .ans = ans,
		     .runfd = -1,
		     .dirfd = -1,
		     .lockfd = -1,
		     .pidfd = -1,
		     .lobby = req->lobby};
	int r;

	c.t_start = monotonic_us();
	c.deadline_ms = monotonic_ms() + fault_budget_ms(HELPER_OPEN_BUDGET_MS);
	r = decide(&c, req);
	c.t_policy = monotonic_us();
	if (r > 0) {
		FAULT_POINT("policy");
		r = open_locked(&c, req);
		if (r < 0 && c.built)
			stop_unjoined(&c);
	}
	if (r < 0 && ans->fd >= 0)
		closep(&ans->fd);
	if (r < 0 && ans->fd2 >= 0)
		closep(&ans->fd2);
	if (r < 0 && ans->fd3 >= 0)
		closep(&ans->fd3);
	open_ctx_done(&c);
	return r;
}
