/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login's identity from NSS. Not pure (NSS may read files or ask sssd), so the matcher
 * takes the result as data. The reentrant variants: the module runs inside sshd and su.
 */
#include "login.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "nsswrap.h"

void login_info_free(LoginInfo *li)
{
	if (!li)
		return;
	free(li->user);
	free(li->home);
	free(li->shell);
	free(li->gids);
	for (size_t i = 0; i < li->n_group_names; i++)
		free(li->group_names[i]);
	free(li->group_names);
	free(li->service);
	free(li->tty);
	free(li->rhost);
	free(li);
}

/* The name of a group, or NULL (no entry: left out) via *ret. */
static int group_name(gid_t gid, char **ret)
{
	NssGroup g = {0};
	int r = nss_getgrgid(gid, &g);

	*ret = NULL;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	*ret = g.gr.gr_name ? strdup(g.gr.gr_name) : NULL;
	r = g.gr.gr_name && !*ret ? -ENOMEM : 0;
	nss_group_done(&g);
	return r;
}

static int lookup_group_names(LoginInfo *li)
{
	li->group_names = calloc(li->n_gids + 1, sizeof(char *));
	if (!li->group_names)
		return -ENOMEM;
	for (size_t i = 0; i < li->n_gids; i++) {
		char *name;
		int r = group_name(li->gids[i], &name);
		if (r < 0)
			return r;
		if (name)
			li->group_names[li->n_group_names++] = name;
	}
	return 0;
}

static int dup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/*
 * Everything from the passwd entry, named by the entry's own pw_name: a case-insensitive NSS
 * (sssd, LDAP) finds "Alice" as alice, and rules, paths, unit names and the helper's request
 * must all use the account's name, never the spelling the client typed.
 */
int login_from_passwd(const struct passwd *pw, const char *service, const char *tty,
		      const char *rhost, LoginInfo **ret)
{
	_cleanup_(login_info_freep) LoginInfo *li = calloc(1, sizeof(*li));
	int r;

	if (!li)
		return -ENOMEM;
	/* NSS answered with a name we would have refused to look up */
	if (policy_name_is_hostile(pw->pw_name))
		return -EINVAL;
	li->user = strdup(pw->pw_name);
	li->uid = pw->pw_uid;
	li->gid = pw->pw_gid;
	li->home = strdup(pw->pw_dir ? pw->pw_dir : "");
	li->shell = strdup(pw->pw_shell ? pw->pw_shell : "");
	if (!li->user || !li->home || !li->shell)
		return -ENOMEM;
	r = nss_getgrouplist(li->user, li->gid, &li->gids, &li->n_gids);
	if (r >= 0)
		r = lookup_group_names(li);
	if (r >= 0)
		r = dup_opt(service, &li->service);
	if (r >= 0)
		r = dup_opt(tty, &li->tty);
	if (r >= 0)
		r = dup_opt(rhost, &li->rhost);
	if (r < 0)
		return r;
	li->login = (Login){
	    .user = li->user,
	    .uid = li->uid,
	    .gid = li->gid,
	    .groups = (const char *const *)li->group_names,
	    .n_groups = li->n_group_names,
	    .service = li->service,
	    .tty = li->tty,
	    .rhost = li->rhost,
	};
	*ret = TAKE_PTR(li);
	return 0;
}

static int lookup_passwd(const char *user, NssPasswd *ret)
{
	/* Refused before NSS sees it: no account has such a name, and a '/' or a newline
	 * could end up in a path or a log line. */
	if (policy_name_is_hostile(user))
		return -EINVAL;
	return nss_getpwnam(user, ret);
}

int login_uid(const char *user, uid_t *ret)
{
	NssPasswd p = {0};
	int r;

	r = lookup_passwd(user, &p);
	if (r < 0)
		return r;
	*ret = p.pw.pw_uid;
	nss_passwd_done(&p);
	return 0;
}

int login_lookup(const char *user, const char *service, const char *tty, const char *rhost,
		 LoginInfo **ret)
{
	NssPasswd p = {0};
	int r;

	r = lookup_passwd(user, &p);
	if (r < 0)
		return r;
	r = login_from_passwd(&p.pw, service, tty, rhost, ret);
	nss_passwd_done(&p);
	return r;
}
