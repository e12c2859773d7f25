/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What build.c (helper side) and the child it clones share: the setup the child gets a copy
 * of, the GO message, the child's reports, and the child's stages (userns.c: the clone and
 * the maps; init_spawn.c: the child until the exec of alcove-init; rootfs_apply.c: its root).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "rootfs_plan.h"

#define CHILD_MAX_LAYERS (POLICY_MAX_LAYERS + 1)

/* Names in the helper's tmpfs on the staging dir (ChildSetup.n_bind_fds). */
#define CHILD_STAGED_SYS "sys"
#define CHILD_STAGED_BIND "b%zu"

/* Everything the child needs, prepared before the clone (the child gets a copy). */
typedef struct ChildSetup {
	int sync_fd;	/* the child's end of the SEQPACKET pair */
	int init_fd;	/* alcove-init, O_RDONLY */
	int control_fd; /* the listening control socket (the user's) -> fd 3 of init */
	int admin_fd;	/* the listening admin socket (root's) -> fd 5 of init */
	int null_fd;	/* /dev/null -> fds 0 and 1 */
	/* persist = true: a detached clone of /var/lib/alcove/<user>/layer (holding upper/ and
	 * work/, owned by ns root), attached in the child's staging area; -1: tmpfs upper */
	int persist_fd;
	/* persist = true: /var/lib/alcove/<user>/lock (root 0600, O_RDONLY), flock'ed (LOCK_EX,
	 * or LOCK_SH for share = session) -> fd 4 of init, which keeps it for the alcove's
	 * lifetime; -1 none */
	int layer_lock_fd;
	/* network != "none": a sysfs of the host's network ns that the helper mounted (none of
	 * the mounts below the host's /sys: its cgroup tree, securityfs, debugfs...),
	 * read-only, nosuid, nodev, noexec. Staged by userns.c with the bind mounts (below).
	 * The fd stays the helper's. -1: none */
	int sys_fd;
	bool persist_as_lower; /* share = session: layer/upper is the top lower layer, read-only */
	char upper_options[96]; /* persist = false: the tmpfs upper's mode, size= and nr_inodes= */
	size_t n_layers;	/* image layers: the fds of the GO message, top first */
	/* home, profile mounts, /tmp: detached mounts of the helper's (BuildCtx.bind_fds), which
	 * userns.c attaches in a mount ns of its own just before the clone, on a tmpfs it
	 * mounts on staging, each on a directory CHILD_STAGED_BIND (and the sysfs on
	 * CHILD_STAGED_SYS): the child's mount ns, a copy of that one in a less privileged user
	 * ns, has their flags locked (MNT_LOCK_*), and the child's clones of them from there
	 * keep them (rootfs_apply.c). Not in the GO message. */
	size_t n_bind_fds;
	char staging[128];     /* "/run/alcove/<name>": the child mounts its staging tmpfs here */
	char hostname[65];
	char user[POLICY_NAME_MAX + 1]; /* whose layer, for the notes */
	bool network_none;
	/* user mode: setgroups is "deny" in the alcove's user ns (nothing inside needs it); the
	 * child keeps the passed-through groups the helper cloned it with */
	bool keep_groups;
	bool setuid;
	uid_t owner_uid; /* idmap_userns_owner(): the user namespace is created with it as euid */
	RootfsPlan plan;
	char *init_argv[16];
} ChildSetup;

/* GO (helper -> child): the maps are written, the idmapped layers ride along. */
typedef struct ChildGo {
	uint32_t magic;
	uint32_t cgroup; /* 1: the helper moved us into a delegated scope */
	uint32_t n_fds;
} ChildGo;

#define CHILD_GO_MAGIC 0x616c6331u

/* A failure in the child (child -> helper), crun style: errno + step + message. */
typedef struct ChildError {
	int32_t err;	/* positive errno */
	int32_t tenant; /* 1: a mount point in the user's layer could not be made, or the overlay
			 * with their persistent layer could not be mounted (rootfs_apply) */
	char step[32];
	char message[448];
} ChildError;

/* Fills e (errno + step + message, %m = err); returns -err. */
int child_error(ChildError *e, int err, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A note (child -> helper) sent before the exec or the error: a ChildError with err = 0 and
 * step "note", which the helper passes to BuildSpec.note. -errno if it cannot be sent. */
int child_note(const ChildSetup *cs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* init_spawn.c: runs in the child, never returns. */
_Noreturn void child_main(const ChildSetup *cs);

/* rootfs_apply.c: the staging tmpfs, layers, overlay, plan, pivot_root. */
int rootfs_setup(const ChildSetup *cs, const int *fds, size_t n_fds, ChildError *err);
/* userns.c */
int userns_clone(const ChildSetup *cs, const int *bind_fds, const gid_t *groups, size_t n_groups,
		 int *ret_pidfd, pid_t *ret_pid);
int userns_write_maps(pid_t pid, const char *uid_map, const char *gid_map, bool deny_setgroups);
