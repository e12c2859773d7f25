/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnss_alcidtest.so.2: a stand-in for a directory service (sssd, LDAP) in
 * tests/integration/48-pam-names.sh, which puts it after `files` for passwd in a private copy
 * of /etc/nsswitch.conf. Like sssd with case_sensitive = false it answers a name in any case
 * with the account's own lower-case name, and like sssd with full names it knows one account
 * only by a long name of the form first.last@domain. Only names starting with "alcid" (any
 * case) are answered; the entries are the local accounts of /etc/passwd, so homes and uids
 * exist:
 *   ALCIDX, AlcidX, ...                        -> the entry of alcidx, named "alcidx"
 *   alcid.firstname.lastname@corp.example.com  -> the entry of alcidl, named so
 *   IMAGES, Images, ...                        -> the entry of alcidx, named "images" (a
 *                                                 name alcove keeps for its own directory)
 * The password field is "*": pam_unix's account check then needs no shadow entry for a name
 * that /etc/shadow does not have.
 */
#include <ctype.h>
#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LONG_NAME "alcid.firstname.lastname@corp.example.com"
#define LONG_LOCAL "alcidl"

enum nss_status _nss_alcidtest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
					  size_t len, int *errnop);

/* The /etc/passwd entry named local, into pw/buf; its name replaced by shown. */
static enum nss_status from_files(const char *local, const char *shown, struct passwd *pw,
				  char *buf, size_t len, int *errnop)
{
	char tmp[4096];
	struct passwd e, *res = NULL;
	FILE *f = fopen("/etc/passwd", "re");
	enum nss_status st = NSS_STATUS_NOTFOUND;

	if (!f)
		return NSS_STATUS_UNAVAIL;
	while (fgetpwent_r(f, &e, tmp, sizeof(tmp), &res) == 0) {
		size_t nn = strlen(shown) + 1, nd = strlen(e.pw_dir) + 1,
		       ns = strlen(e.pw_shell) + 1;

		if (strcmp(e.pw_name, local) != 0)
			continue;
		if (nn + nd + ns + 2 + 1 > len) {
			*errnop = ERANGE;
			st = NSS_STATUS_TRYAGAIN;
			break;
		}
		*pw = e;
		pw->pw_name = memcpy(buf, shown, nn);
		pw->pw_dir = memcpy(buf + nn, e.pw_dir, nd);
		pw->pw_shell = memcpy(buf + nn + nd, e.pw_shell, ns);
		pw->pw_passwd = memcpy(buf + nn + nd + ns, "*", 2);
		pw->pw_gecos = buf + nn + nd + ns + 1; /* the "" of "*" */
		st = NSS_STATUS_SUCCESS;
		break;
	}
	fclose(f);
	return st;
}

enum nss_status _nss_alcidtest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
					  size_t len, int *errnop)
{
	char lower[64];
	size_t n = strlen(name);

	if (strcasecmp(name, LONG_NAME) == 0)
		return from_files(LONG_LOCAL, LONG_NAME, pw, buf, len, errnop);
	if (strcasecmp(name, "images") == 0)
		return from_files("alcidx", "images", pw, buf, len, errnop);
	if (n >= sizeof(lower) || strncasecmp(name, "alcid", 5) != 0)
		return NSS_STATUS_NOTFOUND;
	for (size_t i = 0; i <= n; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	return from_files(lower, lower, pw, buf, len, errnop);
}
