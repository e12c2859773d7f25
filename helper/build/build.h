/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Building one alcove (DESIGN §3-§5, §12): the pipeline's entry point, the one the verbs call.
 * Everything the helper prepares on the host (ranges, image layers, persistent dirs, home,
 * alcove-init, control socket), the clone of the child into new namespaces, the id maps, the
 * idmapped layer mounts handed to the child, the scope, and the wait until the child has
 * exec'd alcove-init or reported why it could not. The stages are the files of helper/build/
 * (stage.h); nothing in helper/build/ calls a verb.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "login.h"
#include "policy.h"
#include "statefile.h"

typedef struct BuildSpec {
	const char *name;	/* alcove name: "<uid>" or "<uid>-<8 hex>" */
	const LoginInfo *login; /* the user */
	const Profile *profile;
	const Policy *policy;	/* its reserved_ids: ids no subordinate range may hold */
	const gid_t *pass_gids; /* passed-through supplementary groups (U is a member) */
	const char *const *pass_names;
	size_t n_pass;
	int exe_dirfd; /* where alcove-init lives */
	int rundirfd;  /* /run/alcove/<name>, locked */
	bool debug;
	long long deadline_ms; /* monotonic_ms() by which every wait of the build ends; 0: none */
	/* called with each note of the alcove's first process (one line: a mount point it
	 * replaced or moved aside in the user's upper layer) and of the helper's own repair of
	 * the layer (layer_repair.c), for the caller to log; may be NULL */
	void (*note)(const char *message, void *userdata);
	void *note_userdata;
} BuildSpec;

typedef struct BuildTimings {
	uint64_t userns_us, mounts_us, scope_us;
} BuildTimings;

typedef struct BuildResult {
	pid_t pid; /* init's host pid */
	int pidfd;
	AlcoveState state;
	BuildTimings t;
} BuildResult;

/* On failure: -errno and *error (non-NULL) holds the stage that failed ("ids", "layers",
 * "persistent layer", "home", ...) and one line naming the object; nothing is left running and
 * no mount exists on the host (all mounts were made in the child's own mount namespace);
 * error->tenant says whether the failing stage worked on what the user controls (the
 * persistent layer's dirs, the home, a mount point in the layer, a clone refused for want of
 * pids): failure = "open" must not let such a login through uncontained. */
int build_alcove(const BuildSpec *spec, BuildResult *ret, AlcError *error);
