/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "enter_client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "control_client.h"
#include "fdwait.h"
#include "proto_io.h"
#include "text_escape.h"

/* The signals a login's shell gets from sshd/login/su (hangup on disconnect, termination,
 * the ssh "signal" channel request). ^C/^\ from the tty go to the session directly. */
static const int relayed_signals[] = {SIGHUP, SIGTERM, SIGINT, SIGQUIT};

bool alcove_name_is_valid(const char *name)
{
	size_t n = strspn(name, "0123456789");

	if (n == 0 || n > 10 || (name[0] == '0' && n > 1))
		return false;
	if (name[n] == '\0')
		return true;
	return name[n] == '-' && strspn(name + n + 1, "0123456789abcdef") == 8 &&
	       name[n + 9] == '\0';
}

int enter_release_tty(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int r;

	/* Only a tty that is ours: tcgetsid() fails (ENOTTY) for a tty that is not our
	 * controlling terminal. */
	if (!isatty(0) || tcgetsid(0) < 0)
		return 0;
	if (sigaction(SIGHUP, &ign, &old) < 0)
		return negative_errno();
	r = ioctl(0, TIOCNOTTY) < 0 ? negative_errno() : 1;
	(void)sigaction(SIGHUP, &old, NULL);
	return r;
}

_noreturn_ void enter_exit_like(int wait_status)
{
	if (WIFSIGNALED(wait_status)) {
		int sig = WTERMSIG(wait_status);
		struct rlimit no_core = {0, 0};
		sigset_t set;

		/* No process ends by a stop signal: such a status is forged (init's answer is
		 * ns root's to write in root mode), and raising it would stop us, and with us
		 * alcovectl enter in an admin's script, for good. */
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			_exit(128 + sig);
		/* Die of the same signal so our parent (sshd, a shell) sees what the session
		 * saw; without a core file of alcove-enter itself. */
		(void)setrlimit(RLIMIT_CORE, &no_core);
		(void)signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
		(void)raise(sig);
		_exit(128 + sig); /* a signal whose default is to be ignored */
	}
	if (WIFEXITED(wait_status))
		_exit(WEXITSTATUS(wait_status));
	_exit(1);
}

/* The umask and resource limits PAM left on this process (pam_umask, pam_limits run in the
 * login's process before its shell, i.e. before us): init's child applies them to the
 * session, which it forks from init and would otherwise get init's. */
static int own_limits(ProtoEnter *e)
{
	mode_t mask = umask(0);

	/* umask can only be read by setting it; the callers are single-threaded */
	(void)umask(mask);
	e->umask = (uint32_t)mask & 0777;
	/* A newer libc with more limits than the protocol carries: the first ones go. */
	e->n_rlimits = RLIM_NLIMITS < PROTO_MAX_RLIMITS ? RLIM_NLIMITS : PROTO_MAX_RLIMITS;
	for (uint32_t i = 0; i < e->n_rlimits; i++) {
		struct rlimit64 rl;

		if (getrlimit64((int)i, &rl) < 0)
			return negative_errno();
		e->rlimits[i] = (ProtoRlimit){.cur = rl.rlim_cur, .max = rl.rlim_max};
	}
	return 0;
}

static int send_enter(int sock, const EnterRequest *req)
{
	_cleanup_free_ char *cwd_buf = NULL;
	ProtoMessage m = {.type = PROTO_ENTER};
	int r;
	size_t argc = 0, envc = 0;

	while (req->argv[argc])
		argc++;
	while (req->envp && req->envp[envc])
		envc++;
	if (argc == 0 || argc > PROTO_MAX_ARGS || envc > PROTO_MAX_ARGS)
		return -E2BIG;
	if (!req->cwd)
		cwd_buf = getcwd(NULL, 0); /* NULL (deleted cwd...) → "" → the home */
	m.enter = (ProtoEnter){
	    .path = req->path,
	    .cwd = req->cwd  ? req->cwd
		   : cwd_buf ? cwd_buf
			     : "",
	    .argc = (uint32_t)argc,
	    .envc = (uint32_t)envc,
	    .argv = req->argv,
	    .envp = req->envp,
	};
	r = own_limits(&m.enter);
	if (r < 0)
		return r;
	return proto_send_message(sock, &m, (const int[]){0, 1, 2}, 3, 0);
}

/* The signal read (relayed to init), 0 if none was there, -errno. */
static int relay_signal(int sock, int sfd)
{
	struct signalfd_siginfo si;
	ProtoMessage m = {.type = PROTO_SIGNAL};
	ssize_t n = read(sfd, &si, sizeof(si));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : negative_errno();
	if (n != sizeof(si))
		return -EIO;
	m.signo = (int32_t)si.ssi_signo;
	/* init may be gone already: the EOF on the socket tells us, not this error */
	(void)proto_send_message(sock, &m, NULL, 0, MSG_DONTWAIT);
	return (int)si.ssi_signo;
}

/* Leaving after a signal (EnterRequest.leave_after_ms): the first signal starts the grace,
 * a second one ends it. Every relayed signal counts: each one's default is to end a process,
 * and whoever sent it wants us gone. */
typedef struct Leave {
	unsigned after_ms; /* 0: never leave */
	int signo;	   /* the first signal, 0 before one came */
	long long deadline;
} Leave;

/* 1 when it is time to leave (ret says so), else 0. signo: one just relayed, or 0. */
static int leave_due(Leave *l, int signo, EnterResult *ret)
{
	if (l->after_ms == 0)
		return 0;
	if (signo > 0 && l->signo == 0) {
		l->signo = signo;
		l->deadline = monotonic_ms() + l->after_ms;
		return 0;
	}
	if (l->signo == 0 || (signo == 0 && monotonic_ms() < l->deadline))
		return 0;
	/* The session is frozen, stopped or ignores the signal (ns root's, in root mode: a
	 * frozen login cgroup, a command of theirs that ignores it): we stop waiting, as a
	 * shell reports a command killed by the signal. */
	ret->left_on_signal = l->signo;
	ret->wait_status = W_EXITCODE(128 + l->signo, 0);
	return 1;
}

static int poll_timeout(const Leave *l)
{
	long long left;

	if (l->signo == 0)
		return -1;
	left = l->deadline - monotonic_ms();
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

/* 1 when the session is over (ret filled), 0 to go on, < 0 on error. */
static int handle_answer(int sock, ProtoPacket *pkt, EnterResult *ret)
{
	ProtoMessage a;
	int r = proto_recv_message(sock, pkt, &a, 0);

	if (r < 0)
		return r;
	if (r == 0)
		return -ECONNRESET;
	switch (a.type) {
	case PROTO_STARTED:
		ret->pid = a.pid;
		return 0;
	case PROTO_EXITED:
		ret->wait_status = a.wait_status;
		return 1;
	case PROTO_ERROR:
		/* init's text, which ns root may write in root mode: printed on the terminal of
		 * whoever entered (alcovectl enter's admin, su's), so no escape sequence of
		 * theirs passes; a text too long to escape whole keeps its escaped prefix */
		(void)text_escape_n(a.error.message, PROTO_ERROR_MESSAGE_MAX, true, ret->message,
				    sizeof(ret->message));
		return -a.error.error;
	default: /* a request type is never an answer */
		proto_message_done(&a);
		proto_packet_close_fds(pkt); /* ENTER's three, HOLD's pidfd */
		return -EBADMSG;
	}
}

static int wait_session(int sock, int sfd, unsigned leave_after_ms, EnterResult *ret)
{
	_cleanup_free_ ProtoPacket *pkt = malloc(sizeof(ProtoPacket));
	struct pollfd p[2] = {{.fd = sock, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
	Leave leave = {.after_ms = leave_after_ms};
	int r;

	if (!pkt)
		return -ENOMEM;
	for (;;) {
		int signo = 0;

		r = poll(p, 2, poll_timeout(&leave));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (p[1].revents & POLLIN) {
			signo = relay_signal(sock, sfd);
			if (signo < 0)
				return signo;
		}
		/* an answer that is there already wins over leaving */
		if (p[0].revents) {
			r = handle_answer(sock, pkt, ret);
			if (r != 0)
				return r < 0 ? r : 0;
		}
		if (leave_due(&leave, signo, ret))
			return 0;
	}
}

int enter_run(const EnterRequest *req, EnterResult *ret)
{
	_cleanup_close_ int sock = -1, sfd = -1;
	sigset_t relay, old;
	int r;

	*ret = (EnterResult){0};
	sigemptyset(&relay);
	for (size_t i = 0; i < ELEMENTSOF(relayed_signals); i++)
		sigaddset(&relay, relayed_signals[i]);
	/* Blocked before connecting: a SIGHUP during the hand-over is relayed, not lost. */
	if (sigprocmask(SIG_BLOCK, &relay, &old) < 0)
		return negative_errno();
	sfd = signalfd(-1, &relay, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = negative_errno();
		goto out;
	}
	sock = control_connect(req->socket_path);
	if (sock < 0) {
		r = sock;
		goto out;
	}
	r = send_enter(sock, req);
	if (r >= 0)
		r = wait_session(sock, sfd, req->leave_after_ms, ret);
out:
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
