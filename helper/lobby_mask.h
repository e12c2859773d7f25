/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * Hiding in the lobby what the alcove hides, from the login user only (DESIGN §11, issue 13).
 * sshd's post-auth child runs as U in the lobby and serves channels that name paths (-L/-R
 * with unix sockets, internal-sftp, xauth): they must not reach /run's sockets, other homes,
 * /var/lib/alcove. Root code in the lobby (sshd's monitor: utmp, wtmp; PAM close: D-Bus,
 * the journal; alcove-helper close) must keep every path it uses.
 *
 * Both functions run as host root inside the lobby mount ns (a slave copy of the host's).
 */

/*
 * Covers the directory dirfd (O_PATH) with a tmpfs of root's, mode 0711, holding
 *   .alcove-lobby/         0700: only CAP_DAC_OVERRIDE passes it
 *   .alcove-lobby/host     the directory as it was, with every mount below it (recursive clone)
 *   NAME -> .alcove-lobby/host/NAME   one symlink per entry the directory had
 *   KEEP                   a recursive clone of the original KEEP, reachable by everyone
 * So root resolves every old path to the same file (through a symlink), the user gets EACCES
 * for all but KEEP and cannot list the directory. KEEP may be NULL; when the original KEEP is
 * a symlink it is copied as one. Entries made after the lobby was built are not linked.
 * Code that refuses symlinks (RESOLVE_NO_SYMLINKS) reaches only KEEP. `writable`: root may
 * create new names in the tmpfs (they stay in the lobby: pam_motd's /run/motd.dynamic), else
 * it is read-only.
 */
int lobby_mask_dir(int dirfd, const char *keep, bool writable);

/* Covers the directory dirfd with a fresh tmpfs made with `options` ("mode=0700,size=4k"):
 * nosuid, nodev, noexec and `attrs` (MOUNT_ATTR_RDONLY). */
int lobby_mask_empty(int dirfd, const char *options, uint64_t attrs);
