/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure parts of the OCI image store (oci.h): names, digests, tar entry paths, whiteouts and
 * the image record. No logging: the helper and alcovectl both link this.
 */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"

bool oci_hex_ok(const char *hex)
{
	size_t i;

	for (i = 0; hex[i]; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return i == OCI_HEX_LEN;
}

int oci_digest_hex(const char *digest, const char **ret_hex)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || !oci_hex_ok(digest + 7))
		return -EINVAL;
	*ret_hex = digest + 7;
	return 0;
}

bool oci_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > OCI_NAME_MAX || name[0] == '.')
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
	       n;
}

int oci_entry_path(const char *path, char *out, size_t len, const char **ret_why)
{
	size_t o = 0;

	*ret_why = NULL;
	if (path[0] == '\0')
		*ret_why = "an empty path";
	else if (path[0] == '/')
		*ret_why = "an absolute path";
	while (!*ret_why && *path) {
		size_t n = strcspn(path, "/");

		if (n == 2 && path[0] == '.' && path[1] == '.')
			*ret_why = "a \"..\" component";
		else if (n > 0 && !(n == 1 && path[0] == '.')) {
			if (o + (o > 0) + n + 1 > len)
				*ret_why = "a path too long";
			else {
				if (o > 0)
					out[o++] = '/';
				memcpy(out + o, path, n);
				o += n;
			}
		}
		path += n;
		path += strspn(path, "/");
	}
	if (*ret_why)
		return -EINVAL;
	if (o == 0) {
		if (len < 2) {
			*ret_why = "a path too long";
			return -EINVAL;
		}
		out[o++] = '.';
	}
	out[o] = '\0';
	return 0;
}

OciWhiteout oci_whiteout(const char *rel, char *target, size_t len)
{
	const char *slash = strrchr(rel, '/');
	const char *base = slash ? slash + 1 : rel;
	size_t dirlen = slash ? (size_t)(slash - rel) : 0;
	const char *name = base + strlen(OCI_WHITEOUT_PREFIX);

	if (strncmp(base, OCI_WHITEOUT_PREFIX, strlen(OCI_WHITEOUT_PREFIX)) != 0)
		return OCI_WH_NONE;
	if (strcmp(base, OCI_OPAQUE_NAME) == 0) {
		if (snprintf(target, len, "%.*s", slash ? (int)dirlen : 1, slash ? rel : ".") >=
		    (int)len)
			return OCI_WH_BAD;
		return OCI_WH_OPAQUE;
	}
	/* ".wh..wh." names are reserved by the spec for the store's own use */
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strncmp(name, OCI_WHITEOUT_PREFIX, strlen(OCI_WHITEOUT_PREFIX)) == 0)
		return OCI_WH_BAD;
	if (snprintf(target, len, "%.*s%s%s", (int)dirlen, rel, slash ? "/" : "", name) >=
	    (int)len)
		return OCI_WH_BAD;
	return OCI_WH_FILE;
}

/* Each line of list ("...\n" each) as "<what>=<line>\n" at buf + *o. */
static int format_kv(char *buf, size_t len, size_t *o, const char *what, const char *list)
{
	for (const char *l = list; *l;) {
		size_t k = strcspn(l, "\n");
		int n = snprintf(buf + *o, len - *o, "%s=%.*s\n", what, (int)k, l);

		if (n < 0 || (size_t)n >= len - *o)
			return -E2BIG;
		*o += (size_t)n;
		l += k + (l[k] == '\n');
	}
	return 0;
}

/* The labels and config (shown only) after the record's first o bytes. Each line grows by its
 * "config="/"label=" when written, so a config of many short entries that fits its buffer
 * may, with the labels, not fit the record: then the config is left out and cut=1 says so,
 * rather than the pull refused (the source, up to 1 KiB, is added only after the layers are
 * placed). The rest always fits: 16 layers, the source and 2 KiB of labels at 3 bytes a line
 * make under 9 KiB. */
static int format_shown(const OciImage *img, char *buf, size_t len, size_t o)
{
	for (int with_config = 1; with_config >= 0; with_config--) {
		size_t p = o;
		int n = format_kv(buf, len, &p, "label", img->labels);

		if (n == 0 && with_config)
			n = format_kv(buf, len, &p, "config", img->config);
		if (n == 0 && (img->cut || !with_config))
			n = format_kv(buf, len, &p, "cut", "1\n");
		if (n == 0)
			return (int)p;
	}
	return -E2BIG;
}

int oci_image_format(const OciImage *img, char *buf, size_t len)
{
	size_t o;
	int n;

	if (strchr(img->source, '\n') || img->n_layers == 0 || img->n_layers > OCI_MAX_LAYERS)
		return -EINVAL;
	n = snprintf(buf, len, "manifest=%s\nsource=%s\npulled=%" PRId64 "\n", img->manifest,
		     img->source, img->pulled);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	o = (size_t)n;
	for (size_t i = 0; i < img->n_layers; i++) {
		n = snprintf(buf + o, len - o, "layer=%s %" PRIu64 "\n", img->layers[i],
			     img->sizes[i]);
		if (n < 0 || (size_t)n >= len - o)
			return -E2BIG;
		o += (size_t)n;
	}
	return format_shown(img, buf, len, o);
}

static int kv_append(char *list, size_t size, const char *key, const char *value)
{
	size_t o = strlen(list);
	int n;

	if (!*key || strpbrk(key, "=\n") || strchr(value, '\n'))
		return -EINVAL;
	if (strlen(key) > OCI_KEY_MAX) /* oci_image_parse would refuse the whole record */
		return -ENAMETOOLONG;
	n = snprintf(list + o, size - o, "%s=%s\n", key, value);
	if (n < 0 || (size_t)n >= size - o) {
		list[o] = '\0';
		return -E2BIG;
	}
	return 0;
}

int oci_image_add_label(OciImage *img, const char *key, const char *value)
{
	return kv_append(img->labels, sizeof(img->labels), key, value);
}

int oci_image_add_config(OciImage *img, const char *key, const char *value)
{
	return kv_append(img->config, sizeof(img->config), key, value);
}

/* A JSON string's body from just after its opening quote: *s past its closing one. */
static bool json_string_body_ok(const char **s)
{
	const char *p = *s;

	for (; *p != '"'; p++) {
		if ((unsigned char)*p < 0x20) /* the end of s too */
			return false;
		if (*p != '\\')
			continue;
		p++;
		if (*p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!p[i] || !strchr("0123456789abcdefABCDEF", p[i]))
					return false;
			p += 4;
		} else if (!*p || !strchr("\"\\/bfnrt", *p))
			return false;
	}
	*s = p + 1;
	return true;
}

bool oci_json_strings_ok(const char *s)
{
	if (*s++ != '[')
		return false;
	if (*s == ']')
		return s[1] == '\0';
	for (;;) {
		if (*s++ != '"' || !json_string_body_ok(&s))
			return false;
		if (*s == ']')
			return s[1] == '\0';
		if (*s++ != ',')
			return false;
	}
}

static int parse_layer(const char *v, OciImage *img)
{
	const char *sp = strchr(v, ' ');
	char *end;

	if (!sp || sp - v != OCI_HEX_LEN || img->n_layers >= OCI_MAX_LAYERS)
		return -EBADMSG;
	memcpy(img->layers[img->n_layers], v, OCI_HEX_LEN);
	img->layers[img->n_layers][OCI_HEX_LEN] = '\0';
	if (!oci_hex_ok(img->layers[img->n_layers]) || sp[1] < '0' || sp[1] > '9')
		return -EBADMSG;
	errno = 0;
	img->sizes[img->n_layers] = strtoull(sp + 1, &end, 10);
	if (errno || *end)
		return -EBADMSG;
	img->n_layers++;
	return 0;
}

static int parse_line(char *line, OciImage *img, unsigned *seen)
{
	char *eq = strchr(line, '='), *end;
	const char *v;

	if (!eq)
		return -EBADMSG;
	*eq = '\0';
	v = eq + 1;
	if ((strcmp(line, "manifest") == 0 && (*seen & 1)) ||
	    (strcmp(line, "source") == 0 && (*seen & 2)) ||
	    (strcmp(line, "pulled") == 0 && (*seen & 4)))
		return -EBADMSG; /* a key twice: not a record this code wrote */
	if (strcmp(line, "manifest") == 0) {
		if (!oci_hex_ok(v))
			return -EBADMSG;
		snprintf(img->manifest, sizeof(img->manifest), "%s", v);
		*seen |= 1;
	} else if (strcmp(line, "source") == 0) {
		if (strlen(v) >= sizeof(img->source))
			return -EBADMSG;
		snprintf(img->source, sizeof(img->source), "%s", v);
		*seen |= 2;
	} else if (strcmp(line, "pulled") == 0) {
		errno = 0;
		img->pulled = strtoll(v, &end, 10);
		if (errno || *end || end == v)
			return -EBADMSG;
		*seen |= 4;
	} else if (strcmp(line, "layer") == 0)
		return parse_layer(v, img);
	else if (strcmp(line, "label") == 0 || strcmp(line, "config") == 0) {
		const char *eq2 = strchr(v, '=');
		char key[OCI_KEY_MAX + 1];

		if (!eq2 || (size_t)(eq2 - v) >= sizeof(key))
			return -EBADMSG;
		snprintf(key, sizeof(key), "%.*s", (int)(eq2 - v), v);
		return (*line == 'l' ? oci_image_add_label : oci_image_add_config)(img, key,
										  eq2 + 1) < 0
			   ? -EBADMSG
			   : 0;
	} else if (strcmp(line, "cut") == 0)
		img->cut = true;
	return 0;
}

int oci_image_parse(const char *buf, size_t len, OciImage *ret)
{
	_cleanup_free_ char *copy = strndup(buf, len);
	char *save = NULL, *line;
	unsigned seen = 0;
	OciImage img = {0};

	if (!copy)
		return -ENOMEM;
	if (strlen(copy) != len || len == 0 || buf[len - 1] != '\n')
		return -EBADMSG;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int r = parse_line(line, &img, &seen);
		if (r < 0)
			return r;
	}
	if (seen != 7 || img.n_layers == 0)
		return -EBADMSG;
	*ret = img;
	return 0;
}

int oci_image_read(int libfd, const char *name, OciImage *ret)
{
	_cleanup_close_ int dirfd = -1;
	char buf[OCI_RECORD_MAX];
	size_t n;
	int r;

	if (!oci_name_ok(name))
		return -EINVAL;
	dirfd = open_beneath(libfd, OCI_DIR "/images", O_RDONLY | O_DIRECTORY, 0);
	if (dirfd < 0)
		return dirfd;
	/* name has no '/' (oci_name_ok): read_file_at's O_NOFOLLOW covers it */
	r = read_file_at(dirfd, name, 0, buf, sizeof(buf), &n);
	if (r < 0)
		return r;
	return oci_image_parse(buf, n, ret);
}
