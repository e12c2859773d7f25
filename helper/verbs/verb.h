/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcove-helper's verbs (docs/INTERNALS.md "Helper protocol"): one request message in on fd 3,
 * one answer out, each a common/kv.h message; the lobby fd rides with the answer of open.
 * main.c calls the verbs; a verb calls the build pipeline (build/build.h, build/lobby.h,
 * build/scope.h) and lib/, never main.c.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "kv.h"
#include "request.h"
#include "log.h"

typedef struct HelperEnv {
	int exe_dirfd;	     /* the directory of our own executable */
	const char *exe_dir; /* its path */
	pid_t caller;	     /* getppid(): the process that registers a hold */
	int caller_pidfd;    /* its pidfd, taken at our start (-errno if that failed): a pid
				read later may be another process's by then */
} HelperEnv;

typedef struct Answer {
	KvBuilder kv;
	int fd;		  /* sent with the answer by SCM_RIGHTS; -1 = none */
	int fd2;	  /* sent after fd in the same message (open: the alcove's net ns) */
	int fd3;	  /* and after it (open: the alcove's UTS ns) */
	LogFields fields; /* for the one log line of the request */
	bool tenant;	  /* the error is of a stage that works on what the user controls */
	bool refusal;	  /* the policy's own decision, or what it rests on (policy, lookup) */
} Answer;

typedef int (*VerbFn)(const HelperEnv *env, const Request *req, Answer *ans);

/* answer.c: status=error, errno, message (the formatted text, %m = err), tenant=1 when
 * a->tenant and refusal=1 when a->refusal (docs/INTERNALS.md), logged once with the fields.
 * Returns -|err|. */
int answer_error(Answer *a, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int verb_open(const HelperEnv *env, const Request *req, Answer *ans);
int verb_close(const HelperEnv *env, const Request *req, Answer *ans);
int verb_stop(const HelperEnv *env, const Request *req, Answer *ans);
int verb_reset(const HelperEnv *env, const Request *req, Answer *ans);
int verb_gc(const HelperEnv *env, const Request *req, Answer *ans);
