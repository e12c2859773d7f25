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
 * All of these run as host root inside the lobby mount ns (a slave copy of the host's).
 */

/*
 * One tmpfs for several masks: the first is its root, each later one a bind of a directory
 * made for it in the first one's 0700 dir (a tmpfs superblock costs more than the rest of a
 * small mask). Pass {.fs = -1} to the masks, then lobby_mask_fs_done(), which makes the root
 * read-only (later ones are made so as they are done) and closes it. Not for a
 * LOBBY_MASK_WRITABLE mask: root writing there would write the others' tmpfs.
 */
/* The 0700 directory of a mask that holds the hidden originals (below). */
#define LOBBY_HIDDEN_DIR ".alcove-lobby"

typedef struct LobbyMaskFs {
	int fs;	    /* the first mask's tmpfs (attached over its directory), or -1 */
	unsigned n; /* later masks made on it */
} LobbyMaskFs;

int lobby_mask_fs_done(LobbyMaskFs *sh);

typedef enum LobbyMaskFlags {
	LOBBY_MASK_LINK_OTHERS = 1 << 0, /* root keeps every other entry (through symlinks) */
	LOBBY_MASK_WRITABLE = 1 << 1,	 /* root may add names (they stay in the lobby) */
	LOBBY_MASK_KEEP_EMPTY = 1 << 2,	 /* KEEP is an empty directory of the mask's own */
} LobbyMaskFlags;

/*
 * Covers the directory dirfd (O_PATH; O_RDONLY with LOBBY_MASK_LINK_OTHERS: its entries are
 * read from the fd) with a tmpfs of root's (its own, or on sh when not NULL),
 * mode 0711 (read-only unless LOBBY_MASK_WRITABLE), holding
 *   KEEP                   keep_tree (a detached mount, not taken over) or, when that is -1,
 *                          a recursive clone of the original KEEP, reachable by everyone (a
 *                          copy of it when it is a symlink; nothing when there is none); with
 *                          LOBBY_MASK_KEEP_EMPTY an empty directory, root 0755, read-only
 *                          with the mask, whatever the original holds (U's home: below)
 * and with LOBBY_MASK_LINK_OTHERS also
 *   .alcove-lobby/         0700: only CAP_DAC_OVERRIDE passes it
 *   .alcove-lobby/host     the directory as it was, with every mount below it (recursive clone)
 *   NAME -> .alcove-lobby/host/NAME   one symlink per other entry the directory had
 * So root resolves every old path to the same file (through a symlink), the user gets EACCES
 * for all but KEEP and cannot list the directory. Entries made after the lobby was built are
 * not linked; code that refuses symlinks (RESOLVE_NO_SYMLINKS) reaches only KEEP. Without
 * LOBBY_MASK_LINK_OTHERS the other entries are gone for root too, and the cost does not grow
 * with their number (/home of a host with thousands of users). A directory with no other entry
 * gets neither the hidden dir nor the clone: no old path leads there.
 */
int lobby_mask_dir(int dirfd, const char *keep, int keep_tree, unsigned flags, LobbyMaskFs *sh);

/*
 * Hides only some directories of dirfd (O_RDONLY; the services' ones of /var) at the cost of
 * one mask:
 * covers dirfd with a read-only tmpfs of root's (as lobby_mask_dir's), mode 0755, holding
 *   .alcove-lobby/, .alcove-lobby/host   as lobby_mask_dir()'s
 *   NAME -> .alcove-lobby/host/NAME      for each directory named in hide (NULL-terminated)
 *                                        but keep: root resolves it, U gets EACCES
 *   every other entry as it was          a symlink copied (a relative target resolves from
 *                                        the same directory: /var/run -> ../run), anything
 *                                        else bound back (a recursive clone of it)
 * So U meets EACCES on every path under a hidden directory, root reaches each through the
 * symlink, and every other path stays the same for everyone. Entries made after the lobby was
 * built are not there. Costs one tmpfs and a symlink per hidden directory, where masking each
 * one costs a tmpfs and a symlink per entry it holds.
 */
int lobby_mask_listed(int dirfd, const char *const *hide, const char *keep, LobbyMaskFs *sh);

/* Covers the directory dirfd with a fresh tmpfs made with `options` ("mode=0700,size=4k"):
 * nosuid, nodev, noexec and `attrs` (MOUNT_ATTR_RDONLY). */
int lobby_mask_empty(int dirfd, const char *options, uint64_t attrs);
