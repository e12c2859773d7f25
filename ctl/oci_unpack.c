/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pull's layers into the store: each unpacked by alcove-unpack (unpack/alcove-unpack.c says
 * why a process of its own: libarchive's start-up cost in every alcovectl verb, and the
 * hostile tar parsed apart), which alcovectl runs by absolute path, argv only, with the
 * pull directory's fd as its fd 3 and a pipe for its one line of error; then renamed into
 * place here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"
#include "lib/tree_remove.h"
#include "macro.h"
#include "oci_unpack.h"
#include "spawn.h"

#define UNPACK_PATH LIBEXECDIR "/alcove-unpack"
#define UNPACK_PREFIX "alcove-unpack: "

/* $ALCOVE_UNPACK (alcovectl runs as root; the tests point it at a build), as ALCOVE_HELPER. */
static const char *unpack_path(void)
{
	const char *env = getenv("ALCOVE_UNPACK");

	return env && *env ? env : UNPACK_PATH;
}

/* Its stderr to the end (it exits once done), its first line kept in err; what does not fit
 * read and dropped, so that it never blocks on a full pipe. */
static void read_error_line(int fd, char *err, size_t errlen)
{
	char buf[4096], drop[4096], *line = buf, *nl;
	size_t len = 0;
	ssize_t n;

	do {
		if (len < sizeof(buf) - 1)
			n = read(fd, buf + len, sizeof(buf) - 1 - len);
		else
			n = read(fd, drop, sizeof(drop));
		if (n > 0 && len < sizeof(buf) - 1)
			len += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	buf[len] = '\0';
	if ((nl = strchr(buf, '\n')))
		*nl = '\0';
	if (strncmp(line, UNPACK_PREFIX, strlen(UNPACK_PREFIX)) == 0)
		line += strlen(UNPACK_PREFIX);
	errbuf_set(err, errlen, "%s", line);
}

/* Its exit status back to the errno it is (alcove-unpack exits with it), err filled in if it
 * said nothing. */
static int unpack_status(const char *path, int code, int sig, char *err, size_t errlen)
{
	if (code == 0)
		return 0;
	if (sig != 0) {
		errbuf_set(err, errlen, "%s was killed by signal %d", path, sig);
		return -EIO;
	}
	if (!*err)
		errbuf_set(err, errlen, "%s exited with status %d", path, code);
	return code > 0 && code < 126 ? -code : -EIO;
}

int oci_layer_unpack_run(int layoutfd, int partialdirfd, const char *hex, uint64_t size,
			 const char *diff_id, char *err, size_t errlen)
{
	const char *path = unpack_path();
	char sz[24], *argv[] = {(char *)"alcove-unpack", (char *)"--layout-fd", (char *)"3",
				(char *)"--partial-fd", (char *)"3", (char *)"--layer",
				(char *)hex, (char *)"--size", sz, (char *)"--diff-id",
				(char *)diff_id, NULL};
	char *envp[] = {NULL}; /* it reads no variable */
	_cleanup_close_ int rd = -1, wr = -1, pidfd = -1;
	int fds[2], r, code, sig;

	/* one fd for both: the .partial is made in the pull's directory, which is the layout */
	if (layoutfd != partialdirfd || !oci_hex_ok(hex) || (diff_id && !oci_hex_ok(diff_id)))
		return -EINVAL;
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	if (!diff_id)
		argv[9] = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return negative_errno();
	rd = fds[0];
	wr = fds[1];
	/* stdin and stdout /dev/null, stderr the pipe, fd 3 the layout; nothing else */
	r = spawn_pidfd(&(SpawnSpec){.path = path, .argv = argv, .envp = envp,
				     .fds = {-1, -1, wr, layoutfd}, .n_fds = 4},
			&pidfd);
	if (r < 0) {
		errbuf_set(err, errlen, "Failed to run %s: %s", path, strerror(-r));
		return r;
	}
	closep(&wr); /* EOF on rd once it exits */
	read_error_line(rd, err, errlen);
	r = spawn_wait(pidfd, -1, &code, &sig);
	if (r < 0) {
		errbuf_set(err, errlen, "Failed to wait for %s: %s", path, strerror(-r));
		return r;
	}
	return unpack_status(path, code, sig, err, errlen);
}

int oci_layer_place(int partialdirfd, int layersfd, const char *hex, bool *ret_new, char *err,
		    size_t errlen)
{
	char partial[OCI_HEX_LEN + sizeof(".partial")], bad[256] = "";
	struct stat st;
	int r = 0;

	*ret_new = false;
	if (!oci_hex_ok(hex) || fstat(partialdirfd, &st) < 0)
		return -EINVAL;
	snprintf(partial, sizeof(partial), "%s.partial", hex);
	/* RENAME_NOREPLACE: a layer another pull placed first stays (same digest, same files) */
	if (renameat2(partialdirfd, partial, layersfd, hex, RENAME_NOREPLACE) == 0)
		*ret_new = true;
	else if (errno != EEXIST) {
		r = negative_errno();
		errbuf_set(err, errlen, "rename %s: %m", partial);
	}
	if (!*ret_new)
		(void)remove_tree(partialdirfd, partial, st.st_dev, bad, sizeof(bad));
	if (r < 0)
		return r;
	return fsync(layersfd) < 0 ? negative_errno() : 0;
}
