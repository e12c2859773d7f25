/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * When alcove-init ends the alcove (docs/INTERNALS.md "alcove-init"): a pure state
 * machine fed with "how many sessions/holds", "any child left" and the time; it
 * answers with one action and the time it wants to be asked again.
 *
 *   in use     = a session (ENTER connection) is open or a hold is registered
 *   keep       : unused and no child left         -> exit
 *   stop       : unused                           -> SIGTERM all, SIGKILL after 3 s, exit
 *   idle       : unused for idle_timeout          -> like stop
 *   never used : nothing of the above before LIFE_GRACE_USEC after the start
 *   stop request (SIGTERM, STOP)                   -> like stop, now
 */

#include <stdbool.h>
#include <stdint.h>

#define USEC_PER_SEC 1000000ULL
#define LIFE_GRACE_USEC (60 * USEC_PER_SEC)
#define LIFE_KILL_DELAY_USEC (3 * USEC_PER_SEC)
#define LIFE_NEVER UINT64_MAX

typedef enum LifePolicy { LIFE_KEEP, LIFE_STOP, LIFE_IDLE } LifePolicy;

typedef enum LifeAction {
	LIFE_RUN,      /* nothing to do until the deadline or the next event */
	LIFE_TERM_ALL, /* SIGTERM (and SIGCONT) to every process of the alcove */
	LIFE_KILL_ALL, /* SIGKILL to every process */
	LIFE_EXIT,     /* init exits (0) */
} LifeAction;

typedef struct Lifecycle {
	LifePolicy policy;
	uint64_t idle_usec;
	uint64_t start;
	bool used;	       /* was in use at least once */
	uint64_t unused_since; /* LIFE_NEVER while in use */
	bool stopping;
	bool termed;
	bool killed;
	uint64_t kill_at;
} Lifecycle;

void lifecycle_init(Lifecycle *l, LifePolicy policy, uint64_t idle_usec, uint64_t now);
void lifecycle_request_stop(Lifecycle *l, uint64_t now);

/* Call after every event, and again after acting, until it returns LIFE_RUN (or EXIT).
 * *ret_deadline: the time to call again without an event (LIFE_NEVER: only on events). */
LifeAction lifecycle_step(Lifecycle *l, unsigned in_use, bool has_children, uint64_t now,
			  uint64_t *ret_deadline);

const char *life_policy_name(LifePolicy p);
