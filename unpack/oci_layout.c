/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An OCI image layout as skopeo writes it (image-spec image-layout.md): index.json names one
 * image manifest, whose blob names the layers. Each JSON blob is checked against its digest
 * before it is parsed, so what is parsed is what the digest in index.json promised.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "oci_layout.h"

#define LAYOUT_STAGE "layout"

struct OciHash {
	EVP_MD_CTX *ctx;
};

int oci_hash_new(OciHash **ret)
{
	OciHash *h = calloc(1, sizeof(*h));

	if (!h)
		return -ENOMEM;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		oci_hash_free(h);
		return -ENOMEM;
	}
	*ret = h;
	return 0;
}

int oci_hash_update(OciHash *h, const void *data, size_t len)
{
	return EVP_DigestUpdate(h->ctx, data, len) == 1 ? 0 : -EIO;
}

int oci_hash_check(OciHash *h, const char *hex, char got[OCI_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	got[0] = '\0';
	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n * 2 != OCI_HEX_LEN)
		return -EIO;
	for (unsigned int i = 0; i < n; i++)
		snprintf(got + 2 * i, 3, "%02x", md[i]);
	return strcmp(got, hex) == 0 ? 0 : -EBADMSG;
}

void oci_hash_free(OciHash *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

static void hash_freep(OciHash **h)
{
	oci_hash_free(*h);
}

int oci_blob_read(int layoutfd, const char *hex, uint64_t size, size_t max, char **ret_buf,
		  size_t *ret_len, AlcError *e)
{
	_cleanup_(hash_freep) OciHash *h = NULL;
	_cleanup_close_ int dirfd = -1;
	_cleanup_free_ char *buf = malloc(max + 1);
	char got[OCI_HEX_LEN + 1];
	size_t n = 0;
	int r;

	if (!buf || oci_hash_new(&h) < 0)
		return alc_error(e, -ENOMEM, LAYOUT_STAGE, "blob sha256:%s: %m", hex);
	dirfd = open_beneath(layoutfd, "blobs/sha256", O_RDONLY | O_DIRECTORY, 0);
	/* hex has no '/' (oci_digest_hex): read_file_at's O_NOFOLLOW covers it */
	r = dirfd < 0 ? dirfd : read_file_at(dirfd, hex, 0, buf, max + 1, &n);
	if (r < 0)
		return alc_error(e, r, LAYOUT_STAGE, "blob sha256:%s: %s", hex,
				 r == -EFBIG ? "larger than the bound" : strerror(-r));
	if (size != UINT64_MAX && n != size)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE,
				 "blob sha256:%s: %zu bytes, the manifest says %llu", hex, n,
				 (unsigned long long)size);
	r = oci_hash_update(h, buf, n);
	if (r >= 0)
		r = oci_hash_check(h, hex, got);
	if (r < 0)
		return alc_error(e, r, LAYOUT_STAGE,
				 "blob sha256:%s: digest mismatch (content is sha256:%s)", hex, got);
	buf[n] = '\0';
	*ret_len = n;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}

/* A descriptor (image-spec descriptor.md): its digest's hex and its size. */
static int descriptor(json_t *d, const char **ret_hex, uint64_t *ret_size)
{
	json_t *size = json_object_get(d, "size");

	if (!json_is_object(d) || oci_digest_hex(json_string_value(json_object_get(d, "digest")),
						 ret_hex) < 0 ||
	    !json_is_integer(size) || json_integer_value(size) < 0)
		return -EBADMSG;
	*ret_size = (uint64_t)json_integer_value(size);
	return 0;
}

static int load_json(int layoutfd, const char *hex, uint64_t size, json_t **ret, AlcError *e)
{
	_cleanup_free_ char *buf = NULL;
	json_error_t je;
	size_t n;
	int r;

	if (hex)
		r = oci_blob_read(layoutfd, hex, size, OCI_JSON_MAX, &buf, &n, e);
	else {
		buf = malloc(OCI_JSON_MAX + 1);
		r = buf ? read_file_at(layoutfd, "index.json", 0, buf, OCI_JSON_MAX + 1, &n)
			: -ENOMEM;
		if (r < 0)
			alc_error(e, r, LAYOUT_STAGE, "index.json: %m");
	}
	if (r < 0)
		return r;
	*ret = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je);
	if (!*ret)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE, "%s%s: not JSON: %s (line %d)",
				 hex ? "blob sha256:" : "", hex ? hex : "index.json", je.text,
				 je.line);
	return 0;
}

static bool layer_type_ok(const char *t)
{
	static const char *const ok[] = {
	    "application/vnd.oci.image.layer.v1.tar",
	    "application/vnd.oci.image.layer.v1.tar+gzip",
	    "application/vnd.oci.image.layer.v1.tar+zstd",
	    "application/vnd.docker.image.rootfs.diff.tar.gzip",
	};

	for (size_t i = 0; t && i < ELEMENTSOF(ok); i++)
		if (strcmp(t, ok[i]) == 0)
			return true;
	return false;
}

static int manifest_layers(json_t *m, const char *mhex, OciImage *img, AlcError *e)
{
	json_t *layers = json_object_get(m, "layers");
	size_t n = json_array_size(layers);

	if (!json_is_array(layers) || n == 0 || n > OCI_MAX_LAYERS)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE,
				 "manifest sha256:%s: %zu layers (1 to %d are supported)", mhex, n,
				 OCI_MAX_LAYERS);
	for (size_t i = 0; i < n; i++) {
		json_t *l = json_array_get(layers, i);
		const char *hex, *type = json_string_value(json_object_get(l, "mediaType"));

		if (descriptor(l, &hex, &img->sizes[i]) < 0 || !layer_type_ok(type))
			return alc_error(e, -EBADMSG, LAYOUT_STAGE,
					 "manifest sha256:%s: layer %zu is not a tar layer "
					 "descriptor (mediaType %s)",
					 mhex, i, type ? type : "missing");
		snprintf(img->layers[i], sizeof(img->layers[i]), "%s", hex);
	}
	img->n_layers = n;
	return 0;
}

/* Entrypoint or Cmd as the record keeps it: a JSON array, which inspect --json emits as JSON.
 * A string (Docker's shell form, or a config that lies) becomes a one-element array: recorded
 * as it is, `"], "x": ["` would be JSON of its own in inspect's output. */
static int config_command(OciImage *img, const char *key, json_t *v)
{
	_cleanup_(json_decrefp) json_t *array = json_is_string(v) ? json_pack("[O]", v) : NULL;
	_cleanup_free_ char *text = NULL;

	if (json_is_string(v) && !array)
		return -ENOMEM;
	text = json_dumps(array ?: v, JSON_COMPACT);
	return text ? oci_image_add_config(img, key, text) : -ENOMEM;
}

/* The config's User, WorkingDir, Env, Entrypoint and Cmd (image-spec config.md) into
 * img->config, shown by inspect: none applies to a login (its shell, its home, PAM's
 * environment). An entry that does not fit or holds a newline sets img->cut. */
static void config_keys(json_t *conf, OciImage *img)
{
	static const char *const keys[] = {"User", "WorkingDir", "Env", "Entrypoint", "Cmd"};
	json_t *v, *e;
	size_t i;
	int r = 0;

	for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
		bool command = k >= 3;

		v = json_object_get(conf, keys[k]);
		if (command && (json_is_string(v) || json_is_array(v)))
			r |= config_command(img, keys[k], v);
		else if (json_is_string(v))
			r |= oci_image_add_config(img, keys[k], json_string_value(v));
		else if (json_is_array(v) && strcmp(keys[k], "Env") == 0)
			json_array_foreach(v, i, e) r |=
			    json_is_string(e) ? oci_image_add_config(img, keys[k], json_string_value(e))
					      : -EINVAL;
		else if (json_is_array(v)) {
			_cleanup_free_ char *text = json_dumps(v, JSON_COMPACT);

			r |= text ? oci_image_add_config(img, keys[k], text) : -ENOMEM;
		}
	}
	if (r)
		img->cut = true;
}

/* rootfs.diff_ids (image-spec config.md): one "sha256:<hex>" per manifest layer, in order. */
static int config_diff_ids(json_t *config, OciImage *img, AlcError *e)
{
	json_t *ids = json_object_get(json_object_get(config, "rootfs"), "diff_ids");
	const char *hex;

	if (json_array_size(ids) != img->n_layers)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE,
				 "manifest sha256:%s: its config's rootfs.diff_ids names %zu "
				 "layers, the manifest %zu",
				 img->manifest, json_array_size(ids), img->n_layers);
	for (size_t i = 0; i < img->n_layers; i++) {
		if (oci_digest_hex(json_string_value(json_array_get(ids, i)), &hex) < 0)
			return alc_error(e, -EBADMSG, LAYOUT_STAGE,
					 "manifest sha256:%s: rootfs.diff_ids[%zu] is not a sha256 "
					 "digest",
					 img->manifest, i);
		snprintf(img->diff_ids[i], sizeof(img->diff_ids[i]), "%s", hex);
	}
	return 0;
}

/* A blob the manifest names twice is one layer, unpacked and checked once, against the first
 * of its diff_ids: the same blob with another diff_id would be taken unchecked. -EBADMSG. */
static int diff_ids_agree(const OciImage *img, AlcError *e)
{
	for (size_t i = 0; i < img->n_layers; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(img->layers[i], img->layers[j]) == 0 &&
			    strcmp(img->diff_ids[i], img->diff_ids[j]) != 0)
				return alc_error(
				    e, -EBADMSG, LAYOUT_STAGE,
				    "manifest sha256:%s: layers %zu and %zu are the same "
				    "blob sha256:%s, rootfs.diff_ids gives them sha256:%s "
				    "and sha256:%s",
				    img->manifest, j, i, img->layers[i], img->diff_ids[j],
				    img->diff_ids[i]);
	return 0;
}

/* The config's Labels and config_keys(), shown by inspect. Labels that do not fit the record,
 * hold a newline or have a key over OCI_KEY_MAX bytes are left out, and img->cut says so. */
static int config_labels(int layoutfd, json_t *manifest, OciImage *img, AlcError *e)
{
	_cleanup_(json_decrefp) json_t *config = NULL;
	json_t *labels, *v;
	const char *hex, *key;
	uint64_t size;
	int r;

	if (descriptor(json_object_get(manifest, "config"), &hex, &size) < 0)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE, "manifest sha256:%s: no config descriptor",
				 img->manifest);
	r = load_json(layoutfd, hex, size, &config, e);
	if (r < 0)
		return r;
	labels = json_object_get(json_object_get(config, "config"), "Labels");
	json_object_foreach(labels, key, v)
		if (!json_is_string(v) || oci_image_add_label(img, key, json_string_value(v)) < 0)
			img->cut = true;
	config_keys(json_object_get(config, "config"), img);
	r = config_diff_ids(config, img, e);
	return r < 0 ? r : diff_ids_agree(img, e);
}

int oci_layout_read(int layoutfd, OciImage *img, AlcError *e)
{
	_cleanup_(json_decrefp) json_t *index = NULL;
	_cleanup_(json_decrefp) json_t *manifest = NULL;
	json_t *mans;
	const char *hex;
	uint64_t size;
	int r;

	r = load_json(layoutfd, NULL, 0, &index, e);
	if (r < 0)
		return r;
	mans = json_object_get(index, "manifests");
	if (json_array_size(mans) != 1 || descriptor(json_array_get(mans, 0), &hex, &size) < 0 ||
	    strcmp(json_string_value(json_object_get(json_array_get(mans, 0), "mediaType")) ?: "",
		   "application/vnd.oci.image.manifest.v1+json") != 0)
		return alc_error(e, -EBADMSG, LAYOUT_STAGE,
				 "index.json: expected exactly one image manifest descriptor, got %zu",
				 json_array_size(mans));
	snprintf(img->manifest, sizeof(img->manifest), "%s", hex);
	r = load_json(layoutfd, hex, size, &manifest, e);
	if (r < 0)
		return r;
	r = manifest_layers(manifest, img->manifest, img, e);
	if (r < 0)
		return r;
	return config_labels(layoutfd, manifest, img, e);
}
