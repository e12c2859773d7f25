/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-enter: in a login's lobby it is bind-mounted over the user's login shell, so
 * sshd/login/su exec it as the user (argv[0] "-bash", maybe "-c cmd"). It hands the
 * login to the alcove's init and mirrors the shell's end (DESIGN §1, §2, §9).
 *
 * Root (root code in the lobby running "the shell") gets the real shell, which the helper
 * keeps at /run/alcove/shell in the lobby; any other uid is refused (not_lobby_user()). Who the
 * lobby's user is comes from the lobby marker (lobby_marker.h), a read-only mount of host root's,
 * and not from the control socket: that goes away when the alcove ends while sshd keeps the
 * connection (and with it the lobby) open, and a new session channel of that connection
 * (ssh ControlMaster) then still execs the shell path here. For the lobby's user there is no
 * way to the real shell: the alcove or an error (fail closed).
 *
 * Without a marker (a lobby built before the marker existed, or not a lobby at all) the
 * older rule applies: $ALCOVE_NAME's control socket owned by our uid, else the real shell.
 *
 * It runs as the user on the host, with an environment the user can set (~/.pam_environment,
 * ssh's SetEnv): so it is static (no LD_PRELOAD, no LD_LIBRARY_PATH reaches a loader) and looks
 * nothing up through NSS, whose modules a static program would dlopen() through
 * $LD_LIBRARY_PATH: the shell comes from the marker, which the helper wrote as root.
 *
 * A terminal is never handed in: the session gets a pty of the alcove's devpts and we relay
 * (pty_relay.h). For su, sudo or login the terminal is the caller's; for sshd it is a pty of
 * the host's devpts, allocated in the lobby so that utmp and wtmp name it as on any host login
 * (each alcove's devpts numbers from 0: two alcoves' logins would share a utmp line). In a
 * lobby the alcove's devpts is at LOBBY_PTS_DIR, under the marker (lobby_marker.h).
 *
 * In a lobby it also covers sshd's xauth (lobby.h): run as "xauth", it runs the real one under
 * limits (xauth_bounds()), for every caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alcove_pty.h"
#include "dirs.h"
#include "enter_client.h"
#include "fileio.h"
#include "lobby_marker.h"
#include "pty_relay.h"

/* The real xauth's bounds. Measured here (xauth 1.1.2, Debian bookworm, x86-64): VmPeak 8132
 * kB for sshd's "remove" and "add" on a small file; 64 MiB is 8 times that. A .Xauthority holds
 * a few hundred bytes a display: 1 MiB is thousands of them. */
#define XAUTH_AS_MAX (64UL << 20)
#define XAUTH_CPU_SEC 5
#define XAUTH_FSIZE_MAX (1UL << 20)
#define XAUTH_ALARM_SEC 10

extern char **environ;

static _noreturn_ void exec_real_shell(char **argv)
{
	execv(LOBBY_SHELL_ANCHOR, argv);
	fprintf(stderr, "alcove-enter: no alcove session and no real shell\n");
	exit(1);
}

/* The control socket of $ALCOVE_NAME if it is this user's: a socket owned by our uid. */
static bool alcove_socket_is_ours(const char *name, char *path, size_t size)
{
	struct stat st;

	if (!name || !alcove_name_is_valid(name))
		return false;
	return alcove_run_path(name, ALCOVE_RUN_CONTROL, path, size) == 0 &&
	       lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == getuid();
}

/* 1 and *ret when this process runs in a lobby (the marker is there), 0 when not, -errno
 * when a marker is there but cannot be read or is not the helper's. Only a root-owned,
 * read-only file on a tmpfs counts: nothing else under /run/alcove is writable by users, but
 * the checks cost nothing. */
static int lobby_marker_read(LobbyMarker *ret)
{
	char buf[LOBBY_MARKER_MAX + 1];
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(LOBBY_MARKER_DIR "/" LOBBY_MARKER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		int r = -errno; /* before close(), which may set errno */
		close(fd);
		return r;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0222) ||
	    sfs.f_type != TMPFS_MAGIC)
		return -EPERM;
	return lobby_marker_parse(buf, (size_t)n, ret) < 0 ? -EBADMSG : 1;
}

/* Lowers a limit (soft and hard) to at most max; never raises one. */
static int rlimit_lower(int resource, rlim_t max)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return -errno;
	if (rl.rlim_max > max)
		rl.rlim_max = max;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/*
 * sshd runs xauth in the lobby, as the user, on the host: outside the alcove's cgroup and pid
 * namespace, with the ~/.Xauthority the tenant writes from inside, which xauth reads whole. A
 * symlink to /dev/zero grew it without end, a FIFO held it asleep for good (and with it the
 * lobby's mount namespace: the ended alcove's tmpfs). The limits and the alarm are inherited
 * by the exec; the signals they send must kill: an ignored signal stays ignored across
 * execve(), a blocked one stays blocked. Lowering limits needs no privilege.
 */
static int xauth_bounds(void)
{
	static const int signals[] = {SIGALRM, SIGXCPU, SIGXFSZ};
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t set;
	int r;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) < 0 || sigaddset(&set, signals[i]) < 0)
			return -errno;
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0)
		return -errno;
	r = rlimit_lower(RLIMIT_AS, XAUTH_AS_MAX);
	if (r >= 0)
		r = rlimit_lower(RLIMIT_CPU, XAUTH_CPU_SEC);
	if (r >= 0)
		r = rlimit_lower(RLIMIT_FSIZE, XAUTH_FSIZE_MAX);
	if (r >= 0)
		r = rlimit_lower(RLIMIT_CORE, 0);
	if (r < 0)
		return r;
	/* a pending alarm survives execve(): it ends a wait on a FIFO, which no limit bounds */
	alarm(XAUTH_ALARM_SEC);
	return 0;
}

static bool invoked_as_xauth(const char *argv0)
{
	const char *base = strrchr(argv0, '/');

	return strcmp(base ? base + 1 : argv0, "xauth") == 0;
}

/* Run as xauth in a lobby (the helper bound us over it): the real one, bounded. Anyone who
 * can run us could run xauth anyway; this only adds limits, and for the lobby's user the file:
 * the home's own path is empty in the lobby (helper/build/lobby.c), so sshd's xauth (which goes
 * by $XAUTHORITY, else ~/.Xauthority) writes the alcove's ~/.Xauthority on its anchor, where X
 * clients inside find the cookie. Whatever the environment says: a path the tenant names
 * (~/.pam_environment, ssh's SetEnv) could lead through /tmp, or any directory U may write on
 * the host. Another caller (root code of the login) keeps its own. Fails closed: the client is
 * told why, and X11 lacks its cookie. */
static _noreturn_ void exec_xauth_bounded(char **argv, const LobbyMarker *lm)
{
	int r = xauth_bounds();

	if (r >= 0 && getuid() == lm->uid && setenv("XAUTHORITY", LOBBY_XAUTHORITY, 1) < 0)
		r = -errno;
	if (r < 0) {
		fprintf(stderr, "alcove-enter: Failed to bound xauth: %s\n", strerror(-r));
		exit(1);
	}
	execv(LOBBY_XAUTH_ANCHOR, argv);
	fprintf(stderr, "alcove-enter: Failed to run %s: %m\n", LOBBY_XAUTH_ANCHOR);
	exit(1);
}

/* Where to go and what to run there. */
typedef struct Target {
	char socket[128];	     /* the alcove's control socket */
	char shell[LOBBY_SHELL_MAX]; /* the user's passwd shell (it is where we were bound) */
	bool lobby;		     /* we run in a lobby: the alcove's devpts is at LOBBY_PTS_DIR */
} Target;

/* Without a marker (not a lobby): the shell from /etc/passwd, read as a file (fgetpwent() is
 * no NSS lookup), else /bin/sh. */
static void passwd_shell(char *buf, size_t size)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;

	snprintf(buf, size, "/bin/sh");
	if (!f)
		return;
	while ((pw = fgetpwent(f)))
		if (pw->pw_uid == getuid()) {
			if (pw->pw_shell && pw->pw_shell[0] == '/')
				snprintf(buf, size, "%s", pw->pw_shell);
			break;
		}
	fclose(f);
}

/* Fail closed: one line saying why and what to do. */
static _noreturn_ void not_running(const char *what, const char *why)
{
	fprintf(stderr, "alcove-enter: your alcove is not running (%s: %s); log in again\n", what,
		why);
	exit(1);
}

/*
 * A lobby, and we do not run as its user. The lobby is one login's: the PAM application's
 * mount namespace, joined once that login's session opened. What runs in it from then on is
 * the application and the root code it runs (sshd's monitor, PAM modules, pam_motd's scripts:
 * uid 0), which get the real shell, and the login's own processes, as the marker's uid. Any
 * other uid is a process the lobby was not built for: sshd's child still running as the uid
 * of sshd's own lookup when the account was renumbered during the login (usermod -u between
 * sshd's getpwnam and the session's), or root code dropped to another account (runuser,
 * setpriv) that happens to run this user's shell path. The first must not reach the host, and
 * nothing tells the two apart; the second is no login of this lobby's and loses nothing it
 * needs (the shell path is this user's, not its own). So: refused, never the real shell.
 */
static _noreturn_ void not_lobby_user(char **argv, const LobbyMarker *lm)
{
	if (getuid() == 0)
		exec_real_shell(argv);
	fprintf(stderr,
		"alcove-enter: refused: uid %u is neither root nor the user of this lobby (uid "
		"%u); if the account changed during this login, log in again\n",
		(unsigned)getuid(), (unsigned)lm->uid);
	exit(1);
}

/* Picks the control socket to connect to and the shell, or execs the real shell, or exits. */
static void choose(char **argv, Target *t)
{
	LobbyMarker lm;
	struct stat st;
	int r;

	r = lobby_marker_read(&lm);
	if (r < 0) {
		/* a lobby whose marker we cannot trust: nobody gets a shell through it */
		fprintf(stderr, "alcove-enter: Failed to read %s/%s: %s\n", LOBBY_MARKER_DIR,
			LOBBY_MARKER_FILE, strerror(-r));
		exit(1);
	}
	if (r == 0) {
		/* not a lobby at all */
		if (alcove_socket_is_ours(getenv("ALCOVE_NAME"), t->socket, sizeof(t->socket))) {
			passwd_shell(t->shell, sizeof(t->shell));
			return;
		}
		exec_real_shell(argv);
	}
	if (lm.uid != getuid())
		not_lobby_user(argv, &lm);
	/* Our lobby: its alcove, never the real shell. The marker names the alcove (the
	 * environment is whatever the program that ran us passed on). */
	t->lobby = true;
	snprintf(t->shell, sizeof(t->shell), "%s", lm.shell);
	if (alcove_run_path(lm.name, ALCOVE_RUN_CONTROL, t->socket, sizeof(t->socket)) < 0)
		not_running(lm.name, strerror(ENAMETOOLONG));
	if (lstat(t->socket, &st) < 0)
		not_running(t->socket, strerror(errno));
	if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid())
		not_running(t->socket, "not the alcove's control socket");
}

/* Hands the login to init and exits the way its session ended. */
static int enter(void *userdata)
{
	const EnterRequest *req = userdata;
	EnterResult res;
	int r;

	r = enter_run(req, &res);
	/* gone between the check and the connect, or ending (it closed its socket); an ENOENT
	 * that init reported (with a message) is the shell missing inside, not the alcove */
	if ((r == -ENOENT || r == -ECONNREFUSED) && !res.message[0])
		not_running(req->socket_path, strerror(-r));
	if (r < 0) {
		if (res.message[0])
			fprintf(stderr, "alcove-enter: %s: %s\n", res.message, strerror(-r));
		else
			fprintf(stderr, "alcove-enter: Failed to enter the alcove through %s: %s\n",
				req->socket_path, strerror(-r));
		return 1;
	}
	fflush(stdout);
	enter_exit_like(res.wait_status);
}

/* The alcove's devpts instance in a lobby (LOBBY_PTS_DIR): a terminal of it needs no relay.
 * 0 (none: every terminal is relayed) when that cannot be told. */
static dev_t own_pts(const Target *t)
{
	struct statfs sfs;
	struct stat st;

	if (!t->lobby || stat(LOBBY_PTS_DIR, &st) < 0 || statfs(LOBBY_PTS_DIR, &sfs) < 0 ||
	    sfs.f_type != DEVPTS_SUPER_MAGIC)
		return 0;
	return st.st_dev;
}

/* A pty for the session: in a lobby from the alcove's devpts, whose ptmx is checked (in root
 * mode ns root may have bound anything over it), else from /dev/ptmx. Exits on failure. */
static void relay_open(PtyRelay *pr, const Target *t)
{
	const char *where = t->lobby ? LOBBY_PTS_DIR "/ptmx" : "/dev/ptmx";
	int master = -1, slave = -1, dir, r;

	if (t->lobby) {
		dir = open(LOBBY_PTS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = dir < 0 ? -errno : alcove_ptmx_open(dir, "ptmx", &master, &slave);
		if (dir >= 0)
			close(dir);
		if (r < 0) {
			fprintf(stderr, "alcove-enter: Failed to allocate a pty from %s: %s\n",
				where, r == -EPERM ? "not the ptmx of a devpts" : strerror(-r));
			exit(1);
		}
	}
	r = pty_relay_open(pr, master, slave);
	if (r < 0) {
		fprintf(stderr, "alcove-enter: Failed to allocate a pty from %s: %s\n", where,
			strerror(-r));
		exit(1);
	}
}

/* The session on a pty of its own, relayed to our terminal; never the terminal itself (fail
 * closed). */
static _noreturn_ void enter_relayed(EnterRequest *req, const Target *t)
{
	int r, status = W_EXITCODE(1, 0);
	char name[32];
	unsigned n;
	PtyRelay pr;

	/* (not dumpable since main()'s first statement: no process of the user's may ptrace us
	 * or open our fds, the caller's terminal among them, through /proc) */
	relay_open(&pr, t);
	/* sshd's SSH_TTY names its host pty; inside, the login's terminal is the alcove's */
	if (t->lobby && getenv("SSH_TTY") && ioctl(pr.master, TIOCGPTN, &n) == 0) {
		snprintf(name, sizeof(name), "/dev/pts/%u", n);
		if (setenv("SSH_TTY", name, 1) == 0)
			req->envp = (const char *const *)environ;
	}
	r = pty_relay_session(&pr, enter, req, &status);
	if (r < 0)
		fprintf(stderr, "alcove-enter: Failed to relay the session's terminal: %s\n",
			strerror(-r));
	enter_exit_like(status);
}

int main(int argc, char *argv[])
{
	EnterRequest req;
	LobbyMarker lm = {0};
	Target t = {0};
	int r;

	/* First of all: we run as the user, holding the caller's fds (the admin's terminal under
	 * su, sudo, login) and environment, and while dumpable any process of the user's may open
	 * them through /proc/PID (PTRACE_MODE_READ; Yama restricts only attach). An exec leaves a
	 * process dumpable when the user may read the file: installed 0711 we are not dumpable
	 * from the exec on (fs/exec.c, would_dump()); in a copy others may read, this leaves only
	 * static startup open. exec_real_shell()'s exec makes the real shell dumpable again. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		fprintf(stderr, "alcove-enter: Failed to make the process not dumpable: %m\n");
		return 1;
	}
	if (std_fds_open() < 0) {
		fprintf(stderr, "alcove-enter: Failed to open /dev/null on fds 0-2\n");
		return 1;
	}
	if (argc < 1 || !argv[0])
		return 1;
	/* (outside a lobby we are never bound over xauth: the usual choice below) */
	if (invoked_as_xauth(argv[0]) && lobby_marker_read(&lm) > 0)
		exec_xauth_bounded(argv, &lm);
	choose(argv, &t);
	/* no leave_after_ms: a login waits for its session's real end, also after sshd's or
	 * login's SIGHUP, and reports it; a hung one holds only the tenant's own login (su
	 * escalates to SIGKILL itself, host root can kill us) */
	req = (EnterRequest){
	    .socket_path = t.socket,
	    .path = t.shell,
	    .argv = (const char *const *)argv,
	    .envp = (const char *const *)environ,
	};
	if (pty_relay_wanted(own_pts(&t)) != 0)
		enter_relayed(&req, &t);

	r = enter_release_tty();
	if (r < 0) {
		fprintf(stderr, "alcove-enter: Failed to give up the controlling terminal: %s\n",
			strerror(-r));
		return 1;
	}
	return enter(&req);
}
