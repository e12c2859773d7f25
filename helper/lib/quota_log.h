/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The journal line of a layer at its quota. The kernel tells nobody when a write fails with
 * EDQUOT, and nothing of alcove runs then; the helper looks when it runs for the user: at the
 * close of each of their sessions and at the build of their next alcove (alcove.conf(5)).
 */

#include <sys/types.h>

/* Logs "<user>'s layer is at its quota: <used> of layer_quota <limit> used" (or the same of
 * layer_inodes) when layerfd's project or qgroup is within 1M of its byte limit or at its inode
 * limit; nothing otherwise, nothing when it cannot be read. */
void quota_log_hit(const char *user, uid_t uid, int layerfd);
