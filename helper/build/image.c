/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * image = "NAME": the layers of the OCI image NAME as `alcovectl image pull` recorded them
 * (docs/INTERNALS.md, "OCI images"), stacked like directory layers (idmapped, read-only).
 * The record and the layers are read under the store's shared lock, and the layers the alcove
 * stacks are written to /run/alcove/<name>/layers before the lock drops: `image prune` takes
 * the lock exclusively and keeps every layer such a file names, so no layer is removed between
 * being opened here and being recorded, nor while the alcove runs.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "dirs.h"
#include "fdwait.h"
#include "fileio.h"
#include "macro.h"
#include "lib/lock.h"
#include "lib/paths.h"

#define IMAGE_LOCK_WAIT_MS 30000

static int lock_store(BuildCtx *c, int libfd, const char *name, int *ret_fd)
{
	int fd = open_beneath(libfd, OCI_DIR "/lock", O_RDONLY | O_NOFOLLOW, 0), r;
	long long start, deadline;

	if (fd == -ENOENT)
		return build_error(c, fd,
				   "image \"%s\" does not exist: no image has been pulled "
				   "(`alcovectl image pull SOURCE %s`)",
				   name, name);
	if (fd < 0)
		return build_error(c, fd, "open %s/%s/lock: %m", ALCOVE_LIB_DIR, OCI_DIR);
	*ret_fd = fd;
	/* Bounded: a login must not hang behind `alcovectl image` (a pull holds the lock only to
	 * place its layers and write the record, prune while it removes layers); and within the
	 * open's budget (build.h). */
	start = monotonic_ms();
	deadline = start + IMAGE_LOCK_WAIT_MS;
	if (c->spec->deadline_ms > 0 && c->spec->deadline_ms < deadline)
		deadline = c->spec->deadline_ms;
	r = lock_fd_until(fd, LOCK_SH, deadline);
	if (r == -ETIMEDOUT)
		return build_error(c, r,
				   "image \"%s\": the image store %s/%s is locked by `alcovectl "
				   "image` (a pull or prune) for over %.1f s; log in again when it "
				   "is done",
				   name, ALCOVE_LIB_DIR, OCI_DIR, (double)(monotonic_ms() - start) / 1000);
	if (r < 0)
		return build_error(c, r, "lock %s/%s/lock: %m", ALCOVE_LIB_DIR, OCI_DIR);
	return 0;
}

static int open_image_layer(BuildCtx *c, int libfd, const char *name, const char *hex)
{
	char path[sizeof(OCI_DIR "/layers/") + OCI_HEX_LEN];
	int fd;

	if (c->n_layers >= POLICY_MAX_LAYERS)
		return build_error(c, -E2BIG,
				   "profile %s stacks more than %d layers with image \"%s\"",
				   c->spec->profile->name, POLICY_MAX_LAYERS, name);
	snprintf(path, sizeof(path), OCI_DIR "/layers/%s", hex);
	fd = open_beneath(libfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd == -ENOENT)
		return build_error(c, fd,
				   "image \"%s\": its layer sha256:%s is not in %s/%s/layers "
				   "(pull the image again)",
				   name, hex, ALCOVE_LIB_DIR, OCI_DIR);
	if (fd < 0)
		return build_error(c, fd, "image \"%s\": open layer sha256:%s: %m", name, hex);
	c->layer_fds[c->n_layers] = fd;
	snprintf(c->layer_label[c->n_layers], sizeof(c->layer_label[0]), "%s layer sha256:%.12s",
		 name, hex);
	snprintf(c->layer_hex[c->n_layers], sizeof(c->layer_hex[0]), "%s", hex);
	c->n_layers++;
	return 0;
}

int prepare_image_layers(BuildCtx *c, int libfd, const char *name)
{
	OciImage img;
	int r;

	if (c->oci_lock_fd < 0) {
		r = lock_store(c, libfd, name, &c->oci_lock_fd);
		if (r < 0)
			return r;
	}
	r = oci_image_read(libfd, name, &img);
	if (r == -ENOENT)
		return build_error(c, r,
				   "image \"%s\" does not exist (`alcovectl image list` shows the "
				   "images; `alcovectl image pull SOURCE %s` makes it)",
				   name, name);
	if (r < 0)
		return build_error(c, r, "image \"%s\": %s/%s/images/%s: %m", name, ALCOVE_LIB_DIR,
				   OCI_DIR, name);
	/* the record lists the base first; overlayfs stacks the top first */
	for (size_t i = img.n_layers; i > 0; i--) {
		r = open_image_layer(c, libfd, name, img.layers[i - 1]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* /run/alcove/<name>/layers: the store's layers this alcove stacks, one hex a line, top
 * first, a blank line where directory images sit between them (so that `layer diff` stacks
 * each run of OCI images where the profile names it); none for an alcove of directory images
 * only. Removed with the state. */
int prepare_layers_record(BuildCtx *c)
{
	char buf[POLICY_MAX_LAYERS * (OCI_HEX_LEN + 2) + 1];
	_cleanup_close_ int fd = -1;
	bool gap = false;
	size_t n = 0;
	int r;

	for (size_t i = 0; i < c->n_layers; i++) {
		if (!c->layer_hex[i][0]) {
			gap = n > 0;
			continue;
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s\n", gap ? "\n" : "",
				      c->layer_hex[i]);
		gap = false;
	}
	if (unlinkat(c->spec->rundirfd, ALCOVE_RUN_LAYERS, 0) < 0 && errno != ENOENT)
		return build_error(c, negative_errno(), "remove %s/%s/layers: %m", ALCOVE_RUN_DIR,
				   c->spec->name);
	if (n == 0)
		return 0;
	fd = paths_openat(c->spec->rundirfd, ALCOVE_RUN_LAYERS,
			  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
	r = fd < 0 ? fd : write_all(fd, buf, n); /* its errno: ENOSPC on a full /run, not EIO */
	if (r < 0)
		return build_error(c, r, "write %s/%s/layers: %m", ALCOVE_RUN_DIR, c->spec->name);
	closep(&c->oci_lock_fd); /* recorded: prune now sees these layers */
	return 0;
}
