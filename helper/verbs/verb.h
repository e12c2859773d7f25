/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcove-helper's verbs (docs/INTERNALS.md "Helper protocol"): one request message in on fd 3,
 * one answer out, each a common/kv.h message; the lobby fd rides with the answer of open.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "kv.h"
#include "log.h"

typedef struct HelperEnv {
	int exe_dirfd;	     /* the directory of our own executable */
	const char *exe_dir; /* its path */
	pid_t caller;	     /* getppid(): the process that registers a hold */
} HelperEnv;

typedef struct Answer {
	KvBuilder kv;
	int fd;		  /* sent with the answer by SCM_RIGHTS; -1 = none */
	int fd2;	  /* sent after fd in the same message (open: the alcove's net ns) */
	int fd3;	  /* and after it (open: the alcove's UTS ns) */
	LogFields fields; /* for the one log line of the request */
	bool tenant;	  /* the error is of a stage that works on what the user controls */
} Answer;

typedef int (*VerbFn)(const HelperEnv *env, const KvMessage *req, Answer *ans);

/* status=error, errno, message (the formatted text, %m = err), and tenant=1 when a->tenant
 * (docs/INTERNALS.md), logged once with the fields. Returns -|err|. */
int answer_error(Answer *a, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int verb_open(const HelperEnv *env, const KvMessage *req, Answer *ans);
int verb_close(const HelperEnv *env, const KvMessage *req, Answer *ans);
int verb_stop(const HelperEnv *env, const KvMessage *req, Answer *ans);
int verb_reset(const HelperEnv *env, const KvMessage *req, Answer *ans);
int verb_gc(const HelperEnv *env, const KvMessage *req, Answer *ans); /* gc.c */

/* tree_remove.c: removes parentfd/name (a directory on device dev) and everything below it,
 * by fds, never following a symlink, with a bounded number of fds whatever the depth; -EXDEV
 * with the name in bad when it meets a mount point. */
int remove_tree(int parentfd, const char *name, dev_t dev, char *bad, size_t badlen);
/* Removes everything below the directory fd (on its filesystem only), keeping fd itself. */
int remove_tree_contents(int fd, char *bad, size_t badlen);

/* stop.c: stops /run/alcove/<name> (STOP to init, or its scope; SIGKILL after a grace time),
 * waits until init is gone and removes the directory. 0 also when it was not running. */
int alcove_stop(int runfd, const char *name, char *err, size_t errlen);
/* The same with the lock held by the caller (dirfd: /run/alcove/<name>). */
int alcove_stop_locked(int runfd, const char *name, int dirfd, char *err, size_t errlen);
/* Like alcove_stop_locked(), but removes only state and control: the directory and the lock
 * the caller holds stay, so no login can build there until the caller is done (reset). */
int alcove_end_locked(const char *name, int dirfd, char *err, size_t errlen);
/* Stops every alcove the request names (name=, or all of user=); answers on error only. */
int stop_request(const KvMessage *req, Answer *ans, int runfd);
/* The names of every alcove of user (by the name's uid and the state's user). */
int alcove_names_of(int runfd, const char *user, uid_t uid, char (*names)[32], size_t max,
		    size_t *ret_n);
