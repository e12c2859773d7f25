/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Crash points for the robustness tests: built with -DALCOVE_FAULT_INJECTION (the Makefile's
 * build/test/alcove-helper-fault), FAULT_POINT("stage") kills the helper with SIGKILL when the
 * environment variable ALCOVE_FAULT names that stage. ALCOVE_FAULT=budget=MS instead shortens
 * an open's budget (helper_client.h) to MS, so that a test sees a bounded wait end in seconds.
 * The installed helper has none of it.
 */

#ifdef ALCOVE_FAULT_INJECTION
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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
#else
#define FAULT_POINT(stage)                                                                         \
	do {                                                                                       \
	} while (0)
#define fault_budget_ms(dflt) (dflt)
#endif
