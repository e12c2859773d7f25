/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oci-unpack LAYOUT LAYERS [MAX_BYTES [MAX_STREAM]]: reads the OCI layout LAYOUT and unpacks
 * each of its layers into the directory LAYERS, with alcove-unpack's code linked in
 * (unpack/oci_layout.h, unpack/layer_unpack.h: the unpack and the diff_id check) and the
 * pull's rename (ctl/oci_unpack.h), printing "new HEX" or "have HEX" per layer, base first; on
 * a failure the error line on stderr, nothing left in LAYERS, and exit 1. For
 * tests/integration/90, which needs small bounds and blobs skopeo would refuse to copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "layer_unpack.h"
#include "macro.h"
#include "oci_layout.h"
#include "oci_unpack.h"

/* Into layersfd/<hex> unless it is there already (*ret_new false): through <hex>.partial in
 * layersfd itself, as a pull does in its own directory. */
static int layer_unpack(int layoutfd, int layersfd, const char *hex, uint64_t size,
			const char *diff_id, const OciLimits *lim, bool *ret_new, AlcError *e)
{
	struct stat st;
	int r;

	*ret_new = false;
	if (fstatat(layersfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	r = oci_layer_unpack_partial(layoutfd, layersfd, hex, size, diff_id, lim, e);
	return r < 0 ? r : oci_layer_place(layersfd, layersfd, hex, ret_new, e);
}

int main(int argc, char **argv)
{
	OciLimits lim = OCI_DEFAULT_LIMITS;
	_cleanup_close_ int layout = -1, layers = -1;
	OciImage img = {0};
	AlcError e = {0};
	int r;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: oci-unpack LAYOUT LAYERS [MAX_BYTES [MAX_STREAM]]\n");
		return 2;
	}
	if (argc >= 4)
		lim.max_bytes = strtoull(argv[3], NULL, 10);
	if (argc == 5)
		lim.max_stream = strtoull(argv[4], NULL, 10);
	umask(0); /* as alcove-unpack: the modes it gives are the modes made, its memory bound */
	if (oci_unpack_limit_memory() < 0) {
		perror("setrlimit");
		return 1;
	}
	layout = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	layers = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (layout < 0 || layers < 0) {
		perror("open");
		return 1;
	}
	r = oci_layout_read(layout, &img, &e);
	for (size_t i = 0; r >= 0 && i < img.n_layers; i++) {
		bool made;

		r = layer_unpack(layout, layers, img.layers[i], img.sizes[i], img.diff_ids[i], &lim,
				 &made, &e);
		if (r >= 0)
			printf("%s %s\n", made ? "new" : "have", img.layers[i]);
	}
	if (r < 0) {
		fprintf(stderr, "oci-unpack: %s\n", e.err ? e.msg : strerror(-r));
		return 1;
	}
	return 0;
}
