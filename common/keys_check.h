/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A key's own command="internal-sftp" (docs/DESIGN.md §11, common/authkeys.h): the files sshd
 * may have taken this login's key from, read again with the user's groups and file-system
 * uid and gid (as sshd read them), and checked unchanged since this connection's process
 * started. Single-threaded callers only (sshd's monitor, alcovectl): the groups are the
 * process's for the time of the read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "authkeys.h"
#include "error.h"
#include "login.h"
#include "sshd_config.h"

#define KEYS_STAGE "keys"

/* The user li (user, home, uid, gids: primary first) and the verdict in *ret (AUTHKEYS_OK:
 * nothing forces internal-sftp, nothing changed), with the file or entry in ret->path. -errno
 * with *e (stage KEYS_STAGE) when the files could not be checked: the user has no home or
 * group, the configuration names more files than fit, a name cannot be expanded, the ids could
 * not be taken (or given back: then the caller must stop, it holds the user's groups). */
int keys_check(const SshdSftp *s, const LoginInfo *li, AuthkeysFinding *ret, AlcError *e);
