/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test driver for helper/lobby.c (root only; used by tests/integration/40-pam-lobby.sh).
 *
 *   lobby-probe INIT_PID SHELL ENTER [--home DIR] [--tun] [--host-image] [--bench N [--cpu]]
 *               [-- CMD ARGS...]
 *
 * Builds a lobby against the mount ns of INIT_PID (for a user whose home is DIR, with tunnels
 * allowed, for an alcove whose image is the host's root: the service directories stay), then
 * either times N builds (median, µs, on stdout; with --cpu also the CPU time of a build, µs,
 * the median: on a shared machine it moves less than the wall time) or joins the lobby and
 * execs CMD there.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "build/lobby.h"
#include "macro.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* CPU time of this process and its reaped children (each build's lobby child), µs. */
static double cpu_us(void)
{
	struct rusage self, children;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	return (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
			children.ru_stime.tv_sec) *
		   1e6 +
	       (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
			children.ru_stime.tv_usec);
}

static int bench(const LobbySpec *spec, int n, bool cpu)
{
	double *t = calloc((size_t)n, sizeof(double)), *c = calloc((size_t)n, sizeof(double));

	if (!t || !c) {
		free(t);
		free(c);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		LobbyNs ns;
		double cpu_start = cpu_us(), start = now_us();
		int r = lobby_build(spec, &ns, NULL);

		t[i] = now_us() - start;
		c[i] = cpu_us() - cpu_start;
		if (r < 0) {
			fprintf(stderr, "lobby_build: %s\n", strerror(-r));
			free(t);
			free(c);
			return 1;
		}
		close(ns.mnt);
		if (ns.net >= 0)
			close(ns.net);
		if (ns.uts >= 0)
			close(ns.uts);
	}
	qsort(t, (size_t)n, sizeof(double), cmp_double);
	qsort(c, (size_t)n, sizeof(double), cmp_double);
	if (cpu)
		printf("%.1f %.1f\n", t[n / 2], c[n / 2]);
	else
		printf("%.1f\n", t[n / 2]);
	free(t);
	free(c);
	return 0;
}

typedef struct ProbeArgs {
	LobbySpec spec;
	int n_bench; /* --bench N: time N builds; 0: build once */
	bool cpu;
	char **cmd; /* after "--", or NULL */
} ProbeArgs;

static int usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s INIT_PID SHELL ENTER [--home DIR] [--tun] [--host-image] "
		"[--bench N [--cpu]] [-- CMD...]\n",
		argv0);
	return 2;
}

/* The options after INIT_PID SHELL ENTER: 0, or the exit status for an unknown one. */
static int parse_options(int argc, char **argv, ProbeArgs *a)
{
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			a->n_bench = atoi(argv[++i]);
		else if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			a->spec.home = a->spec.home_source = argv[++i];
		else if (strcmp(argv[i], "--cpu") == 0)
			a->cpu = true;
		else if (strcmp(argv[i], "--tun") == 0)
			a->spec.tun = true;
		else if (strcmp(argv[i], "--host-image") == 0)
			a->spec.host_image = true;
		else if (strcmp(argv[i], "--") == 0) {
			a->cmd = i + 1 < argc ? argv + i + 1 : NULL;
			return 0;
		} else {
			fprintf(stderr, "Unknown option '%s'\n", argv[i]);
			return usage(argv[0]);
		}
	}
	return 0;
}

static bool same_netns(const char *init_pid)
{
	struct stat ours, theirs;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%s/ns/net", init_pid);
	return stat("/proc/self/ns/net", &ours) == 0 && stat(path, &theirs) == 0 &&
	       ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

/* INIT_PID and ENTER as the helper holds them: a pidfd of init (verified alive), and
 * alcove-enter by its directory's fd. 0, or the exit status. */
static int open_targets(const char *init_pid, char *enter, LobbySpec *spec)
{
	char *slash = strrchr(enter, '/');

	spec->init_pidfd = (int)syscall(SYS_pidfd_open, atoi(init_pid), 0);
	if (spec->init_pidfd < 0) {
		fprintf(stderr, "lobby_build: pidfd of %s: %s\n", init_pid, strerror(errno));
		return 1;
	}
	if (!slash || slash == enter) {
		fprintf(stderr, "ENTER must be an absolute path below /\n");
		return 2;
	}
	/* no policy here: the network init has is what its profile said (the helper checks that
	 * against the profile; the probe builds lobbies of host- and none-network alcoves) */
	spec->network_host = same_netns(init_pid);
	*slash = '\0';
	spec->enter_dirfd = open(enter, O_PATH | O_DIRECTORY | O_CLOEXEC);
	spec->enter_name = slash + 1;
	if (spec->enter_dirfd < 0) {
		perror(enter);
		return 1;
	}
	return 0;
}

/* As pam_alcove joins them: the lobby, then the alcove's net and UTS ns if not ours. */
static int join_and_exec(const LobbyNs *ns, char **cmd)
{
	if (setns(ns->mnt, CLONE_NEWNS) < 0 || (ns->net >= 0 && setns(ns->net, CLONE_NEWNET) < 0) ||
	    (ns->uts >= 0 && setns(ns->uts, CLONE_NEWUTS) < 0)) {
		perror("setns");
		return 1;
	}
	execvp(cmd[0], cmd);
	perror(cmd[0]);
	return 127;
}

int main(int argc, char **argv)
{
	ProbeArgs a = {.spec = {.name = "4242", .uid = 4242, .gid = getgid()}};
	AlcError e;
	LobbyNs ns;
	int r;

	if (argc < 4)
		return usage(argv[0]);
	r = parse_options(argc, argv, &a);
	if (r == 0)
		r = open_targets(argv[1], argv[3], &a.spec);
	if (r != 0)
		return r;
	a.spec.shell = argv[2];
	if (a.n_bench > 0)
		return bench(&a.spec, a.n_bench, a.cpu);
	r = lobby_build(&a.spec, &ns, &e);
	if (r < 0) {
		fprintf(stderr, "lobby_build: %s (%s, errno %d)\n", e.msg, e.stage, e.err);
		return 1;
	}
	return a.cmd ? join_and_exec(&ns, a.cmd) : 0;
}
