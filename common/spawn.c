/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdwait.h"
#include "macro.h"

#define SPAWN_STACK_SIZE (64 * 1024)

typedef struct SpawnChild {
	const SpawnSpec *spec;
	int null_fd;
	pid_t parent;
	volatile int err; /* written by the child (shared memory), read after it exec'd or died */
} SpawnChild;

static int child_fds(const SpawnChild *c)
{
	const SpawnSpec *s = c->spec;
	int tmp[SPAWN_MAX_FDS];

	/* First every source above the targets (F_DUPFD never replaces an open fd), so no dup2
	 * below overwrites a source that a later one still needs. */
	for (size_t i = 0; i < s->n_fds; i++) {
		tmp[i] =
		    fcntl(s->fds[i] >= 0 ? s->fds[i] : c->null_fd, F_DUPFD_CLOEXEC, SPAWN_MAX_FDS);
		if (tmp[i] < 0)
			return -errno;
	}
	for (size_t i = 0; i < s->n_fds; i++)
		if (dup2(tmp[i], (int)i) < 0) /* the copy on i is not close-on-exec */
			return -errno;
	if (syscall(SYS_close_range, (unsigned)s->n_fds, ~0U, 0) < 0)
		return -errno;
	return 0;
}

/* The death signal is armed only now: a parent SIGKILLed before (CLONE_VFORK suspends it, a
 * SIGKILL still ends it) has reparented us already, which getppid() shows. The signal survives
 * the exec (of a program that is not setuid or file-capable). */
static int child_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	return getppid() == parent ? 0 : -ESRCH;
}

/*
 * The child, on its own stack in the parent's memory (CLONE_VM) while the parent waits
 * (CLONE_VFORK): only syscalls here, and the error in c->err. Its signal handlers are its own
 * copy (no CLONE_SIGHAND); every signal is blocked until they are back at their defaults, so
 * none of the application's handlers runs in it.
 */
static int child_main(void *arg)
{
	SpawnChild *c = arg;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;
	int r;

	for (int sig = 1; sig < _NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL); /* EINVAL for glibc's internal ones */
	r = child_fds(c);
	if (r == 0 && c->spec->die_with_parent)
		r = child_die_with_parent(c->parent);
	if (r < 0) {
		c->err = -r;
		_exit(127);
	}
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) {
		c->err = errno;
		_exit(127);
	}
	execve(c->spec->path, c->spec->argv, c->spec->envp);
	c->err = errno > 0 ? errno : EIO;
	_exit(127);
}

/* clone(2) rather than clone3: glibc's wrapper runs fn on the given stack, which a raw clone3
 * with CLONE_VM cannot do from C. The legacy call takes CLONE_PIDFD as well (Linux 5.2), the
 * pidfd stored through parent_tid, as atomically as clone3 does. The exit signal is SIGCHLD:
 * exec resets any other to SIGCHLD anyway (de_thread), so the application may still reap the
 * child; the pidfd is what keeps that harmless. */
static int clone_child(SpawnChild *c, int *ret_pidfd)
{
	void *stack;
	int pidfd = -1;
	pid_t pid;

	stack = mmap(NULL, SPAWN_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return negative_errno();
	pid = clone(child_main, (char *)stack + SPAWN_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, c, &pidfd);
	int r = pid < 0 ? negative_errno() : 0;
	(void)munmap(stack, SPAWN_STACK_SIZE); /* the child has exec'd or exited */
	if (r < 0)
		return r;
	*ret_pidfd = pidfd; /* close-on-exec already */
	return 0;
}

int spawn_pidfd(const SpawnSpec *s, int *ret_pidfd)
{
	_cleanup_close_ int null_fd = -1, pidfd = -1;
	SpawnChild c = {.spec = s, .null_fd = -1, .parent = getpid(), .err = 0};
	sigset_t all, old;
	int r, code, sig;

	if (s->n_fds > SPAWN_MAX_FDS)
		return -EINVAL;
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		return negative_errno();
	c.null_fd = null_fd;
	sigfillset(&all);
	r = -pthread_sigmask(SIG_SETMASK, &all, &old);
	if (r < 0)
		return r;
	r = clone_child(&c, &pidfd);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	if (c.err != 0) {
		(void)spawn_wait(pidfd, -1, &code, &sig); /* it exits at once: reap it */
		return -c.err;
	}
	*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

int spawn_wait(int pidfd, long long deadline, int *ret_exit_code, int *ret_signal)
{
	siginfo_t si = {0};
	int r = 0;

	*ret_exit_code = -1;
	*ret_signal = 0;
	/* a pidfd is readable once the child has exited */
	if (deadline >= 0)
		r = fd_wait_readable(pidfd, deadline);
	/* Past the deadline (or unable to wait for it): killed through the pidfd, which names
	 * this child and no other whatever became of its pid number (ESRCH: reaped already). */
	if (r < 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return negative_errno();
	/* ECHILD: the application reaped it (its own SIGCHLD handler, or SIGCHLD ignored): the
	 * status is lost, nothing else is */
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
		if (errno == ECHILD)
			return r;
		if (errno != EINTR)
			return negative_errno();
	}
	if (si.si_code == CLD_EXITED)
		*ret_exit_code = si.si_status;
	else
		*ret_signal = si.si_status;
	return r;
}
