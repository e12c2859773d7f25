/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Root mode's /etc/passwd and /etc/group are the alcove's own files, its root's to edit
 * (useradd, adduser in a package's postinst) and kept in the persistent layer like any other;
 * at every build the helper's lines (rootfs_format_passwd(), rootfs_format_group()) are put
 * back on top of what the file holds (rootfs_accounts.c). Pure: run by the child, inside the
 * alcove's user namespace, on bytes its root may have written; no host code reads them.
 */

#include <stdbool.h>
#include <stddef.h>

/* The most of the alcove's file the child reads: a larger one is moved aside, not merged. */
#define ACCOUNT_FILE_MAX (1u << 20)

/*
 * ours (the helper's "name:..." lines, each ending in '\n'), first and in their order, then
 * each line of theirs (theirs_len bytes, any content) whose name, the bytes before its first
 * ':', none of ours has, in its order: ours win by name, everything else stays as it was (a
 * line without ':' too). With members (/etc/group), a line of ours also gets the members, the
 * fourth field, that theirs of its name add: ns root's `usermod -aG` survives the next build.
 * A last line without '\n' gets one. Into buf (len bytes, no NUL added): the length, or
 * -E2BIG when it does not fit, -EINVAL for ours not ending in '\n'.
 */
int account_merge(const char *ours, const char *theirs, size_t theirs_len, bool members, char *buf,
		  size_t len);
