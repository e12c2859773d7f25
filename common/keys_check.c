/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "keys_check.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdwait.h"
#include "macro.h"
#include "spawn.h"

/* A home on a hung NFS server must not hold sshd's monitor forever. */
#define KEYS_TIMEOUT_MS 10000
/* ctime is stamped by the coarse clock, up to a jiffy (10 ms at HZ=100) behind the real time,
 * and the start time is truncated to a tick: 50 ms covers both, so a key written just before
 * a login (ssh-copy-id && ssh) does not count as changed during it */
#define KEYS_SLACK_MS 50

/* The child's work, and its answer in memory it shares with the caller. */
typedef struct KeysJob {
	const LoginInfo *li;
	const char *paths[SSHD_KEY_FILES_MAX];
	size_t n;
	struct timespec since;
	struct {
		int r;
		bool done;
		AuthkeysFinding f;
	} * out;
} KeysJob;

/* In the child: the user's groups, gid and uid, all of them (sshd's temporarily_use_uid(),
 * for good), so that every open and lookup is the user's and no capability is left. Raw
 * syscalls: this copy is single-threaded whatever libc's bookkeeping says. */
static int keys_child(void *arg)
{
	KeysJob *j = arg;
	const LoginInfo *li = j->li;
	gid_t gid = li->gids[0];

	/* none of the application's fds (the client's socket, sshd's privsep socket) stays open
	 * in a process of the user's */
	if (syscall(SYS_close_range, 3U, ~0U, 0) < 0) {
		j->out->r = negative_errno();
		return 1;
	}
	if (syscall(SYS_setgroups, li->n_gids, li->gids) < 0 ||
	    syscall(SYS_setresgid, gid, gid, gid) < 0 ||
	    syscall(SYS_setresuid, li->uid, li->uid, li->uid) < 0) {
		j->out->r = negative_errno();
		return 1;
	}
	j->out->r = authkeys_inspect(j->paths, j->n, &j->since, &j->out->f);
	j->out->done = true;
	return 0;
}

static int keys_paths(const SshdSftp *s, const LoginInfo *li, char (*buf)[AUTHKEYS_PATH_MAX],
		      KeysJob *j, char *msg, size_t size)
{
	struct passwd pw = {.pw_name = li->user, .pw_dir = li->home, .pw_uid = li->uid};

	if (s->key_files_overflow) {
		snprintf(msg, size, "sshd's configuration names more than %d key files",
			 SSHD_KEY_FILES_MAX);
		return -E2BIG;
	}
	for (size_t i = 0; i < s->n_key_files; i++) {
		int r = authkeys_expand(s->key_files[i], &pw, buf[i], AUTHKEYS_PATH_MAX);

		if (r < 0) {
			errno = -r;
			snprintf(msg, size, "Failed to expand key file name '%s': %m",
				 s->key_files[i]);
			return r;
		}
		j->paths[j->n++] = buf[i];
	}
	return 0;
}

static int keys_run(KeysJob *j, char *msg, size_t size)
{
	_cleanup_close_ int pidfd = -1;
	int r, code, sig;

	r = spawn_fn_pidfd(keys_child, j, &pidfd);
	if (r < 0) {
		errno = -r;
		snprintf(msg, size, "Failed to start the key file check: %m");
		return r;
	}
	r = spawn_wait(pidfd, monotonic_ms() + KEYS_TIMEOUT_MS, &code, &sig);
	if (r == -ETIMEDOUT) {
		snprintf(msg, size, "Failed to read the key files in %d s", KEYS_TIMEOUT_MS / 1000);
		return r;
	}
	if (r == 0 && !j->out->done)
		r = j->out->r < 0 ? j->out->r : -ECHILD;
	if (r == 0 && j->out->r < 0)
		r = j->out->r;
	if (r < 0) {
		errno = -r;
		snprintf(msg, size, "Failed to check the key files as the user: %m");
	}
	return r;
}

int keys_check(const SshdSftp *s, const LoginInfo *li, AuthkeysFinding *ret, char *msg, size_t size)
{
	char buf[SSHD_KEY_FILES_MAX][AUTHKEYS_PATH_MAX];
	KeysJob j = {.li = li};
	int r;

	*ret = (AuthkeysFinding){.verdict = AUTHKEYS_OK};
	if (li->n_gids == 0 || !li->home)
		return -EINVAL;
	r = keys_paths(s, li, buf, &j, msg, size);
	if (r < 0 || j.n == 0)
		return r;
	r = authkeys_since(KEYS_SLACK_MS, &j.since);
	if (r < 0) {
		errno = -r;
		snprintf(msg, size, "Failed to read this process's start time: %m");
		return r;
	}
	j.out =
	    mmap(NULL, sizeof(*j.out), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (j.out == MAP_FAILED) {
		r = negative_errno();
		snprintf(msg, size, "Failed to check the key files: %m");
		return r;
	}
	r = keys_run(&j, msg, size);
	if (r == 0)
		*ret = j.out->f;
	(void)munmap(j.out, sizeof(*j.out));
	return r;
}
