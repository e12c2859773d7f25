/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The alcove's systemd scope (DESIGN §6): a transient alcove-<name>.scope in user-<uid>.slice
 * holding the alcove's PID 1, with Delegate=yes and the profile's limits, started over sd-bus
 * on the system bus. The delegated cgroup is then chowned to the alcove's ns root so that the
 * alcove (after unsharing its cgroup namespace) can create init/ and login-<n>/ in it.
 */

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

typedef struct ScopeRequest {
	const char *user;     /* user name, for the Description */
	uid_t uid;	      /* the user's host uid: Slice=user-<uid>.slice */
	const char *profile;  /* profile name, for the Description */
	const char *name;     /* alcove name: the user name (share=user) or "<uid>-<hex>" */
	pid_t pid;	      /* init's host pid */
	const Limits *limits; /* may be NULL: no limits */
	uid_t owner_uid;      /* host ids of the alcove's ns root: chown target */
	gid_t owner_gid;
} ScopeRequest;

typedef struct ScopeResult {
	char unit[256];
	char cgroup_path[4096]; /* absolute cgroupfs dir of the scope */
} ScopeResult;

/* The scope's TimeoutStopUSec: how long systemd's stop (StopUnit, shutdown, the user's slice
 * stopping) waits after SIGTERM before it SIGKILLs what is left. Init answers SIGTERM by
 * ending every process, SIGKILL after 3 s (LIFE_KILL_DELAY_USEC): 5 s leaves it that. Not
 * systemd's default 90 s: in root mode ns root may freeze init's cgroup (cgroup.freeze in
 * the delegated subtree), and a frozen init never acts on SIGTERM; SIGKILL ends frozen tasks
 * (the cgroup v2 freezer lets fatal signals through). */
#define SCOPE_STOP_TIMEOUT_USEC (5ULL * 1000000ULL)

/* How long scope_start/scope_stop wait for systemd's job. */
#define SCOPE_JOB_TIMEOUT_USEC (10ULL * 1000000ULL)
_Static_assert(SCOPE_STOP_TIMEOUT_USEC < SCOPE_JOB_TIMEOUT_USEC,
	       "systemd's SIGKILL comes within scope_stop()'s wait for the job");

/* Starts the scope and waits until systemd has moved req->pid into it; *ret filled on
 * success only. Returns -errno with ret_error filled (stage "scope"; systemd's error text
 * when systemd said no; "systemd not reachable on the system bus" with -EHOSTDOWN when there
 * is no bus or no systemd on it; ret_error may be NULL). On a failure after the start the
 * scope is stopped again. */
int scope_start(const ScopeRequest *req, ScopeResult *ret, AlcError *ret_error);

/* Stops the unit (StopUnit "replace": systemd kills what is in it) and waits for the job.
 * -ENOENT when the unit is not loaded; ret_error as for scope_start(). */
int scope_stop(const char *unit, AlcError *ret_error);
