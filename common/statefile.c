/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dirs.h"
#include "fileio.h"
#include "macro.h"

static bool has_newline(const char *s)
{
	return strchr(s, '\n') != NULL;
}

int statefile_format(const AlcoveState *s, char *buf, size_t len)
{
	int n;

	if (has_newline(s->user) || has_newline(s->profile) || has_newline(s->mode) ||
	    has_newline(s->share) || has_newline(s->scope) || has_newline(s->cgroup))
		return -EINVAL;
	n = snprintf(buf, len,
		     "pid=%d\nstarttime=%" PRIu64 "\nuserns=%" PRIu64 "\nmntns=%" PRIu64
		     "\npidns=%" PRIu64 "\nuid=%u\nuser=%s\nprofile=%s\nmode=%s\nshare=%s\n"
		     "scope=%s\ncgroup=%s\ncreated=%" PRId64 "\n",
		     (int)s->pid, s->starttime, s->userns, s->mntns, s->pidns, (unsigned)s->uid,
		     s->user, s->profile, s->mode, s->share, s->scope, s->cgroup, s->created);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return n;
}

static int parse_u64(const char *v, uint64_t *ret)
{
	char *end;
	unsigned long long x;

	if (*v < '0' || *v > '9')
		return -EBADMSG;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end)
		return -EBADMSG;
	*ret = x;
	return 0;
}

static int copy_str(char *dst, size_t size, const char *v)
{
	size_t l = strlen(v);

	if (l >= size)
		return -EBADMSG;
	memcpy(dst, v, l + 1);
	return 0;
}

enum {
	K_PID,
	K_STARTTIME,
	K_USERNS,
	K_MNTNS,
	K_PIDNS,
	K_UID,
	K_USER,
	K_PROFILE,
	K_MODE,
	K_SHARE,
	K_SCOPE,
	K_CGROUP,
	K_CREATED,
	_K_MAX,
};

static const char *const keys[_K_MAX] = {
    "pid",     "starttime", "userns", "mntns", "pidns",	 "uid",	    "user",
    "profile", "mode",	    "share",  "scope", "cgroup", "created",
};

static int set_key(AlcoveState *s, int k, const char *v)
{
	uint64_t x = 0;
	int r = 0;

	if (k <= K_UID || k == K_CREATED) {
		r = parse_u64(v, &x);
		if (r < 0)
			return r;
	}
	switch (k) {
	case K_PID:
		if (x == 0 || x > INT32_MAX)
			return -EBADMSG;
		s->pid = (pid_t)x;
		return 0;
	case K_STARTTIME:
		s->starttime = x;
		return 0;
	case K_USERNS:
		s->userns = x;
		return 0;
	case K_MNTNS:
		s->mntns = x;
		return 0;
	case K_PIDNS:
		s->pidns = x;
		return 0;
	case K_UID:
		if (x >= UINT32_MAX)
			return -EBADMSG;
		s->uid = (uid_t)x;
		return 0;
	case K_USER:
		return copy_str(s->user, sizeof(s->user), v);
	case K_PROFILE:
		return copy_str(s->profile, sizeof(s->profile), v);
	case K_MODE:
		return copy_str(s->mode, sizeof(s->mode), v);
	case K_SHARE:
		return copy_str(s->share, sizeof(s->share), v);
	case K_SCOPE:
		return copy_str(s->scope, sizeof(s->scope), v);
	case K_CGROUP:
		return copy_str(s->cgroup, sizeof(s->cgroup), v);
	case K_CREATED:
		if (x > INT64_MAX)
			return -EBADMSG;
		s->created = (int64_t)x;
		return 0;
	}
	return -EBADMSG;
}

int statefile_parse(const char *buf, size_t len, AlcoveState *ret)
{
	_cleanup_free_ char *copy = NULL;
	AlcoveState s = {0};
	unsigned seen = 0;
	char *line, *save = NULL;
	int r;

	if (len > STATEFILE_MAX || memchr(buf, '\0', len))
		return -EBADMSG;
	copy = strndup(buf, len);
	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		for (int k = 0; k < _K_MAX; k++) {
			if (strcmp(line, keys[k]) != 0)
				continue;
			if (seen & (1u << k))
				return -EBADMSG;
			r = set_key(&s, k, eq + 1);
			if (r < 0)
				return r;
			seen |= 1u << k;
		}
	}
	if (seen != (1u << _K_MAX) - 1)
		return -EBADMSG;
	*ret = s;
	return 0;
}

int statefile_read(int dirfd, AlcoveState *ret)
{
	char buf[STATEFILE_MAX];
	size_t len;
	int r;

	r = read_file_at(dirfd, ALCOVE_RUN_STATE, 0, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	return statefile_parse(buf, len, ret);
}

int statefile_read_at(int runfd, const char *name, AlcoveState *ret)
{
	_cleanup_close_ int dfd = openat(runfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0)
		return negative_errno();
	return statefile_read(dfd, ret);
}

int proc_starttime(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024], *p;
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	r = read_file_at(AT_FDCWD, path, 0, buf, sizeof(buf) - 1, &len);
	if (r < 0)
		return r;
	buf[len] = '\0';
	/* comm (field 2) may hold spaces and parentheses: count fields after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EBADMSG;
	p++;
	/* p is at the space before field 3; each step moves to the space before the next field */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EBADMSG;
	}
	errno = 0;
	*ret = strtoull(p + 1, NULL, 10);
	return errno ? -EBADMSG : 0;
}

int proc_ns_inode(pid_t pid, const char *ns, uint64_t *ret)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(path, &st) < 0)
		return negative_errno();
	*ret = st.st_ino;
	return 0;
}

/* The process is gone (or exiting: a zombie has no namespaces): a definite "not alive".
 * Anything else (EMFILE, ENOMEM, EACCES...) means we could not look. */
static bool gone(int r)
{
	return r == -ENOENT || r == -ESRCH;
}

int statefile_alive(const AlcoveState *s, int *ret_pidfd)
{
	_cleanup_close_ int pidfd = -1;
	uint64_t start, pidns;
	int r;

	pidfd = (int)syscall(SYS_pidfd_open, s->pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : negative_errno();
	r = proc_starttime(s->pid, &start);
	if (r < 0)
		return gone(r) ? 0 : r;
	if (start != s->starttime)
		return 0;
	/* The pid namespace a process is in never changes (unshare(CLONE_NEWPID) is for its
	 * children), its user namespace may: ns root that ptraces init (root mode) can make it
	 * unshare one, and an init judged by its user namespace then looked dead while it ran
	 * (stop killed nothing and dropped its state, the next login built a second alcove). */
	r = proc_ns_inode(s->pid, "pid", &pidns);
	if (r < 0)
		return gone(r) ? 0 : r;
	if (pidns != s->pidns)
		return 0;
	/* the /proc reads above were of the process the pidfd holds only if it still lives */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		return errno == ESRCH ? 0 : negative_errno();
	/* an init that has exited but is not reaped yet (a zombie until the host's PID 1 gets to
	 * it, seconds on some hosts) still answers the checks above: its pidfd is readable */
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	r = poll(&p, 1, 0);
	if (r < 0)
		return negative_errno();
	if (r > 0)
		return 0;
	if (ret_pidfd)
		*ret_pidfd = TAKE_FD(pidfd);
	return 1;
}
