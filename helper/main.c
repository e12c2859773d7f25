/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-helper VERB: the root (never setuid) program that builds, joins, stops and resets
 * alcoves for pam_alcove.so and alcovectl. It refuses to run unless it is really root, was
 * not started setuid/setcap (AT_SECURE), its own directory and siblings are writable by root
 * only, and fd 3 is the caller's SOCK_SEQPACKET socket. One request, one answer, exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fileio.h"
#include "fdpass.h"
#include "macro.h"
#include "verbs/verb.h"

#define REQUEST_FD 3

static const struct {
	const char *name;
	VerbFn run;
} verbs[] = {
    {"open", verb_open},   {"close", verb_close}, {"stop", verb_stop},
    {"reset", verb_reset}, {"gc", verb_gc},
};

static bool trusted_file(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Our executable, its directory and the programs we run from there: root's, and nobody else
 * may write them (else whoever could would run code as root, or as PID 1 of every alcove).
 * alcove-enter, which runs as the user holding an admin's terminal under su, nobody else may
 * read either: an exec of a file the user can read leaves the process dumpable, and until its
 * first statement makes it not, any process of the user's could open its fds through /proc. */
static int check_own_files(HelperEnv *env, char *dir, size_t size)
{
	static const struct {
		const char *name;
		mode_t unreadable; /* read bits it must not have */
	} siblings[] = {{"alcove-init", 0}, {"alcove-enter", S_IRGRP | S_IROTH}};
	_cleanup_close_ int self = -1;
	struct stat st, dst;
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", dir, size - 1);
	if (n < 0)
		return log_error_errno(negative_errno(), "Failed to read /proc/self/exe: %m");
	dir[n] = '\0';
	self = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (self < 0 || fstat(self, &st) < 0)
		return log_error_errno(negative_errno(), "Failed to stat own executable: %m");
	if (!S_ISREG(st.st_mode) || !trusted_file(&st))
		return log_error_errno(-EPERM, "Refusing to run: '%s' is writable by non-root",
				       dir);
	slash = strrchr(dir, '/');
	if (!slash)
		return log_error_errno(-EINVAL, "Own path '%s' is not absolute", dir);
	*slash = '\0';
	env->exe_dirfd = open(*dir ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (env->exe_dirfd < 0 || fstat(env->exe_dirfd, &dst) < 0)
		return log_error_errno(negative_errno(), "Failed to open own directory '%s': %m",
				       dir);
	if (!trusted_file(&dst))
		return log_error_errno(
		    -EPERM, "Refusing to run: directory '%s' is writable by non-root", dir);
	for (size_t i = 0; i < ELEMENTSOF(siblings); i++) {
		const char *name = siblings[i].name;

		if (fstatat(env->exe_dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue; /* reported by the verb that needs it */
			return log_error_errno(negative_errno(), "Failed to stat %s/%s: %m", dir,
					       name);
		}
		if (!S_ISREG(st.st_mode) || !trusted_file(&st))
			return log_error_errno(-EPERM,
					       "Refusing to run: %s/%s is not a regular file "
					       "writable only by root",
					       dir, name);
		if (st.st_mode & siblings[i].unreadable)
			return log_error_errno(-EPERM,
					       "Refusing to run: %s/%s is readable by group or "
					       "others, which leaves a login dumpable at its start "
					       "(its fds open to the user's processes): chmod 0711 "
					       "%s/%s",
					       dir, name, dir, name);
	}
	env->exe_dir = dir;
	return 0;
}

/*
 * The helper acts for the whole host: it creates user namespaces (owned by host ids of its
 * choosing), maps host ids, chowns host files. In a user namespace of someone's making
 * (`unshare -U -r` by a user, a container with its own user ns) its uid 0 is someone else's
 * id, and what it creates or checks would mean something else on the host. The initial user
 * namespace maps every id to itself: exactly "0 0 4294967295". (A container sharing the host's
 * user ns, like nspawn without --private-users, has that map too.)
 */
static int check_initial_userns(char *map, size_t size)
{
	_cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	unsigned long long a, b, c;
	ssize_t n;
	int end = 0;

	if (fd < 0)
		return negative_errno();
	n = read(fd, map, size - 1);
	if (n < 0)
		return negative_errno();
	map[n] = '\0';
	if (n > 0 && map[n - 1] == '\n')
		map[n - 1] = '\0';
	if (sscanf(map, " %llu %llu %llu %n", &a, &b, &c, &end) == 3 && map[end] == '\0' &&
	    a == 0 && b == 0 && c == 4294967295ULL)
		return 0;
	/* for the message: the kernel pads the columns; one space between fields, lines by ';' */
	size_t o = 0;
	for (size_t i = 0; map[i]; i++) {
		bool space = map[i] == ' ' || map[i] == '\t' || map[i] == '\n';
		if (space && (o == 0 || map[o - 1] == ' ' || map[o - 1] == ';'))
			continue;
		map[o++] = map[i] == '\n' ? ';' : space ? ' ' : map[i];
	}
	map[o] = '\0';
	return -EPERM;
}

static int check_request_fd(void)
{
	int type = 0, domain = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(REQUEST_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_SEQPACKET)
		return -ENOTSOCK;
	len = sizeof(domain);
	if (getsockopt(REQUEST_FD, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 || domain != AF_UNIX)
		return -ENOTSOCK;
	return 0;
}

/* The answer, with the fds of open (lobby, then net and UTS ns) when it has a first one. */
static int send_answer(const Answer *a)
{
	int fds[3];
	size_t n = 0;

	if (a->fd >= 0) {
		fds[n++] = a->fd;
		if (a->fd2 >= 0)
			fds[n++] = a->fd2;
		if (a->fd3 >= 0)
			fds[n++] = a->fd3;
	}
	return fdpass_send(REQUEST_FD, a->kv.buf, a->kv.len, fds, n, 0);
}

static int run(const HelperEnv *env, const char *verb, Answer *ans)
{
	char buf[KV_MAX_MESSAGE + 1];
	const char *bad = NULL;
	KvMessage msg;
	Request req;
	ssize_t n;
	int r;

	do
		n = recv(REQUEST_FD, buf, sizeof(buf), MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return answer_error(ans, errno, "Failed to read the request: %m");
	if (n > KV_MAX_MESSAGE)
		return answer_error(ans, E2BIG, "Request larger than %d bytes", KV_MAX_MESSAGE);
	r = kv_parse(buf, (size_t)n, &msg);
	if (r < 0)
		return answer_error(ans, r, "Malformed request");
	/* the one parse of the request (verbs/request.h): the verbs get the typed struct */
	r = request_parse(&msg, &req, &bad);
	if (r < 0)
		return answer_error(ans, r, "Malformed request: %s must be 0 or 1", bad);
	if (req.debug)
		log_setup("alcove-helper", LOG_TARGET_SYSTEM | LOG_TARGET_STDERR, true);
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, verb) == 0)
			return verbs[i].run(env, &req, ans);
	return answer_error(ans, EINVAL, "Unknown verb '%s'", verb);
}

/* A pidfd of the caller, taken first: if it has died meanwhile we were reparented (getppid()
 * changed) and the pid may be reused; its hold would last for another process's life.
 * Nor may it have died before main() read getppid(): our parent is then a reaper (PID 1, a
 * subreaper) that asked for nothing, and its hold would keep the alcove for its life and be
 * SIGTERMed as root when the alcove ends (holds.h). The caller made the socket pair on fd 3
 * (helper_client.c): the kernel records its creator as the peer of both ends (SO_PEERCRED),
 * which *caller becomes when it is not our parent (the error then names the caller). */
static int caller_pidfd(pid_t *caller)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	if (getsockopt(REQUEST_FD, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return negative_errno();
	if (cred.pid != *caller) {
		*caller = cred.pid;
		return -ESRCH;
	}
	fd = (int)syscall(SYS_pidfd_open, *caller, 0);
	if (fd < 0)
		return negative_errno();
	if (getppid() != *caller) {
		(void)close(fd);
		return -ESRCH;
	}
	return fd;
}

/*
 * What the caller's process passed down and the alcove must not inherit (init is our child):
 * an oom_score_adj would shield the tenant's processes from the OOM killer (negative) or offer
 * them first, a nice value would slow or favour them, a cwd would pin the caller's directory.
 * A root write of oom_score_adj also sets its floor (oom_score_adj_min): the tenant cannot go
 * below 0. Without CAP_SYS_RESOURCE (some containers) a positive one under a floor set by a
 * privileged writer stays, with a warning; a negative one that stays refuses.
 */
static int reset_inherited(void)
{
	char buf[16];
	size_t n = 0;
	int fd, r, adj;

	if (chdir("/") < 0 || setpriority(PRIO_PROCESS, 0, 0) < 0)
		return negative_errno();
	r = read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 0, buf, sizeof(buf), &n);
	if (r < 0)
		return r;
	buf[n] = 0;
	adj = atoi(buf);
	if (adj == 0)
		return 0;
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	r = fd < 0 ? negative_errno() : write_all(fd, "0\n", 2);
	if (fd >= 0)
		(void)close(fd);
	if (r < 0 && adj > 0) {
		log_warning_errno(r,
				  "Failed to reset oom_score_adj %d inherited from the caller "
				  "to 0: %m",
				  adj);
		return 0;
	}
	return r;
}

int main(int argc, char **argv)
{
	HelperEnv env = {.exe_dirfd = -1, .caller = getppid(), .caller_pidfd = -EBADF};
	Answer ans = {.fd = -1, .fd2 = -1, .fd3 = -1};
	char dir[PATH_MAX];
	int r;

	log_setup("alcove-helper", LOG_TARGET_SYSTEM | LOG_TARGET_STDERR, false);
	if (std_fds_open() < 0)
		return log_error("Failed to open /dev/null on fds 0-2"), 1;
	/* first: a setuid-root copy run by a user has euid 0 and would otherwise be refused as
	 * "not root (euid 0)", which hides what is wrong; the kernel sets AT_SECURE for setuid,
	 * setgid and file capabilities alike */
	if (getauxval(AT_SECURE))
		return log_error("Refusing to run: started setuid or with file capabilities "
				 "(AT_SECURE)"),
		       1;
	if (geteuid() != 0 || getuid() != 0)
		return log_error("Refusing to run: not root (euid %u)", (unsigned)geteuid()), 1;
	char map[256];
	r = check_initial_userns(map, sizeof(map));
	if (r < 0)
		return log_error_errno(
			   r, "Refusing to run: not in the host's user namespace (uid_map %s)",
			   r == -EPERM ? map : "unreadable"),
		       1;
	if (argc != 2)
		return log_error("Usage: alcove-helper VERB (request on fd 3)"), 1;
	if (check_request_fd() < 0)
		return log_error("Refusing to run: fd 3 is not the caller's SOCK_SEQPACKET socket"),
		       1;
	if (check_own_files(&env, dir, sizeof(dir)) < 0)
		return 1;
	umask(022);
	r = reset_inherited();
	if (r < 0)
		return log_error_errno(r, "Failed to reset the cwd, nice value and oom_score_adj "
					  "inherited from the caller: %m"),
		       1;
	env.caller_pidfd = caller_pidfd(&env.caller);
	kv_builder_init(&ans.kv);
	(void)run(&env, argv[1], &ans);
	if (ans.kv.error)
		(void)answer_error(&ans, ans.kv.error, "Answer too large");
	r = send_answer(&ans);
	if (r < 0)
		return log_error_errno(r, "Failed to send the answer: %m"), 1;
	return 0;
}
