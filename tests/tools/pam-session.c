/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Opens and closes a PAM session the way a login program does, for tests and measurements.
 *
 *   pam-session [--thread] [--repeat N] SERVICE USER
 *
 * Each round runs in a fresh child (a contained open moves the process into a lobby for
 * good, as it does sshd's monitor): pam_start, pam_acct_mgmt (loads the modules, untimed),
 * pam_open_session, pam_close_session, pam_end, timed with CLOCK_MONOTONIC. Prints "open=<median us> close=<median us> rounds=N" and exits
 * 0, or prints the PAM error of the first failing round and exits 1. --thread starts a second
 * thread first, as a multithreaded application would have.
 */
#include <pthread.h>
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct Round {
	int open_rc, close_rc;
	double open_us, close_us;
} Round;

static int no_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	return PAM_CONV_ERR;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Lives until the process ends: glibc's setxid broadcast (a module's setreuid) interrupts
 * pause() with a signal, and a thread that returned would no longer count. */
static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static void round_run(const char *service, const char *user, Round *r)
{
	struct pam_conv conv = {no_conv, NULL};
	pam_handle_t *pamh = NULL;
	double t;

	r->open_rc = pam_start(service, user, &conv, &pamh);
	if (r->open_rc != PAM_SUCCESS)
		return;
	/* Linux-PAM loads the service's modules at its first dispatch: do that outside the
	 * timing (the account stack's answer does not matter here). */
	(void)pam_acct_mgmt(pamh, PAM_SILENT);
	t = now_us();
	r->open_rc = pam_open_session(pamh, 0);
	r->open_us = now_us() - t;
	if (r->open_rc == PAM_SUCCESS) {
		t = now_us();
		r->close_rc = pam_close_session(pamh, 0);
		r->close_us = now_us() - t;
	}
	pam_end(pamh, r->open_rc);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int n = 1, thread = 0, i = 1;
	pthread_t th;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--thread") == 0)
			thread = 1;
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i != 2 || n < 1) {
		fprintf(stderr, "usage: %s [--thread] [--repeat N] SERVICE USER\n", argv[0]);
		return 2;
	}
	double *open_us = calloc((size_t)n, sizeof(double)),
	       *close_us = calloc((size_t)n, sizeof(double));
	if (!open_us || !close_us)
		return 2;
	for (int k = 0; k < n; k++) {
		int fds[2];
		Round r = {PAM_SYSTEM_ERR, PAM_SYSTEM_ERR, 0, 0};

		if (pipe(fds) < 0)
			return 2;
		pid_t pid = fork();
		if (pid < 0)
			return 2;
		if (pid == 0) {
			close(fds[0]);
			if (thread && pthread_create(&th, NULL, idle_thread, NULL) != 0)
				_exit(2);
			round_run(argv[i], argv[i + 1], &r);
			_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 2);
		}
		close(fds[1]);
		ssize_t got = read(fds[0], &r, sizeof(r));
		close(fds[0]);
		waitpid(pid, NULL, 0);
		if (got != sizeof(r))
			return 2;
		if (r.open_rc != PAM_SUCCESS || r.close_rc != PAM_SUCCESS) {
			printf(
			    "%s failed: %s\n", r.open_rc != PAM_SUCCESS ? "open" : "close",
			    pam_strerror(NULL, r.open_rc != PAM_SUCCESS ? r.open_rc : r.close_rc));
			return 1;
		}
		open_us[k] = r.open_us;
		close_us[k] = r.close_us;
	}
	qsort(open_us, (size_t)n, sizeof(double), cmp);
	qsort(close_us, (size_t)n, sizeof(double), cmp);
	printf("open=%.0f close=%.0f rounds=%d\n", open_us[n / 2], close_us[n / 2], n);
	return 0;
}
