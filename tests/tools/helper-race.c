/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper's pid reused before its caller kills it (tests/integration/66-hardening.sh).
 * Run as root as PID 1 of a PID namespace of its own with its /proc (unshare -pf --mount-proc),
 * in a directory of its own. It plays a PAM application that reaps every child from SIGCHLD
 * (as sshd's monitor does) and calls common/helper_client.c with itself as the helper (argv[0]
 * "alcove-helper"). That helper leaves a grandchild holding the helper's socket open and
 * exits; the application reaps it; the grandchild then makes the kernel hand the helper's pid
 * to a new process (ns_last_pid), the victim. At the deadline the caller kills "the helper":
 * through a pidfd taken at the clone that reaches nothing; through pidfd_open(pid) it would
 * kill the victim. Prints "victim alive" and exits 0, or says what went wrong and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_client.h"

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* The grandchild: waits for the helper to be reaped, takes over its pid for a victim, and
 * keeps the helper's socket (fd 3) open, so the caller sees no answer and no EOF. */
static void grandchild(pid_t helper)
{
	char buf[32];
	pid_t victim;

	while (kill(helper, 0) == 0 || errno != ESRCH)
		usleep(1000);
	snprintf(buf, sizeof(buf), "%d", (int)helper - 1);
	if (write_file("/proc/sys/kernel/ns_last_pid", buf) < 0)
		_exit(1);
	victim = fork();
	if (victim == 0) {
		close(3);
		for (;;)
			pause();
	}
	snprintf(buf, sizeof(buf), "%d %d %d\n", (int)victim, (int)getpid(), (int)helper);
	(void)write_file("victim", buf);
	for (;;)
		pause();
}

static int fake_helper(void)
{
	char req[KV_MAX_MESSAGE];
	pid_t self = getpid(), pid;

	if (recv(3, req, sizeof(req), 0) < 0)
		return 1;
	pid = fork();
	if (pid == 0)
		grandchild(self);
	return pid < 0 ? 1 : 0;
}

/* Neither dead (a zombie: its parent, the grandchild, never reaps it) nor about to be: a
 * SIGKILL is delivered when the victim next runs, so one still pending counts as a kill. */
static int alive(int pid)
{
	char path[64], line[256];
	unsigned long long mask;
	int ok = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "State:", 6) == 0)
			ok = !strchr(line, 'Z') && !strchr(line, 'X');
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		     sscanf(line, "ShdPnd: %llx", &mask) == 1) &&
		    (mask & (1ULL << (SIGKILL - 1))))
			ok = 0;
	}
	fclose(f);
	return ok;
}

static void reap_all(int sig)
{
	int saved = errno;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = reap_all, .sa_flags = SA_RESTART};
	HelperReply reply;
	KvBuilder b;
	int victim = 0, holder = 0, helper = 0, r;
	FILE *f;

	if (strcmp(argv[0], "alcove-helper") == 0)
		return fake_helper();
	if (getpid() != 1) {
		fprintf(stderr, "helper-race: run me as PID 1 of a PID namespace (unshare -pf)\n");
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	kv_builder_init(&b);
	kv_add(&b, "user", "nobody");
	r = helper_call(&(HelperCall){.path = "/proc/self/exe", .verb = "race", .timeout_ms = 1000},
			&b, &reply);
	f = fopen("victim", "re");
	if (!f || fscanf(f, "%d %d %d", &victim, &holder, &helper) != 3) {
		fprintf(stderr, "helper-race: the grandchild did not make a victim\n");
		return 1;
	}
	fclose(f);
	if (victim != helper) {
		fprintf(stderr, "helper-race: the victim got pid %d, not the helper's %d\n", victim,
			helper);
		return 1;
	}
	if (r != -ETIMEDOUT) {
		fprintf(stderr, "helper-race: helper_call returned %d, not -ETIMEDOUT\n", r);
		return 1;
	}
	if (!alive(victim)) {
		fprintf(stderr, "helper-race: victim %d (the helper's pid, reused) was killed\n",
			victim);
		return 1;
	}
	printf("victim alive (pid %d, the helper's, reused)\n", victim);
	kill(victim, SIGKILL);
	kill(holder, SIGKILL);
	return 0;
}
