/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-unpack --layout-fd N [--layer HEX]
 *
 * The OCI layout a pull copied (the directory open on fd N, inherited, also where a layer is
 * unpacked to): without --layer, reads and verifies it (unpack/oci_layout.h) and prints its
 * image record (common/oci.h, the store's images/<NAME> format, source and pulled empty) on
 * stdout; with --layer, unpacks that layer of its manifest into <HEX>.partial and checks it
 * against the config's rootfs.diff_ids (unpack/layer_unpack.h). `alcovectl image pull` runs
 * it, as root (ctl/oci_unpack.c). Exit status 0, or the errno of the failure with one line on
 * stderr, "alcove-unpack: " and the error, which the pull reports as its own.
 *
 * Why a process of its own, and not code in alcovectl:
 *  - start-up cost: libarchive loads libxml2, ICU, libstdc++, liblzma, zstd..., libcrypto
 *    its own share, and the dynamic loader maps and relocates all of them before main() in
 *    every program linked with them: some 8 ms in every alcovectl verb (list, stop, enter, a
 *    test's teardown), when only a pull needs them;
 *  - isolation: a layer is a hostile tar and a manifest hostile JSON (any registry's), parsed
 *    by large libraries; a crash or a corruption in those parsers stays in this short-lived
 *    process, which holds only the pull directory's fd and no lock of the store.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "layer_unpack.h"
#include "oci.h"
#include "oci_layout.h"

typedef struct UnpackArgs {
	int layoutfd;
	const char *hex; /* NULL: print the record */
} UnpackArgs;

/* An inherited directory fd named in argv (0-2 are stdio, never a directory of ours). */
static int parse_dirfd(const char *s, int *ret_fd)
{
	struct stat st;
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 3 || v > 65535)
		return -EINVAL;
	if (fstat((int)v, &st) < 0)
		return -EBADF;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	*ret_fd = (int)v;
	return 0;
}

enum { OPT_LAYOUT_FD = 0x100, OPT_LAYER };

static int parse_args(int argc, char **argv, UnpackArgs *a, AlcError *e)
{
	static const struct option opts[] = {{"layout-fd", required_argument, NULL, OPT_LAYOUT_FD},
					     {"layer", required_argument, NULL, OPT_LAYER},
					     {0}};
	int opt, r = 0;

	*a = (UnpackArgs){.layoutfd = -1};
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_LAYOUT_FD && (r = parse_dirfd(optarg, &a->layoutfd)) < 0)
			return alc_error(e, r, "arguments", "--layout-fd %s: %m", optarg);
		if (opt == OPT_LAYER)
			a->hex = optarg;
		if (opt != OPT_LAYOUT_FD && opt != OPT_LAYER)
			break;
	}
	if (opt != -1 || optind != argc || a->layoutfd < 0 || (a->hex && !oci_hex_ok(a->hex)))
		return alc_error(e, -EINVAL, "arguments",
				 "usage: alcove-unpack --layout-fd N [--layer HEX]");
	return 0;
}

/* The record on stdout, whole or (-EIO) not at all as far as the reader can tell: it takes
 * stdout only from an exit status 0. */
static int print_record(const OciImage *img, AlcError *e)
{
	char buf[OCI_RECORD_MAX];
	int n = oci_image_format(img, buf, sizeof(buf));

	if (n < 0)
		return alc_error(e, n, "record", "manifest sha256:%s: its record does not fit: %m",
				 img->manifest);
	/* the text names the write's errno; the failure is -EIO */
	if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) != 0)
		return alc_error(e, -EIO, "record", "write the record: %s", strerror(errno));
	return 0;
}

/* The layer <hex> of the layout's manifest: its size and diff_id from the same verified
 * read as the record's. */
static int unpack_layer(int layoutfd, const OciImage *img, const char *hex, AlcError *e)
{
	const OciLimits lim = OCI_DEFAULT_LIMITS;

	for (size_t i = 0; i < img->n_layers; i++) {
		if (strcmp(img->layers[i], hex) != 0)
			continue;
		return oci_layer_unpack_partial(layoutfd, layoutfd, hex, img->sizes[i],
						img->diff_ids[i], &lim, e);
	}
	return alc_error(e, -ENOENT, "unpack", "layer sha256:%s is not in manifest sha256:%s", hex,
			 img->manifest);
}

int main(int argc, char **argv)
{
	static OciImage img; /* some 10 KiB */
	AlcError e = {0};
	UnpackArgs a;
	int r;

	/* It runs nothing, and nothing it could be made to run may gain privileges (setuid
	 * bits, file capabilities) from its root. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "alcove-unpack: Failed to set no_new_privs: %m\n");
		return EPERM;
	}
	/* Layer names are UTF-8 (pax path records, as Go's archive/tar writes any non-ASCII
	 * name), and libarchive converts them to the locale's charset: in the C locale of the
	 * pull's empty environment each such entry was a warning, and the layer refused. The
	 * names are written as the bytes they are. */
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		fprintf(stderr, "alcove-unpack: Failed to set the locale C.UTF-8\n");
		return ENOENT;
	}
	/* The modes it makes are the ones it names: the admin's umask (077, say) would make the
	 * directories a tar does not list (a file's parents, an opaque marker's, the layer's root)
	 * 0700, and an image's /tmp unusable inside the alcove. */
	umask(0);
	if (oci_unpack_limit_memory() < 0) {
		fprintf(stderr, "alcove-unpack: Failed to limit its memory: %m\n");
		return EPERM;
	}
	/* The pull that runs it has no use for a layer it no longer waits for. alcovectl arms
	 * this before the exec already (ctl/oci_unpack.c: a parent killed before this line left
	 * it unpacking on); here it is kept for any other caller. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	r = parse_args(argc, argv, &a, &e);
	if (r >= 0)
		r = oci_layout_read(a.layoutfd, &img, &e);
	if (r >= 0)
		r = a.hex ? unpack_layer(a.layoutfd, &img, a.hex, &e) : print_record(&img, &e);
	if (r >= 0)
		return 0;
	/* the one line the pull reports (ctl/oci_unpack.c): the object, or at least the errno */
	fprintf(stderr, "alcove-unpack: %s\n", e.err ? e.msg : strerror(-r));
	/* the errno as the exit status (126 and up are the shell's and exec's) */
	return -r > 0 && -r < 126 ? -r : EIO;
}
