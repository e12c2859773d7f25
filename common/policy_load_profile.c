/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libconfig -> one raw profile section. Each key has a parser; a key the section writes gets
 * its origin (section, line), which is how inheritance later knows what to overlay.
 */
#include "policy_load.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "oci.h"

char *load_strdup(LoadCtx *c, const char *s)
{
	char *d = strdup(s);

	if (!d)
		c->oom = -ENOMEM;
	return d;
}

bool load_path_is_ok(const char *path)
{
	if (path[0] != '/')
		return false;
	for (const char *c = path; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
		if (*c == '/')
			c++;
	}
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static bool key_bool(KeyCtx *k, bool *ret)
{
	if (config_setting_type(k->s) != CONFIG_TYPE_BOOL) {
		load_error(k->c, k->s, k->where, "expected a boolean (true or false), got %s",
			   load_type_name(k->s));
		return false;
	}
	*ret = config_setting_get_bool(k->s);
	return true;
}

static bool key_choice(KeyCtx *k, ProfileKey key)
{
	const char *v = load_string(k->c, k->s, k->where);
	char list[128];
	int r;

	if (!v)
		return false;
	r = policy_choice_from_name(key, v);
	if (r < 0) {
		policy_choice_list(key, list, sizeof(list));
		load_error(k->c, k->s, k->where, "expected %s, got \"%s\"", list, v);
		return false;
	}
	profile_set_choice(k->p, key, r);
	return true;
}

/* One image entry: an absolute directory path, or the name of an OCI image pulled with
 * `alcovectl image pull` (whether it exists is known only at build time, to root). */
static bool image_layer(KeyCtx *k, const config_setting_t *e)
{
	const char *v = load_string(k->c, e, k->where);

	if (!v)
		return false;
	if (v[0] == '/' ? !load_path_is_ok(v) : !oci_name_ok(v)) {
		load_error(k->c, e, k->where,
			   "\"%s\" is neither an absolute path without \"..\" components nor an "
			   "image name ([A-Za-z0-9_.-]+, not starting with '.')",
			   v);
		return false;
	}
	k->p->image[k->p->n_image] = load_strdup(k->c, v);
	if (k->p->image[k->p->n_image])
		k->p->n_image++;
	return true;
}

static bool key_image(KeyCtx *k)
{
	int n;
	bool ok = true;

	if (config_setting_type(k->s) == CONFIG_TYPE_STRING)
		return image_layer(k, k->s);
	if (!config_setting_is_array(k->s) && !config_setting_is_list(k->s)) {
		load_error(k->c, k->s, k->where,
			   "expected a directory or a list of directories, got %s",
			   load_type_name(k->s));
		return false;
	}
	n = config_setting_length(k->s);
	if (n == 0 || n > POLICY_MAX_LAYERS) {
		load_error(k->c, k->s, k->where, "expected 1 to %d layers, got %d",
			   POLICY_MAX_LAYERS, n);
		return false;
	}
	for (int i = 0; i < n; i++)
		ok = image_layer(k, config_setting_get_elem(k->s, (unsigned)i)) && ok;
	return ok;
}

static bool key_pattern(KeyCtx *k, char **dst, bool is_path)
{
	const char *v = load_string(k->c, k->s, k->where);
	char reason[128];

	if (!v)
		return false;
	if (is_path && strcmp(v, "host") == 0) {
		/* the user's home from the passwd entry */
	} else if (is_path && v[0] != '/') {
		load_error(k->c, k->s, k->where,
			   "expected \"host\" or an absolute path, got \"%s\"", v);
		return false;
	} else if (policy_pattern_check(v, is_path, reason, sizeof(reason)) < 0) {
		load_error(k->c, k->s, k->where, "bad pattern \"%s\": %s", v, reason);
		return false;
	}
	*dst = load_strdup(k->c, v);
	return *dst != NULL;
}

/* layer_quota: a size as MemoryMax spells it; "infinity" means none. */
static bool key_layer_quota(KeyCtx *k)
{
	const char *v = load_string(k->c, k->s, k->where);
	uint64_t bytes;

	if (!v)
		return false;
	if (policy_parse_size(v, &bytes) < 0) {
		load_error(
		    k->c, k->s, k->where,
		    "malformed size \"%s\": expected bytes with a K/M/G/T/P/E suffix such as "
		    "\"10G\", or \"infinity\"",
		    v);
		return false;
	}
	if (bytes == 0) { /* no layer could be made: "infinity" is how to say no quota */
		load_error(k->c, k->s, k->where,
			   "size \"%s\" is 0: a layer quota of 0 bytes holds nothing; \"infinity\" "
			   "for none",
			   v);
		return false;
	}
	k->p->layer_quota = bytes == LIMIT_INFINITY ? 0 : bytes;
	return true;
}

/* A number of `unit` (seconds, inodes) from min to max. */
static bool key_count(KeyCtx *k, const char *unit, long long min, long long max, uint64_t *ret)
{
	long long v;

	if (config_setting_type(k->s) != CONFIG_TYPE_INT &&
	    config_setting_type(k->s) != CONFIG_TYPE_INT64) {
		load_error(k->c, k->s, k->where, "expected a number of %s, got %s", unit,
			   load_type_name(k->s));
		return false;
	}
	v = config_setting_get_int64(k->s);
	if (v < min || v > max) {
		load_error(k->c, k->s, k->where, "%lld is out of range (%lld to %lld %s)", v, min,
			   max, unit);
		return false;
	}
	*ret = (uint64_t)v;
	return true;
}

static bool key_idle_timeout(KeyCtx *k)
{
	uint64_t v;

	if (!key_count(k, "seconds", 0, INT_MAX, &v))
		return false;
	k->p->idle_timeout = (unsigned)v;
	return true;
}

/* 0: no limit */
static bool key_max_sessions(KeyCtx *k)
{
	uint64_t v;

	if (!key_count(k, "alcoves", 0, 65536, &v))
		return false;
	k->p->max_sessions = (unsigned)v;
	return true;
}

static bool key_tmp_size(KeyCtx *k)
{
	const char *v = load_string(k->c, k->s, k->where);

	if (!v)
		return false;
	if (policy_parse_tmpfs_size(v, &k->p->tmp_size) < 0) {
		load_error(k->c, k->s, k->where,
			   "malformed size \"%s\": expected a size of at least 1M such as "
			   "\"256M\" or \"2G\", or a share of RAM from \"1%%\" to \"100%%\"",
			   v);
		return false;
	}
	return true;
}

static bool key_groups(KeyCtx *k)
{
	int n;
	bool ok = true;

	if (!config_setting_is_array(k->s) && !config_setting_is_list(k->s)) {
		load_error(k->c, k->s, k->where, "expected a list of group names, got %s",
			   load_type_name(k->s));
		return false;
	}
	n = config_setting_length(k->s);
	if (n > POLICY_MAX_GROUPS) {
		load_error(k->c, k->s, k->where, "at most %d groups, got %d", POLICY_MAX_GROUPS, n);
		return false;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(k->s, (unsigned)i);
		const char *v = load_string(k->c, e, k->where);
		if (!v) {
			ok = false;
			continue;
		}
		if (!policy_name_is_safe(v)) {
			load_error(k->c, e, k->where,
				   "\"%s\" is not a valid group name ([A-Za-z0-9_.-], at most %d "
				   "bytes, no leading '-', no \"..\")",
				   v, POLICY_NAME_MAX);
			ok = false;
			continue;
		}
		k->p->groups_passthrough[k->p->n_groups_passthrough] = load_strdup(k->c, v);
		if (k->p->groups_passthrough[k->p->n_groups_passthrough])
			k->p->n_groups_passthrough++;
	}
	return ok;
}

static bool parse_key(KeyCtx *k, ProfileKey key)
{
	switch (key) {
	case PKEY_IMAGE:
		return key_image(k);
	case PKEY_PERSIST:
		return key_bool(k, &k->p->persist);
	case PKEY_SETUID:
		return key_bool(k, &k->p->setuid);
	case PKEY_TUN:
		return key_bool(k, &k->p->tun);
	case PKEY_HOME:
		return key_pattern(k, &k->p->home, true);
	case PKEY_HOSTNAME:
		return key_pattern(k, &k->p->hostname, false);
	case PKEY_IDLE_TIMEOUT:
		return key_idle_timeout(k);
	case PKEY_LIMITS:
		return load_limits(k);
	case PKEY_GROUPS_PASSTHROUGH:
		return key_groups(k);
	case PKEY_MOUNTS:
		return load_mounts(k);
	case PKEY_LAYER_QUOTA:
		return key_layer_quota(k);
	case PKEY_LAYER_INODES:
		/* layer_inodes: 0 means none */
		return key_count(k, "inodes", 0, INT_MAX, &k->p->layer_inodes);
	case PKEY_TMP_SIZE:
		return key_tmp_size(k);
	case PKEY_TMP_INODES:
		return key_count(k, "inodes", TMPFS_INODES_MIN, TMPFS_INODES_MAX, &k->p->tmp_inodes);
	case PKEY_MAX_SESSIONS:
		return key_max_sessions(k);
	default:
		return key_choice(k, key);
	}
}

static void known_keys(char *buf, size_t size, bool is_defaults)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int k = 0; k < _PKEY_MAX && len < size; k++) {
		int w = snprintf(buf + len, size - len, "%s%s", k ? ", " : "",
				 profile_key_name((ProfileKey)k));
		if (w > 0)
			len += (size_t)w;
	}
	if (!is_defaults && len < size)
		snprintf(buf + len, size - len, ", inherit");
}

static void load_inherit(LoadCtx *c, const config_setting_t *s, const char *where, Profile *raw)
{
	const char *v = load_string(c, s, where);

	if (!v)
		return;
	raw->inherit = load_strdup(c, v);
	raw->inherit_line = config_setting_source_line(s);
}

void load_profile(LoadCtx *c, const config_setting_t *group, const char *where,
		  const char *section_name, bool is_defaults, Profile *raw)
{
	int n = config_setting_length(group);

	raw->line = config_setting_source_line(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		char key_where[256], list[256];
		int key;

		snprintf(key_where, sizeof(key_where), "%s.%s", where, name);
		if (!is_defaults && strcmp(name, "inherit") == 0) {
			load_inherit(c, s, key_where, raw);
			continue;
		}
		key = profile_key_from_name(name);
		if (key < 0) {
			known_keys(list, sizeof(list), is_defaults);
			load_error(c, s, key_where, "unknown key (known: %s)", list);
			continue;
		}
		KeyCtx k = {c, s, key_where, section_name, raw};
		if (parse_key(&k, (ProfileKey)key))
			raw->origin[key] = (Origin){section_name, config_setting_source_line(s)};
	}
}
