/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys_check.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <unistd.h>

#include "macro.h"

/* ctime is stamped by the coarse clock, up to a jiffy (10 ms at HZ=100, the lowest) behind the
 * real time, so a change made just after the connection began may carry a ctime just before
 * it: the check looks that far further back. The start time itself is already truncated to a
 * clock tick (never later than the real one). Every millisecond more is a window in which a
 * key written just before the login (a script's `cat key >>authorized_keys; ssh ...`) counts
 * as changed during it and refuses the login. */
#define KEYS_SLACK_MS 10

/* What the caller was, to go back to. */
typedef struct SavedIds {
	gid_t *groups;
	int n_groups;
	uid_t fsuid;
	gid_t fsgid;
	bool taken; /* the groups were read: there is something to go back to */
} SavedIds;

static void saved_ids_done(SavedIds *s)
{
	free(s->groups);
}

/*
 * The user's groups and, for the file system only, their uid and gid: what sshd reads key
 * files as (temporarily_use_uid()), so that a file only a group of theirs may read is read, a
 * file they cannot read is not, and a symlink of theirs leads nowhere they could not go.
 * setfsuid() away from 0 also clears the file-system capabilities (CAP_DAC_OVERRIDE, ...);
 * the real and effective ids stay root's, so no process of the user's may signal or trace the
 * caller meanwhile. No fork: the caller is sshd's monitor, whose copy would cost a millisecond.
 */
static int become_user(const LoginInfo *li, SavedIds *s)
{
	int n = getgroups(0, NULL);

	if (n < 0)
		return negative_errno();
	s->groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!s->groups)
		return -ENOMEM;
	s->n_groups = getgroups(n, s->groups);
	if (s->n_groups < 0)
		return negative_errno();
	s->taken = true;
	if (setgroups(li->n_gids, li->gids) < 0)
		return negative_errno();
	s->fsgid = (gid_t)setfsgid((gid_t)-1);
	s->fsuid = (uid_t)setfsuid((uid_t)-1);
	(void)setfsgid(li->gids[0]);
	(void)setfsuid(li->uid);
	/* setfs*id() cannot report a failure: ask again (an invalid id changes nothing) */
	if ((uid_t)setfsuid((uid_t)-1) != li->uid || (gid_t)setfsgid((gid_t)-1) != li->gids[0])
		return -EPERM;
	return 0;
}

/* Back to the caller's ids; -errno when the groups cannot be set back (the caller must then
 * not go on: it would run with the user's groups). */
static int become_caller(const SavedIds *s)
{
	if (!s->taken)
		return 0;
	(void)setfsuid(s->fsuid);
	(void)setfsgid(s->fsgid);
	if ((uid_t)setfsuid((uid_t)-1) != s->fsuid || (gid_t)setfsgid((gid_t)-1) != s->fsgid)
		return -EPERM;
	return setgroups((size_t)s->n_groups, s->groups) < 0 ? negative_errno() : 0;
}

static int keys_paths(const SshdSftp *s, const LoginInfo *li, char (*buf)[AUTHKEYS_PATH_MAX],
		      const char **paths, AlcError *e)
{
	struct passwd pw = {.pw_name = li->user, .pw_dir = li->home, .pw_uid = li->uid};

	if (s->key_files_overflow)
		return alc_error(e, -E2BIG, KEYS_STAGE,
				 "sshd's configuration names more than %d key files",
				 SSHD_KEY_FILES_MAX);
	for (size_t i = 0; i < s->n_key_files; i++) {
		int r = authkeys_expand(s->key_files[i], &pw, buf[i], AUTHKEYS_PATH_MAX);

		if (r < 0)
			return alc_error(e, r, KEYS_STAGE, "Failed to expand key file name '%s': %m",
					 s->key_files[i]);
		paths[i] = buf[i];
	}
	return (int)s->n_key_files;
}

/* authkeys_inspect() as the user; -errno with e. */
static int inspect_as_user(const LoginInfo *li, const char *const *paths, size_t n,
			   const struct timespec *since, AuthkeysFinding *ret, AlcError *e)
{
	SavedIds saved = {0};
	int r = become_user(li, &saved), back;

	if (r >= 0)
		r = authkeys_inspect(paths, n, since, ret);
	back = become_caller(&saved);
	saved_ids_done(&saved);
	if (back < 0)
		return alc_error(e, back, KEYS_STAGE,
				 "Failed to take back root's groups after reading the key files: %m");
	if (r < 0)
		return alc_error(e, r, KEYS_STAGE, "Failed to check the key files as the user: %m");
	return 0;
}

int keys_check(const SshdSftp *s, const LoginInfo *li, AuthkeysFinding *ret, AlcError *e)
{
	char buf[SSHD_KEY_FILES_MAX][AUTHKEYS_PATH_MAX];
	const char *paths[SSHD_KEY_FILES_MAX];
	struct timespec since;
	int n, r;

	*ret = (AuthkeysFinding){.verdict = AUTHKEYS_OK};
	if (li->n_gids == 0 || !li->home)
		return alc_error(e, -EINVAL, KEYS_STAGE, "Failed to check the key files of %s: %s",
				 li->user, li->home ? "no group" : "no home directory");
	n = keys_paths(s, li, buf, paths, e);
	if (n <= 0)
		return n;
	r = authkeys_since(KEYS_SLACK_MS, &since);
	if (r < 0)
		return alc_error(e, r, KEYS_STAGE, "Failed to read this process's start time: %m");
	return inspect_as_user(li, paths, (size_t)n, &since, ret, e);
}
