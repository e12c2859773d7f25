/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Root opening paths that users may influence. Everything is opened from a directory fd with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), one component at a time, and each component is
 * checked (type, owner, mode) before it is used; nothing is ever reached through a symlink.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ALCOVE_RUN_DIR "/run/alcove"
#define ALCOVE_LIB_DIR LOCALSTATEDIR "/lib/alcove"

typedef enum {
	MODE_EXACT,	   /* an existing dir must have exactly spec->mode */
	MODE_NOT_WRITABLE, /* ... must not be writable by group or others */
	MODE_ANY,	   /* ... any mode (the owner may chmod it: an upper dir, a home) */
} ModeCheck;

typedef struct DirSpec {
	uid_t uid;
	gid_t gid;
	mode_t mode; /* applied on creation */
	ModeCheck check;
} DirSpec;

/* openat2(dirfd, path, flags, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS). */
int paths_openat(int dirfd, const char *path, int flags, mode_t mode);

/* Opens an absolute directory from "/", checking that every component (and the result) is a
 * directory owned by root and not writable by group or others. -EPERM names a bad component
 * through *ret_bad (a pointer into abs, may be NULL). */
int paths_open_trusted(const char *abs, int *ret_fd, const char **ret_bad);

/* Creates parent/name if missing (mode, then owner), opens it O_DIRECTORY and checks it against
 * spec: -ENOTDIR (not a directory, symlinks included), -EPERM (owner or mode wrong). */
int paths_ensure_dir(int parentfd, const char *name, const DirSpec *spec, int *ret_fd);

/* /run/alcove and /var/lib/alcove, created root 0755 under trusted parents. */
int paths_open_run(int *ret_fd);
int paths_open_lib(int *ret_fd);

/* Describes why a directory failed paths_ensure_dir's check, for a message. */
void paths_describe_dir(int parentfd, const char *name, const DirSpec *spec, char *buf, size_t len);
