/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "statefile.h"
#include "tmpdir_testlib.h"

static AlcoveState sample(void)
{
	AlcoveState s = {.pid = 4242,
			 .starttime = 123456789,
			 .userns = 4026532186,
			 .mntns = 4026532187,
			 .pidns = 4026532190,
			 .uid = 1001,
			 .created = 1795836359};

	strcpy(s.user, "alice");
	strcpy(s.profile, "builders");
	strcpy(s.mode, "root");
	strcpy(s.share, "user");
	strcpy(s.scope, "alcove-alice.scope");
	strcpy(s.cgroup, "/sys/fs/cgroup/user.slice/user-1001.slice/alcove-alice.scope");
	return s;
}

static void test_roundtrip(void **state)
{
	AlcoveState s = sample(), t;
	char buf[STATEFILE_MAX];
	int n;

	n = statefile_format(&s, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "pid=4242\n"));
	assert_non_null(strstr(buf, "scope=alcove-alice.scope\n"));
	assert_int_equal(statefile_parse(buf, (size_t)n, &t), 0);
	assert_memory_equal(&s, &t, sizeof(s));
}

static void test_empty_scope_and_unknown_keys(void **state)
{
	AlcoveState s = sample(), t;
	char buf[STATEFILE_MAX];
	int n;

	s.scope[0] = s.cgroup[0] = '\0';
	n = statefile_format(&s, buf, sizeof(buf) - 32);
	assert_true(n > 0);
	strcat(buf, "future=key\n");
	assert_int_equal(statefile_parse(buf, strlen(buf), &t), 0);
	assert_string_equal(t.scope, "");
	assert_int_equal(t.pid, 4242);
}

static void test_malformed(void **state)
{
	AlcoveState s = sample(), t;
	char buf[STATEFILE_MAX], *p;
	int n;

	n = statefile_format(&s, buf, sizeof(buf));
	/* a missing key */
	p = strstr(buf, "userns=");
	memcpy(p, "usxrns=", 7);
	assert_int_equal(statefile_parse(buf, (size_t)n, &t), -EBADMSG);
	memcpy(p, "userns=", 7);
	/* a duplicate key */
	char dup[STATEFILE_MAX + 16];
	snprintf(dup, sizeof(dup), "%spid=1\n", buf);
	assert_int_equal(statefile_parse(dup, strlen(dup), &t), -EBADMSG);
	/* not a number, pid 0, a line without '=', an embedded NUL */
	assert_int_equal(statefile_parse("pid=x\n", 6, &t), -EBADMSG);
	p = strstr(buf, "pid=4242");
	memcpy(p, "pid=0000", 8);
	assert_int_equal(statefile_parse(buf, (size_t)n, &t), -EBADMSG);
	assert_int_equal(statefile_parse("garbage\n", 8, &t), -EBADMSG);
	assert_int_equal(statefile_parse("pid=1\0x", 7, &t), -EBADMSG);
	/* a newline inside a value cannot be written */
	strcpy(s.profile, "a\nb");
	assert_int_equal(statefile_format(&s, buf, sizeof(buf)), -EINVAL);
	/* too small a buffer */
	s = sample();
	assert_int_equal(statefile_format(&s, buf, 16), -E2BIG);
}

/* Field 22 of our own /proc/self/stat, counted the simple way (our comm has no spaces). */
static void test_starttime_of_self(void **state)
{
	char buf[1024], *tok, *save = NULL;
	uint64_t mine = 0, parsed = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	int field = 0;

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (++field == 22)
			parsed = strtoull(tok, NULL, 10);
	assert_int_equal(proc_starttime(getpid(), &mine), 0);
	assert_true(parsed > 0);
	assert_int_equal(mine, parsed);
}

static void test_alive(void **state)
{
	AlcoveState s = sample();
	int pidfd = -1;

	s.pid = getpid();
	assert_int_equal(proc_starttime(s.pid, &s.starttime), 0);
	assert_int_equal(proc_ns_inode(s.pid, "pid", &s.pidns), 0);
	assert_int_equal(statefile_alive(&s, &pidfd), 1);
	assert_true(pidfd >= 0);
	close(pidfd);
	s.starttime++; /* a recycled pid */
	assert_int_equal(statefile_alive(&s, NULL), 0);
	s.starttime--;
	s.pidns++; /* someone else's namespace */
	assert_int_equal(statefile_alive(&s, NULL), 0);
}

/* An init whose user namespace is no longer the one recorded (ns root, ptracing it in root
 * mode, made it unshare one) is still alive: its pid namespace is what is compared. */
static void test_alive_other_user_namespace(void **state)
{
	AlcoveState s = sample();

	(void)state;
	s.pid = getpid();
	assert_int_equal(proc_starttime(s.pid, &s.starttime), 0);
	assert_int_equal(proc_ns_inode(s.pid, "pid", &s.pidns), 0);
	assert_int_equal(proc_ns_inode(s.pid, "user", &s.userns), 0);
	s.userns++;
	assert_int_equal(statefile_alive(&s, NULL), 1);
}

static AlcoveState self_state(void)
{
	AlcoveState s = {.pid = getpid()};

	assert_int_equal(proc_starttime(s.pid, &s.starttime), 0);
	assert_int_equal(proc_ns_inode(s.pid, "pid", &s.pidns), 0);
	return s;
}

static void test_alive_and_dead(void **state)
{
	AlcoveState s = self_state();
	int status;
	pid_t pid;

	assert_int_equal(statefile_alive(&s, NULL), 1);
	s.starttime++; /* a recycled pid */
	assert_int_equal(statefile_alive(&s, NULL), 0);
	s = self_state();
	s.pidns++;
	assert_int_equal(statefile_alive(&s, NULL), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	s.pid = pid;
	assert_int_equal(proc_starttime(pid, &s.starttime), 0);
	/* a zombie, then gone: both definitely not alive */
	while (waitid(P_PID, (id_t)pid, NULL, WEXITED | WNOWAIT) < 0)
		;
	assert_int_equal(statefile_alive(&s, NULL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(statefile_alive(&s, NULL), 0);
}

/* Out of fds after pidfd_open: /proc cannot be read, so whether init lives cannot be told.
 * That must come back as an error, never as "dead" (the caller would build a second init). */
static void test_alive_cannot_tell(void **state)
{
	AlcoveState s = self_state();
	struct rlimit old, low;
	int fds[256], n = 0, r, r2;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < (int)(sizeof(fds) / sizeof(fds[0]))) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	assert_true(n > 0 && n < (int)(sizeof(fds) / sizeof(fds[0])));
	r = statefile_alive(&s, NULL); /* no room for the pidfd */
	close(fds[--n]);
	r2 = statefile_alive(&s, NULL); /* room for the pidfd, none for /proc */
	while (n > 0)
		close(fds[--n]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(r, -EMFILE);
	assert_int_equal(r2, -EMFILE);
}

/* An entry of the run directory: its state read; a symlink in its place is not followed (a
 * run directory entry is root's, but list and show must not be led elsewhere by one). */
static void test_read_at(void **state)
{
	AlcoveState s = sample(), t;
	char buf[STATEFILE_MAX];
	int n = statefile_format(&s, buf, sizeof(buf));
	int runfd;

	assert_true(n > 0);
	assert_int_equal(tmpdir_make("/var/tmp/alcove-test-statefile"), 0);
	assert_int_equal(mkdir(path_of("1001"), 0755), 0);
	put("1001/state", buf);
	assert_int_equal(symlink("1001", path_of("1002")), 0);
	runfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(runfd >= 0);
	assert_int_equal(statefile_read_at(runfd, "1001", &t), 0);
	assert_memory_equal(&s, &t, sizeof(s));
	assert_int_equal(statefile_read_at(runfd, "1002", &t), -ENOTDIR);
	assert_int_equal(statefile_read_at(runfd, "1003", &t), -ENOENT);
	close(runfd);
	assert_int_equal(tmpdir_remove(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_alive_and_dead),
	    cmocka_unit_test(test_alive_cannot_tell),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_empty_scope_and_unknown_keys),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_starttime_of_self),
	    cmocka_unit_test(test_alive),
	    cmocka_unit_test(test_alive_other_user_namespace),
	    cmocka_unit_test(test_read_at),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
