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
#define NSS_GROUPS_MAX 65536 /* the kernel's NGROUPS_MAX */

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
int nss_getpwuid(uid_t uid, NssPasswd *ret);
int nss_getgrnam(const char *name, NssGroup *ret);
int nss_getgrgid(gid_t gid, NssGroup *ret);
/* A user's groups, gid (the primary group) first, in an array that grows to what NSS has
 * (a user in hundreds of groups must not lose some silently); free(*ret_gids). 0, -ENOMEM,
 * -E2BIG (more than NSS_GROUPS_MAX), -EIO. */
int nss_getgrouplist(const char *user, gid_t gid, gid_t **ret_gids, size_t *ret_n);
void nss_passwd_done(NssPasswd *p);
void nss_group_done(NssGroup *g);

/*
 * Every entry NSS enumerates (setpwent/getpwent_r/endpwent): fn is called with each; a
 * return != 0 stops the walk and is returned (>0: found; <0: error). 0 once all were seen.
 * Directory services (sssd, LDAP) usually do not enumerate: what they hold is not seen here.
 */
int nss_each_passwd(int (*fn)(const struct passwd *pw, void *userdata), void *userdata);
int nss_each_group(int (*fn)(const struct group *gr, void *userdata), void *userdata);
