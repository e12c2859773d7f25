/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-enter: in a login's lobby it is bind-mounted over the user's login shell, so
 * sshd/login/su exec it as the user (argv[0] "-bash", maybe "-c cmd"). It hands the
 * login to the alcove's init and mirrors the shell's end (DESIGN §1, §2, §9).
 *
 * Any caller that is not the alcove's user (root code in the lobby running "the shell"),
 * or a process without an alcove session, gets the real shell, which the helper keeps at
 * /run/alcove/shell in the lobby. Once an alcove session IS set up for this user, a
 * failure to reach it is an error: never an uncontained shell (fail closed).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enter_client.h"

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

/* The shell to start inside: the user's passwd shell, which is where we were bind-mounted
 * (inside the alcove that path is the image's real shell). */
static const char *login_shell(void)
{
	struct passwd *pw = getpwuid(getuid());

	return pw && pw->pw_shell && pw->pw_shell[0] == '/' ? pw->pw_shell : "/bin/sh";
}

int main(int argc, char *argv[])
{
	char path[128];
	const char *name = getenv("ALCOVE_NAME");
	EnterResult res;
	EnterRequest req;
	int r;

	if (argc < 1 || !argv[0])
		return 1;
	if (!alcove_socket_is_ours(name, path, sizeof(path)))
		exec_real_shell(argv);

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
	if (r < 0) {
		if (res.message[0])
			fprintf(stderr, "alcove-enter: %s: %s\n", res.message, strerror(-r));
		else
			fprintf(stderr, "alcove-enter: Failed to enter alcove %s through %s: %s\n",
				name, path, strerror(-r));
		return 1;
	}
	enter_exit_like(res.wait_status);
}
