/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "usage_read.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "control_client.h"
#include "dirs.h"
#include "fdwait.h"
#include "fileio.h"
#include "frozen.h"
#include "macro.h"
#include "quota.h"

/* Reads a small file below dfd (no symlink followed) into buf, NUL-terminated. */
static int read_small_at(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return 0;
}

/* The path is the one the helper recorded from systemd's ControlGroup; the names below it
 * are made by the alcove's root, so they are only opened with O_NOFOLLOW below this fd. */
int usage_open_scope(const AlcoveState *s)
{
	if (s->cgroup[0] != '/')
		return -ENOENT;
	return RET_NERRNO(open(s->cgroup, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

/* A controller that is not enabled for the cgroup has no file: that usage stays unknown. */
void usage_read_cgroup(int dfd, ShowUsage *u)
{
	char buf[1024];

	u->has_memory = read_small_at(dfd, "memory.current", buf, sizeof(buf)) >= 0 &&
			show_parse_u64(buf, &u->memory_bytes) >= 0;
	u->has_pids = read_small_at(dfd, "pids.current", buf, sizeof(buf)) >= 0 &&
		      show_parse_u64(buf, &u->pids) >= 0;
	u->has_cpu = read_small_at(dfd, "cpu.stat", buf, sizeof(buf)) >= 0 &&
		     show_parse_cpu_stat(buf, &u->cpu_usec) >= 0;
}

/* memory.max / pids.max: a number, or "max" (no limit). */
static bool limit_read(int dfd, const char *name, uint64_t *ret)
{
	char buf[64];

	if (read_small_at(dfd, name, buf, sizeof(buf)) < 0)
		return false;
	if (strcmp(buf, "max\n") == 0) {
		*ret = SHOW_LIMIT_NONE;
		return true;
	}
	return show_parse_u64(buf, ret) >= 0;
}

void usage_read_limits(int dfd, ShowLimits *l)
{
	l->has_memory_max = limit_read(dfd, "memory.max", &l->memory_max);
	l->has_pids_max = limit_read(dfd, "pids.max", &l->pids_max);
}

/* Through init's root: resolved inside it (RESOLVE_IN_ROOT), never through a symlink, and
 * counted only when it is a tmpfs (in root mode ns root may have put anything there). */
void usage_read_tmpfs(const AlcoveState *s, ShowTmpfsUsage ret[_SHOW_TMPFS_MAX])
{
	_cleanup_close_ int rootfd = -1;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/root", (int)s->pid);
	rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 || statefile_alive(s, NULL) <= 0)
		return; /* checked after the open: the root is the alcove's init's */
	for (int t = 0; t < _SHOW_TMPFS_MAX; t++) {
		struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				       .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
						  RESOLVE_NO_MAGICLINKS};
		_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, show_tmpfs_path((ShowTmpfs)t),
						      &how, sizeof(how));
		struct statfs sf;

		if (fd < 0 || fstatfs(fd, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
			continue;
		ret[t] = (ShowTmpfsUsage){
		    .known = true,
		    .bytes = (uint64_t)(sf.f_blocks - sf.f_bfree) * (uint64_t)sf.f_bsize,
		    .size = (uint64_t)sf.f_blocks * (uint64_t)sf.f_bsize,
		    .inodes = (uint64_t)(sf.f_files - sf.f_ffree),
		    .inodes_max = (uint64_t)sf.f_files};
	}
}

/* Why the filesystem does not limit the layer (fd), or "" when it could. quota_probe() first:
 * a filesystem that cannot enforce a quota says so whatever the layer is. */
static int layer_fs_why(const char *user, int fd, uint32_t uid, QuotaUsage *u, char *why,
			size_t len)
{
	const LayerQuota any = {.bytes = 1};
	int r = quota_probe(fd, &any);

	if (r < 0) {
		snprintf(why, len, "the filesystem cannot enforce a quota (%s): %s",
			 quota_fs_name(quota_fs_of(fd)), quota_hint(quota_fs_of(fd), r));
		return r;
	}
	r = quota_read(fd, uid, u);
	if (r == -EEXIST)
		snprintf(why, len,
			 "the layer was made before its quota existed (not a %s of its own); "
			 "`alcovectl reset %s` remakes it (the user's changes are lost)",
			 quota_fs_of(fd) == QUOTA_FS_BTRFS ? "subvolume" : "project", user);
	else if (r < 0)
		snprintf(why, len, "its quota cannot be read: %s", strerror(-r));
	return r;
}

/* Opened as the helper opens it: beneath the root-owned directories, never through a
 * symlink. */
void usage_read_layer(const char *user, uid_t uid, ShowLayer *ret)
{
	_cleanup_close_ int libfd = -1, fd = -1;
	char path[512];
	QuotaUsage u;

	*ret = (ShowLayer){0};
	libfd = open(ALCOVE_LIB_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (libfd < 0 || snprintf(path, sizeof(path), "%s/layer", user) >= (int)sizeof(path))
		return;
	fd = open_beneath(libfd, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	ret->present = true;
	if (layer_fs_why(user, fd, (uint32_t)uid, &u, ret->why, sizeof(ret->why)) < 0)
		return;
	ret->has_usage = true;
	ret->counter = quota_fs_name(u.fs);
	ret->bytes = u.bytes;
	ret->bytes_limit = u.bytes_limit;
	ret->counts_inodes = u.counts_inodes;
	ret->inodes = u.inodes;
	ret->inodes_limit = u.inodes_limit;
}

/* A frozen init (root mode, ns root's cgroup.freeze) answers no STATUS: asking would hold
 * list and show for CONTROL_TIMEOUT_SEC per such alcove, with "?" for an answer. Only an
 * alcove whose tenant can freeze it costs the pidfd and the reads of /proc and cgroupfs. */
static bool status_frozen(const AlcoveState *s)
{
	_cleanup_close_ int pidfd = -1;

	return init_freezable(s) && statefile_alive(s, &pidfd) > 0 && init_frozen(s, pidfd) == 1;
}

int usage_status_ask(const AlcoveState *s, const char *name, ShowStatus *ret)
{
	char path[128];
	int r;

	*ret = (ShowStatus){.frozen = status_frozen(s)};
	if (ret->frozen)
		return -EBUSY; /* not asked */
	r = control_admin_path(name, path, sizeof(path));
	return r < 0 ? r : control_status_send(path);
}

void usage_status_answer(int fd, long long deadline, ShowStatus *ret)
{
	ProtoStatus st;
	struct timespec now;
	uint64_t now_usec;

	if (fd < 0 || control_status_take(fd, deadline, &st) < 0)
		return;
	*ret = (ShowStatus){.known = true, .sessions = st.sessions, .holds = st.holds,
			    .processes = st.processes, .has_activity = st.activity_usec != 0,
			    .activity_usec = st.activity_usec};
	if (!ret->has_activity || show_status_active(ret) ||
	    clock_gettime(CLOCK_REALTIME, &now) < 0)
		return;
	now_usec = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
	/* a wall clock set back since then: idle 0, not a huge number */
	ret->idle_sec = now_usec > st.activity_usec ? (now_usec - st.activity_usec) / 1000000 : 0;
}

void usage_read_status(const AlcoveState *s, const char *name, ShowStatus *ret)
{
	_cleanup_close_ int fd = usage_status_ask(s, name, ret);

	usage_status_answer(fd, monotonic_ms() + CONTROL_TIMEOUT_SEC * 1000LL, ret);
}
