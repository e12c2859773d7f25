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

int main(int argc, char **argv)
{
	LobbySpec spec = {.name = "4242", .uid = 4242, .gid = getgid()};
	LobbyNs ns;
	int r, cmd = 0, n = 0;
	bool cpu = false;

	if (argc < 4) {
		fprintf(stderr,
			"usage: %s INIT_PID SHELL ENTER [--home DIR] [--tun] [--host-image] "
			"[--bench N [--cpu]] "
			"[-- CMD...]\n",
			argv[0]);
		return 2;
	}
	/* the helper holds a pidfd of init (verified alive); so does the probe */
	spec.init_pidfd = (int)syscall(SYS_pidfd_open, atoi(argv[1]), 0);
	if (spec.init_pidfd < 0) {
		fprintf(stderr, "lobby_build: pidfd of %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	spec.shell = argv[2];
	/* alcove-enter is found by its directory's fd, as the helper finds its own */
	char *slash = strrchr(argv[3], '/');
	if (!slash || slash == argv[3]) {
		fprintf(stderr, "ENTER must be an absolute path below /\n");
		return 2;
	}
	*slash = '\0';
	spec.enter_dirfd = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
	spec.enter_name = slash + 1;
	if (spec.enter_dirfd < 0) {
		perror(argv[3]);
		return 1;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--bench") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			spec.home = argv[++i];
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = true;
		else if (strcmp(argv[i], "--tun") == 0)
			spec.tun = true;
		else if (strcmp(argv[i], "--host-image") == 0)
			spec.host_image = true;
		else if (strcmp(argv[i], "--") == 0) {
			cmd = i + 1;
			break;
		}
	}
	if (n > 0)
		return bench(&spec, n, cpu);
	AlcError e;
	r = lobby_build(&spec, &ns, &e);
	if (r < 0) {
		fprintf(stderr, "lobby_build: %s (%s, errno %d)\n", e.msg, e.stage, e.err);
		return 1;
	}
	if (!cmd || cmd >= argc)
		return 0;
	/* as pam_alcove joins them: the lobby, then the alcove's net and UTS ns if not ours */
	if (setns(ns.mnt, CLONE_NEWNS) < 0 || (ns.net >= 0 && setns(ns.net, CLONE_NEWNET) < 0) ||
	    (ns.uts >= 0 && setns(ns.uts, CLONE_NEWUTS) < 0)) {
		perror("setns");
		return 1;
	}
	execvp(argv[cmd], argv + cmd);
	perror(argv[cmd]);
	return 127;
}
