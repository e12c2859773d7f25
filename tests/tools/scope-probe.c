/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives helper/build/scope.c against a real systemd, for tests/integration/50-systemd-scope.sh.
 *
 *   scope-probe start NAME UID OWNER_UID OWNER_GID [Property=VALUE...]
 *       forks a child (sleep infinity, stdio on /dev/null), puts it into the scope with
 *       scope_start and prints "unit=… cgroup=… pid=… usec=…" (usec: time of scope_start)
 *   scope-probe stop UNIT
 *   scope-probe bench N UID      N start/stop rounds; prints every scope_start time in µs
 *   scope-probe run NAME UID [Property=VALUE...] -- CMD...
 *       runs CMD inside a new scope (it is held on a pipe until scope_start has moved it),
 *       prints "cgroup=…", waits, and exits with CMD's status (128+signal when killed);
 *       the scope is stopped at the end
 *
 * Property names are systemd's (MemoryMax, TasksMax, CPUQuotaPerSecUSec, ...), values plain
 * numbers. Errors: "error: <errno name>: <text>" on stderr, exit 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build/scope.h"
#include "build/scope_props.h"

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl("/bin/sleep", "sleep", "infinity", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int parse_limits(int argc, char **argv, Limits *l)
{
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		int k;

		if (!eq)
			return -EINVAL;
		for (k = 0; k < _LIMIT_MAX; k++) {
			const char *p = scope_limit_property((LimitKind)k);

			if (strlen(p) == (size_t)(eq - argv[i]) &&
			    strncmp(p, argv[i], eq - argv[i]) == 0)
				break;
		}
		if (k == _LIMIT_MAX)
			return -EINVAL;
		l->set |= 1u << k;
		l->value[k] = strtoull(eq + 1, NULL, 10);
	}
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}

static int fail(int r, const char *err)
{
	fprintf(stderr, "error: %s: %s\n", strerrorname_np(-r), err);
	return 1;
}

static int start_one(const char *name, uid_t uid, uid_t ouid, gid_t ogid, const Limits *l,
		     ScopeResult *res, pid_t *ret_pid, uint64_t *ret_usec)
{
	AlcError err = {0};
	ScopeRequest req = {.user = name,
			    .uid = uid,
			    .profile = "probe",
			    .name = name,
			    .limits = l,
			    .owner_uid = ouid,
			    .owner_gid = ogid};
	uint64_t t0;
	int r;

	req.pid = spawn_sleeper();
	if (req.pid < 0)
		return fail(-errno, "fork");
	t0 = now_usec();
	r = scope_start(&req, res, &err);
	*ret_usec = now_usec() - t0;
	*ret_pid = req.pid;
	if (r < 0) {
		kill(req.pid, SIGKILL);
		waitpid(req.pid, NULL, 0);
		return fail(r, err.msg);
	}
	return 0;
}

/* CMD waits on a pipe until it is inside the scope, so all its work is accounted there. */
static int run_in_scope(int argc, char **argv)
{
	int sep = 0, p[2], status, r;
	AlcError err = {0};
	char go = 1;
	Limits l = {0};
	ScopeResult res;
	ScopeRequest req = {.user = argv[2],
			    .uid = (uid_t)atoi(argv[3]),
			    .profile = "probe",
			    .name = argv[2],
			    .limits = &l};

	for (int i = 4; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (sep == 0 || sep + 1 >= argc || parse_limits(sep - 4, argv + 4, &l) < 0)
		return fail(-EINVAL, "usage: run NAME UID [Prop=V...] -- CMD...");
	if (pipe2(p, O_CLOEXEC) < 0)
		return fail(-errno, "pipe");
	req.pid = fork();
	if (req.pid < 0)
		return fail(-errno, "fork");
	if (req.pid == 0) {
		close(p[1]);
		if (read(p[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[sep + 1], argv + sep + 1);
		_exit(127);
	}
	close(p[0]);
	r = scope_start(&req, &res, &err);
	if (r < 0) {
		kill(req.pid, SIGKILL);
		waitpid(req.pid, NULL, 0);
		return fail(r, err.msg);
	}
	printf("cgroup=%s\n", res.cgroup_path);
	fflush(stdout);
	if (write(p[1], &go, 1) != 1)
		return fail(-errno, "release the command");
	close(p[1]);
	if (waitpid(req.pid, &status, 0) < 0)
		return fail(-errno, "waitpid");
	(void)scope_stop(res.unit, &err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	ScopeResult res;
	Limits l = {0};
	AlcError err = {0};
	uint64_t usec;
	pid_t pid;
	int r;

	if (argc >= 6 && strcmp(argv[1], "start") == 0) {
		if (parse_limits(argc - 6, argv + 6, &l) < 0)
			return fail(-EINVAL, "bad Property=VALUE");
		if (start_one(argv[2], (uid_t)atoi(argv[3]), (uid_t)atoi(argv[4]),
			      (gid_t)atoi(argv[5]), &l, &res, &pid, &usec) != 0)
			return 1;
		printf("unit=%s\ncgroup=%s\npid=%d\nusec=%" PRIu64 "\n", res.unit, res.cgroup_path,
		       (int)pid, usec);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "stop") == 0) {
		r = scope_stop(argv[2], &err);
		return r < 0 ? fail(r, err.msg) : 0;
	}
	if (argc == 4 && strcmp(argv[1], "bench") == 0) {
		for (int i = 0, n = atoi(argv[2]); i < n; i++) {
			if (start_one("probe-bench", (uid_t)atoi(argv[3]), 0, 0, NULL, &res, &pid,
				      &usec) != 0)
				return 1;
			printf("%" PRIu64 "\n", usec);
			r = scope_stop(res.unit, &err);
			waitpid(pid, NULL, 0);
			if (r < 0)
				return fail(r, err.msg);
		}
		return 0;
	}
	if (argc >= 6 && strcmp(argv[1], "run") == 0)
		return run_in_scope(argc, argv);
	fprintf(stderr, "usage: scope-probe start NAME UID OWNER_UID OWNER_GID [Prop=V...] | "
			"stop UNIT | bench N UID | run NAME UID [Prop=V...] -- CMD...\n");
	return 2;
}
