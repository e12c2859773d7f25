/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcove-unpack --layout-fd N --partial-fd N --layer HEX --size BYTES [--diff-id HEX]
 *
 * Unpacks one layer blob of an OCI layout (the directory open on fd N, inherited) into
 * <HEX>.partial in the directory open on --partial-fd, and checks its uncompressed sha256
 * against --diff-id when given (unpack/layer_unpack.h). `alcovectl image pull` runs it, as
 * root, once per layer it has to unpack (ctl/oci_unpack.c); exit status 0, or the errno of
 * the failure with one line on stderr, "alcove-unpack: " and the error, which the pull
 * reports as its own.
 *
 * Why a process of its own, and not code in alcovectl:
 *  - startup cost: libarchive loads libxml2, ICU, libstdc++, liblzma, zstd... and the dynamic
 *    loader maps and relocates all of them before main(), in every alcovectl verb (list,
 *    stop, enter, the PAM tests' teardown), about 6 ms each; only a pull needs them;
 *  - isolation: a layer is a hostile tar (any registry's), parsed by a large decompressing
 *    library; a crash or a corruption in that parser stays in this short-lived process, which
 *    holds only the layout and the pull directory's fds, and no lock of the store.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "layer_unpack.h"
#include "oci.h"

typedef struct UnpackArgs {
	int layoutfd, partialfd;
	const char *hex, *diff_id;
	uint64_t size;
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

static int parse_size(const char *s, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || s[0] == '-')
		return -EINVAL;
	*ret = v;
	return 0;
}

enum { OPT_LAYOUT_FD = 0x100, OPT_PARTIAL_FD, OPT_LAYER, OPT_SIZE, OPT_DIFF_ID };

static int parse_args(int argc, char **argv, UnpackArgs *a, char *err, size_t errlen)
{
	static const struct option opts[] = {{"layout-fd", required_argument, NULL, OPT_LAYOUT_FD},
					     {"partial-fd", required_argument, NULL, OPT_PARTIAL_FD},
					     {"layer", required_argument, NULL, OPT_LAYER},
					     {"size", required_argument, NULL, OPT_SIZE},
					     {"diff-id", required_argument, NULL, OPT_DIFF_ID},
					     {0}};
	bool have_size = false;
	int opt = 0, r = 0;

	*a = (UnpackArgs){.layoutfd = -1, .partialfd = -1};
	opterr = 0;
	while (r >= 0 && (opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_LAYOUT_FD:
			r = parse_dirfd(optarg, &a->layoutfd);
			break;
		case OPT_PARTIAL_FD:
			r = parse_dirfd(optarg, &a->partialfd);
			break;
		case OPT_LAYER:
			a->hex = optarg;
			break;
		case OPT_SIZE:
			r = parse_size(optarg, &a->size);
			have_size = r >= 0;
			break;
		case OPT_DIFF_ID:
			a->diff_id = optarg;
			break;
		default:
			r = -EINVAL;
		}
	}
	if (r < 0 && opt != '?')
		snprintf(err, errlen, "--%s %s: %s", opts[opt - OPT_LAYOUT_FD].name, optarg,
			 strerror(-r));
	else if (r < 0 || optind != argc || a->layoutfd < 0 || a->partialfd < 0 || !have_size ||
		 !a->hex || !oci_hex_ok(a->hex) || (a->diff_id && !oci_hex_ok(a->diff_id)))
		snprintf(err, errlen, "usage: alcove-unpack --layout-fd N --partial-fd N "
				      "--layer HEX --size BYTES [--diff-id HEX]");
	return *err ? -EINVAL : 0;
}

int main(int argc, char **argv)
{
	const OciLimits lim = OCI_DEFAULT_LIMITS;
	char err[1024] = "";
	UnpackArgs a;
	int r;

	/* It runs nothing, and nothing it could be made to run may gain privileges (setuid
	 * bits, file capabilities) from its root. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		fprintf(stderr, "alcove-unpack: Failed to set no_new_privs: %m\n");
		return EPERM;
	}
	/* The pull that runs it has no use for a layer it no longer waits for. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	r = parse_args(argc, argv, &a, err, sizeof(err));
	if (r >= 0)
		r = oci_layer_unpack_partial(a.layoutfd, a.partialfd, a.hex, a.size, &lim, err,
					     sizeof(err));
	if (r >= 0 && a.diff_id)
		r = oci_layer_diff_id_check(a.layoutfd, a.hex, a.diff_id, err, sizeof(err));
	/* the diff_id check leaves the .partial: the pull removes its whole directory */
	if (r >= 0)
		return 0;
	fprintf(stderr, "alcove-unpack: %s\n", *err ? err : strerror(-r));
	/* the errno as the exit status (126 and up are the shell's and exec's) */
	return -r > 0 && -r < 126 ? -r : EIO;
}
