/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Sessions: one ENTER each. The child reports a failure before exec over a CLOEXEC pipe
 * (EOF without data = exec succeeded); the pipe is watched by epoll, so a child that is
 * slow to get there (a hung cwd) never blocks init. The session's pid is its process group
 * and session id (the child calls setsid()), which is what SIGNAL and hangup address.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

#define INIT_MAX_STALE_LOGINS 4096

static void login_cgroup_path(unsigned login, char *buf, size_t size)
{
	snprintf(buf, size, INIT_CGROUP_ROOT "/login-%u", login);
}

/* Names tried per session before its start fails: each taken one is a mkdir's EEXIST. */
#define INIT_LOGIN_CGROUP_TRIES 1024

/*
 * A login cgroup of init's own making: the next login-<n> that mkdir() creates. In root mode
 * the login is ns root and owns the delegated scope, so a login-<n> that exists already may be
 * theirs, made ahead and frozen (cgroup.freeze) or limited: a session joining it would hang
 * before exec, and alcovectl enter with it. Such a name is skipped, never joined; past
 * INIT_LOGIN_CGROUP_TRIES taken names the start fails (-EEXIST, said in the ERROR). What ns
 * root does to the one init made (freeze it, rmdir and remake it before the child joins) hangs
 * only that session, which alcovectl enter leaves after a signal (enter_client.h).
 */
static int login_cgroup_create(Init *init, unsigned *ret_login)
{
	char path[64];

	for (unsigned i = 0; i < INIT_LOGIN_CGROUP_TRIES; i++) {
		unsigned login = ++init->next_login;

		if (login == 0) /* wrapped: 0 means "no login cgroup" */
			login = ++init->next_login;
		login_cgroup_path(login, path, sizeof(path));
		if (mkdir(path, 0755) == 0) {
			*ret_login = login;
			return 0;
		}
		if (errno != EEXIST)
			return negative_errno();
	}
	init_log("Failed to create a login cgroup: %u names up to %s are taken",
		 INIT_LOGIN_CGROUP_TRIES, path);
	return -EEXIST;
}

/* An emptied login cgroup is removed; one that still holds processes (a daemon the login
 * left behind) is retried after later reaps. */
static void login_cgroup_remove(Init *init, unsigned login)
{
	char path[64];

	login_cgroup_path(login, path, sizeof(path));
	if (rmdir(path) == 0 || errno == ENOENT)
		return;
	if (errno != EBUSY) {
		init_log("Failed to remove %s: %m", path);
		return;
	}
	unsigned *v = init->n_stale_logins < INIT_MAX_STALE_LOGINS
			  ? realloc(init->stale_logins,
				    (init->n_stale_logins + 1) * sizeof(*init->stale_logins))
			  : NULL;
	if (!v) {
		/* each busy one holds a live process: past the cap (a TasksMax above it, or none)
		 * such cgroups stay until the alcove ends; said once */
		if (!init->stale_logins_dropped)
			init_log(
			    "Failed to keep %s for removal (%zu busy login cgroups kept): it and "
			    "any others past that stay until the alcove ends",
			    path, init->n_stale_logins);
		init->stale_logins_dropped = true;
		return;
	}
	init->stale_logins = v;
	init->stale_logins[init->n_stale_logins++] = login;
}

static void stale_logins_retry(Init *init)
{
	size_t kept = 0;

	for (size_t i = 0; i < init->n_stale_logins; i++) {
		char path[64];

		login_cgroup_path(init->stale_logins[i], path, sizeof(path));
		if (rmdir(path) < 0 && errno == EBUSY)
			init->stale_logins[kept++] = init->stale_logins[i];
	}
	init->n_stale_logins = kept;
}

/* The child receives the ENTER init peeked (control_io.c): until its start is resolved init
 * reads nothing of the connection, and watches it for the client's hangup only (a start stuck
 * on a hung cwd is ended by it, as before). */
int session_start(Init *init, Conn *c)
{
	_cleanup_free_ Session *s = calloc(1, sizeof(*s));
	int p[2], r;
	unsigned login = 0;
	pid_t pid;

	if (!s)
		return -ENOMEM;
	if (init->args.cgroup) {
		r = login_cgroup_create(init, &login);
		if (r < 0)
			return r;
	}
	/* O_CLOEXEC: the write end closes by itself when exec succeeds */
	if (pipe2(p, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		(void)close(p[0]);
		(void)close(p[1]);
		goto fail;
	}
	if (pid == 0) {
		(void)close(p[0]);
		child_run(init, c->fd, p[1], login);
	}
	(void)close(p[1]);
	init->has_children = true;
	*s = (Session){
	    .watch.kind = WATCH_START, .pid = pid, .start_fd = p[0], .login = login, .conn = c};
	if (watch_add(init, p[0], &s->watch, EPOLLIN) < 0) {
		/* cannot happen for a fresh pipe; the reaper resolves the start then */
		init_log("Failed to watch session %d (epoll_ctl): %m", pid);
	}
	c->session = s;
	if (watch_set(init, c->fd, &c->watch, EPOLLRDHUP) < 0)
		watch_del(init, c->fd);
	c->handed_off = true;
	init_touch(init);
	s->next = init->sessions;
	init->sessions = TAKE_PTR(s);
	return 0;
fail:
	/* no process ever entered it: nothing would remove it later */
	if (login)
		login_cgroup_remove(init, login);
	return r;
}

/* Reads the child's verdict: 0 bytes (exec happened, or the child died before it could
 * say anything) = started; a LoginExecError = failed. */
static void session_start_resolve(Init *init, Session *s)
{
	LoginExecError ce;
	ssize_t n;

	do
		n = read(s->start_fd, &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	watch_del(init, s->start_fd);
	(void)close(s->start_fd);
	s->start_fd = -1;
	/* the child took the ENTER off the queue, or died: the connection is init's again (an
	 * ENTER still queued then ends it, conn.c) */
	if (s->conn && s->conn->handed_off) {
		s->conn->handed_off = false;
		if (watch_set(init, s->conn->fd, &s->conn->watch, EPOLLIN) < 0)
			init_log("Failed to watch session %d's connection (epoll_ctl): %m", s->pid);
	}

	if (n == (ssize_t)sizeof(ce) && ce.error > 0) {
		ce.message[sizeof(ce.message) - 1] = '\0';
		init_log_tenant(init, INIT_LOG_SESSION, "session %d (uid %u): %s: %s", s->pid,
				s->conn ? s->conn->peer_uid : 0, ce.message, strerror(ce.error));
		if (s->conn) {
			Conn *c = s->conn;

			(void)conn_reply_error(c, ce.error, "%s", ce.message);
			c->session = NULL; /* the answer is final: no EXITED, no hangup */
			s->conn = NULL;
			conn_close(init, c, false);
		}
		return;
	}
	if (s->conn &&
	    conn_reply(s->conn, &(ProtoMessage){.type = PROTO_STARTED, .pid = s->pid}) < 0)
		conn_close(init, s->conn, true);
}

void session_start_event(Init *init, Session *s)
{
	if (s->start_fd >= 0)
		session_start_resolve(init, s);
}

void session_signal(Session *s, int signo)
{
	/* The group may not exist yet (the child has not reached setsid()): the pid then */
	if (kill(-s->pid, signo) < 0 && errno == ESRCH)
		(void)kill(s->pid, signo);
}

void session_hangup(Session *s)
{
	session_signal(s, SIGHUP);
	session_signal(s, SIGCONT);
}

static void session_exited(Init *init, Session *s, int status)
{
	if (s->start_fd >= 0) /* the exit came before we read the verdict: read it first */
		session_start_resolve(init, s);
	/* before the answer: whoever learns of the end finds the cgroup gone */
	if (s->login)
		login_cgroup_remove(init, s->login);
	if (s->conn) {
		Conn *c = s->conn;

		(void)conn_reply(c, &(ProtoMessage){.type = PROTO_EXITED, .wait_status = status});
		c->session = NULL;
		s->conn = NULL;
		conn_close(init, c, false);
	}
	s->watch.dead = true;
	init_touch(init);
}

/* A child that asked to be traced (PTRACE_TRACEME) has init as its tracer, and its stops
 * reach waitpid() without WUNTRACED (only a tracee's: without WCONTINUED no continue is
 * reported): not an end. It is let go with the signal that stopped it, but for the SIGTRAP of
 * its exec under PTRACE_TRACEME, which would kill it. */
static void tracee_release(pid_t pid, int status)
{
	int sig = WSTOPSIG(status);

	if (ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)(sig == SIGTRAP ? 0 : sig)) < 0 &&
	    errno != ESRCH)
		init_log("Failed to detach from traced process %d: %m", pid);
}

void sessions_reap(Init *init)
{
	for (;;) {
		int status;
		/* __WALL: an orphan reparented to us may have been a clone() child */
		pid_t pid = waitpid(-1, &status, WNOHANG | __WALL);

		if (pid > 0 && WIFSTOPPED(status)) {
			tracee_release(pid, status);
			continue;
		}
		if (pid > 0) {
			for (Session *s = init->sessions; s; s = s->next)
				if (!s->watch.dead && s->pid == pid) {
					session_exited(init, s, status);
					break;
				}
			continue;
		}
		if (pid == 0)
			init->has_children = true;
		else if (errno == ECHILD)
			init->has_children = false;
		else if (errno == EINTR)
			continue;
		break;
	}
	stale_logins_retry(init);
}

void sessions_sweep(Init *init)
{
	for (Session **p = &init->sessions; *p;) {
		Session *s = *p;

		if (s->watch.dead) {
			*p = s->next;
			free(s);
		} else
			p = &s->next;
	}
}
