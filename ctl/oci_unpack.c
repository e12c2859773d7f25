/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pull's layout read and its layers unpacked, each by a run of alcove-unpack
 * (unpack/alcove-unpack.c says why a process of its own: libarchive's and libcrypto's
 * start-up cost in every alcovectl verb, and the hostile tar and JSON parsed apart), which
 * alcovectl runs by absolute path, argv only, with an empty environment, the pull directory
 * as its fd 3 and one pipe for its stdout (the record) and stderr (its one line of error);
 * then the layers renamed into place here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "oci_unpack.h"
#include "spawn.h"
#include "text_escape.h"

#define UNPACK_PATH LIBEXECDIR "/alcove-unpack"
#define UNPACK_PREFIX "alcove-unpack: "
#define UNPACK_STAGE "unpack"

/* What it wrote (the record, or its error line) and how it ended. */
typedef struct UnpackRun {
	char out[OCI_RECORD_MAX + 1];
	size_t len;
	int read_error; /* read_output()'s: -EBADMSG when out did not hold it all */
	int code, sig;
} UnpackRun;

/* $ALCOVE_UNPACK (alcovectl runs as root; the tests point it at a build), as ALCOVE_HELPER;
 * unpack_spawn() runs it only when absolute. */
static const char *unpack_path(void)
{
	const char *env = getenv("ALCOVE_UNPACK");

	return env && *env ? env : UNPACK_PATH;
}

/* Its output to the end (it exits once done): what does not fit is read and dropped, so that
 * it never blocks on a full pipe, and then the output is refused (-EBADMSG): a record cut at a
 * line parses as a shorter one (layers left out). A full buffer counts: alcove-unpack formats
 * a record with its NUL into OCI_RECORD_MAX bytes, so it prints fewer. */
static int read_output(int fd, UnpackRun *run)
{
	char drop[4096];
	bool dropped = false;
	ssize_t n;
	int r = 0;

	run->len = 0;
	for (;;) {
		size_t room = sizeof(run->out) - 1 - run->len;

		n = room > 0 ? read(fd, run->out + run->len, room) : read(fd, drop, sizeof(drop));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = negative_errno();
		if (n <= 0)
			break;
		if (room > 0)
			run->len += (size_t)n;
		else
			dropped = true;
	}
	run->out[run->len] = '\0';
	if (r == 0 && (dropped || run->len == sizeof(run->out) - 1))
		r = -EBADMSG;
	return r;
}

/* Runs alcove-unpack with the layout as its fd 3 and args after "--layout-fd 3". */
static int unpack_spawn(int layoutfd, const char *hex, UnpackRun *run, AlcError *e)
{
	const char *path = unpack_path();
	char *argv[6] = {(char *)"alcove-unpack", (char *)"--layout-fd", (char *)"3", NULL};
	char *envp[] = {NULL}; /* it reads no variable */
	_cleanup_close_ int rd = -1, wr = -1, pidfd = -1;
	int fds[2], r;

	if (path[0] != '/')
		return alc_error(e, -EINVAL, UNPACK_STAGE,
				 "run '%s' (ALCOVE_UNPACK): not an absolute path", path);
	if (hex) {
		argv[3] = (char *)"--layer";
		argv[4] = (char *)hex;
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return alc_error(e, negative_errno(), UNPACK_STAGE, "make a pipe for %s: %m", path);
	rd = fds[0];
	wr = fds[1];
	/* stdin /dev/null, stdout and stderr the pipe, fd 3 the layout; nothing else. It dies
	 * with a killed alcovectl from before its exec: its own PR_SET_PDEATHSIG comes after the
	 * dynamic loader, setlocale and RLIMIT_AS, and one armed once alcovectl is gone names its
	 * new parent (init), which never ends, so it unpacked the whole layer for nobody, holding
	 * the pull directory's flock (fd 3) that keeps any clean-up from removing it meanwhile. */
	r = spawn_pidfd(&(SpawnSpec){.path = path,
				     .argv = argv,
				     .envp = envp,
				     .fds = {-1, wr, wr, layoutfd},
				     .n_fds = 4,
				     .die_with_parent = true},
			&pidfd);
	if (r < 0)
		return alc_error(e, r, UNPACK_STAGE, "run %s: %m", path);
	closep(&wr); /* EOF on rd once it exits */
	run->read_error = read_output(rd, run);
	r = spawn_wait(pidfd, -1, &run->code, &run->sig);
	if (r < 0)
		return alc_error(e, r, UNPACK_STAGE, "wait for %s: %m", path);
	return r;
}

/* Its error line for the admin's terminal: alcove-unpack escapes the names it quotes, so a
 * line with a byte outside printable ASCII is not its doing (libarchive's or jansson's text
 * quoting the input, or a parser gone wrong): escaped, never raw. */
static const char *shown_line(const char *line, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e) {
			/* -E2BIG: the prefix that fits, escaped all the same */
			(void)text_escape_n(line, n, true, buf, len);
			return buf;
		}
	snprintf(buf, len, "%.*s", (int)n, line);
	return buf;
}

/* Its exit status back to the errno it is (alcove-unpack exits with it), and its first line,
 * without its name, in *e (or what ended it, if it said nothing). */
static int unpack_status(const UnpackRun *run, AlcError *e)
{
	int r = run->sig == 0 && run->code > 0 && run->code < 126 ? -run->code : -EIO;
	const char *line = run->out;
	char shown[ALC_ERROR_MSG_MAX];
	size_t n;

	if (run->code == 0 && run->read_error == -EBADMSG)
		return alc_error(e, -EBADMSG, UNPACK_STAGE, "%s printed more than %d bytes",
				 unpack_path(), OCI_RECORD_MAX - 1);
	if (run->code == 0 && run->read_error < 0)
		return alc_error(e, run->read_error, UNPACK_STAGE, "read the output of %s: %m",
				 unpack_path());
	if (run->code == 0)
		return 0;
	if (strncmp(line, UNPACK_PREFIX, strlen(UNPACK_PREFIX)) == 0)
		line += strlen(UNPACK_PREFIX);
	n = strcspn(line, "\n");
	if (n > 0)
		return alc_error(e, r, UNPACK_STAGE, "%s",
				 shown_line(line, n, shown, sizeof(shown)));
	if (run->sig != 0)
		return alc_error(e, r, UNPACK_STAGE, "%s was killed by signal %d", unpack_path(),
				 run->sig);
	return alc_error(e, r, UNPACK_STAGE, "%s exited with status %d", unpack_path(), run->code);
}

int oci_unpack_read_layout(int layoutfd, OciImage *img, AlcError *e)
{
	_cleanup_free_ UnpackRun *run = calloc(1, sizeof(*run)); /* 16 KiB */
	int r;

	if (!run)
		return alc_error(e, -ENOMEM, UNPACK_STAGE, "read the layout: %m");
	r = unpack_spawn(layoutfd, NULL, run, e);
	if (r >= 0)
		r = unpack_status(run, e);
	if (r >= 0 && oci_image_parse(run->out, run->len, img) < 0)
		return alc_error(e, -EBADMSG, UNPACK_STAGE, "%s printed no image record",
				 unpack_path());
	return r;
}

int oci_unpack_layer(int layoutfd, const char *hex, AlcError *e)
{
	_cleanup_free_ UnpackRun *run = NULL;
	int r;

	if (!oci_hex_ok(hex))
		return alc_error(e, -EINVAL, UNPACK_STAGE, "'%s' is not a layer digest", hex);
	run = calloc(1, sizeof(*run));
	if (!run)
		return alc_error(e, -ENOMEM, UNPACK_STAGE, "unpack layer sha256:%s: %m", hex);
	r = unpack_spawn(layoutfd, hex, run, e);
	return r < 0 ? r : unpack_status(run, e);
}

int oci_layer_place(int partialdirfd, int layersfd, const char *hex, bool *ret_new, AlcError *e)
{
	char partial[OCI_HEX_LEN + sizeof(".partial")];
	int r = 0;

	*ret_new = false;
	if (!oci_hex_ok(hex))
		return alc_error(e, -EINVAL, UNPACK_STAGE, "place layer '%s': not a digest", hex);
	snprintf(partial, sizeof(partial), "%s.partial", hex);
	/* RENAME_NOREPLACE: a layer another pull placed first stays (same digest, same files);
	 * ours stays in the pull's directory, removed with it after the store's lock is let go */
	if (renameat2(partialdirfd, partial, layersfd, hex, RENAME_NOREPLACE) == 0)
		*ret_new = true;
	else if (errno != EEXIST)
		r = alc_error(e, negative_errno(), UNPACK_STAGE, "rename %s: %m", partial);
	if (r < 0)
		return r;
	if (fsync(layersfd) < 0)
		return alc_error(e, negative_errno(), UNPACK_STAGE, "fsync the layers of %s: %m",
				 hex);
	return 0;
}
