/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl enter` on a terminal: a pty from the alcove's own devpts instance, so that the
 * session's terminal has a name inside (`tty` prints /dev/pts/N, as on an ssh login, whose
 * lobby hands sshd the same devpts). alcovectl (host root) reaches it through init's root,
 * /proc/<pid>/root, with the pid checked against the alcove's state and pidfd first. In root
 * mode ns root may have rearranged its /dev, so what is opened there is checked: no symlink
 * on the way, beneath the root, a devpts filesystem, the ptmx device (5:2), a master that
 * hands out its slave. Any failure: the caller falls back to a pty of the host's.
 */

#include <stdbool.h>
#include <sys/types.h>

/* Whether an opened file is the ptmx of a devpts instance: a character device 5:2 on a
 * filesystem of type DEVPTS_SUPER_MAGIC. Pure. */
bool alcove_ptmx_ok(mode_t mode, dev_t rdev, unsigned long fs_type);

/* A master and its slave through the ptmx at path beneath dirfd, opened never through a
 * symlink nor out of dirfd: in root mode ns root arranges that tree. -EPERM when what is
 * there is not the ptmx of a devpts instance (alcove_ptmx_ok), else -errno; nothing is left
 * open on failure. The slave is the opener's (its fsuid), by the master, not by a name. */
int alcove_ptmx_open(int dirfd, const char *path, int *ret_master, int *ret_slave);

/* A master and its slave from the devpts of the running alcove <name> (/run/alcove/<name>).
 * The slave is chowned to owner (the login's host uid), as sshd does. -errno; nothing is
 * left open on failure. */
int alcove_pty_open(const char *name, uid_t owner, int *ret_master, int *ret_slave);
