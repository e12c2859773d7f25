/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl layer diff USER [--image NAME] [--service NAME] [--json]: what USER's persistent
 * layer (/var/lib/alcove/USER/layer/upper) changes relative to the image their profile names
 * now, or to another image before rolling it out (ctl/layer_diff.h). The OCI store is read
 * under its shared lock, so `image prune` removes no layer while it is compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "commands.h"
#include "fileio.h"
#include "lib/paths.h"
#include "layer_diff.h"
#include "layer_points.h"
#include "log.h"
#include "login.h"
#include "macro.h"
#include "nsswrap.h"
#include "oci_inuse.h"
#include "oci_store.h"
#include "policy.h"

enum { OPT_IMAGE = 0x400, OPT_SERVICE }; /* 0x100: the global --json */

#define LAYER_STAGE "layer diff"

typedef struct LayerArgs {
	const char *image;   /* --image: instead of the profile's image list */
	const char *service; /* the PAM service the profile is looked up for */
} LayerArgs;

typedef struct Lowers {
	int fd[POLICY_MAX_LAYERS]; /* top first */
	size_t n;
	OciStore *store; /* opened, and locked shared, for the first OCI image */
} Lowers;

static void lowers_close(Lowers *lo)
{
	for (size_t i = 0; i < lo->n; i++)
		closep(&lo->fd[i]);
	lo->n = 0;
}

static int lowers_add(Lowers *lo, int fd, const char *image, AlcError *e)
{
	if (lo->n >= POLICY_MAX_LAYERS) {
		closep(&fd);
		return alc_error(e, -E2BIG, LAYER_STAGE, "image \"%s\" makes more than %d layers",
				 image, POLICY_MAX_LAYERS);
	}
	lo->fd[lo->n++] = fd;
	return 0;
}

/* A directory image: an absolute path, no symlink in it (as the helper opens it). */
static int add_dir_image(Lowers *lo, const char *path, AlcError *e)
{
	_cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (rootfd < 0)
		return alc_error(e, negative_errno(), LAYER_STAGE, "open /: %m");
	fd = path[1] ? open_beneath(rootfd, path + 1, O_PATH | O_DIRECTORY, 0) : TAKE_FD(rootfd);
	if (fd < 0)
		return alc_error(e, fd, LAYER_STAGE, "image '%s': %m", path);
	return lowers_add(lo, fd, path, e);
}

/* An OCI image: its current version's layers, top first. */
static int add_oci_image(Lowers *lo, const char *name, AlcError *e)
{
	OciImage img;
	int r;

	if (lo->store->lockfd < 0 && (r = oci_store_open(lo->store, LOCK_SH, e)) < 0)
		return r;
	r = oci_image_read(lo->store->libfd, name, &img);
	if (r == -ENOENT)
		return alc_error(
		    e, r, LAYER_STAGE,
		    "image \"%s\" does not exist (`alcovectl image list` shows the images)", name);
	if (r < 0)
		return alc_error(e, r, LAYER_STAGE, "image \"%s\": %m", name);
	for (size_t i = img.n_layers; r >= 0 && i > 0; i--) {
		const char *hex = img.layers[i - 1];
		int fd = open_beneath(lo->store->layersfd, hex, O_PATH | O_DIRECTORY, 0);

		if (fd < 0)
			return alc_error(e, fd, LAYER_STAGE, "image \"%s\": layer sha256:%s: %m",
					 name, hex);
		r = lowers_add(lo, fd, name, e);
	}
	return r;
}

static int add_image(Lowers *lo, const char *image, AlcError *e)
{
	return image[0] == '/' ? add_dir_image(lo, image, e) : add_oci_image(lo, image, e);
}

/* The layers a running alcove pinned for one run of its OCI images (top first): what the
 * user's layer lies on now, not the images' current versions (a pull since the alcove was
 * built moved NAME). */
static int add_pinned(Lowers *lo, const OciLayerSet *pinned, AlcError *e)
{
	int r = 0;

	if (lo->store->lockfd < 0 && (r = oci_store_open(lo->store, LOCK_SH, e)) < 0)
		return r;
	for (size_t i = 0; r >= 0 && i < pinned->n; i++) {
		int fd = open_beneath(lo->store->layersfd, pinned->hex[i], O_PATH | O_DIRECTORY, 0);

		if (fd < 0)
			return alc_error(e, fd, LAYER_STAGE,
					 "the running alcove's layer sha256:%s: %m",
					 pinned->hex[i]);
		r = lowers_add(lo, fd, pinned->hex[i], e);
	}
	return r;
}

static void groups_free(OciLayerSet *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		oci_layer_set_free(&groups[i]);
}

/* The store locked shared before the running alcove's layers file is read, when the profile
 * names an OCI image: prune takes the lock exclusively, and an alcove's pins keep its layers
 * only until it ends. Read before the lock, an alcove that ended and a prune in between
 * removed a pinned layer, and the diff failed on "the running alcove's layer ...: No such
 * file or directory" with NAME's current version stored. */
static int lock_store_for_pins(Lowers *lo, const Profile *pr, AlcError *e)
{
	for (size_t i = 0; i < pr->n_image; i++)
		if (pr->image[i][0] != '/')
			return lo->store->lockfd < 0 ? oci_store_open(lo->store, LOCK_SH, e) : 0;
	return 0;
}

/* The profile's image list; each run of its OCI images between directory images as the
 * user's running alcove (share = user: /run/alcove/<uid>) pinned it, if it runs. */
static int add_profile_list(Lowers *lo, const Profile *pr, uid_t uid, AlcError *e)
{
	OciLayerSet groups[POLICY_MAX_LAYERS] = {0};
	size_t n = 0, g = 0;
	char name[16];
	int r = lock_store_for_pins(lo, pr, e);

	if (r < 0)
		return r;
	snprintf(name, sizeof(name), "%u", (unsigned)uid);
	r = oci_live_alcove_layer_groups(name, groups, ELEMENTSOF(groups), &n);
	if (r < 0)
		alc_error(e, r, LAYER_STAGE, "%s/%s/layers: %m", ALCOVE_RUN_DIR, name);
	else if (n)
		log_info("layer diff: comparing with the layers the running alcove stacks "
			 "(%s/%s/layers), not the images' current versions",
			 ALCOVE_RUN_DIR, name);
	for (size_t i = 0; r >= 0 && i < pr->n_image; i++) {
		bool run_start = i == 0 || pr->image[i - 1][0] == '/';

		if (pr->image[i][0] == '/' || !n)
			r = add_image(lo, pr->image[i], e);
		else if (run_start && g < n)
			r = add_pinned(lo, &groups[g++], e);
		else if (run_start)
			r = alc_error(e, -ESTALE, LAYER_STAGE,
				      "the running alcove stacks fewer runs of OCI images than "
				      "profile %s names (the policy changed since it started?)",
				      pr->name);
	}
	groups_free(groups, ELEMENTSOF(groups));
	return r;
}

/* Whether an image directory of lo is the host's "/": then the helper masks /home, /root...
 * with tmpfs mounts (helper/build/layers.c compares the same way). */
static bool host_root_image(const Lowers *lo)
{
	struct stat root, st;

	if (stat("/", &root) < 0)
		return false;
	for (size_t i = 0; i < lo->n; i++)
		if (fstat(lo->fd[i], &st) == 0 && st.st_dev == root.st_dev &&
		    st.st_ino == root.st_ino)
			return true;
	return false;
}

/* The helper's mount points in li's overlay with profile p, into *points; without them, the
 * walk lists them as the user's changes, and says so. */
static void profile_points(const Profile *p, const LoginInfo *li, const Lowers *lo,
			   LayerPoints *points)
{
	int r = layer_points_build(p, li->home, host_root_image(lo), points);

	if (r < 0)
		log_warning("layer diff: the mount points the helper makes are listed as %s's "
			    "changes: no filesystem plan for profile %s and home '%s': %s",
			    li->user, p->name, li->home, strerror(-r));
}

/* The image list of the profile the policy gives USER's logins through service; with points
 * (NULL: not wanted), the mount points the helper makes in the overlay for that profile. */
static int add_profile_images(const CtlContext *ctx, Lowers *lo, const char *user,
			      const char *service, LayerPoints *points, AlcError *e)
{
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	PolicyErrors errs = {0};
	Policy *p = NULL;
	Decision d;
	int r = policy_load(ctx->config, &p, &errs);

	if (r < 0)
		alc_error(e, r, LAYER_STAGE, "the policy does not load: %s",
			  errs.n ? errs.msg[0] : strerror(-r));
	policy_errors_clear(&errs);
	if (r < 0)
		return r;
	r = login_lookup(user, service, NULL, NULL, &li);
	if (r == -ENOENT)
		alc_error(e, r, LAYER_STAGE, "no such user '%s'", user);
	else if (r < 0)
		alc_error(e, r, LAYER_STAGE, "Failed to look up user '%s': %m", user);
	else {
		login_decide(p, li, &d);
		if (d.kind != DECISION_CONTAIN)
			r = alc_error(e, -ENOENT, LAYER_STAGE,
				      "%s's %s logins are not contained (%s)", user, service,
				      d.reason);
	}
	if (r >= 0)
		r = add_profile_list(lo, d.profile, li->login.uid, e);
	if (r >= 0 && points)
		profile_points(d.profile, li, lo, points);
	policy_free(p);
	return r;
}

/* /var/lib/alcove/USER/layer/upper, never through a symlink. */
static int open_upper(const char *user, int *ret_fd)
{
	_cleanup_close_ int libfd = -1;
	char path[POLICY_NAME_MAX + sizeof("/layer/upper")];
	int r;

	if (!policy_name_is_safe(user) || paths_lib_name_reserved(user))
		return log_error_errno(-EINVAL, "layer diff: '%s' cannot be a user's layer", user);
	r = paths_open_lib(&libfd);
	if (r < 0)
		return log_error_errno(r, "Failed to open %s: %m", ALCOVE_LIB_DIR);
	snprintf(path, sizeof(path), "%s/layer/upper", user);
	r = open_beneath(libfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (r == -ENOENT)
		return log_error_errno(r, "layer diff: %s has no persistent layer (%s/%s: %m)",
				       user, ALCOVE_LIB_DIR, path);
	if (r < 0)
		return log_error_errno(r, "Failed to open %s/%s: %m", ALCOVE_LIB_DIR, path);
	*ret_fd = r;
	return 0;
}

/* The image to compare with (--image, or the profile's), and with --image the profile's as
 * the current one, if the policy gives USER one (*ret_base: whether it does); the helper's
 * mount points for that profile into *points. */
static int open_images(const CtlContext *ctx, const char *user, const LayerArgs *a, Lowers *image,
		       Lowers *base, bool *ret_base, LayerPoints *points)
{
	AlcError e = {0};
	int r;

	*ret_base = false;
	r = a->image ? add_image(image, a->image, &e)
		     : add_profile_images(ctx, image, user, a->service, points, &e);
	if (r < 0) {
		log_error("layer diff: %s%s", e.msg, a->image ? "" : "; give --image NAME");
		return r;
	}
	if (!a->image)
		return 0;
	r = add_profile_images(ctx, base, user, a->service, points, &e);
	if (r < 0) {
		log_warning("layer diff: no current image to compare --image with (%s): "
			    "nothing is marked 'updated', and the mount points the helper makes "
			    "are listed as the user's changes",
			    e.msg);
		lowers_close(base);
		return 0;
	}
	*ret_base = true;
	return 0;
}

static void storep(OciStore *s)
{
	oci_store_close(s);
}

static int layer_option(void *userdata, int opt, const char *arg)
{
	LayerArgs *a = userdata;

	if (opt == OPT_IMAGE)
		a->image = arg;
	else if (opt == OPT_SERVICE)
		a->service = arg;
	else
		return CTL_EXIT_USAGE;
	return 0;
}

static int layer_diff_run(CtlContext *ctx, const char *user, const LayerArgs *a)
{
	_cleanup_(storep) OciStore store = OCI_STORE_INIT;
	_cleanup_(lowers_close) Lowers image = {.n = 0, .store = &store};
	_cleanup_(lowers_close) Lowers base = {.n = 0, .store = &store};
	_cleanup_(layer_points_free) LayerPoints points = {0};
	_cleanup_close_ int upperfd = -1;
	const LayerDiffLimits lim = LAYER_DIFF_LIMITS;
	LayerDiffPrinter pr = {.f = stdout, .json = ctx->json};
	AlcError e = {0};
	bool has_base;
	int r;

	r = open_images(ctx, user, a, &image, &base, &has_base, &points);
	if (r >= 0)
		r = open_upper(user, &upperfd);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	ctx->json_written = ctx->json; /* a failed diff ends it with its error */
	layer_diff_print_begin(&pr);
	r = layer_diff(upperfd, &(LayerDiffImage){image.fd, image.n},
		       has_base ? &(LayerDiffImage){base.fd, base.n} : NULL,
		       &(LayerMountPoints){points.v, points.n}, &lim, layer_diff_print_change, &pr,
		       &e);
	layer_diff_print_end(&pr, r < 0 ? e.msg : NULL);
	if (r < 0) {
		log_error("Failed to compare %s's layer with the image: %s", user, e.msg);
		return CTL_EXIT_FAILURE;
	}
	return CTL_EXIT_OK;
}

/* The layer is named after the passwd entry: a case-insensitive NSS (sssd, LDAP) answers
 * "ALICE" with alice, whose layer is /var/lib/alcove/alice. */
static int layer_diff_user(CtlContext *ctx, const char *user, const LayerArgs *a)
{
	NssPasswd pw = {0};
	int r;

	if (nss_getpwnam(user, &pw) < 0 || !policy_name_is_safe(pw.pw.pw_name))
		r = layer_diff_run(ctx, user, a);
	else
		r = layer_diff_run(ctx, pw.pw.pw_name, a);
	nss_passwd_done(&pw);
	return r;
}

int cmd_layer(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"service", required_argument, NULL, OPT_SERVICE},
	    {0},
	};
	LayerArgs a = {.service = "sshd"};
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, NULL, layer_option, &a, &first);
	if (r >= 0)
		return r;
	if (argc - first != 2 || strcmp(argv[first], "diff") != 0)
		return ctl_usage(ctx, "expected: diff USER");
	if (a.image && a.image[0] != '/' && !oci_name_ok(a.image))
		return ctl_usage(ctx, "--image: '%s' is neither an absolute path nor an image name",
				 a.image);
	return layer_diff_user(ctx, argv[first + 1], &a);
}
