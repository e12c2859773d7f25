/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The child side of a build, from the clone to the execveat of alcove-init. It runs as the
 * first process of the alcove's new namespaces; anything that fails is sent to the helper as
 * errno + step + message over the sync socket, and the child exits. Success is the sync
 * socket closing by exec (it is close-on-exec).
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdpass.h"
#include "log.h"
#include "macro.h"
#include "lib/mountapi.h"

#define MAX_GO_FDS CHILD_MAX_LAYERS /* the idmapped image layers */

_Noreturn static void child_fail(const ChildSetup *cs, const ChildError *e)
{
	(void)send(cs->sync_fd, e, sizeof(*e), MSG_NOSIGNAL);
	_exit(1);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The child got a copy of every helper fd, the per-alcove lock and the caller's request socket
 * among them: a lock fd kept open by init would hold the lock for the alcove's lifetime. */
static int keep_only(const ChildSetup *cs)
{
	int keep[] = {0,
		      1,
		      2,
		      cs->sync_fd,
		      cs->init_fd,
		      cs->control_fd,
		      cs->admin_fd,
		      cs->null_fd,
		      cs->persist_fd,
		      cs->layer_lock_fd};
	unsigned next = 0;

	qsort(keep, ELEMENTSOF(keep), sizeof(int), int_cmp);
	for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < next)
			continue;
		if ((unsigned)keep[i] > next &&
		    syscall(SYS_close_range, next, (unsigned)keep[i] - 1, 0) < 0)
			return negative_errno();
		next = (unsigned)keep[i] + 1;
	}
	if (syscall(SYS_close_range, next, ~0U, 0) < 0)
		return negative_errno();
	return 0;
}

static int recv_go(int fd, ChildGo *go, int *fds, size_t *ret_n)
{
	ssize_t n;

	n = fdpass_recv(fd, go, sizeof(*go), fds, MAX_GO_FDS, ret_n, 0);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ECONNRESET; /* the helper died before GO: nothing to build */
	if ((size_t)n != sizeof(*go) || go->magic != CHILD_GO_MAGIC || go->n_fds != *ret_n) {
		fdpass_close(fds, *ret_n);
		return -EBADMSG;
	}
	return 0;
}

/*
 * The maps are written: become ns root for real. Left with the host ids we were cloned with
 * (0, unmapped inside: overflow ids), this process could still write the top cgroup.procs of
 * the scope and leave it (DESIGN §6). Root mode drops the supplementary groups of host root;
 * user mode cannot (setgroups is denied) and need not: the helper cloned us with exactly the
 * passed-through groups.
 */
static int become_root(const ChildSetup *cs)
{
	uid_t r, e, s;

	if ((!cs->keep_groups && setgroups(0, NULL) < 0) || setresgid(0, 0, 0) < 0 ||
	    setresuid(0, 0, 0) < 0)
		return negative_errno();
	if (getresuid(&r, &e, &s) < 0 || r != 0 || e != 0 || s != 0)
		return -EPERM;
	return 0;
}

/* network = "none": the new network namespace has only lo, and it starts down. */
static int loopback_up(void)
{
	_cleanup_close_ int fd = -1;
	struct ifreq ifr = {0};

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return negative_errno();
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return negative_errno();
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return negative_errno();
	return 0;
}

/*
 * The helper has moved us into the scope and chowned its cgroup to our ns root. Only now a
 * cgroup namespace shows the scope as "/" (one unshared earlier shows "/../..": DESIGN §6).
 * We are PID 1 and have not forked: moving ourselves to init/ moves the whole alcove.
 */
static int cgroup_enter(ChildError *e)
{
	_cleanup_close_ int mfd = -1, target = -1, procs = -1;
	int r;

	if (unshare(CLONE_NEWCGROUP) < 0)
		return child_error(e, errno, "cgroup", "unshare(CLONE_NEWCGROUP): %m");
	mfd = mnt_new_fs("cgroup2", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (mfd < 0)
		return child_error(e, mfd, "cgroup", "mount cgroup2: %m");
	target = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return child_error(e, errno, "cgroup", "open /sys/fs/cgroup: %m");
	r = mnt_attach(mfd, target);
	if (r < 0)
		return child_error(e, r, "cgroup", "mount cgroup2 on /sys/fs/cgroup: %m");
	if (mkdir("/sys/fs/cgroup/init", 0755) < 0 && errno != EEXIST)
		return child_error(e, errno, "cgroup", "mkdir /sys/fs/cgroup/init: %m");
	procs = open("/sys/fs/cgroup/init/cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (procs < 0 || write(procs, "0", 1) != 1)
		return child_error(e, errno, "cgroup", "move into /sys/fs/cgroup/init: %m");
	return 0;
}

static int reset_signals(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t all;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL); /* EINVAL for glibc's internal ones */
	sigemptyset(&all);
	return RET_NERRNO(sigprocmask(SIG_SETMASK, &all, NULL));
}

/*
 * init's stderr: a journal stream connected now, as the alcove's ns root (S in user mode, U in
 * root mode) and before pivot_root hides the host's /run/systemd. journald takes the writer's
 * credentials (_UID, _PID) from SO_PEERCRED at connect: a stream the helper connected would be
 * host root's, and in root mode ns root can take it from init (pidfd_getfd) and write lines
 * that the journal attributes to uid 0. No journal: /dev/null.
 */
static int open_stderr(const ChildSetup *cs)
{
	int fd = log_journal_stream_fd("alcove-init", LOG_INFO);

	return fd >= 0 ? fd : RET_NERRNO(fcntl(cs->null_fd, F_DUPFD_CLOEXEC, 3));
}

static int exec_init(const ChildSetup *cs, int stderr_fd, ChildError *e)
{
	static char *const envp[] = {
	    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};

	/* a session of its own, no controlling tty: logins get theirs from init */
	if (setsid() < 0)
		return child_error(e, errno, "exec", "setsid: %m");
	if (reset_signals() < 0)
		return child_error(e, errno, "exec", "reset signals: %m");
	if (dup2(cs->null_fd, 0) < 0 || dup2(cs->null_fd, 1) < 0 || dup2(stderr_fd, 2) < 0 ||
	    dup2(cs->control_fd, 3) < 0)
		return child_error(e, errno, "exec", "set up fds 0-3 of alcove-init: %m");
	/* fd 4: the persistent layer's lock, held by init as long as the alcove lives; fd 5: the
	 * admin socket. (Every fd of cs was opened after the helper's own 0-3 and run dirs, so
	 * none of them sits on 3-5 to be overwritten by these dup2s; stderr_fd, opened in the
	 * child, may, but it is on 2 already.) */
	if (cs->layer_lock_fd >= 0 && dup2(cs->layer_lock_fd, 4) < 0)
		return child_error(e, errno, "exec", "set up fd 4 of alcove-init: %m");
	if (dup2(cs->admin_fd, 5) < 0)
		return child_error(e, errno, "exec", "set up fd 5 of alcove-init: %m");
	/* everything else closes on exec; init_fd and the sync socket must live until then */
	if ((cs->layer_lock_fd < 0 && syscall(SYS_close_range, 4, 4, CLOSE_RANGE_CLOEXEC) < 0) ||
	    syscall(SYS_close_range, 6, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return child_error(e, errno, "exec", "close_range: %m");
	syscall(SYS_execveat, cs->init_fd, "", cs->init_argv, envp, AT_EMPTY_PATH);
	return child_error(e, errno, "exec", "execveat alcove-init: %m");
}

_Noreturn void child_main(const ChildSetup *cs)
{
	int fds[MAX_GO_FDS];
	ChildError e = {0};
	ChildGo go;
	size_t n_fds = 0;
	int stderr_fd, r;

	umask(022);
	/* Non-dumpable until exec: this process holds host fds (the layers, the persistent layer
	 * and its lock, the binds) while its user namespace is owned by ns root's host id, whose
	 * host processes (U's, in root mode) may ptrace a dumpable process in it. The euid change
	 * of the clone (userns.c) already made it so; said here, not left to that. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail(cs, (child_error(&e, errno, "setup", "PR_SET_DUMPABLE: %m"), &e));
	r = keep_only(cs);
	if (r < 0)
		child_fail(cs, (child_error(&e, r, "fds", "close inherited fds: %m"), &e));
	r = recv_go(cs->sync_fd, &go, fds, &n_fds);
	if (r == -ECONNRESET)
		_exit(1);
	if (r < 0)
		child_fail(cs, (child_error(&e, r, "sync", "receive GO from the helper: %m"), &e));
	r = become_root(cs);
	if (r < 0)
		child_fail(
		    cs,
		    (child_error(&e, r, "userns", "become root in the user namespace: %m"), &e));
	stderr_fd = open_stderr(cs);
	if (stderr_fd < 0)
		child_fail(cs,
			   (child_error(&e, stderr_fd, "exec", "stderr of alcove-init: %m"), &e));
	if (rootfs_setup(cs, fds, n_fds, &e) < 0)
		child_fail(cs, &e);
	for (size_t i = 0; i < n_fds; i++)
		close(fds[i]);
	if (cs->network_none && (r = loopback_up()) < 0)
		child_fail(cs, (child_error(&e, r, "network", "bring up lo: %m"), &e));
	if (go.cgroup && cgroup_enter(&e) < 0)
		child_fail(cs, &e);
	exec_init(cs, stderr_fd, &e);
	child_fail(cs, &e);
}
