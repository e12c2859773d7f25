/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The forked child of one session, from init's credentials to the login's program.
 * Any failure is written to the exec-error pipe as a LoginExecError and the child exits 127;
 * a successful exec closes the pipe (O_CLOEXEC), which init reads as "started".
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/major.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

static _noreturn_ _printf_(3, 4) void child_fail(int err_fd, int err, const char *fmt, ...)
{
	LoginExecError ce = {.error = err > 0 ? err : EIO};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ce.message, sizeof(ce.message), fmt, ap);
	va_end(ap);
	(void)!write(err_fd, &ce, sizeof(ce)); /* < PIPE_BUF: atomic */
	_exit(127);
}

/* init ignores terminal signals and blocks SIGCHLD/SIGTERM; a program inherits ignored
 * dispositions and the mask across exec, so a shell started with SIGINT ignored would
 * make ^C do nothing (DESIGN §9). Every signal back to its default, mask empty. */
static int reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		(void)signal(sig, SIG_DFL); /* glibc's reserved RT signals say EINVAL: fine */
	}
	sigemptyset(&none);
	return RET_NERRNO(sigprocmask(SIG_SETMASK, &none, NULL));
}

static void install_fds(const int fds[3], int err_fd)
{
	/* init keeps 0-2 open, so the received fds are >= 3 and dup2 cannot clobber one
	 * before it is used; dup2 clears O_CLOEXEC on the copies. */
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			child_fail(err_fd, errno, "dup2 fd %d", i);
}

/* The slave ptys among 0-2, reopened through this alcove's /dev/pts when they are of its
 * devpts. A file's /proc path is its mount's: alcove-enter's relay opened the pty through the
 * lobby's mount of this devpts (/run/alcove/lobby/pts/N), a path that does not exist here;
 * /proc/self/fd and ttyname()'s first try would name it. Best effort, as the login (the
 * slave is its own): what cannot be reopened stays as received, a working terminal. */
static void reopen_terminals(void)
{
	struct stat here, st, again;
	char path[32];

	if (stat("/dev/pts", &here) < 0)
		return;
	for (int i = 0; i < 3; i++) {
		int fd;

		if (!isatty(i) || fstat(i, &st) < 0 || st.st_dev != here.st_dev ||
		    major(st.st_rdev) < UNIX98_PTY_SLAVE_MAJOR ||
		    major(st.st_rdev) >= UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT)
			continue;
		snprintf(path, sizeof(path), "/dev/pts/%u",
			 (major(st.st_rdev) - UNIX98_PTY_SLAVE_MAJOR) * 256 + minor(st.st_rdev));
		fd = open(path, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &again) == 0 && again.st_rdev == st.st_rdev &&
		    again.st_dev == st.st_dev)
			(void)dup2(fd, i);
		(void)close(fd);
	}
}

/* login-<n> is one init's mkdir() made for this session (session.c skips a name that was
 * taken); ns root may have frozen or replaced it since, which hangs this session only. */
static void join_login_cgroup(unsigned login, int err_fd)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), INIT_CGROUP_ROOT "/login-%u/cgroup.procs", login);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0", 1) != 1)
		child_fail(err_fd, errno, "join cgroup %s", path);
	(void)close(fd);
}

/* The login's umask and resource limits (what pam_umask/pam_limits set on the client), in
 * place of init's. Lowering a limit and moving a soft limit up to its hard one always work;
 * raising a hard limit above init's fails with EPERM because the kernel checks that with
 * capable(CAP_SYS_RESOURCE), not ns_capable(): only the initial user ns counts, and no
 * alcove has it (RLIMIT_NOFILE above fs.nr_open is EPERM as well). Then the hard limit stays the lower of requested and current, the soft one
 * as requested up to that. A limit never fails the login (EINVAL: a resource this kernel
 * does not know). Before the uid change, as pam_limits does it before the login's setuid. */
static void apply_login_limits(const ProtoEnter *e)
{
	(void)umask((mode_t)e->umask);
	for (uint32_t i = 0; i < e->n_rlimits; i++) {
		struct rlimit64 want = {e->rlimits[i].cur, e->rlimits[i].max}, now;

		if (setrlimit64((int)i, &want) == 0 || errno != EPERM ||
		    getrlimit64((int)i, &now) < 0)
			continue;
		want.rlim_max = want.rlim_max < now.rlim_max ? want.rlim_max : now.rlim_max;
		want.rlim_cur = want.rlim_cur < want.rlim_max ? want.rlim_cur : want.rlim_max;
		(void)setrlimit64((int)i, &want);
	}
}

/* Groups first, then gid, then uid: once the uid is not 0 the capabilities needed for the
 * other two are gone (the kernel clears them on the uid change). With --keep-groups (user
 * mode) the groups are init's own, set by the helper before the user ns existed. */
static void drop_to_login(const InitArgs *a, int err_fd)
{
	if (!a->keep_groups && setgroups(a->n_groups, a->groups) < 0)
		child_fail(err_fd, errno, "setgroups (%zu groups)", a->n_groups);
	if (setresgid(a->gid, a->gid, a->gid) < 0)
		child_fail(err_fd, errno, "setresgid %u", a->gid);
	if (setresuid(a->uid, a->uid, a->uid) < 0)
		child_fail(err_fd, errno, "setresuid %u", a->uid);
	/* user mode: nothing the login execs may gain privileges (setuid files, file caps) */
	if (a->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail(err_fd, errno, "PR_SET_NO_NEW_PRIVS");
}

/* After the uid change, so the login's own permissions decide. A cwd that does not exist
 * inside the alcove falls back to the home, as login(1) does. */
static void enter_cwd(const char *cwd, const char *home, int err_fd)
{
	int err;

	if (cwd[0] && chdir(cwd) == 0)
		return;
	err = cwd[0] ? errno : 0;
	if (chdir(home) == 0)
		return;
	if (cwd[0])
		child_fail(err_fd, err, "chdir to '%s' (and to home '%s')", cwd, home);
	child_fail(err_fd, errno, "chdir to home '%s'", home);
}

/* The ENTER init peeked, with its fds, which only this child ever holds (control_io.c). */
static const ProtoEnter *child_receive(int conn_fd, int err_fd, const int **ret_fds)
{
	static ProtoMessage m;
	ProtoPacket *pkt = malloc(sizeof(*pkt));
	int r;

	if (!pkt)
		child_fail(err_fd, ENOMEM, "allocate the receive buffer");
	r = proto_recv_message(conn_fd, pkt, &m, MSG_DONTWAIT);
	if (r != 1 || m.type != PROTO_ENTER)
		child_fail(err_fd, r < 0 ? -r : EPROTO, "receive the ENTER request");
	*ret_fds = pkt->fds;
	return &m.enter;
}

_noreturn_ void child_run(const Init *init, int conn_fd, int err_fd, unsigned login)
{
	const int *fds;
	const ProtoEnter *e = child_receive(conn_fd, err_fd, &fds);

	if (reset_signals() < 0)
		child_fail(err_fd, errno, "reset the signal mask");
	/* A session of its own: its pid is its process group, which SIGNAL and hangup
	 * address, and it may take the tty as controlling terminal. */
	if (setsid() < 0)
		child_fail(err_fd, errno, "setsid");
	install_fds(fds, err_fd);
	/* nothing of init's from here on (fd 4, the layer's lock, above all): what follows may
	 * wait on the tenant's files (a cwd on their FUSE mount) as long as they like, and a
	 * child that outlived init must not keep the lock (all of it is O_CLOEXEC for the exec) */
	if (err_fd > 3)
		(void)close_range(3, (unsigned)err_fd - 1, 0);
	(void)close_range((unsigned)err_fd + 1, ~0U, 0);
	/* alcove-enter gave the tty up (TIOCNOTTY), so it has no session and arg 0 suffices;
	 * stealing it (arg 1) would need CAP_SYS_ADMIN in the tty's user ns (DESIGN §9).
	 * Without it the program runs without job control rather than not at all. */
	if (isatty(0))
		(void)ioctl(0, TIOCSCTTY, 0);
	if (login)
		join_login_cgroup(login, err_fd);
	/* after dup2 onto 0-2, which a low RLIMIT_NOFILE would refuse */
	apply_login_limits(e);
	drop_to_login(&init->args, err_fd);
	reopen_terminals();
	enter_cwd(e->cwd, init->args.home, err_fd);
	/* execvp searches the PATH of `environ`: the login's, not init's */
	environ = (char **)e->envp;
	execvp(e->path, (char *const *)e->argv);
	child_fail(err_fd, errno, "exec '%s'", e->path);
}
