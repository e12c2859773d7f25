/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Holds: the helper registers one per PAM session with a pidfd of the PAM application
 * (sshd's monitor...). A pidfd polls readable once its process has exited, so a crashed
 * sshd drops its hold without anyone calling RELEASE.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "init.h"

static Hold *hold_find(Init *init, const char *id)
{
	for (Hold *h = init->holds; h; h = h->next)
		if (!h->watch.dead && strcmp(h->id, id) == 0)
			return h;
	return NULL;
}

static void hold_drop(Init *init, Hold *h)
{
	watch_del(init, h->pidfd);
	(void)close(h->pidfd);
	h->pidfd = -1;
	h->watch.dead = true;
	init->n_holds--;
	init_touch(init);
}

int hold_add(Init *init, const char *id, int pidfd)
{
	Hold *h = hold_find(init, id);
	struct rlimit rl;
	int r;

	if (init->n_holds - (h ? 1 : 0) >= INIT_MAX_HOLDS)
		return -ENOSPC;
	/* holds without a session (ssh -N) take descriptors too: the admin socket's connections
	 * keep theirs (INIT_FD_RESERVE, conn.c) */
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
	    (rlim_t)pidfd + INIT_MAX_ADMIN_CONNS >= rl.rlim_cur)
		return -EMFILE;
	if (h) /* the same PAM session again: the newer pidfd counts (once it may) */
		hold_drop(init, h);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (Hold){.watch.kind = WATCH_HOLD, .pidfd = pidfd};
	strcpy(h->id, id); /* proto_decode checked its length */
	/* epoll refuses what cannot be polled (a regular file): not a pidfd */
	r = watch_add(init, pidfd, &h->watch, EPOLLIN);
	if (r < 0) {
		free(h);
		return r;
	}
	h->next = init->holds;
	init->holds = h;
	init->n_holds++;
	init_touch(init);
	return 0;
}

int hold_release(Init *init, const char *id)
{
	Hold *h = hold_find(init, id);

	if (!h)
		return -ENOENT;
	hold_drop(init, h);
	return 0;
}

void hold_event(Init *init, Hold *h)
{
	init_log("hold '%s' dropped: its process exited", h->id);
	hold_drop(init, h);
}

void holds_sweep(Init *init)
{
	for (Hold **p = &init->holds; *p;) {
		Hold *h = *p;

		if (h->watch.dead) {
			*p = h->next;
			free(h);
		} else
			p = &h->next;
	}
}
