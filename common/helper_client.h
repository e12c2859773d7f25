/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one client of alcove-helper, for the PAM module and alcovectl (docs/INTERNALS.md
 * "Helper protocol"): alcove-helper VERB started by spawn.h (its pidfd from the clone itself)
 * with a SOCK_SEQPACKET socketpair on its fd 3, /dev/null on 0-2 (alcovectl keeps its
 * stderr: the helper's log lines reach the admin), every other fd closed, every signal at its
 * default and none blocked, an empty environment (ALCOVE_FAULT only, for the fault build);
 * one request, one answer (common/kv.h), the answer's fds by SCM_RIGHTS. The helper is waited
 * for and killed (past the deadline) through its pidfd only. No logging.
 */

#include <stdbool.h>

#include "kv.h"

typedef struct HelperReply {
	char buf[KV_MAX_MESSAGE];
	KvMessage kv;  /* points into buf */
	int fd;	       /* the fd that came with the answer (open: the lobby), O_CLOEXEC, or -1 */
	int fd2;       /* a second one (open: the alcove's net or UTS ns), or -1 */
	int fd3;       /* a third one (open: the alcove's UTS ns), or -1 */
	int exit_code; /* the helper's exit status, -1 if a signal ended it */
	int signal;    /* the signal that ended it (SIGKILL past the deadline), or 0 */
} HelperReply;

/*
 * How long the PAM module waits for `alcove-helper open` (then kills it and refuses the login),
 * and the budget inside which the helper answers on its own: every wait of an open (the
 * alcove's lock, the image store's lock, the alcove's first process) ends by then, so that a
 * slow build is refused with the helper's own reason, not the module's kill.
 */
#define HELPER_OPEN_TIMEOUT_MS 30000
#define HELPER_OPEN_BUDGET_MS 25000
_Static_assert(HELPER_OPEN_BUDGET_MS < HELPER_OPEN_TIMEOUT_MS,
	       "the helper must answer before the module gives up on it");

typedef struct HelperCall {
	const char *path; /* absolute */
	const char *verb;
	int timeout_ms;	   /* for the whole call; 0: none */
	bool keep_stderr;  /* the helper's fd 2 is ours (alcovectl), else /dev/null */
	const char *fault; /* ALCOVE_FAULT for the fault-injection build, or NULL */
} HelperCall;

void helper_reply_done(HelperReply *r); /* closes fd, fd2 and fd3 */

/* 0 when an answer arrived (its `status` may still be "error"); -errno when the helper could
 * not be run (-EINVAL: path not absolute, -EACCES: not a regular file), died without
 * answering (-ECONNRESET; exit_code/signal say how), answered garbage (-EBADMSG, -EMSGSIZE)
 * or did not answer within the deadline (-ETIMEDOUT: it was killed). */
int helper_call(const HelperCall *call, const KvBuilder *request, HelperReply *ret);

/* The status rule: status=ok → 0; status=skip → 1; status=error → -errno of the answer
 * (-EPROTO when it has none in 1..4095, or no valid status at all). */
int helper_reply_status(const HelperReply *r);
