/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcovectl's side of the helper protocol (docs/INTERNALS.md): run alcove-helper VERB with a
 * socketpair on fd 3, /dev/null on 0 and 1 (stderr kept: the helper's log lines reach the
 * admin), every signal reset, an empty environment, and one request/one answer.
 * The helper is LIBEXECDIR/alcove-helper, or $ALCOVE_HELPER (alcovectl runs as root; the
 * tests point it at a build). $ALCOVE_FAULT is passed on for the fault-injection build.
 * Each verb has a deadline (open 60 s, close 30 s, stop 300 s, gc 600 s, reset none;
 * $ALCOVE_HELPER_TIMEOUT seconds for all): past it the helper is killed (SIGKILL) and the
 * call fails with -ETIMEDOUT.
 */

#include "kv.h"

typedef struct HelperReply {
	char buf[KV_MAX_MESSAGE];
	KvMessage kv;
	int fd; /* the answer's fd (lobby), -1 none */
} HelperReply;

/* 0 with *ret filled (whatever its status); -errno when the helper could not be run or gave
 * no well-formed answer (a message on stderr says why). */
int helper_call(const char *verb, const KvBuilder *request, HelperReply *ret);

/* status=ok → 0; status=skip → 1; status=error → -errno of the answer. The helper has logged
 * the error's message on our stderr already (it inherits it). */
int helper_reply_status(const HelperReply *r);
