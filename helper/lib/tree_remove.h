/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Removes parentfd/name (a directory on device dev) and everything below it,
 * by fds, never following a symlink, with a bounded number of fds whatever the depth; -EXDEV
 * with the name in bad when it meets a mount point. */
int remove_tree(int parentfd, const char *name, dev_t dev, char *bad, size_t badlen);
/* Removes everything below the directory fd (on its filesystem only), keeping fd itself. */
int remove_tree_contents(int fd, char *bad, size_t badlen);
