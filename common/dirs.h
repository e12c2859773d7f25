/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Where alcove keeps its state on the host (docs/INTERNALS.md, "Filesystem state"). */
#define ALCOVE_RUN_DIR "/run/alcove"                 /* one directory per alcove, root 0755 */
#define ALCOVE_LIB_DIR LOCALSTATEDIR "/lib/alcove" /* the users' persistent layers, root 0755 */
