/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Runs alcove-helper for one verb (docs/INTERNALS.md "Helper protocol"): a SOCK_SEQPACKET
 * socketpair on the helper's fd 3, /dev/null on 0-2, every other fd closed, signal
 * dispositions and mask reset, an empty environment; one request, one answer (common/kv.h),
 * the answer's fds (the lobby, the alcove's net ns) by SCM_RIGHTS. Waits for that pid only, at most `timeout_ms`
 * in all; a helper that overstays is SIGKILLed.
 */

#include "kv.h"

#define HELPER_TIMEOUT_MS 30000

typedef struct HelperReply {
	char buf[KV_MAX_MESSAGE];
	KvMessage kv;  /* points into buf */
	int fd;	       /* the fd that came with the answer, O_CLOEXEC, or -1 */
	int fd2;       /* a second one (open: the alcove's net ns), or -1 */
	int exit_code; /* the helper's exit status, -1 if it was killed or its status was lost */
} HelperReply;

void helper_reply_done(HelperReply *r); /* closes fd and fd2 */

/* 0 when an answer arrived (its `status` may still be "error"); -errno when the helper could
 * not be run, died without answering, answered garbage or timed out (-ETIMEDOUT). */
int helper_call(const char *helper, const char *verb, const KvBuilder *request, int timeout_ms,
		HelperReply *ret);
