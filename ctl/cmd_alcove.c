/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl enter, list, stop, reset: the admin's view of running alcoves. enter goes through
 * the helper's open verb and alcove-init exactly like a login (minus the lobby; on a terminal
 * the session gets a pty of its own from the alcove's devpts, never the admin's: alcove_pty.h,
 * pty_relay.h); stop and reset
 * are the helper's verbs; list reads the state files and asks each init for its STATUS.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alcove_pty.h"
#include "array.h"
#include "commands.h"
#include "control_client.h"
#include "dirs.h"
#include "enter_client.h"
#include "fdwait.h"
#include "helper_call.h"
#include "list_format.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "pipe_relay.h"
#include "pty_relay.h"
#include "statefile.h"
#include "usage_read.h"

/* One positional USER and nothing else (or CMD after "--" for enter). */
static int user_arg(CtlContext *ctx, int argc, char **argv, const struct option *opts,
		    CtlOptionFn on_option, void *userdata, const char **ret_user, int *ret_next)
{
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, NULL, on_option, userdata, &first);
	if (r >= 0)
		return r;
	if (first >= argc)
		return ctl_usage(ctx, "missing USER");
	*ret_user = argv[first];
	*ret_next = first + 1;
	return -1;
}

static void close_session(CtlContext *ctx, const char *user, const char *name, const char *session)
{
	KvBuilder req;
	HelperReply *reply = malloc(sizeof(*reply));

	if (!reply)
		return;
	kv_builder_init(&req);
	kv_add(&req, "user", user);
	kv_add(&req, "name", name);
	kv_add(&req, "session", session);
	kv_add(&req, "config", ctx->config);
	if (ctl_helper_call("close", &req, reply) == 0)
		(void)helper_reply_status(reply);
	free(reply);
}

/* Whether alcove name is a root-mode one, whose user is uid 0 inside (its state says). */
static bool root_inside(const char *name)
{
	_cleanup_close_ int runfd = open(ALCOVE_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	AlcoveState st;

	return runfd >= 0 && statefile_read_at(runfd, name, &st) == 0 &&
	       strcmp(st.mode, "root") == 0;
}

/* The login environment alcove-init starts the session with, as a login would have it: in a
 * root-mode alcove the user is uid 0, and gets root's PATH (login.defs' ENV_SUPATH), so that
 * `alcovectl enter U -- useradd ...` finds /usr/sbin's programs as `su -` would. */
static void login_env(const LoginInfo *li, const char *name, char (*buf)[4096], const char **envp)
{
	const char *term = getenv("TERM");
	size_t n = 0;

	snprintf(buf[n], sizeof(buf[n]), "HOME=%s", li->home);
	envp[n] = buf[n], n++;
	snprintf(buf[n], sizeof(buf[n]), "USER=%s", li->user);
	envp[n] = buf[n], n++;
	snprintf(buf[n], sizeof(buf[n]), "LOGNAME=%s", li->user);
	envp[n] = buf[n], n++;
	snprintf(buf[n], sizeof(buf[n]), "SHELL=%s", li->shell);
	envp[n] = buf[n], n++;
	snprintf(buf[n], sizeof(buf[n]), "PATH=%s",
		 root_inside(name) ? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
				   : "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games");
	envp[n] = buf[n], n++;
	if (term && strlen(term) < 200) {
		snprintf(buf[n], sizeof(buf[n]), "TERM=%s", term);
		envp[n] = buf[n], n++;
	}
	envp[n] = NULL;
}

static int run_session(const LoginInfo *li, const char *name, char **cmd, int n_cmd,
		       int *ret_status)
{
	char env_buf[6][4096], socket_path[128], login_arg0[256];
	const char *envp[7], *shell_argv[2];
	const char *base = strrchr(li->shell, '/');
	/* The admin can always end enter: a session that a relayed signal does not end (frozen
	 * in ns root's cgroup, a command of theirs that ignores it) is left after a grace. */
	EnterRequest req = {
	    .socket_path = socket_path, .cwd = "", .leave_after_ms = ENTER_LEAVE_AFTER_MS};
	EnterResult res = {0};
	int r;

	r = alcove_run_path(name, ALCOVE_RUN_CONTROL, socket_path, sizeof(socket_path));
	if (r < 0)
		return log_error_errno(r, "Failed to name the control socket of alcove %s: %m",
				       name);
	login_env(li, name, env_buf, envp);
	req.envp = envp;
	if (n_cmd > 0) {
		/* CMD runs as given, no shell in between */
		req.path = cmd[0];
		req.argv = (const char *const *)cmd;
	} else {
		/* a login shell: argv[0] "-bash", as login and sshd start it */
		snprintf(login_arg0, sizeof(login_arg0), "-%s", base ? base + 1 : li->shell);
		shell_argv[0] = login_arg0;
		shell_argv[1] = NULL;
		req.path = li->shell;
		req.argv = shell_argv;
	}
	(void)enter_release_tty();
	r = enter_run(&req, &res);
	if (r < 0) {
		if (res.message[0])
			log_error_errno(r, "%s: %m", res.message);
		else
			log_error_errno(r, "Failed to run the session in alcove %s: %m", name);
		return r;
	}
	if (res.left_on_signal)
		log_error(
		    "The session in alcove %s did not end within %u s of SIG%s: left to end on "
		    "its own (init sent it SIGHUP)",
		    name, ENTER_LEAVE_AFTER_MS / 1000, sigabbrev_np(res.left_on_signal) ?: "?");
	*ret_status = res.wait_status;
	return 0;
}

/* How `enter` exits when the session could not run: as a shell would. */
static int failure_code(int r)
{
	if (r == -ENOENT)
		return 127; /* as a shell says "command not found" */
	if (r == -EACCES)
		return 126;
	return CTL_EXIT_FAILURE;
}

typedef struct SessionArgs {
	const LoginInfo *li;
	const char *name;
	char **cmd;
	int n_cmd;
} SessionArgs;

/* How `enter` ends once the session ran (r, and its wait status): as the session did, or as
 * a shell would when it could not run. */
static int end_like_session(int r, int status)
{
	if (r < 0)
		return failure_code(r);
	(void)fflush(stdout); /* before dying of its signal; the status is what counts */
	enter_exit_like(status);
}

/* The session in a child of a relay's: ends as the session did. */
static int session_in_child(void *userdata)
{
	const SessionArgs *a = userdata;
	int status = 0, r;

	r = run_session(a->li, a->name, a->cmd, a->n_cmd, &status);
	return end_like_session(r, status);
}

/* With fds 0, 1, 2 that are not terminals (nor /dev/null) through pipes of ours
 * (pipe_relay.h): a process the session leaves behind never holds the caller's pipe, file or
 * socket. *ret_status as run_session() sets it. */
static int run_session_piped(const SessionArgs *a, int *ret_status)
{
	int r;

	if (!pipe_relay_wanted())
		return run_session(a->li, a->name, a->cmd, a->n_cmd, ret_status);
	*ret_status = W_EXITCODE(CTL_EXIT_FAILURE, 0);
	r = pipe_relay_session(session_in_child, (void *)a, ret_status);
	if (r < 0)
		log_error_errno(r, "Failed to relay the session's input and output: %m");
	return 0;
}

/* The session's side of the pty relay (in a child of ours, on the slave): ends as the
 * session did. */
static int session_on_pty(void *userdata)
{
	int status = 0, r;

	r = run_session_piped(userdata, &status);
	return end_like_session(r, status);
}

/*
 * When one of fds 0, 1, 2 is a terminal the session gets a pty of its own (pty_relay.h), from
 * the alcove's devpts so that it has a name inside, else one of the host's: a child of ours
 * runs it with the slave where the terminal was, and we relay meanwhile. *ret_status is the
 * child's wait status, to exit the same way.
 */
static int run_session_pty(const LoginInfo *li, const char *name, char **cmd, int n_cmd,
			   int *ret_status)
{
	SessionArgs args = {li, name, cmd, n_cmd};
	int r, master, slave;
	PtyRelay pr;

	r = alcove_pty_open(name, li->uid, &master, &slave);
	if (r < 0) {
		log_debug("No pty from the devpts of alcove %s (%s): a pty of the host's instead",
			  name, strerror(-r));
		master = slave = -1;
	}
	r = pty_relay_open(&pr, master, slave);
	if (r < 0)
		return log_error_errno(r, "Failed to allocate a pty for the session: %m");
	*ret_status = W_EXITCODE(CTL_EXIT_FAILURE, 0);
	r = pty_relay_session(&pr, session_on_pty, &args, ret_status);
	if (r < 0)
		log_error_errno(r, "Failed to relay the session's terminal: %m");
	return 0;
}

/* The helper's open: the uid we found with the name, which the helper's own lookup must find
 * too (open.c); no lobby (we are not a login's process). */
static void open_request(const CtlContext *ctx, const char *user, uid_t uid, KvBuilder *req)
{
	kv_builder_init(req);
	kv_add(req, "user", user);
	kv_addf(req, "uid", "%u", (unsigned)uid);
	kv_add(req, "service", "alcovectl");
	kv_add(req, "config", ctx->config);
	kv_add(req, "lobby", "0");
	kv_add(req, "debug", getenv("ALCOVE_DEBUG") ? "1" : "0");
}

int cmd_enter(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	HelperReply *reply = NULL;
	const char *user = NULL, *name, *session;
	char name_buf[32], session_buf[160];
	KvBuilder req;
	int next = 0, r, status = 0;

	r = user_arg(ctx, argc, argv, NULL, NULL, NULL, &user, &next);
	if (r >= 0)
		return r;
	/* getopt moved "--" in front of USER; what follows USER is the command (its options
	 * reach us only after "--", else getopt would have taken them for ours) */
	if (next < argc && strcmp(argv[next], "--") == 0)
		next++;
	r = login_lookup(user, "alcovectl", NULL, NULL, &li);
	if (r < 0)
		return log_error_errno(r, "Failed to look up user '%s': %m", user),
		       CTL_EXIT_FAILURE;
	reply = malloc(sizeof(*reply));
	if (!reply)
		return log_error_errno(-ENOMEM, "Failed to allocate the helper's reply: %m"), CTL_EXIT_FAILURE;
	open_request(ctx, user, li->uid, &req);
	r = ctl_helper_call("open", &req, reply);
	if (r == 0)
		r = helper_reply_status(reply);
	if (r == 1)
		fprintf(stderr,
			"alcovectl: %s is not contained by the policy for PAM service "
			"\"alcovectl\" (enter's, see alcovectl(8)): %s\n",
			user, kv_get(&reply->kv, "message") ?: "no rule selects it");
	name = r == 0 ? kv_get(&reply->kv, "name") : NULL;
	session = r == 0 ? kv_get(&reply->kv, "session") : NULL;
	if (r == 0 &&
	    (!name || !session || !alcove_name_is_valid(name) || strlen(session) >= 160)) {
		log_error("The helper's answer lacks a valid name or session");
		r = -EBADMSG;
	}
	if (r != 0) {
		free(reply);
		return CTL_EXIT_FAILURE;
	}
	snprintf(name_buf, sizeof(name_buf), "%s", name);
	snprintf(session_buf, sizeof(session_buf), "%s", session);
	free(reply);
	/* any terminal among fds 0, 1, 2 is the admin's: never handed to the session (a
	 * process it leaves behind would keep it); an error telling is taken as a terminal */
	if (pty_relay_wanted(0) != 0)
		r = run_session_pty(li, name_buf, argv + next, argc - next, &status);
	else
		r = run_session_piped(&(SessionArgs){li, name_buf, argv + next, argc - next},
				      &status);
	close_session(ctx, user, name_buf, session_buf);
	return end_like_session(r, status);
}

/* Cheap per alcove (list runs over all of them): the cgroup's files, statfs, one quota
 * lookup; never a walk of a tree. The STATUS is list_statuses()'s. */
static int list_one(int runfd, const char *name, ListEntry *e)
{
	_cleanup_close_ int cg = -1;
	size_t len = strlen(name);
	time_t now = time(NULL);
	int r;

	if (len >= sizeof(e->name))
		return -ENAMETOOLONG; /* not an alcove name */
	r = statefile_read_at(runfd, name, &e->state);
	if (r < 0)
		return r;
	memcpy(e->name, name, len + 1);
	usage_read_layer(e->state.user, e->state.uid, &e->layer);
	e->alive = statefile_alive(&e->state, NULL) > 0;
	if (!e->alive)
		return 0;
	e->uptime_sec = now > e->state.created ? (uint64_t)(now - e->state.created) : 0;
	cg = usage_open_scope(&e->state);
	if (cg >= 0) {
		usage_read_cgroup(cg, &e->usage);
		usage_read_limits(cg, &e->limits);
	}
	usage_read_tmpfs(&e->state, e->tmpfs);
	return 0;
}

#define LIST_ASK_BATCH 256 /* connections open at once: well under the usual 1024 fds */

/* Each live init asked for its STATUS, a batch at a time under one deadline: an init that
 * does not answer (ns root ptrace-stops it in root mode, and share = "session" keeps up to
 * max_sessions such alcoves) costs the batch CONTROL_TIMEOUT_SEC once, not that much each in
 * turn. */
static void list_statuses(ListEntry *entries, size_t n)
{
	int fds[LIST_ASK_BATCH];

	for (size_t base = 0; base < n; base += LIST_ASK_BATCH) {
		size_t k = n - base < LIST_ASK_BATCH ? n - base : LIST_ASK_BATCH;
		long long deadline;

		for (size_t i = 0; i < k; i++) {
			ListEntry *e = &entries[base + i];

			fds[i] = e->alive ? usage_status_ask(&e->state, e->name, &e->status) : -1;
		}
		deadline = monotonic_ms() + CONTROL_TIMEOUT_SEC * 1000LL;
		for (size_t i = 0; i < k; i++) {
			usage_status_answer(fds[i], deadline, &entries[base + i].status);
			if (fds[i] >= 0)
				(void)close(fds[i]);
		}
	}
}

/* Every alcove in /run/alcove, however many (share = "session" with max_sessions = 0 lets one
 * tenant keep any number): a list cut at a count would drop others' alcoves in readdir order.
 * *ret_entries (malloc'd) holds *ret_n of them. */
static int list_load(ListEntry **ret_entries, size_t *ret_n)
{
	ListEntry *entries = NULL;
	size_t n = 0, capacity = 0;
	struct dirent *de;
	int r = 0;
	DIR *d;

	*ret_entries = NULL;
	*ret_n = 0;
	d = opendir(ALCOVE_RUN_DIR);
	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while ((errno = 0, de = readdir(d))) {
		if (!alcove_name_is_valid(de->d_name))
			continue;
		r = array_grow((void **)&entries, &capacity, n, sizeof(*entries));
		if (r < 0)
			break;
		entries[n] = (ListEntry){0};
		/* a directory without a readable state is a build in progress or a leftover */
		if (list_one(dirfd(d), de->d_name, &entries[n]) == 0)
			n++;
	}
	if (r >= 0 && errno != 0)
		r = negative_errno(); /* readdir() failed: the list would be cut short */
	closedir(d);
	if (r < 0) {
		free(entries);
		return r;
	}
	list_statuses(entries, n);
	*ret_entries = entries;
	*ret_n = n;
	return 0;
}

int cmd_list(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_free_ ListEntry *entries = NULL;
	size_t n;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (first < argc)
		return ctl_usage(ctx, "unexpected argument '%s'", argv[first]);
	r = list_load(&entries, &n);
	if (r < 0)
		return log_error_errno(r, "Failed to read %s: %m", ALCOVE_RUN_DIR),
		       CTL_EXIT_FAILURE;
	ctx->json_written = ctx->json;
	if (ctx->json)
		list_format_json(entries, n, stdout);
	else
		list_format_text(entries, n, stdout);
	return CTL_EXIT_OK;
}

/* ret_stopped: the alcoves the helper found to stop, -1 when it did not say. */
static int simple_verb(CtlContext *ctx, const char *verb, const char *user, int *ret_stopped)
{
	HelperReply *reply = malloc(sizeof(*reply));
	KvBuilder req;
	int r;

	if (!reply)
		return log_error_errno(-ENOMEM, "Failed to allocate the helper's reply: %m"),
		       CTL_EXIT_FAILURE;
	kv_builder_init(&req);
	kv_add(&req, "user", user);
	kv_add(&req, "config", ctx->config);
	r = ctl_helper_call(verb, &req, reply);
	if (r == 0)
		r = helper_reply_status(reply);
	if (ret_stopped) {
		const char *n = kv_get(&reply->kv, "stopped");

		*ret_stopped = n ? atoi(n) : -1;
	}
	free(reply);
	return r == 0 ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}

int cmd_stop(CtlContext *ctx, int argc, char **argv)
{
	const char *user = NULL;
	int next = 0, stopped, r;

	r = user_arg(ctx, argc, argv, NULL, NULL, NULL, &user, &next);
	if (r >= 0)
		return r;
	if (next < argc)
		return ctl_usage(ctx, "unexpected argument '%s'", argv[next]);
	r = simple_verb(ctx, "stop", user, &stopped);
	if (r == CTL_EXIT_OK && stopped == 0)
		fprintf(stderr, "alcovectl: no alcove of %s was running\n", user);
	return r;
}

enum { OPT_YES = 'y' };

static int reset_option(void *userdata, int opt, const char *arg)
{
	if (opt != OPT_YES)
		return CTL_EXIT_USAGE;
	*(bool *)userdata = true;
	return 0;
}

/* Deleting a user's layer cannot be undone: ask, unless --yes; never guess without a tty. */
static bool confirmed(const char *user)
{
	char answer[16];

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr,
			"alcovectl reset: stdin is not a terminal; give --yes to delete "
			"the persistent layer of %s\n",
			user);
		return false;
	}
	fprintf(stderr, "Stop %s's alcoves and delete its persistent layer (%s/%s)? [y/N] ", user,
		LOCALSTATEDIR "/lib/alcove", user);
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

int cmd_reset(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {{"yes", no_argument, NULL, OPT_YES}, {0}};
	const char *user = NULL;
	bool yes = false;
	int next = 0, r;

	r = user_arg(ctx, argc, argv, opts, reset_option, &yes, &user, &next);
	if (r >= 0)
		return r;
	if (next < argc)
		return ctl_usage(ctx, "unexpected argument '%s'", argv[next]);
	if (!yes && !confirmed(user))
		return CTL_EXIT_FAILURE;
	return simple_verb(ctx, "reset", user, NULL);
}
