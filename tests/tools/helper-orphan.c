/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A caller that dies before the helper it spawned starts (tests/integration/42-pam-ssh.sh).
 *
 *   helper-orphan HELPER CONFIG USER SERVICE
 *
 * Run as root. This process makes itself a child subreaper and forks the caller; the caller
 * makes the socket pair, queues an open request on it (as pam_alcove does), forks the helper
 * and exits. The helper's child waits until it has been reparented to us, then execs HELPER
 * open: its getppid() is now this process, which never asked for anything. We reap both (the
 * caller tells the helper's pid: an alcove's init the helper leaves is reparented to us too),
 * print "orphan pid=OUR-PID caller=PID helper=STATUS" and wait for a signal: a hold recorded for us
 * would make the next end of the alcove SIGTERM us (we die of it; the test sees us gone).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kv.h"

static int queue_request(int sock, const char *config, const char *user, const char *service)
{
	struct passwd *pw = getpwnam(user);
	char uid[16];
	KvBuilder b;

	if (!pw)
		return -1;
	snprintf(uid, sizeof(uid), "%u", (unsigned)pw->pw_uid);
	kv_builder_init(&b);
	kv_add(&b, "user", user);
	kv_add(&b, "uid", uid);
	kv_add(&b, "home", pw->pw_dir);
	kv_add(&b, "shell", pw->pw_shell);
	kv_add(&b, "service", service);
	kv_add(&b, "tty", "");
	kv_add(&b, "rhost", "");
	kv_add(&b, "config", config);
	kv_add(&b, "lobby", "1");
	kv_add(&b, "debug", "0");
	return b.error || send(sock, b.buf, b.len, 0) < 0 ? -1 : 0;
}

/* The caller: gone as soon as its helper is forked; the helper runs once we are reaped. */
static _Noreturn void caller(char **argv, int tell)
{
	int sv[2];
	pid_t self = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 ||
	    queue_request(sv[0], argv[2], argv[3], argv[4]) < 0)
		_exit(1);
	pid = fork();
	if (pid == 0) {
		while (getppid() == self)
			usleep(1000);
		if (dup2(sv[1], 3) < 0)
			_exit(1);
		execl(argv[1], "alcove-helper", "open", (char *)NULL);
		_exit(127);
	}
	_exit(pid < 0 || write(tell, &pid, sizeof(pid)) != sizeof(pid) ? 1 : 0);
}

int main(int argc, char **argv)
{
	int status = 0, p[2];
	pid_t helper = 0, c;

	if (argc != 5) {
		fprintf(stderr, "Usage: helper-orphan HELPER CONFIG USER SERVICE\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return perror("Failed to become a subreaper"), 1;
	if (pipe(p) < 0)
		return perror("Failed to make a pipe"), 1;
	c = fork();
	if (c == 0)
		caller(argv, p[1]);
	if (waitpid(c, &status, 0) != c || status != 0 ||
	    read(p[0], &helper, sizeof(helper)) != sizeof(helper))
		return fprintf(stderr, "helper-orphan: the caller failed\n"), 1;
	if (waitpid(helper, &status, 0) != helper)
		return perror("Failed to reap the helper"), 1;
	printf("orphan pid=%d caller=%d helper=%d\n", (int)getpid(), (int)c,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fflush(stdout);
	for (;;)
		pause();
}
