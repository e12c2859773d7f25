/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The alcove's filesystem as data (DESIGN §4): the list of mounts to make on top of the overlay
 * root, built from the profile before the child is cloned, then executed step by step by
 * rootfs_apply.c inside the child's mount namespace. Also the overlay's lowerdir option and the
 * synthesized /etc/passwd and /etc/group. Pure: no syscalls, unit-tested.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

typedef enum {
	STEP_TMPFS,	 /* a fresh tmpfs; data = options */
	STEP_PROC,	 /* procfs of the alcove's PID namespace */
	STEP_SYSFS,	 /* sysfs of the alcove's own network namespace (network = "none") */
	STEP_SYSFS_HOST, /* sysfs of the host's network ns: the helper's mount (child.h) */
	STEP_DEVPTS,	 /* a new devpts instance; data = options */
	STEP_BIND_HOST,	 /* bind of a host path (source), as the child still sees the host tree */
	STEP_BIND_FD,	 /* a detached mount the helper made: the fd_index'th fd it sent */
	STEP_FILE,	 /* a file holding data, bound read-only */
	STEP_MASK_FILE,	 /* an empty mode-0 file bound read-only over target */
	STEP_ACCOUNTS,	 /* not a mount: the alcove's own file at target, its root's, with the
			  * lines of data on top (root mode's /etc/passwd, /etc/group) */
	STEP_SYMLINK,	 /* not a mount: target -> data */
	STEP_REMOUNT_RO, /* make the mount at target (made by an earlier step) read-only */
} StepKind;

/* MOUNT_ATTR_* values, spelled here so this file needs no kernel header. */
#define STEP_ATTR_RDONLY 0x00000001u
#define STEP_ATTR_NOSUID 0x00000002u
#define STEP_ATTR_NODEV 0x00000004u
#define STEP_ATTR_NOEXEC 0x00000008u

typedef struct MountStep {
	StepKind kind;
	const char *target; /* absolute path inside the alcove */
	const char *source; /* STEP_BIND_HOST */
	const char *data;   /* options, file content or symlink target */
	uint32_t attrs;	    /* STEP_ATTR_* */
	mode_t mode;	    /* STEP_FILE, STEP_ACCOUNTS */
	unsigned fd_index;  /* STEP_BIND_FD */
	bool fresh;	    /* STEP_BIND_FD: a new filesystem of the helper's, attached as it is */
	bool file;	    /* the mount point is a file, not a directory */
	bool optional;	    /* STEP_BIND_HOST: skip when the source does not exist */
	bool members;	    /* STEP_ACCOUNTS: a group file, the tenant's members kept */
} MountStep;

#define ROOTFS_MAX_STEPS (48 + POLICY_MAX_MOUNTS)
#define ROOTFS_MAX_SSH_KEYS 16

#define ROOTFS_TMPFS_OPTIONS_MAX 96

typedef struct RootfsPlan {
	MountStep step[ROOTFS_MAX_STEPS];
	size_t n;
	char run_options[ROOTFS_TMPFS_OPTIONS_MAX]; /* the data of /run and /dev/shm */
	char shm_options[ROOTFS_TMPFS_OPTIONS_MAX];
	char home_parent[256]; /* image = "/": the home's parent masked besides /home, or "" */
} RootfsPlan;

typedef struct RootfsInput {
	bool host_root_image; /* image = "/": mask other users' data and host secrets */
	bool setuid;	      /* setuid binaries allowed: no nosuid on image-backed mounts */
	bool network_none;
	TmpfsSize tmp_size;  /* size= and nr_inodes= of /run and /dev/shm (and of the helper's */
	uint64_t tmp_inodes; /* /tmp, made with rootfs_tmpfs_options() too) */
	const char *home;    /* U's home path inside (the passwd entry's) */
	const ProfileMount *mounts; /* BIND_FD fds 1..n_mounts, in order */
	size_t n_mounts;
	const char *const *ssh_keys; /* host /etc/ssh/ *_key files to mask */
	size_t n_ssh_keys;
	const char *passwd; /* content of /etc/passwd and /etc/group */
	const char *group;
	/* mode = "root": /etc/passwd and /etc/group are the alcove's own files (its root adds
	 * accounts), the helper's lines put on top at every build; else bound read-only */
	bool tenant_accounts;
} RootfsInput;

/* The home volume is BIND_FD fd 0; profile mount i is fd 1+i; /tmp, a tmpfs the helper makes
 * (host root's, so that nothing of the alcove owns what the lobby imports), fd 1+n_mounts. */
#define ROOTFS_FD_HOME 0u

/* "mode=<mode>,size=<bytes or N%>,nr_inodes=<n>": a tmpfs a tenant cannot grow past the
 * profile's tmp_size and tmp_inodes (without size= tmpfs takes half the RAM, per mount). */
int rootfs_tmpfs_options(const char *mode, const TmpfsSize *size, uint64_t inodes, char *buf,
			 size_t len);

/* The tmpfs upper of persist = false (and share = "session"): the smaller of layer_quota and
 * tmp_size (a percentage resolved against ram, the bytes tmpfs takes it of), so that a layer
 * quota never lets an alcove hold more memory than its tmp_size; 0 means "not set". */
TmpfsSize rootfs_upper_size(const TmpfsSize *tmp_size, uint64_t layer_quota, uint64_t ram);
uint64_t rootfs_upper_inodes(uint64_t tmp_inodes, uint64_t layer_inodes);

/* -E2BIG: too many steps; -EINVAL: a relative or ".."-holding path or a bad tmpfs size. */
int rootfs_plan_build(const RootfsInput *in, RootfsPlan *ret);

/*
 * Whether rootfs_apply.c makes step i's mount point in the overlay itself, and so in the
 * user's persistent upper layer when the image lacks it (with the missing directories on the
 * way to it): a step that attaches a mount, on a target not at or below an earlier such
 * step's (those are made on that mount: /dev/pts on /dev's tmpfs). Not a mask: it goes only
 * over a file the image has; not root mode's account files: no mount, the user's content.
 * `alcovectl layer diff` tells these from the user's changes.
 */
bool rootfs_step_on_overlay(const RootfsPlan *p, size_t i);

/* One lowerdir path escaped for overlayfs: '\\', ':' and ',' get a backslash. */
int overlay_escape(const char *path, char *buf, size_t len);
/* "a:b:c" of escaped paths, top layer first. */
int overlay_lowerdir(const char *const *paths, size_t n, char *buf, size_t len);

typedef struct AccountsInput {
	AlcoveMode mode;
	const char *user;
	uid_t uid; /* host = ns id in user mode */
	gid_t gid;
	const char *gecos;
	const char *home;
	const char *shell;
	const char *group;	       /* primary group's name */
	const char *const *pass_names; /* passed-through supplementary groups */
	const gid_t *pass_gids;
	size_t n_pass;
} AccountsInput;

/* Only root, U, nobody; groups root, tty, U's primary and passed-through ones, nogroup.
 * Other users' names are not leaked. -EINVAL for a name holding ':' or a newline. */
int rootfs_format_passwd(const AccountsInput *in, char *buf, size_t len);
int rootfs_format_group(const AccountsInput *in, char *buf, size_t len);

/* A path is usable as a target: absolute, no "." or ".." components, no "//" . */
bool rootfs_path_ok(const char *path);

/* "a symlink", "a file", "a socket", "a fifo", "a device node", "a directory": what a mount
 * point was before the child replaced it, for the helper's log. */
const char *rootfs_file_type(mode_t mode);
