/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * The OCI image store under /var/lib/alcove/oci (docs/INTERNALS.md, "OCI images"): the pure
 * parts shared by alcovectl (which pulls and unpacks) and the helper (which stacks an image's
 * layers): digests, image names, tar entry paths and whiteouts, and the image record.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dirs.h"

#define OCI_DIR "oci"		      /* below ALCOVE_LIB_DIR */
#define OCI_MAX_LAYERS 16	      /* POLICY_MAX_LAYERS: an alcove stacks no more */
#define OCI_NAME_MAX 128	      /* an image name */
#define OCI_HEX_LEN 64		      /* a sha256 in hex */
#define OCI_RECORD_MAX 16384	      /* an image record */
#define OCI_KEY_MAX 255		      /* a label's or config entry's key in the record */
#define OCI_WHITEOUT_PREFIX ".wh."    /* OCI image-spec, layer.md "Whiteouts" */
#define OCI_OPAQUE_NAME ".wh..wh..opq"

/* "sha256:<64 lowercase hex>": 0 and *ret_hex pointing at the hex; -EINVAL otherwise. */
int oci_digest_hex(const char *digest, const char **ret_hex);
/* 64 lowercase hex digits and nothing else. */
bool oci_hex_ok(const char *hex);

/* An image name: [A-Za-z0-9_.-]+, at most OCI_NAME_MAX bytes, not starting with '.' (the
 * store's temporary files start with one, and "." / ".." are never names). */
bool oci_name_ok(const char *name);

/*
 * A tar entry's path as a path relative to the layer root: "." components and repeated
 * slashes dropped (tars write "./usr/bin"), "." for the root itself.
 * -EINVAL with *ret_why set for an absolute path, a ".." component, an empty path, or one that
 * does not fit.
 */
int oci_entry_path(const char *path, char *out, size_t len, const char **ret_why);

typedef enum {
	OCI_WH_NONE,   /* an ordinary entry */
	OCI_WH_FILE,   /* ".wh.NAME": NAME is deleted (an overlay whiteout) */
	OCI_WH_OPAQUE, /* ".wh..wh..opq": the directory hides everything below it */
	OCI_WH_BAD,    /* ".wh." with no valid NAME, or another ".wh..wh." name */
} OciWhiteout;

/* For a normalised entry path (oci_entry_path): the whiteout kind, and for OCI_WH_FILE the
 * normalised path of what it hides in target (for OCI_WH_OPAQUE, the directory's path). */
OciWhiteout oci_whiteout(const char *rel, char *target, size_t len);

/* An image: what /var/lib/alcove/oci/images/<NAME> records. Layers in manifest order, the
 * base first (overlayfs stacks them the other way round). */
typedef struct OciImage {
	char manifest[OCI_HEX_LEN + 1];
	char source[1024];
	int64_t pulled; /* CLOCK_REALTIME seconds */
	size_t n_layers;
	char layers[OCI_MAX_LAYERS][OCI_HEX_LEN + 1];
	uint64_t sizes[OCI_MAX_LAYERS]; /* the blob's (compressed) size */
	char labels[2048];		/* the config's Labels, "KEY=VALUE\n" each (shown only) */
	/* The config's User, WorkingDir, Env (one line each), Entrypoint and Cmd (JSON arrays),
	 * "KEY=VALUE\n" each: shown only, a login uses none (it runs the user's shell). */
	char config[4096];
	bool cut; /* labels or config entries left out: they did not fit */
	/* The config's rootfs.diff_ids (each layer's uncompressed sha256): checked by the pull,
	 * not recorded. */
	char diff_ids[OCI_MAX_LAYERS][OCI_HEX_LEN + 1];
} OciImage;

/* "manifest=<hex>\nsource=...\npulled=N\nlayer=<hex> <size>\n...label=KEY=VALUE\n...
 * config=KEY=VALUE\n...[cut=1\n]"
 * -E2BIG, -EINVAL. */
int oci_image_format(const OciImage *img, char *buf, size_t len);
/* Every key required, layers 1..OCI_MAX_LAYERS; unknown keys ignored. -EBADMSG. */
int oci_image_parse(const char *buf, size_t len, OciImage *ret);
/* Appends "key=value\n" to img->labels; -EINVAL for a newline or '=' in key, a newline in
 * value, -ENAMETOOLONG for a key over OCI_KEY_MAX bytes, -E2BIG when it does not fit. */
int oci_image_add_label(OciImage *img, const char *key, const char *value);
/* The same for img->config. */
int oci_image_add_config(OciImage *img, const char *key, const char *value);
/* Whether s is a JSON array of strings as jansson's compact dump writes it ("[\"a\",\"b\"]"):
 * what a record's Entrypoint and Cmd must be for inspect --json to emit them as JSON. */
bool oci_json_strings_ok(const char *s);

/* Reads ALCOVE_LIB_DIR/oci/images/<name> (no symlink anywhere below libfd). -ENOENT. */
int oci_image_read(int libfd, const char *name, OciImage *ret);
