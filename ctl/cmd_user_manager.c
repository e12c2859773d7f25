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
 *
 * The policy that contains a login is the one its PAM line names (config=FILE), not always the
 * default one: so every policy named on a pam_alcove.so line of /etc/pam.d is asked too, and
 * one that cannot be read or loaded is a 1 naming the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "fileio.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "nsswrap.h"
#include "pamd_configs.h"
#include "pamd_read.h"
#include "policy.h"
#include "show_format.h"
#include "user_manager_rules.h"

/* The passwd name of uid (systemd's %i of user@.service is the uid), or -ENOENT. */
static int uid_to_name(uid_t uid, char **ret)
{
	_cleanup_(nss_passwd_done) NssPasswd p = {0};
	int r;

	r = nss_getpwuid(uid, &p);
	if (r < 0)
		return r;
	if (!p.pw.pw_name)
		return -ENOENT;
	*ret = strdup(p.pw.pw_name);
	return *ret ? 0 : -ENOMEM;
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

/* The config= paths of one file of /etc/pam.d into c (pamd_read.h says which files count). */
static int pamd_read_one(int dfd, const char *name, PamdConfigs *c)
{
	_cleanup_free_ char *text = NULL;
	int r = pamd_read(dfd, name, &text);

	return r < 0 || !text ? r : pamd_configs_parse(text, c);
}

/* One file's failure, logged once, naming it. */
static int pamd_refuse(int r, const char *dir, const char *name, const char *user)
{
	if (r == -EPERM)
		log_error("user-manager: no user manager for %s: %s/%s is not root's alone (owner "
			  "root, no group or other write)",
			  user, dir, name);
	else if (r == -EXDEV)
		log_error("user-manager: no user manager for %s: %s/%s takes in a file from "
			  "outside its directory's own names (a path, a subdirectory, a hidden "
			  "name), whose pam_alcove.so lines this check does not read",
			  user, dir, name);
	else if (r == -E2BIG)
		log_error("user-manager: no user manager for %s: %s/%s has a line longer than "
			  "libpam reads whole (1023 bytes) or of more than 64 fields",
			  user, dir, name);
	else
		log_error_errno(r, "Failed to read %s/%s: %m; no user manager for %s", dir, name,
				user);
	return r;
}

/* The config= paths of every file of the directory dir into c; with etc (the fd of PAMD_DIR,
 * or -1), a name that PAMD_DIR has is skipped: libpam reads the vendor directory's file of a
 * service only when PAMD_DIR has none. None without the directory. */
static int pamd_scan_dir(const char *dir, int etc, const char *user, PamdConfigs *c)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0
				       : log_error_errno(-errno,
							 "Failed to open %s: %m; no user manager "
							 "for %s",
							 dir, user);
	while (r >= 0 && (errno = 0, de = readdir(d))) {
		/* a name PAMD_DIR has as libpam's fopen() finds it: a dangling symlink there
		 * is none, and the vendor file is read */
		if (de->d_name[0] == '.' || (etc >= 0 && faccessat(etc, de->d_name, F_OK, 0) == 0))
			continue;
		r = pamd_read_one(dirfd(d), de->d_name, c);
		if (r < 0)
			pamd_refuse(r, dir, de->d_name, user);
	}
	if (r >= 0 && errno != 0)
		r = log_error_errno(-errno, "Failed to list %s: %m; no user manager for %s", dir,
				    user);
	closedir(d);
	return r;
}

/* Every config= of the pam_alcove.so lines libpam would read: /etc/pam.d, then the services
 * only the vendor directory has. */
static int pamd_scan(const char *user, PamdConfigs *c)
{
	_cleanup_close_ int etc = open(PAMD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	r = pamd_scan_dir(PAMD_DIR, -1, user, c);
	if (r >= 0)
		r = pamd_scan_dir(PAMD_VENDOR_DIR, etc, user, c);
	return r;
}

/* Decides against the policy at path into d. -errno when it cannot be loaded (logged). */
static int decide_with(const char *path, const LoginInfo *li, UserManagerDecision *d)
{
	PolicyErrors errs = {0};
	Policy *p = NULL;
	int r;

	r = policy_load(path, &p, &errs);
	for (size_t i = 0; r < 0 && i < errs.n; i++)
		log_error("%s", errs.msg[i]);
	policy_errors_clear(&errs);
	if (r < 0)
		return log_error_errno(r, "Failed to load '%s': %m; no user manager for %s", path,
				       li->user);
	user_manager_decide(p, &li->login, d);
	policy_free(p);
	return 0;
}

/* The default policy, then each one named in /etc/pam.d: the first that denies decides; out
 * names the file when it is not the default (and is "" otherwise). */
static int decide_all(const char *config, const LoginInfo *li, UserManagerDecision *d,
		      char *out, size_t size)
{
	PamdConfigs c = {0};
	int r;

	r = decide_with(config, li, d);
	if (r >= 0)
		r = pamd_scan(li->user, &c);
	for (size_t i = 0; r >= 0 && d->allowed && i < c.n; i++) {
		if (strcmp(c.path[i], config) == 0)
			continue;
		r = decide_with(c.path[i], li, d);
		if (r < 0 || d->allowed)
			continue;
		snprintf(out, size, "in %s (config= in a PAM stack): ", c.path[i]);
	}
	pamd_configs_clear(&c);
	return r;
}

int cmd_user_manager(CtlContext *ctx, int argc, char **argv)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	UserManagerDecision d = {0};
	char from[PATH_MAX + 64] = "";
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
		log_error_errno(r, "Failed to look up user '%s': %m; no user manager for it",
				argv[first]);
		return CTL_EXIT_FAILURE;
	}
	if (li->uid == 0)
		user_manager_decide(NULL, &li->login, &d);
	else if (decide_all(ctx->config, li, &d, from, sizeof(from)) < 0)
		return CTL_EXIT_FAILURE;
	printf("%s (uid %u): %s: %s%s\n", li->user, (unsigned)li->uid,
	       d.allowed ? "user manager allowed" : "no user manager on the host", from, d.reason);
	return d.allowed ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
}
