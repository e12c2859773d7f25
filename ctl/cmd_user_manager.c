/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl user-manager UID|USER: the ExecCondition= of user@.service (the package's
 * drop-in, user@.service.d/alcove.conf). systemd --user loads units, environment.d and
 * generators from the user's home and runs them with the host's namespaces and none of the
 * alcove's limits; a contained user writes that home from inside the alcove. So the manager
 * may start only for a user no rule can contain (user_manager_rules.c).
 *
 * Exit 0: start it. Exit 1: do not; systemd then skips the unit ("condition not met"),
 * without failing it, and pam_systemd's login goes on without a manager. Every doubt is a 1
 * (fail closed), except for root: root is never contained, and a broken policy must not
 * take the admin's own manager away.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "policy.h"
#include "show_format.h"
#include "user_manager_rules.h"

#define PW_BUF_MAX (1024 * 1024)

/* The passwd name of uid (systemd's %i of user@.service is the uid), or -ENOENT. */
static int uid_to_name(uid_t uid, char **ret)
{
	long initial = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = initial > 0 ? (size_t)initial : 16384;

	for (;;) {
		_cleanup_free_ char *buf = malloc(size);
		struct passwd pw, *res = NULL;
		int r;

		if (!buf)
			return -ENOMEM;
		r = getpwuid_r(uid, &pw, buf, size, &res);
		if (r == ERANGE && size < PW_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (r != 0)
			return -r;
		if (!res || !pw.pw_name)
			return -ENOENT;
		*ret = strdup(pw.pw_name);
		return *ret ? 0 : -ENOMEM;
	}
}

/* An argument of digits only is a uid (what %i of user@.service is). */
static int arg_to_uid(const char *arg, uid_t *ret)
{
	uint64_t v;

	if (show_parse_u64(arg, &v) < 0 || strchr(arg, '\n'))
		return -EINVAL;
	if (v >= (uid_t)-1)
		return -ERANGE;
	*ret = (uid_t)v;
	return 0;
}

/* USER, or a uid looked up to its name; the uid looked up again must be the same account. */
static int lookup(const char *arg, LoginInfo **ret)
{
	_cleanup_free_ char *name = NULL;
	uid_t uid;
	int r;

	r = arg_to_uid(arg, &uid);
	if (r == -EINVAL)
		return login_lookup(arg, NULL, NULL, NULL, ret);
	if (r < 0)
		return r;
	r = uid_to_name(uid, &name);
	if (r < 0)
		return r;
	r = login_lookup(name, NULL, NULL, NULL, ret);
	if (r >= 0 && (*ret)->uid != uid) {
		login_info_free(*ret);
		*ret = NULL;
		return -ENOTUNIQ;
	}
	return r;
}

int cmd_user_manager(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	PolicyErrors errs = {0};
	UserManagerDecision d;
	Policy *p = NULL;
	int first, r;
	uid_t uid;

	r = ctl_getopt(ctx, argc, argv, NULL, NULL, NULL, NULL, &first);
	if (r >= 0)
		return r;
	if (argc - first != 1)
		return ctl_usage(ctx, "expected one uid or user name");
	if (arg_to_uid(argv[first], &uid) >= 0 && uid == 0) {
		/* Not even NSS may take root's manager away. */
		printf("uid 0: user manager allowed: root is never contained\n");
		return CTL_EXIT_OK;
	}
	r = lookup(argv[first], &li);
	if (r == -ENOTUNIQ) {
		log_error("user-manager: no user manager for uid %s: its passwd name names "
			  "another uid",
			  argv[first]);
		return CTL_EXIT_FAILURE;
	}
	if (r < 0) {
		log_error_errno(r,
				"user-manager: no user manager for '%s': failed to look it up: %m",
				argv[first]);
		return CTL_EXIT_FAILURE;
	}
	if (li->uid != 0) {
		r = policy_load(ctx->config, &p, &errs);
		for (size_t i = 0; r < 0 && i < errs.n; i++)
			log_error("%s", errs.msg[i]);
		policy_errors_clear(&errs);
	}
	if (r < 0) {
		log_error_errno(r, "user-manager: no user manager for %s: failed to load %s: %m",
				li->user, ctx->config);
		return CTL_EXIT_FAILURE;
	}
	user_manager_decide(p, &li->login, &d);
	policy_free(p);
	printf("%s (uid %u): %s: %s\n", li->user, (unsigned)li->uid,
	       d.allowed ? "user manager allowed" : "no user manager on the host", d.reason);
	return d.allowed ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}
