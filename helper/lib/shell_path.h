/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "error.h"

/*
 * Opens (O_PATH|O_CLOEXEC) the regular file an absolute path leads to, following symlinks only
 * through directories that root owns and nobody else may write ("/" included), and only to a
 * regular file with the same owner and modes: a path nobody but root can change between the
 * check and the use. Resolved in the caller's mount namespace and root.
 *
 * 0 and *ret_fd; -EPERM (a directory or the file is not root's or is writable by group or
 * others), -ENOTDIR, -ENOEXEC (not a regular file), -EISDIR, -ENOENT, -ELOOP (more than 40
 * symlinks), -ENAMETOOLONG, -EINVAL (not absolute), with *e (stage "shell") naming the
 * resolved path where the walk stopped: "'/home/u/bin': not owned by root, ...".
 */
int shell_open_trusted(const char *path, int *ret_fd, AlcError *e);
