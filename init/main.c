/* SPDX-License-Identifier: GPL-2.0-or-later */
/* alcove-init: arguments, setup, the event loop and the lifecycle actions. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "init.h"

static const char *log_user = "";

/* A line may hold what a client sent (an ENTER's path or cwd): a newline in it would start a
 * journal line of its own, attributed to init. Control bytes go out as \xHH. */
static void escape_controls(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)in; *p && n + 5 < size; p++) {
		if (*p < 0x20 || *p == 0x7f)
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", *p);
		else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
}

static void init_vlog(const char *fmt, va_list ap)
{
	char line[1024], esc[4 * sizeof(line)];
	int saved = errno;

	vsnprintf(line, sizeof(line), fmt, ap);
	escape_controls(line, esc, sizeof(esc));
	dprintf(STDERR_FILENO, "alcove-init%s%s: %s\n", *log_user ? " " : "", log_user, esc);
	errno = saved;
}

void init_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt); /* errno untouched before vsnprintf: for %m */
	init_vlog(fmt, ap);
	va_end(ap);
}

static const char *const log_kind_what[INIT_LOG_KINDS] = {
    [INIT_LOG_REFUSED] = "refused connections",
    [INIT_LOG_DROPPED] = "dropped connections",
    [INIT_LOG_SESSION] = "failed session starts",
};

static void log_left_out(InitLogKind kind, unsigned n)
{
	if (n > 0)
		init_log("left out %u more lines of %s in %llu s (at most %u lines each)", n,
			 log_kind_what[kind],
			 (unsigned long long)(LOG_BUDGET_WINDOW_USEC / USEC_PER_SEC),
			 LOG_BUDGET_BURST);
}

void init_log_tenant(Init *init, InitLogKind kind, const char *fmt, ...)
{
	int saved = errno;
	unsigned left_out = 0;
	bool take = kind >= INIT_LOG_KINDS ||
		    log_budget_take(&init->log_budget[kind], now_usec(), &left_out);
	va_list ap;

	log_left_out(kind, left_out);
	if (!take)
		return;
	va_start(ap, fmt);
	errno = saved; /* for %m */
	init_vlog(fmt, ap);
	va_end(ap);
}

uint64_t init_log_budget_flush(Init *init, uint64_t now)
{
	uint64_t next = LIFE_NEVER;

	for (int k = 0; k < INIT_LOG_KINDS; k++) {
		log_left_out((InitLogKind)k, log_budget_expire(&init->log_budget[k], now));
		uint64_t d = log_budget_deadline(&init->log_budget[k]);
		next = d < next ? d : next;
	}
	return next;
}

uint64_t now_usec(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

/* A session began or ended (HOLD, RELEASE, a hold's process gone, ENTER, a session's exit):
 * the wall clock, because STATUS_REPLY's reader compares it with the time of day (an external
 * culler's "idle for more than N minutes"). */
void init_touch(Init *init)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && ts.tv_sec > 0)
		init->activity_usec =
		    (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

int watch_add(Init *init, int fd, Watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	return RET_NERRNO(epoll_ctl(init->epfd, EPOLL_CTL_ADD, fd, &ev));
}

/* watch_add(), or a new event mask for a watch that exists */
int watch_set(Init *init, int fd, Watch *w, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = w};

	if (epoll_ctl(init->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
		return 0;
	if (errno != ENOENT)
		return negative_errno();
	return RET_NERRNO(epoll_ctl(init->epfd, EPOLL_CTL_ADD, fd, &ev));
}

void watch_del(Init *init, int fd)
{
	(void)epoll_ctl(init->epfd, EPOLL_CTL_DEL, fd, NULL);
}

unsigned init_open_sessions(const Init *init)
{
	unsigned n = 0;

	for (const Conn *c = init->conns; c; c = c->next)
		if (!c->watch.dead && c->session)
			n++;
	return n;
}

unsigned init_in_use(const Init *init)
{
	return init_open_sessions(init) + init->n_holds;
}

/* PID 1 of a PID namespace gets no signal its handlers do not catch from inside, but the
 * helper's session could still hang up on us from outside: ignore the terminal signals,
 * and take SIGTERM (stop) and SIGCHLD (reap) through a signalfd. */
static int setup_signals(Init *init)
{
	static const int ignored[] = {SIGHUP,  SIGINT,	SIGQUIT, SIGPIPE, SIGUSR1,
				      SIGUSR2, SIGTTIN, SIGTTOU, SIGTSTP};
	sigset_t mask;

	for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
		if (signal(ignored[i], SIG_IGN) == SIG_ERR)
			return negative_errno();
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return negative_errno();
	init->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (init->signal_fd < 0)
		return negative_errno();
	init->signal_watch.kind = WATCH_SIGNAL;
	return watch_add(init, init->signal_fd, &init->signal_watch, EPOLLIN);
}

/* fd is one of the listening sockets the helper passed (socket-activation style). */
static int setup_listener(Init *init, int fd, Watch *w, WatchKind kind)
{
	int acc = 0, type = 0, fl;
	socklen_t len = sizeof(acc);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0)
		return negative_errno();
	len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return negative_errno();
	if (!acc || type != SOCK_SEQPACKET)
		return -ENOTSOCK;
	/* Never inherited by a session; never block in accept (a client may go away between
	 * the readiness and the accept). */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return negative_errno();
	w->kind = kind;
	return watch_add(init, fd, w, EPOLLIN);
}

/* cgroup v2's no-internal-process rule: with the subtree delegated to us, init must live
 * in a leaf of its own so logins can get theirs (login-<n>/, see session.c). Before any
 * fork: a child made earlier would stay in the parent cgroup. */
static int setup_cgroup(void)
{
	int fd;
	ssize_t n;

	/* Unlike a login-<n> (session.c), an init/ that exists is not a tenant's: no process of
	 * theirs has run in this scope yet, and the helper's StartTransientUnit made the scope
	 * for this alcove (it refuses a unit that exists). One found could only be what an
	 * earlier scope of the same name left in a cgroup systemd did not remove: joined. */
	if (mkdir(INIT_CGROUP_ROOT "/init", 0755) < 0 && errno != EEXIST)
		return negative_errno();
	fd = open(INIT_CGROUP_ROOT "/init/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	n = write(fd, "0", 1);
	if (n < 0) {
		n = negative_errno();
		(void)close(fd);
		return (int)n;
	}
	(void)close(fd);
	return 0;
}

/*
 * Hand the scope's controllers down to init/ and login-<n>/ so each login's memory and pids
 * are accounted on its own. Allowed only now: cgroup v2's no-internal-process rule refuses
 * enabling controllers for children while processes sit in the cgroup itself, and init has
 * just left it. One write per controller, so one the kernel refuses (a controller systemd
 * did not delegate) does not keep the others off; a refusal only costs per-login figures.
 */
static void enable_controllers(void)
{
	char buf[512] = {0}, *save = NULL;
	int fd = open(INIT_CGROUP_ROOT "/cgroup.controllers", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	int saved_errno = errno; /* the open's or read's: close() may set errno */

	if (fd >= 0)
		(void)close(fd);
	if (n < 0) {
		errno = saved_errno;
		init_log("Failed to read " INIT_CGROUP_ROOT "/cgroup.controllers: %m");
		return;
	}
	fd = open(INIT_CGROUP_ROOT "/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		init_log("Failed to open " INIT_CGROUP_ROOT "/cgroup.subtree_control: %m");
		return;
	}
	for (char *c = strtok_r(buf, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		char word[64];
		int len = snprintf(word, sizeof(word), "+%s", c);

		if (len > 0 && (size_t)len < sizeof(word) && write(fd, word, (size_t)len) < 0)
			init_log("Failed to enable controller %s for the logins: %m", c);
	}
	(void)close(fd);
}

/* A host process whose uid has no mapping in our user ns (host root: the helper, alcovectl)
 * shows up in SO_PEERCRED as the overflow uid. */
static uid_t read_overflow_uid(void)
{
	char buf[16] = {0};
	uint32_t v;
	int fd = open("/proc/sys/kernel/overflowuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		(void)close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return n > 0 && parse_id(buf, &v) == 0 ? v : 65534;
}

static void apply_life_action(Init *init, LifeAction a)
{
	switch (a) {
	case LIFE_TERM_ALL:
		init_log("stopping: SIGTERM to every process (sessions %u, holds %u)",
			 init_open_sessions(init), init->n_holds);
		/* kill(-1) from PID 1 reaches every other process of the PID namespace; SIGCONT
		 * so stopped jobs get to handle the SIGTERM. */
		(void)kill(-1, SIGTERM);
		(void)kill(-1, SIGCONT);
		break;
	case LIFE_KILL_ALL:
		init_log("stopping: processes left after %llu s, SIGKILL to every process",
			 LIFE_KILL_DELAY_USEC / USEC_PER_SEC);
		(void)kill(-1, SIGKILL);
		break;
	case LIFE_EXIT:
		init_log("exiting: no session, no hold%s",
			 init->has_children ? "" : ", no process");
		exit(EXIT_SUCCESS);
	case LIFE_RUN:
		break;
	}
}

static void handle_signals(Init *init)
{
	struct signalfd_siginfo si;

	while (read(init->signal_fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGTERM) {
			init_log("SIGTERM from pid %u: stopping the alcove", si.ssi_pid);
			lifecycle_request_stop(&init->life, now_usec());
		}
	/* SIGCHLD coalesces: reap everything there is, every time */
	sessions_reap(init);
}

static void dispatch(Init *init, Watch *w, uint32_t events)
{
	if (w->dead)
		return;
	switch (w->kind) {
	case WATCH_LISTEN:
		conn_accept(init, false);
		break;
	case WATCH_ADMIN_LISTEN:
		conn_accept(init, true);
		break;
	case WATCH_SIGNAL:
		handle_signals(init);
		break;
	case WATCH_CONN:
		conn_event(init, (Conn *)w);
		break;
	case WATCH_START:
		session_start_event(init, (Session *)w);
		break;
	case WATCH_HOLD:
		hold_event(init, (Hold *)w);
		break;
	}
}

static int timeout_ms(uint64_t deadline, uint64_t now)
{
	uint64_t ms;

	if (deadline == LIFE_NEVER)
		return -1;
	if (deadline <= now)
		return 0;
	ms = (deadline - now + 999) / 1000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static _noreturn_ void run(Init *init)
{
	struct epoll_event ev[32];

	for (;;) {
		uint64_t now = now_usec(), deadline, log_due;
		LifeAction a;
		int n;

		while ((a = lifecycle_step(&init->life, init_in_use(init), init->has_children, now,
					   &deadline)) != LIFE_RUN)
			apply_life_action(init, a);
		log_due = init_log_budget_flush(init, now);
		if (log_due < deadline)
			deadline = log_due;
		n = epoll_wait(init->epfd, ev, (int)ELEMENTSOF(ev), timeout_ms(deadline, now));
		if (n < 0 && errno != EINTR) {
			init_log("Failed to wait for events (epoll_wait): %m");
			abort(); /* PID 1 exiting ends the alcove: at least leave a trace */
		}
		for (int i = 0; i < n; i++)
			dispatch(init, ev[i].data.ptr, ev[i].events);
		conns_sweep(init);
		sessions_sweep(init);
		holds_sweep(init);
	}
}

/* The control socket's connections must never take the fds the admin socket needs: a tenant
 * at ~500 logins (a hold and a connection each) reached the 1024 that sshd's environment
 * gives, and init then failed every accept, the helper's too. The soft limit goes up to the
 * hard one (sessions get their own limits from ENTER, child.c), and what remains below it is
 * the control socket's budget (conn.c, read at each accept: an admin's prlimit counts). */
static void setup_fd_limit(Init *init)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		init_log("Failed to read RLIMIT_NOFILE: %m");
	else if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			init_log("Failed to raise RLIMIT_NOFILE to %llu: %m",
				 (unsigned long long)rl.rlim_max);
	}
	init->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (init->spare_fd < 0)
		init_log("Failed to open /dev/null as the spare fd: %m; connections at EMFILE "
			 "wait in the queue");
}

/* Logs "Failed to <what>: <error>" and returns r. */
static int setup_failed(int r, const char *what)
{
	init_log("Failed to %s: %s", what, strerror(-r));
	return r;
}

static int setup(Init *init)
{
	int r;

	r = std_fds_open(); /* or a received fd could land on 0-2 and be closed by dup2 */
	if (r < 0)
		return setup_failed(r, "open /dev/null on fds 0-2");
	/* fd 4 holds the lock of the persistent layer (helper/build/persist.c): kept open for the
	 * alcove's lifetime, never inherited by a session, which could unlock it */
	if (fcntl(INIT_LAYER_LOCK_FD, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
		return setup_failed(negative_errno(), "make fd 4 (the layer lock) close-on-exec");
	(void)setsid(); /* no controlling tty and no process group of the helper's */
	setup_fd_limit(init);
	init->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (init->epfd < 0)
		return setup_failed(negative_errno(), "create the epoll instance");
	init->listen_fd = INIT_LISTEN_FD;
	r = setup_listener(init, INIT_LISTEN_FD, &init->listen_watch, WATCH_LISTEN);
	if (r < 0)
		return setup_failed(r, "use fd 3 as the listening SOCK_SEQPACKET control socket");
	init->admin_fd = INIT_ADMIN_FD;
	r = setup_listener(init, INIT_ADMIN_FD, &init->admin_watch, WATCH_ADMIN_LISTEN);
	if (r < 0)
		return setup_failed(r, "use fd 5 as the listening SOCK_SEQPACKET admin socket");
	r = setup_signals(init);
	if (r < 0)
		return setup_failed(r, "set up signal handling");
	if (init->args.cgroup) {
		r = setup_cgroup();
		if (r < 0)
			return setup_failed(r, "move into " INIT_CGROUP_ROOT "/init");
		enable_controllers();
	}
	init->pkt = malloc(sizeof(*init->pkt));
	if (!init->pkt)
		return setup_failed(-ENOMEM, "allocate the receive buffer");
	init->overflow_uid = read_overflow_uid();
	init->start_usec = now_usec();
	init_touch(init);
	lifecycle_init(&init->life, init->args.on_last_logout,
		       init->args.idle_timeout_sec * USEC_PER_SEC, init->start_usec);
	return 0;
}

int main(int argc, char *argv[])
{
	static Init init;
	AlcError e = {0};

	if (init_args_parse(argc, argv, &init.args, &e) < 0) {
		init_log("Failed to parse the command line: %s", e.msg);
		return 2;
	}
	log_user = init.args.user ? init.args.user : "";
	if (setup(&init) < 0)
		return 1;
	init_log("ready: login uid %u gid %u, on-last-logout=%s%s%s", init.args.uid, init.args.gid,
		 life_policy_name(init.args.on_last_logout), init.args.cgroup ? ", cgroup" : "",
		 init.args.no_new_privs ? ", no_new_privs" : "");
	run(&init);
}
