/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Reading /etc/pam.d as libpam does, for alcovectl user-manager and explain. */

#define PAMD_DIR SYSCONFDIR "/pam.d"
/* libpam's vendor directory (--enable-vendordir): a service without a file in PAMD_DIR is
 * read from here */
#define PAMD_VENDOR_DIR "/usr/lib/pam.d"
#define PAMD_FILE_MAX (256 * 1024)

/*
 * The text of the file name in the directory dfd into *ret (malloc'd, NUL-terminated). libpam
 * opens only files: *ret NULL and 0 for anything else. A file that is not root's alone (owner
 * root, no group or other write) may say anything: -EPERM, not trusted and not ignored.
 * -errno otherwise (-EFBIG past PAMD_FILE_MAX).
 */
int pamd_read(int dfd, const char *name, char **ret);
