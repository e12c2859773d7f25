/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Removes parentfd/name (a directory on device dev) and everything below it,
 * by fds, never following a symlink, with a bounded number of fds whatever the depth; -EXDEV
 * with the name in bad when it meets a mount point. */
int remove_tree(int parentfd, const char *name, dev_t dev, char *bad, size_t badlen);
/* The same, with the entry `last` of the top (a regular file: the lock that guards the tree)
 * removed after everything else. A user's directory in /var/lib/alcove holds its layer's lock
 * (lock.h), which a build creates when it is missing: unlinked in the middle of the walk, it
 * let a build lock a fresh file and build on the layer being removed. */
int remove_tree_last(int parentfd, const char *name, dev_t dev, const char *last, char *bad,
		     size_t badlen);
/* Removes everything below the directory fd (on its filesystem only), keeping fd itself;
 * `last` (may be NULL) as above. */
int remove_tree_contents(int fd, const char *last, char *bad, size_t badlen);
