/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "relay_child.h"

#include <errno.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "macro.h"

void relay_sigset(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGWINCH);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGQUIT);
	sigaddset(set, SIGPIPE);
}

int relay_signals_block(RelaySignals *s)
{
	const struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t relayed;

	relay_sigset(&relayed);
	s->parent = getpid();
	if (sigaction(SIGCHLD, &dfl, &s->old_chld) < 0)
		return negative_errno();
	if (sigprocmask(SIG_BLOCK, &relayed, &s->old_mask) < 0) {
		int k = negative_errno();

		(void)sigaction(SIGCHLD, &s->old_chld, NULL);
		return k;
	}
	return 0;
}

void relay_signals_restore(const RelaySignals *s)
{
	(void)sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
	(void)sigaction(SIGCHLD, &s->old_chld, NULL);
}

void relay_signals_finish(const RelaySignals *s)
{
	const struct timespec now = {0, 0};
	sigset_t relayed;

	relay_sigset(&relayed);
	while (sigtimedwait(&relayed, NULL, &now) > 0)
		;
	relay_signals_restore(s);
}

void relay_child_setup(const RelaySignals *s)
{
	relay_signals_restore(s);
	/* the parent may have died before the prctl: then we were reparented already */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != s->parent)
		_exit(1);
}

int relay_child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return W_EXITCODE(1, 0);
	return status;
}
