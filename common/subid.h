/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A user's subordinate range (/etc/subuid or /etc/subgid), found and checked against every
 * host id it must not hold (issue 12, route 5). In root mode ns root owns the alcove's files
 * and can chown one to any mapped id, set it setuid or setgid and run it on the host through
 * the home: a range that holds another account's id hands that account over. In user mode
 * the same holds for the ids the home or the layer can carry. So a range is refused when it
 *   - starts below IDMAP_RANGE (it would hold host id 0 and the system's ids),
 *   - holds the user's own uid (gid): U is identity-mapped in user mode,
 *   - shares an id with another line of the same file (another user's range),
 *   - shares an id with a reserved_ids range of the policy (accounts of a directory service
 *     that does not enumerate: LDAP, sssd),
 *   - holds the uid of any account (gid of any group, or primary gid of any account, which
 *     needs no group entry) NSS enumerates.
 * Not pure: reads the file and enumerates NSS (once each per call); no logging.
 */

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

typedef enum { SUBID_UID, SUBID_GID } SubidKind;

/*
 * The first IDMAP_RANGE ids of the user's line in file (SUBID_UID: subuid, the accounts of
 * passwd; SUBID_GID: subgid, the groups of group). own_id: the user's uid or primary gid.
 * policy: its reserved_ids (may be NULL). -ENOENT: no line for the user; -ERANGE: only lines
 * too short; -EINVAL: a range that holds what it must not (above); other -errno: reading the
 * file or NSS. ret_error (may be NULL) gets the errno, stage "ids" and one line naming the
 * file, the range and what it holds.
 */
int subid_find(const char *file, SubidKind kind, const char *user, uid_t uid, uint32_t own_id,
	       const Policy *policy, uint32_t *ret_start, AlcError *ret_error);
