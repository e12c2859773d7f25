/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opening a session: policy decision; for a selected login, alcove-helper `open` builds or
 * joins the alcove and hands back this login's lobby, which the application joins
 * (setns(CLONE_NEWNS)). Closing: alcove-helper `close`. One log line per decision, written
 * here, by the code that decides; everything below returns -errno and a message.
 */
#include "session.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "account_race.h"
#include "fdwait.h"
#include "helper_client.h"
#include "keys_check.h"
#include "kv.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "opened.h"
#include "policy.h"
#include "sshd_config.h"

static void opened_free(pam_handle_t *pamh, void *data, int error_status)
{
	Opened *s = data;

	if (!s)
		return;
	free(s->name);
	free(s->session);
	free(s->user);
	free(s);
}

/* One login being opened: what the log line needs, filled as the steps go. */
typedef struct Ctx {
	pam_handle_t *pamh;
	const PamOptions *o;
	const char *user, *service, *tty, *rhost; /* user: PAM_USER, then its pw_name */
	const char *typed;			  /* PAM_USER as given: sshd's Match User */
	char pw_name[POLICY_LOGIN_NAME_MAX + 1];
	uid_t uid; /* pw_name's: the helper must find the same account (request_open) */
	const char *home, *shell; /* the same lookup's (the LoginInfo of session_open) */
	LogFields f;
	bool joined;   /* the application is in the lobby: it cannot go on uncontained */
	char msg[512]; /* why the failing step failed, naming its object */
	bool tenant;   /* ... in what the user controls: failure = "open" does not apply */
	bool silent;   /* ... or the helper gave no answer (killed, or gone without a word) */
	bool refusal;  /* not a failure but a refusal (the helper's decision, an application
			  that cannot be contained): failure = "open" never applies */
} Ctx;

static const char *item(pam_handle_t *pamh, int type)
{
	const void *v = NULL;

	return pam_get_item(pamh, type, &v) == PAM_SUCCESS ? v : NULL;
}

static void ctx_init(Ctx *c, pam_handle_t *pamh, const PamOptions *o)
{
	*c = (Ctx){.pamh = pamh, .o = o};
	c->user = c->typed = item(pamh, PAM_USER);
	c->service = item(pamh, PAM_SERVICE);
	c->tty = item(pamh, PAM_TTY);
	c->rhost = item(pamh, PAM_RHOST);
	c->f.user = c->user;
	c->f.service = c->service;
}

static int fail(Ctx *c, int r, const char *stage, const char *fmt, ...) _printf_(4, 5);
static int fail(Ctx *c, int r, const char *stage, const char *fmt, ...)
{
	va_list ap;

	c->f.stage = stage;
	errno = r < 0 ? -r : r; /* for %m */
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
	return r;
}

/* setns(CLONE_NEWNS) is refused (EINVAL) for a process whose fs_struct is shared by threads;
 * ask first rather than build an alcove for nothing. */
static int count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (!d)
		return negative_errno();
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int request_open(Ctx *c, HelperReply *reply)
{
	KvBuilder b;
	int r;

	kv_builder_init(&b);
	kv_add(&b, "user", c->user);
	kv_addf(&b, "uid", "%u", (unsigned)c->uid);
	kv_add(&b, "home", c->home); /* as sshd found them: the helper's lookup must agree */
	kv_add(&b, "shell", c->shell);
	kv_add(&b, "service", c->service);
	kv_add(&b, "tty", c->tty);
	kv_add(&b, "rhost", c->rhost);
	kv_add(&b, "config", c->o->config);
	kv_add(&b, "lobby", "1");
	kv_add(&b, "debug", c->o->debug ? "1" : "0");
	/* A helper that has not answered by then is killed (through its pidfd). */
	r = helper_call(&(HelperCall){.path = c->o->helper,
				      .verb = "open",
				      .timeout_ms = HELPER_OPEN_TIMEOUT_MS},
			&b, reply);
	/* Out of pids: with cgroup = "none" the user's own processes may fill our cgroup. No
	 * answer (killed at the deadline, or gone without a word): nothing says the failure was
	 * the host's, and a tenant can make a build slow (a layer of millions of entries, their
	 * other login holding the alcove's lock), so failure = "open" does not apply either. */
	c->silent = r == -ETIMEDOUT || r == -ECONNRESET;
	c->tenant = r == -EAGAIN || c->silent;
	if (r < 0)
		return fail(c, r, "helper", "Failed to run %s open: %m", c->o->helper);
	return 0;
}

/* 0 for ok, 1 for skip, -errno for an error answer (its message taken over). */
static int reply_status(Ctx *c, const HelperReply *reply, const char *verb)
{
	const char *message = kv_get(&reply->kv, "message");
	const char *tenant = kv_get(&reply->kv, "tenant");
	const char *refusal = kv_get(&reply->kv, "refusal");
	int r = helper_reply_status(reply);

	if (r >= 0)
		return r;
	c->tenant = tenant && strcmp(tenant, "1") == 0;
	c->refusal = refusal && strcmp(refusal, "1") == 0;
	return fail(c, r, "helper", "alcove-helper %s: %s", verb,
		    message ? message : "answered without a valid status or message");
}

/* name and session become a path component and an environment value: [A-Za-z0-9_.-]. */
static bool token_is_safe(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int stash(Ctx *c, const char *name, const char *session, const char *groups)
{
	char env[256];
	Opened *s = calloc(1, sizeof(*s));

	if (!s || !(s->name = strdup(name)) || !(s->session = strdup(session)) ||
	    !(s->user = strdup(c->user))) {
		opened_free(c->pamh, s, 0);
		return fail(c, -ENOMEM, "env", "Out of memory");
	}
	s->opener = getpid();
	if (opened_parse_groups(s, groups) < 0) {
		opened_free(c->pamh, s, 0);
		return fail(c, -EPROTO, "helper", "alcove-helper open: no valid groups");
	}
	if (pam_set_data(c->pamh, DATA_KEY, s, opened_free) != PAM_SUCCESS) {
		opened_free(c->pamh, s, 0);
		return fail(c, -ENOMEM, "env", "Failed to store the session data (pam_set_data)");
	}
	snprintf(env, sizeof(env), "ALCOVE_SESSION=%s", session);
	if (pam_putenv(c->pamh, env) != PAM_SUCCESS)
		return fail(c, -ENOMEM, "env", "Failed to set ALCOVE_SESSION (pam_putenv)");
	snprintf(env, sizeof(env), "ALCOVE_NAME=%s", name);
	if (pam_putenv(c->pamh, env) != PAM_SUCCESS)
		return fail(c, -ENOMEM, "env", "Failed to set ALCOVE_NAME (pam_putenv)");
	return 0;
}

static void unstash(Ctx *c)
{
	(void)pam_putenv(c->pamh, "ALCOVE_SESSION");
	(void)pam_putenv(c->pamh, "ALCOVE_NAME");
	(void)pam_set_data(c->pamh, DATA_KEY, NULL, NULL);
}

static int helper_close(const PamOptions *o, const char *user, const Opened *s, AlcError *e);

/* The alcove's own network and UTS ns (fd2, fd3 of open's answer, each there only when the
 * alcove does not share the application's): the one of nstype, or -1. */
static int reply_ns(const HelperReply *reply, int nstype)
{
	if (reply->fd2 >= 0 && ioctl(reply->fd2, NS_GET_NSTYPE) == nstype)
		return reply->fd2;
	if (reply->fd3 >= 0 && ioctl(reply->fd3, NS_GET_NSTYPE) == nstype)
		return reply->fd3;
	return -1;
}

/* The helper answered ok: check the answer, export the session, join the lobby. The join is
 * the last step, so a failure before it leaves the application where it was. */
static int enter_lobby(Ctx *c, HelperReply *reply)
{
	const char *name = kv_get(&reply->kv, "name");
	const char *session = kv_get(&reply->kv, "session");
	const char *groups = kv_get(&reply->kv, "groups");
	int net = reply_ns(reply, CLONE_NEWNET), uts = reply_ns(reply, CLONE_NEWUTS), r;

	if (!token_is_safe(name) || !token_is_safe(session))
		return fail(c, -EPROTO, "helper", "alcove-helper open: no valid name/session");
	if (reply->fd < 0 || ioctl(reply->fd, NS_GET_NSTYPE) != CLONE_NEWNS)
		return fail(c, -EPROTO, "helper", "alcove-helper open: no lobby mount ns fd");
	if ((reply->fd2 >= 0) + (reply->fd3 >= 0) != (net >= 0) + (uts >= 0))
		return fail(c, -EPROTO, "helper",
			    "alcove-helper open: an fd that is no net or UTS ns");
	r = stash(c, name, session, groups);
	if (r < 0) {
		unstash(c);
		return r;
	}
	if (setns(reply->fd, CLONE_NEWNS) < 0) {
		r = fail(c, negative_errno(), "setns", "Failed to join the lobby of alcove %s: %m",
			 name);
		unstash(c);
		return r;
	}
	/* The alcove's own network ns (network = "none"): sshd forks the child that serves
	 * every channel (-L/-R/-D forwards, the X11 listener) from this process after the
	 * session opened, so those connect and listen there. The client's TCP socket keeps the
	 * host ns it was made in; what this process still opens afterwards (D-Bus, the journal,
	 * /dev/log, the helper's socketpair) are path or unnamed sockets, which no net ns
	 * scopes. The UTS ns for its hostname: sshd's xauth keys the X11 cookie by it, and the
	 * clients inside look it up by theirs. Joined after the lobby: from here on a failure
	 * cannot leave the application on the host (c->joined), the login is refused whatever
	 * `failure` says. */
	c->joined = true;
	if ((net >= 0 && setns(net, CLONE_NEWNET) < 0) ||
	    (uts >= 0 && setns(uts, CLONE_NEWUTS) < 0)) {
		r = fail(c, negative_errno(), "setns",
			 "Failed to join the network and UTS namespaces of alcove %s: %m", name);
		unstash(c);
		return r;
	}
	return 0;
}

/* The helper was told to open but we cannot use it: release the hold at once (it would
 * otherwise last as long as this process). Best effort; the open's error is what counts. */
static void release(Ctx *c, const HelperReply *reply)
{
	Opened s = {.name = (char *)kv_get(&reply->kv, "name"),
		    .session = (char *)kv_get(&reply->kv, "session")};

	if (s.name && s.session)
		(void)helper_close(c->o, c->user, &s, NULL);
}

/* 0 contained, 1 the helper says skip, -errno. */
static int contain(Ctx *c)
{
	_cleanup_(helper_reply_done) HelperReply reply = {.fd = -1, .fd2 = -1, .fd3 = -1};
	int r;

	r = count_threads();
	if (r < 0)
		return fail(c, r, "threads", "Failed to count this process's threads: %m");
	c->refusal = r > 1; /* for good: this application's logins can never be contained */
	if (r > 1)
		return fail(c, -EINVAL, "threads",
			    "The PAM application is multithreaded (%d threads); it cannot join a "
			    "lobby (setns(CLONE_NEWNS) needs a single thread)",
			    r);
	r = request_open(c, &reply);
	if (r < 0)
		return r;
	r = reply_status(c, &reply, "open");
	if (r != 0)
		return r;
	r = enter_lobby(c, &reply);
	if (r < 0)
		release(c, &reply);
	return r;
}

static void log_policy_errors(Ctx *c, int prio, int r, const PolicyErrors *errs,
			      const char *consequence)
{
	c->f.stage = "policy";
	if (errs->n > 0)
		log_full(prio, r, &c->f, "Invalid policy: %s%s; %s", errs->msg[0],
			 errs->n > 1 ? " (and more errors)" : "", consequence);
	else
		log_full(prio, r, &c->f, "Failed to load policy %s: %m; %s", c->o->config,
			 consequence);
}

/* Policy + identity -> decision. Fills *ret_failure for a contained login. */
static Outcome decide(Ctx *c, Decision *d, Policy **ret_policy, LoginInfo **ret_li)
{
	LoginInfo *li = NULL;
	PolicyErrors errs = {0};
	Policy *p = NULL;
	int r;

	r = login_lookup(c->user, c->service, c->tty, c->rhost, &li);
	*ret_li = li; /* the caller's to free */
	if (r < 0) {
		c->f.stage = "user";
		log_full(LOG_ERR, r, &c->f, "Refusing session: failed to look up user '%s': %m",
			 c->user);
		return OUTCOME_FAILED;
	}
	/* From here on the user is the account's own name (case-insensitive NSS: "Alice" is
	 * alice): the rules match it, the helper gets it. */
	snprintf(c->pw_name, sizeof(c->pw_name), "%s", li->user);
	c->user = c->f.user = c->pw_name;
	c->uid = li->uid;
	c->home = li->home;
	c->shell = li->shell;
	r = policy_load(c->o->config, &p, &errs);
	if (r < 0) {
		/* Fail closed, except for root: a broken file must not lock the admin out, and
		 * root is only ever contained by an explicit rule, which we cannot read. */
		bool root = li->uid == 0;
		log_policy_errors(c, LOG_ERR, r, &errs,
				  root ? "root is not contained" : "refusing the session");
		policy_errors_clear(&errs);
		return root ? OUTCOME_SKIPPED : OUTCOME_FAILED;
	}
	login_decide(p, li, d);
	*ret_policy = p;
	return d->kind == DECISION_CONTAIN ? OUTCOME_CONTAINED
	       : d->kind == DECISION_SKIP  ? OUTCOME_SKIPPED
					   : OUTCOME_REFUSED;
}

/* The outcome of a failed contain(): refused, or (failure = "open", and only for a failure
 * on the host's side before any alcove was joined) let through uncontained. One line each. */
static Outcome contain_failed(Ctx *c, int r, FailurePolicy failure)
{
	if (c->refusal) {
		log_full(LOG_ERR, r, &c->f, "Refusing session: %s%s", c->msg,
			 failure == FAILURE_OPEN ? " (a refusal: failure = \"open\" does not apply)"
						 : "");
		return OUTCOME_FAILED;
	}
	if (failure == FAILURE_OPEN && (c->tenant || alc_errno_tenant_can_cause(r))) {
		log_full(LOG_ERR, r, &c->f,
			 "Refusing session: %s; failure = \"open\" does not apply, %s", c->msg,
			 c->silent
			     ? "the helper gave no answer, which the user may have caused"
			     : "the user can cause this failure (their layer, home or alcove, "
			       "or a limit the users share)");
		return OUTCOME_FAILED;
	}
	if (failure == FAILURE_OPEN && !c->joined) {
		log_full(LOG_ERR, r, &c->f,
			 "UNCONTAINED login (failure = \"open\"): %s; the session continues on "
			 "the host",
			 c->msg);
		return OUTCOME_FAILED_OPEN;
	}
	log_full(LOG_ERR, r, &c->f, "Refusing session: %s", c->msg);
	return OUTCOME_FAILED;
}

/* The refusal of a login whose key files force internal-sftp, changed while sshd read them,
 * or cannot be checked: the tenant's doing, so failure = "open" does not apply. One line for the
 * journal (why), one for the user (tell). */
static int keys_refuse(Ctx *c, const AuthkeysFinding *f)
{
	char why[1024], remedy[256], tell[1024];

	authkeys_describe(f, why, sizeof(why), remedy, sizeof(remedy));
	if (f->verdict == AUTHKEYS_SFTP)
		snprintf(tell, sizeof(tell),
			 "a key line in %s forces internal-sftp, which sshd serves outside your "
			 "alcove; use command=\"%s\" instead",
			 f->path, SSHD_SFTP_SERVER);
	else if (f->verdict == AUTHKEYS_CA)
		snprintf(tell, sizeof(tell),
			 "the cert-authority line in %s has no command=: a certificate it signs "
			 "may force internal-sftp, which sshd serves outside your alcove; give the "
			 "line a command= option",
			 f->path);
	else if (f->verdict == AUTHKEYS_CHANGED)
		snprintf(tell, sizeof(tell), "%s changed during this login; log in again", f->path);
	else if (f->verdict == AUTHKEYS_PROC)
		snprintf(tell, sizeof(tell),
			 "%s goes through /proc, where alcove cannot check it; make it a file "
			 "that does not",
			 f->path);
	else
		snprintf(tell, sizeof(tell), "%s is too large", f->path);
	log_full(LOG_ERR, f->verdict == AUTHKEYS_TOO_LARGE ? EFBIG : EPERM, &c->f,
		 "Refusing session: %s%s%s", why, remedy[0] ? "; " : "", remedy);
	(void)pam_error(c->pamh, "alcove: login refused: %s", tell);
	return -EPERM;
}

/*
 * A key's own command="internal-sftp" is served in-process too (OpenSSH session.c do_exec()),
 * and sshd never tells PAM a key's options: the files sshd may have read the key from are
 * read again, as the user, and must not have changed since this connection began
 * (common/authkeys.h). For every login through sshd, whatever let it in: sshd's own word on
 * that (SSH_AUTH_INFO_0) is in the PAM environment, which pam_env with user_readenv ahead of
 * this module would let the tenant rewrite.
 */
static int keys_sftp_check(Ctx *c, const SshdSftp *s, const LoginInfo *li)
{
	AuthkeysFinding f;
	AlcError e = {0};
	int r;

	c->f.stage = KEYS_STAGE;
	r = keys_check(s, li, &f, &e);
	if (r < 0) {
		log_full(LOG_ERR, r, &c->f,
			 "Refusing session: %s; cannot tell whether a key forces internal-sftp, "
			 "outside the alcove",
			 e.msg);
		return r;
	}
	return f.verdict == AUTHKEYS_OK ? 0 : keys_refuse(c, &f);
}

/*
 * The sshd this login comes through (a PAM service named sshd*, or sshd_config= given): does
 * it serve sftp in its own process? Its session child runs in the lobby, on the host's view,
 * so internal-sftp there would serve a contained user the host's /etc, /usr and /var instead
 * of the alcove's files; PAM runs once per connection, before any channel is asked for, so the
 * refusal is per login. It is the host's configuration, not a failure of the alcove:
 * failure = "open" does not let the login through (that would hand out the same view). One
 * in a Match block counts when the block selects this connection, as sshd decides it
 * (sshd_match_check()). 0, or -errno (logged).
 */
static int sshd_config_unreadable(Ctx *c, int r, const AlcError *e)
{
	log_full(LOG_ERR, r, &c->f,
		 "Refusing session: %s; cannot tell whether sshd serves sftp in-process, outside "
		 "the alcove",
		 e->msg);
	return r;
}

static int sshd_sftp_refuse(Ctx *c, const SshdSftpFinding *f)
{
	log_full(LOG_ERR, EPERM, &c->f, "Refusing session: %s (%s: %s%s%s%s); use %s",
		 sshd_finding_why(f), f->where, f->text,
		 f->in_match ? ", in a Match block that selects this login" : "",
		 f->unknown[0] ? ", assumed for what PAM cannot know: " : "", f->unknown,
		 sshd_sftp_advice(f));
	(void)pam_error(c->pamh, "%s",
			f->chroot
			    ? "alcove: login refused: this sshd chroots your login "
			      "(ChrootDirectory), outside your alcove"
			    : "alcove: login refused: this sshd serves sftp in its own process "
			      "(internal-sftp), outside your alcove; its administrator can use "
			      "sftp-server instead");
	return -EPERM;
}

/* internal-sftp (or, for a login without tun, PermitTunnel) in a Match block: only when the
 * file has one is it read again, with this connection's user, groups and PAM_RHOST (sshd's
 * canonical host name, or the address with UseDNS no), to find which blocks select it. User is
 * matched with the name typed (PAM_USER, what sshd matches) and the account's: a block either
 * selects counts. What PAM cannot know (LocalPort, ...) is assumed to select it: a block that
 * may serve this login the host's files refuses it. all's tunnel becomes the one sshd applies
 * to this login. */
static int sshd_match_check(Ctx *c, const char *path, SshdSftp *all, const LoginInfo *li,
			    bool tun)
{
	SshdConn conn = {.user = li->user,
			 .typed_user = c->typed,
			 .host = c->rhost,
			 .groups = (const char *const *)li->group_names,
			 .n_groups = li->n_group_names};
	_cleanup_free_ SshdSftp *s = malloc(sizeof(*s));
	AlcError e = {0};
	int r;

	if (all->n_match == 0 && (tun || all->n_match_tunnel == 0))
		return 0;
	if (!s)
		return sshd_config_unreadable(c, -ENOMEM, &(AlcError){.msg = "out of memory"});
	r = sshd_config_sftp_conn(path, &conn, s, &e);
	if (r < 0)
		return sshd_config_unreadable(c, r, &e);
	if (s->n_match > 0)
		return sshd_sftp_refuse(c, &s->match);
	all->tunnel = s->tunnel;
	memcpy(all->tunnel_where, s->tunnel_where, sizeof(all->tunnel_where));
	memcpy(all->tunnel_value, s->tunnel_value, sizeof(all->tunnel_value));
	return 0;
}

/* sshd, by its PAM service's name (sshd, or a link named sshd-...) or by its executable: with
 * PAMServiceName (OpenSSH 9.8), or a link of another name, the service names anything. */
static bool app_is_sshd(const Ctx *c)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (c->service && strncmp(c->service, "sshd", 4) == 0)
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	return sshd_exe_is_sshd(exe);
}

/* sshd lets this login ask for a tun device (ssh -w) but the policy does not (tun = false).
 * sshd's child opens /dev/net/tun as U in the lobby, in the alcove's network ns, and
 * TUNSETIFF attaches a persistent device U owns there (a new one needs CAP_NET_ADMIN over that
 * ns): a layer-3 link from the client into the alcove's network, the host's with network =
 * "host". The lobby hides /dev/net, as the alcove's /dev has no tun node, and the client only
 * sees "Tunnel forwarding failed" (sshd logs why at debug level). The journal says why. */
static void sshd_tunnel_note(Ctx *c, const SshdSftp *s)
{
	log_full(LOG_NOTICE, 0, &c->f,
		 "ssh -w (tunnels) is refused for this login: sshd permits them (%s: PermitTunnel "
		 "%s), but a tun device is a layer-3 link into the alcove's network (the host's "
		 "with network = \"host\"), not given by default: policy tun = false, so the lobby "
		 "hides /dev/net/tun as the alcove does",
		 s->tunnel_where, s->tunnel_value);
}

static int sshd_sftp_check(Ctx *c, const LoginInfo *li, bool tun)
{
	const char *path = c->o->sshd_config;
	AlcError e = {0};
	SshdSftp s;
	int r;

	if (!path && app_is_sshd(c))
		path = SSHD_CONFIG_DEFAULT;
	if (!path)
		return 0;
	c->f.stage = "sshd_config";
	r = sshd_config_sftp(path, &s, &e);
	if (r < 0)
		return sshd_config_unreadable(c, r, &e);
	if (s.n_global > 0)
		return sshd_sftp_refuse(c, &s.global);
	r = sshd_match_check(c, path, &s, li, tun);
	if (r < 0)
		return r;
	r = keys_sftp_check(c, &s, li);
	if (r >= 0 && !tun && s.tunnel)
		sshd_tunnel_note(c, &s);
	return r;
}

/*
 * The account changed during this login (account_race.h): the application holds an older copy
 * of it, whose shell the lobby would not cover and whose uid alcove-enter would not serve. A
 * refusal whatever `failure` says (letting it through is the bypass), and only for a login the
 * policy contains: an uncontained login runs on the host either way, and refusing it would
 * lock root and admins out whenever a login races an edit of /etc/passwd. 0, or -errno (logged).
 */
static int account_race_refuse(Ctx *c)
{
	struct timespec changed;
	int64_t start = 0;
	int r;

	c->f.stage = "account";
	r = account_race_check(&changed, &start);
	if (r < 0) {
		log_full(
		    LOG_ERR, r, &c->f,
		    "Refusing session: Failed to tell whether %s changed during this login: %m",
		    ACCOUNT_RACE_PASSWD);
		return r;
	}
	if (r == 0)
		return 0;
	log_full(LOG_ERR, EAGAIN, &c->f,
		 "Refusing session: the account of %s changed during this login (%s changed at "
		 "%lld.%09ld, after the PAM application, pid %d, started at %lld.%09lld): it may "
		 "hold another shell or uid than the lobby is built for; log in again",
		 c->user, ACCOUNT_RACE_PASSWD, (long long)changed.tv_sec, changed.tv_nsec,
		 (int)getpid(), (long long)(start / 1000000000), (long long)(start % 1000000000));
	(void)pam_error(c->pamh,
			"alcove: login refused: the account of %s changed during this login; log "
			"in again",
			c->user);
	return -EAGAIN;
}

/* Before any policy: the module's own arguments and PAM_USER. */
static bool args_ok(Ctx *c, const PamOptions *o)
{
	if (!c->user) {
		c->f.stage = "pam";
		log_full(LOG_ERR, EINVAL, &c->f, "Refusing session: no PAM_USER");
		return false;
	}
	if (o->invalid) {
		c->f.stage = "options";
		log_full(LOG_ERR, EINVAL, &c->f,
			 "Refusing session: module argument '%s' must be an absolute path",
			 o->invalid);
		return false;
	}
	return true;
}

/* The decision made and sshd's configuration checked: the helper builds or joins the alcove
 * and the lobby, and the login is logged with what the policy (since t0) and the helper cost. */
static Outcome contain_login(Ctx *c, FailurePolicy failure, uint64_t t0)
{
	const Opened *s = NULL;
	uint64_t t1 = monotonic_us();
	int r = contain(c);

	if (r == 1) {
		/* We decided to contain; the helper, on the same inputs, did not: the policy
		 * file changed in between (an admin's editor truncates it first), or NSS gave it
		 * another account. Neither is a reason to let the login through. */
		c->f.stage = "helper";
		log_full(
		    LOG_ERR, 0, &c->f,
		    "Refusing session: the policy selects %s for containment, but alcove-helper "
		    "decided to skip it (the policy file changed meanwhile?)",
		    c->user);
		return OUTCOME_FAILED;
	}
	if (r < 0)
		return contain_failed(c, r, failure);
	c->f.stage = "open";
	(void)pam_get_data(c->pamh, DATA_KEY, (const void **)&s);
	log_full(LOG_INFO, 0, &c->f,
		 "Contained in alcove %s (session %s, service %s, profile %s; policy %lld us, "
		 "helper and lobby %lld us)",
		 s ? s->name : "?", s ? s->session : "?", c->service ? c->service : "?",
		 c->f.profile, (long long)(t1 - t0), (long long)(monotonic_us() - t1));
	return OUTCOME_CONTAINED;
}

Outcome session_open(pam_handle_t *pamh, const PamOptions *o)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	Policy *policy = NULL;
	FailurePolicy failure;
	bool tun;
	char profile[64];
	uint64_t t0 = monotonic_us();
	Decision d;
	Outcome out;
	Ctx c;

	ctx_init(&c, pamh, o);
	if (!args_ok(&c, o))
		return OUTCOME_FAILED;
	out = decide(&c, &d, &policy, &li);
	if (out != OUTCOME_CONTAINED) {
		if (policy) {
			c.f.stage = "policy";
			log_full(out == OUTCOME_REFUSED ? LOG_ERR : LOG_INFO, 0, &c.f, "%s: %s",
				 out == OUTCOME_REFUSED ? "Refusing session" : "Not contained",
				 d.reason);
		}
		policy_free(policy);
		return out;
	}
	failure = d.profile->failure;
	tun = d.profile->tun;
	snprintf(profile, sizeof(profile), "%s", d.profile->name);
	policy_free(policy);
	c.f.profile = profile;
	if (account_race_refuse(&c) < 0)
		return OUTCOME_FAILED;
	if (sshd_sftp_check(&c, li, tun) < 0)
		return OUTCOME_FAILED;
	return contain_login(&c, failure, t0);
}

/* -errno with *e (may be NULL), its message under the caller's "Failed to close". */
static int helper_close(const PamOptions *o, const char *user, const Opened *s, AlcError *e)
{
	_cleanup_(helper_reply_done) HelperReply reply = {.fd = -1, .fd2 = -1, .fd3 = -1};
	KvBuilder b;
	int r;

	kv_builder_init(&b);
	kv_add(&b, "user", user);
	kv_add(&b, "name", s->name);
	kv_add(&b, "session", s->session);
	kv_add(&b, "config", o->config);
	r = helper_call(
	    &(HelperCall){.path = o->helper, .verb = "close", .timeout_ms = HELPER_OPEN_TIMEOUT_MS}, &b,
	    &reply);
	if (r < 0)
		return alc_error(e, r, "close", "running %s: %m", o->helper);
	/* The one status rule (helper_reply_status): "skip", nothing to close, is no failure. */
	r = helper_reply_status(&reply);
	if (r >= 0)
		return 0;
	const char *message = kv_get(&reply.kv, "message");
	return alc_error(e, r, "close", "alcove-helper close: %s",
			 message ? message : "answered without a valid status or message");
}

Outcome session_close(pam_handle_t *pamh, const PamOptions *o)
{
	const Opened *s = NULL;
	AlcError e = {0};
	Ctx c;
	int r;

	ctx_init(&c, pamh, o);
	c.f.stage = "close";
	/* Nothing stashed: this login was not contained (or open failed). Nothing to do. */
	if (pam_get_data(pamh, DATA_KEY, (const void **)&s) != PAM_SUCCESS || !s)
		return OUTCOME_CLOSED;
	c.f.user = s->user;
	r = helper_close(o, s->user, s, &e);
	if (r < 0) {
		log_full(LOG_ERR, r, &c.f, "Failed to close session %s of alcove %s: %s",
			 s->session, s->name, e.msg);
		(void)pam_set_data(pamh, DATA_KEY, NULL, NULL);
		return OUTCOME_FAILED;
	}
	log_full(LOG_INFO, 0, &c.f, "Closed session %s of alcove %s", s->session, s->name);
	(void)pam_set_data(pamh, DATA_KEY, NULL, NULL);
	return OUTCOME_CLOSED;
}
