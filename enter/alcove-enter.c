/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-enter: in a login's lobby it is bind-mounted over the user's login shell, so
 * sshd/login/su exec it as the user (argv[0] "-bash", maybe "-c cmd"). It hands the
 * login to the alcove's init and mirrors the shell's end (DESIGN §1, §2, §9).
 *
 * Any caller that is not the alcove's user (root code in the lobby running "the shell") gets
 * the real shell, which the helper keeps at /run/alcove/shell in the lobby. Who the lobby's
 * user is comes from the lobby marker (lobby_marker.h), a read-only mount of host root's, and
 * not from the control socket: that goes away when the alcove ends while sshd keeps the
 * connection (and with it the lobby) open, and a new session channel of that connection
 * (ssh ControlMaster) then still execs the shell path here. For the lobby's user there is no
 * way to the real shell: the alcove or an error (fail closed).
 *
 * Without a marker (a lobby built before the marker existed, or not a lobby at all) the
 * older rule applies: $ALCOVE_NAME's control socket owned by our uid, else the real shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "enter_client.h"
#include "lobby_marker.h"

#define REAL_SHELL ALCOVE_RUN_DIR "/shell"

extern char **environ;

static _noreturn_ void exec_real_shell(char **argv)
{
	execv(REAL_SHELL, argv);
	fprintf(stderr, "alcove-enter: no alcove session and no real shell\n");
	exit(1);
}

/* The control socket of $ALCOVE_NAME if it is this user's: a socket owned by our uid. */
static bool alcove_socket_is_ours(const char *name, char *path, size_t size)
{
	struct stat st;

	if (!name || !alcove_name_is_valid(name))
		return false;
	snprintf(path, size, ALCOVE_RUN_DIR "/%s/control", name);
	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_uid == getuid();
}

/* 1 and *ret when this process runs in a lobby (the marker is there), 0 when not, -errno
 * when a marker is there but cannot be read or is not the helper's. Only a root-owned,
 * read-only file on a tmpfs counts: nothing else under /run/alcove is writable by users, but
 * the checks cost nothing. */
static int lobby_marker_read(LobbyMarker *ret)
{
	char buf[LOBBY_MARKER_MAX + 1];
	struct statfs sfs;
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(LOBBY_MARKER_DIR "/" LOBBY_MARKER_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0222) ||
	    sfs.f_type != TMPFS_MAGIC)
		return -EPERM;
	return lobby_marker_parse(buf, (size_t)n, ret) < 0 ? -EBADMSG : 1;
}

/* The shell to start inside: the user's passwd shell, which is where we were bind-mounted
 * (inside the alcove that path is the image's real shell). */
static const char *login_shell(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw && pw->pw_shell && pw->pw_shell[0] == '/' ? pw->pw_shell : "/bin/sh";
}

/* Fail closed: one line saying why and what to do. */
static _noreturn_ void not_running(const char *what, const char *why)
{
	fprintf(stderr, "alcove-enter: your alcove is not running (%s: %s); log in again\n", what,
		why);
	exit(1);
}

/* Picks the control socket to connect to (path), or execs the real shell, or exits. */
static void choose(char **argv, char *path, size_t size)
{
	LobbyMarker lm;
	struct stat st;
	int r;

	r = lobby_marker_read(&lm);
	if (r < 0) {
		/* a lobby whose marker we cannot trust: nobody gets a shell through it */
		fprintf(stderr, "alcove-enter: cannot read %s/%s: %s\n", LOBBY_MARKER_DIR,
			LOBBY_MARKER_FILE, strerror(-r));
		exit(1);
	}
	if (r == 0 || lm.uid != getuid()) {
		/* not a lobby of ours: root code (or another user) running the shell path */
		if (r == 0 && alcove_socket_is_ours(getenv("ALCOVE_NAME"), path, size))
			return;
		exec_real_shell(argv);
	}
	/* Our lobby: its alcove, never the real shell. The marker names the alcove (the
	 * environment is whatever the program that ran us passed on). */
	snprintf(path, size, ALCOVE_RUN_DIR "/%s/control", lm.name);
	if (lstat(path, &st) < 0)
		not_running(path, strerror(errno));
	if (!S_ISSOCK(st.st_mode) || st.st_uid != getuid())
		not_running(path, "not the alcove's control socket");
}

int main(int argc, char *argv[])
{
	char path[128];
	EnterResult res;
	EnterRequest req;
	int r;

	if (argc < 1 || !argv[0])
		return 1;
	choose(argv, path, sizeof(path));

	r = enter_release_tty();
	if (r < 0) {
		fprintf(stderr, "alcove-enter: Failed to give up the controlling terminal: %s\n",
			strerror(-r));
		return 1;
	}
	req = (EnterRequest){
	    .socket_path = path,
	    .path = login_shell(),
	    .argv = (const char *const *)argv,
	    .envp = (const char *const *)environ,
	};
	r = enter_run(&req, &res);
	/* gone between the check and the connect, or ending (it closed its socket); an ENOENT
	 * that init reported (with a message) is the shell missing inside, not the alcove */
	if ((r == -ENOENT || r == -ECONNREFUSED) && !res.message[0])
		not_running(path, strerror(-r));
	if (r < 0) {
		if (res.message[0])
			fprintf(stderr, "alcove-enter: %s: %s\n", res.message, strerror(-r));
		else
			fprintf(stderr, "alcove-enter: Failed to enter the alcove through %s: %s\n",
				path, strerror(-r));
		return 1;
	}
	enter_exit_like(res.wait_status);
}
