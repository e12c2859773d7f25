/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Crash points for the robustness tests: built with -DALCOVE_FAULT_INJECTION (the Makefile's
 * build/test/alcove-helper-fault), FAULT_POINT("stage") kills the helper with SIGKILL when the
 * environment variable ALCOVE_FAULT names that stage. ALCOVE_FAULT=budget=MS instead shortens
 * an open's budget (helper_client.h) to MS, so that a test sees a bounded wait end in seconds.
 * ALCOVE_FAULT=caller-gone:STAGE makes FAULT_CALLER_GONE(STAGE, pidfd) SIGKILL the caller and
 * wait until it is reaped: a client that dropped its connection mid-login, at that point.
 * The installed helper has none of it.
 */

#ifdef ALCOVE_FAULT_INJECTION
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define FAULT_POINT(stage)                                                                         \
	do {                                                                                       \
		const char *_f_ = getenv("ALCOVE_FAULT");                                          \
		if (_f_ && strcmp(_f_, (stage)) == 0)                                              \
			raise(SIGKILL);                                                            \
	} while (0)
/* the budget ALCOVE_FAULT=budget=MS asks for, else dflt */
static inline long long fault_budget_ms(long long dflt)
{
	const char *f = getenv("ALCOVE_FAULT");

	return f && strncmp(f, "budget=", 7) == 0 && atoll(f + 7) > 0 ? atoll(f + 7) : dflt;
}
/* until its parent reaped it: a zombie still takes signal 0 (and has its /proc/PID/stat) */
static inline void fault_caller_gone(const char *stage, int pidfd)
{
	const char *f = getenv("ALCOVE_FAULT");

	if (!f || strncmp(f, "caller-gone:", 12) != 0 || strcmp(f + 12, stage) != 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	for (int i = 0; i < 500 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0; i++)
		usleep(10000);
}
#define FAULT_CALLER_GONE(stage, pidfd) fault_caller_gone((stage), (pidfd))
#else
#define FAULT_CALLER_GONE(stage, pidfd)                                                            \
	do {                                                                                       \
	} while (0)
#define FAULT_POINT(stage)                                                                         \
	do {                                                                                       \
	} while (0)
#define fault_budget_ms(dflt) (dflt)
#endif
