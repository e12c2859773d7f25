/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Who is logging in, looked up for real: getpwnam_r + getgrouplist + getgrgid_r. Fills the
 * Login that policy_decide() matches against, plus what the helper needs (home, shell, gids).
 *
 * A hostile name (policy_name_is_hostile(): '/', "..", control characters, too long, ...) is
 * refused before any lookup: login_lookup() returns -EINVAL. Callers that want the decision
 * text can still run policy_decide() on a Login holding only .user = the name: it answers
 * DECISION_REFUSE with the reason. Other names are looked up; policy_decide() refuses to
 * contain one that is not policy_name_is_safe().
 */

#include <sys/types.h>

#include "policy.h"

typedef struct LoginInfo {
	Login login; /* points into the fields below: pass &info->login to policy_decide() */
	char *user;  /* the passwd entry's own pw_name, not the name as asked (PAM_USER) */
	uid_t uid;
	gid_t gid; /* primary group */
	char *home;
	char *shell;
	gid_t *gids; /* primary first, then the supplementary groups (getgrouplist order) */
	size_t n_gids;
	char **group_names; /* names of those gids that have one (gids without a name are left
			       out: a group rule cannot name them) */
	size_t n_group_names;
	char *service, *tty, *rhost; /* copies; NULL when not given */
} LoginInfo;

/* 0, or -EINVAL (hostile name, asked or answered), -ENOENT (no such user), -ENOMEM, -errno
 * of NSS. service, tty, rhost may be NULL. The result names the user by NSS's pw_name: a
 * case-insensitive directory maps "Alice" to alice, and alice is who logs in. */
/* Only the uid of user, by the same NSS lookup (and the same refusal of hostile names), without
 * the group list: asking every group source costs ~0.2 ms in a fresh process
 * (libnss_systemd), which close does not need. */
int login_uid(const char *user, uid_t *ret);

int login_lookup(const char *user, const char *service, const char *tty, const char *rhost,
		 LoginInfo **ret);
/* The same from a passwd entry NSS returned (login_lookup's second half): the user is named
 * pw->pw_name whatever name was asked. -EINVAL if that name is hostile. */
struct passwd;
int login_from_passwd(const struct passwd *pw, const char *service, const char *tty,
		      const char *rhost, LoginInfo **ret);
void login_info_free(LoginInfo *li);

/*
 * policy_decide() for li, and again for the first name of li's uid (getpwuid) when li is
 * another name of that uid (passwd entries sharing a uid). Rules match names, but the alcove,
 * the user manager's decision (alcovectl user-manager) and every process on the host go by
 * the uid: a uid contained under one name and left on the host, or given another profile,
 * under the other would be a way around the walls. So a login whose names the policy treats
 * differently is refused, naming both; an NSS error looking up the uid refuses too. Names of
 * the uid that are neither asked nor first are not enumerated.
 */
void login_decide(const Policy *p, const LoginInfo *li, Decision *ret);
static inline void login_info_freep(LoginInfo **li)
{
	login_info_free(*li);
}
