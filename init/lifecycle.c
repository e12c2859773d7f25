/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lifecycle.h"

void lifecycle_init(Lifecycle *l, LifePolicy policy, uint64_t idle_usec, uint64_t now)
{
	*l = (Lifecycle){
	    .policy = policy,
	    .idle_usec = idle_usec,
	    .start = now,
	    .unused_since = LIFE_NEVER,
	    .kill_at = LIFE_NEVER,
	};
}

void lifecycle_request_stop(Lifecycle *l, uint64_t now)
{
	if (l->stopping)
		return;
	l->stopping = true;
	l->kill_at = now + LIFE_KILL_DELAY_USEC;
}

static LifeAction step_stopping(Lifecycle *l, bool has_children, uint64_t now,
				uint64_t *ret_deadline)
{
	*ret_deadline = LIFE_NEVER;
	if (!has_children)
		return LIFE_EXIT;
	if (!l->termed) {
		l->termed = true;
		return LIFE_TERM_ALL;
	}
	if (!l->killed && now >= l->kill_at) {
		l->killed = true;
		return LIFE_KILL_ALL;
	}
	/* after SIGKILL the last SIGCHLD brings us back */
	if (!l->killed)
		*ret_deadline = l->kill_at;
	return LIFE_RUN;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > LIFE_NEVER - b ? LIFE_NEVER : a + b;
}

LifeAction lifecycle_step(Lifecycle *l, unsigned in_use, bool has_children, uint64_t now,
			  uint64_t *ret_deadline)
{
	uint64_t until;

	*ret_deadline = LIFE_NEVER;
	if (l->stopping)
		return step_stopping(l, has_children, now, ret_deadline);
	if (in_use > 0) {
		l->used = true;
		l->unused_since = LIFE_NEVER;
		return LIFE_RUN;
	}
	if (!l->used && now < add_sat(l->start, LIFE_GRACE_USEC)) {
		/* the helper starts init before the first login registers: not "unused" yet */
		*ret_deadline = add_sat(l->start, LIFE_GRACE_USEC);
		return LIFE_RUN;
	}
	if (l->unused_since == LIFE_NEVER)
		l->unused_since = now;
	switch (l->policy) {
	case LIFE_KEEP:
		return has_children ? LIFE_RUN : LIFE_EXIT;
	case LIFE_IDLE:
		until = add_sat(l->unused_since, l->idle_usec);
		if (l->used && now < until) {
			*ret_deadline = until;
			return LIFE_RUN;
		}
		break;
	case LIFE_STOP:
		break;
	}
	lifecycle_request_stop(l, now);
	return step_stopping(l, has_children, now, ret_deadline);
}

const char *life_policy_name(LifePolicy p)
{
	switch (p) {
	case LIFE_KEEP:
		return "keep";
	case LIFE_STOP:
		return "stop";
	case LIFE_IDLE:
		return "idle";
	}
	return "?";
}
