/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * NSS (passwd, group) behind one wrapper: the reentrant calls with a buffer that grows on
 * ERANGE (a group with thousands of members, a long LDAP entry) up to NSS_BUF_MAX. Not pure:
 * NSS may read files or ask sssd. Not for threads sharing the enumeration (getpwent state is
 * per process); the helper and alcovectl are single-threaded, the PAM module never
 * enumerates. (Not named nss.h: with -Icommon it would hide glibc's <nss.h>.)
 */

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>

#define NSS_BUF_MAX (1024 * 1024)

/* One entry and the buffer its strings point into (free with nss_entry_done / free()). */
typedef struct NssPasswd {
	struct passwd pw;
	char *buf;
} NssPasswd;

typedef struct NssGroup {
	struct group gr;
	char *buf;
} NssGroup;

/* 0, -ENOENT (no such entry), -ENOMEM, -errno of NSS. */
int nss_getpwnam(const char *name, NssPasswd *ret);
int nss_getgrnam(const char *name, NssGroup *ret);
int nss_getgrgid(gid_t gid, NssGroup *ret);
void nss_passwd_done(NssPasswd *p);
void nss_group_done(NssGroup *g);

/*
 * Every entry NSS enumerates (setpwent/getpwent_r/endpwent): fn is called with each; a
 * return != 0 stops the walk and is returned (>0: found; <0: error). 0 once all were seen.
 * Directory services (sssd, LDAP) usually do not enumerate: what they hold is not seen here.
 */
int nss_each_passwd(int (*fn)(const struct passwd *pw, void *userdata), void *userdata);
int nss_each_group(int (*fn)(const struct group *gr, void *userdata), void *userdata);
