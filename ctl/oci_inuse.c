/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The layers in use (oci_inuse.h), for `image prune` and `image inspect`.
 */
#include "oci_inuse.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "dirs.h"
#include "fileio.h"
#include "macro.h"
#include "statefile.h"

#define OCI_STORE_STAGE "oci store"
/* hex lines of up to 16 layers, blank lines between them, with room to spare */
#define LAYERS_FILE_MAX (OCI_MAX_LAYERS * 2 * (OCI_HEX_LEN + 1) + 1)

void oci_layer_set_free(OciLayerSet *set)
{
	free(set->hex);
	*set = (OciLayerSet){0};
}

bool oci_layer_set_has(const OciLayerSet *set, const char *hex)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->hex[i], hex) == 0)
			return true;
	return false;
}

/* hex appended, even when set has it already (a stack in order) */
static int list_add(OciLayerSet *set, const char *hex)
{
	int r = array_grow((void **)&set->hex, &set->cap, set->n, sizeof(*set->hex));

	if (r < 0)
		return r;
	snprintf(set->hex[set->n++], sizeof(set->hex[0]), "%s", hex);
	return 0;
}

static int set_add(OciLayerSet *set, const char *hex)
{
	return oci_layer_set_has(set, hex) ? 0 : list_add(set, hex);
}

int oci_layers_of_images(const OciStore *s, OciLayerSet *set, AlcError *e)
{
	DIR *d = NULL;
	struct dirent *de;
	int r = opendir_fd(s->imagesfd, &d);

	if (r < 0)
		return alc_error(e, r, OCI_STORE_STAGE, "list %s/%s/images: %m", ALCOVE_LIB_DIR,
				 OCI_DIR);
	while (r >= 0 && (de = readdir(d))) {
		OciImage img;

		if (!oci_name_ok(de->d_name))
			continue;
		r = oci_image_read(s->libfd, de->d_name, &img);
		if (r < 0)
			alc_error(e, r, OCI_STORE_STAGE, "read image %s: %m", de->d_name);
		for (size_t i = 0; r >= 0 && i < img.n_layers; i++)
			r = set_add(set, img.layers[i]);
		if (r == -ENOMEM)
			alc_error(e, r, OCI_STORE_STAGE, "list the layers of image %s: %m",
				  de->d_name);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

/* One alcove's layers file into buf (NUL-terminated). -ENOENT when it has none. */
static int read_layers_buf(int runfd, const char *alcove, char *buf, size_t len)
{
	_cleanup_close_ int fd = open_beneath(runfd, alcove, O_RDONLY | O_DIRECTORY, 0);
	size_t n;
	int r;

	if (fd < 0)
		return fd;
	r = read_file_at(fd, ALCOVE_RUN_LAYERS, 0, buf, len - 1, &n);
	if (r < 0)
		return r;
	buf[n] = '\0';
	return 0;
}

/* One alcove's layers file: hex lines (blank lines between images' groups). -ENOENT when it
 * has none. */
static int read_layers_file(int runfd, const char *alcove, OciLayerSet *set)
{
	char buf[LAYERS_FILE_MAX];
	int r = read_layers_buf(runfd, alcove, buf, sizeof(buf));

	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!oci_hex_ok(l))
			return -EBADMSG;
		r = set_add(set, l);
		if (r < 0)
			return r;
	}
	return r;
}

int oci_layers_of_alcoves(OciLayerSet *set, AlcError *e)
{
	_cleanup_close_ int runfd = open(ALCOVE_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = NULL;
	struct dirent *de;
	int r;

	if (runfd < 0 && errno == ENOENT)
		return 0;
	r = runfd < 0 ? negative_errno() : opendir_fd(runfd, &d);
	if (r < 0)
		return alc_error(e, r, OCI_STORE_STAGE, "list %s: %m", ALCOVE_RUN_DIR);
	while (r >= 0 && (de = readdir(d))) {
		/* DT_UNKNOWN (a filesystem that does not fill d_type) is read like a directory:
		 * skipped, a running alcove's layers would be pruned under it */
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		r = read_layers_file(runfd, de->d_name, set);
		/* not an alcove's directory: O_DIRECTORY's ENOTDIR, RESOLVE_NO_SYMLINKS' ELOOP */
		if (r == -ENOENT || r == -ENOTDIR || r == -ELOOP)
			r = 0;
		else if (r < 0)
			alc_error(e, r, OCI_STORE_STAGE, "read %s/%s/layers: %m", ALCOVE_RUN_DIR,
				  de->d_name);
	}
	if (d)
		closedir(d);
	return r < 0 ? r : 0;
}

/* The user of the live alcove in runfd/name, into user; false when it is not live. */
static bool alcove_user(int runfd, const char *name, char *user, size_t len)
{
	_cleanup_close_ int fd = open_beneath(runfd, name, O_RDONLY | O_DIRECTORY, 0);
	AlcoveState st;

	if (fd < 0 || statefile_read(fd, &st) < 0 || statefile_alive(&st, NULL) == 0)
		return false;
	snprintf(user, len, "%s", st.user);
	return true;
}

int oci_alcoves_using(const OciImage *img, char *buf, size_t len)
{
	_cleanup_close_ int runfd = open(ALCOVE_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = NULL;
	struct dirent *de;
	size_t o = 0;

	buf[0] = '\0';
	if (runfd < 0 || opendir_fd(runfd, &d) < 0)
		return 0;
	while ((de = readdir(d))) {
		OciLayerSet set = {0};
		bool uses = true;
		char user[sizeof(((AlcoveState *)0)->user)];

		if (de->d_name[0] == '.' || read_layers_file(runfd, de->d_name, &set) < 0) {
			oci_layer_set_free(&set);
			continue;
		}
		/* every layer: an alcove on another image that shares a base layer with img
		 * (or on an older version of it) does not run img */
		for (size_t i = 0; i < img->n_layers && uses; i++)
			uses = oci_layer_set_has(&set, img->layers[i]);
		oci_layer_set_free(&set);
		if (uses && o < len && alcove_user(runfd, de->d_name, user, sizeof(user)))
			o += (size_t)snprintf(buf + o, len - o, "%s\n", user);
	}
	closedir(d);
	return 0;
}

/* buf's lines into groups: a blank line ends one (a run of the profile's OCI images between
 * directory images: the helper's layers record, helper/build/image.c). */
static int split_groups(char *buf, OciLayerSet *groups, size_t max, size_t *ret_n)
{
	size_t g = 0;

	*ret_n = 0;
	for (char *l = buf; *l;) {
		size_t k = strcspn(l, "\n");
		bool last = l[k] == '\0';
		int r = 0;

		l[k] = '\0';
		if (k == 0) /* a blank line: the next layer starts a group */
			g += g < max && groups[g].n > 0;
		else if (g >= max || !oci_hex_ok(l))
			return -EBADMSG;
		else
			r = list_add(&groups[g], l);
		if (r < 0)
			return r;
		l += k + !last;
	}
	*ret_n = g < max && groups[g].n > 0 ? g + 1 : g;
	return 0;
}

int oci_live_alcove_layer_groups(const char *name, OciLayerSet *groups, size_t max, size_t *ret_n)
{
	_cleanup_close_ int runfd = open(ALCOVE_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char user[sizeof(((AlcoveState *)0)->user)], buf[LAYERS_FILE_MAX];
	int r;

	*ret_n = 0;
	if (runfd < 0 || !alcove_user(runfd, name, user, sizeof(user)))
		return 0;
	r = read_layers_buf(runfd, name, buf, sizeof(buf));
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : split_groups(buf, groups, max, ret_n);
}
