/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The persistent layer's quota when a login joins the user's running alcove (verbs/open.c):
 * set again from the policy read for this login, as a build sets it (layer_quota.c), so that a
 * layer_quota or layer_inodes an admin adds or changes while the alcove runs takes effect at
 * the user's next login, not only at their next alcove.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "policy.h"

/* The profile asks for a limit on its layer (layer_quota or layer_inodes). */
bool layer_quota_wanted(const Profile *p);

/* Its quota keys all come from the builtin defaults, none from the file. */
bool layer_quota_builtin(const Profile *p);

/* "20M", or "1000 inodes" when only layer_inodes is set: the limit, for a message. */
void layer_quota_describe(const Profile *p, char *buf, size_t size);

/* quota_apply()'s errors that say the layer's filesystem cannot hold its limit at all (no
 * subvolume, project or quota support; a layer made before its quota): layer_quota_fallback
 * decides, and with no quota wanted there is nothing to remove. */
bool quota_unenforceable(int r);

/*
 * Sets the quota of /var/lib/alcove/<user>/layer to what profile p asks (or removes it when p
 * asks none). Nothing when p keeps no layer (persist = false, share = "session": those build a
 * tmpfs upper at each alcove). A wanted quota that cannot be set refuses the login, as a build
 * would (-errno, *e one line naming the user and the limit): the join would hand the user an
 * alcove without it, or without any limit when the helper that built it was killed between
 * the lift for the mount and setting it again. Only a filesystem that cannot enforce it with
 * layer_quota_fallback = "warn" lets the login go on, with a warning naming the user, the
 * limit and the fix (the builtin quota at debug level, as at a build); a limit that cannot be
 * removed is a warning.
 */
int quota_reapply(const Profile *p, const char *user, uid_t uid, AlcError *e);
