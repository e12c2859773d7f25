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

#include "dirs.h"

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
 * directory owned by root and not writable by group or others. -EPERM (and a failed open of a
 * component: -ELOOP for a symlink, -ENOTDIR, -ENOENT) names the bad component through *ret_bad
 * (may be NULL): a pointer into abs just past it. */
int paths_open_trusted(const char *abs, int *ret_fd, const char **ret_bad);

/* Opens an absolute path (paths_openat(flags): no symlink anywhere, the last component
 * included) whose parent directories pass paths_open_trusted(): only the last component may
 * belong to anyone. On a failure in the
 * parents (-EPERM, -ELOOP for a symlink, -ENOTDIR, -ENOENT) or of the last component,
 * *ret_bad (may be NULL) points into abs just past the component that failed. */
int paths_open_under_trusted(const char *abs, int flags, int *ret_fd, const char **ret_bad);

/* A name for a directory made whole before it is renamed to its own ("..alcove-new.<random>"):
 * the ".." in it is in no user's or alcove's name, so gc and list pass it by, and a random
 * one is never another's leftover. */
#define PATHS_TEMP_NAME_MAX 32
int paths_temp_name(char *buf, size_t len);
/* Whether name is one paths_temp_name() makes: a leftover of a helper killed between making
 * and renaming it, which gc removes once it is old. */
bool paths_is_temp_name(const char *name);
/* Gives parent/tmp, a directory the caller made under such a name, spec's owner and mode and
 * renames it to name (RENAME_NOREPLACE: -EEXIST if name exists); on failure tmp is removed
 * when empty. */
int paths_publish_dir(int parentfd, const char *tmp, const char *name, const DirSpec *spec);

/* Creates parent/name if missing (its owner and mode set before it appears under name), opens
 * it O_DIRECTORY and checks it against spec: -ENOTDIR (not a directory, symlinks included),
 * -EPERM (owner or mode wrong). */
int paths_ensure_dir(int parentfd, const char *name, const DirSpec *spec, int *ret_fd);

/* A name in /var/lib/alcove that is alcove's own, not a user's persistent layer: "images"
 * (directory images, by convention) and the OCI store. */
bool paths_lib_name_reserved(const char *name);

/* /run/alcove and /var/lib/alcove, created root 0755 under trusted parents. */
int paths_open_run(int *ret_fd);
int paths_open_lib(int *ret_fd);

/* Describes why a directory failed paths_ensure_dir's check, for a message. */
void paths_describe_dir(int parentfd, const char *name, const DirSpec *spec, char *buf, size_t len);
