/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libconfig -> the `limits` group (systemd property names and units) and the `mounts` list.
 */
#include "policy_load.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char size_help[] = "expected a size such as \"512M\", \"2G\", a share of RAM such "
				"as \"25%\", or \"infinity\" (a string: libconfig truncates "
				"plain numbers above 2^31)";

static bool limit_size(KeyCtx *k, const config_setting_t *s, const char *where, uint64_t *ret)
{
	const char *v;
	int r;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		load_error(k->c, s, where, "%s, got %s", size_help, load_type_name(s));
		return false;
	}
	v = config_setting_get_string(s);
	r = policy_parse_memory(v, ret);
	if (r < 0) {
		load_error(k->c, s, where, "malformed size \"%s\": %s", v, size_help);
		return false;
	}
	return true;
}

static bool limit_tasks(KeyCtx *k, const config_setting_t *s, const char *where, uint64_t *ret)
{
	long long v;

	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    strcmp(config_setting_get_string(s), "infinity") == 0) {
		*ret = LIMIT_INFINITY;
		return true;
	}
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		load_error(k->c, s, where, "expected a number of tasks or \"infinity\", got %s",
			   config_setting_type(s) == CONFIG_TYPE_STRING ? "another string"
									: load_type_name(s));
		return false;
	}
	v = config_setting_get_int64(s);
	if (v < 1) {
		load_error(k->c, s, where, "%lld is out of range (at least 1)", v);
		return false;
	}
	*ret = (uint64_t)v;
	return true;
}

static bool limit_weight(KeyCtx *k, const config_setting_t *s, const char *where, uint64_t *ret)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		load_error(k->c, s, where, "expected a weight from 1 to 10000, got %s",
			   load_type_name(s));
		return false;
	}
	v = config_setting_get_int64(s);
	if (v < 1 || v > 10000) {
		load_error(k->c, s, where, "%lld is out of range (1 to 10000)", v);
		return false;
	}
	*ret = (uint64_t)v;
	return true;
}

static bool limit_quota(KeyCtx *k, const config_setting_t *s, const char *where, uint64_t *ret)
{
	const char *v;

	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		load_error(k->c, s, where,
			   "expected a percentage such as \"50%%\" (100%% = one CPU), "
			   "got %s",
			   load_type_name(s));
		return false;
	}
	v = config_setting_get_string(s);
	if (policy_parse_percent(v, ret) < 0) {
		load_error(k->c, s, where,
			   "malformed percentage \"%s\": expected e.g. \"50%%\" or \"150%%\" "
			   "(100%% = one CPU, more than 0%%)",
			   v);
		return false;
	}
	return true;
}

static bool limit_value(KeyCtx *k, LimitKind l, const config_setting_t *s, const char *where,
			uint64_t *ret)
{
	switch (l) {
	case LIMIT_MEMORY_MAX:
	case LIMIT_MEMORY_HIGH:
		return limit_size(k, s, where, ret);
	case LIMIT_TASKS_MAX:
		return limit_tasks(k, s, where, ret);
	case LIMIT_CPU_WEIGHT:
	case LIMIT_IO_WEIGHT:
		return limit_weight(k, s, where, ret);
	case LIMIT_CPU_QUOTA:
		return limit_quota(k, s, where, ret);
	default:
		return false;
	}
}

bool load_limits(KeyCtx *k)
{
	bool ok = true;
	int n;

	if (!config_setting_is_group(k->s)) {
		load_error(k->c, k->s, k->where,
			   "expected a group { MemoryMax = \"2G\"; ... }, got %s",
			   load_type_name(k->s));
		return false;
	}
	n = config_setting_length(k->s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(k->s, (unsigned)i);
		const char *name = config_setting_name(s);
		char where[256];
		uint64_t v;
		int l;

		snprintf(where, sizeof(where), "%s.%s", k->where, name);
		l = limit_from_name(name);
		if (l < 0) {
			load_error(k->c, s, where,
				   "unknown limit (known: MemoryMax, MemoryHigh, "
				   "TasksMax, CPUWeight, CPUQuota, IOWeight)");
			ok = false;
			continue;
		}
		if (!limit_value(k, (LimitKind)l, s, where, &v)) {
			ok = false;
			continue;
		}
		k->p->limits.set |= 1u << l;
		k->p->limits.value[l] = v;
		k->p->limit_origin[l] = (Origin){k->section, config_setting_source_line(s)};
	}
	/* The limits that parsed still count: limits merge key by key, so the origin of the
	 * group itself only says which section last wrote some of them. */
	return ok || k->p->limits.set != 0;
}

static bool mount_path(KeyCtx *k, const config_setting_t *s, const char *where, char **dst)
{
	const char *v = load_string(k->c, s, where);

	if (!v)
		return false;
	if (!load_path_is_ok(v)) {
		load_error(k->c, s, where,
			   "\"%s\" is not an absolute path without \"..\" components", v);
		return false;
	}
	*dst = load_strdup(k->c, v);
	return *dst != NULL;
}

static bool mount_field(KeyCtx *k, const config_setting_t *s, const char *where, ProfileMount *m)
{
	const char *name = config_setting_name(s);

	if (strcmp(name, "source") == 0)
		return mount_path(k, s, where, &m->source);
	if (strcmp(name, "target") == 0) {
		if (!mount_path(k, s, where, &m->target))
			return false;
		if (strspn(m->target, "/") == strlen(m->target)) {
			load_error(k->c, s, where, "a mount cannot cover the alcove's root \"/\"");
			return false;
		}
		return true;
	}
	if (strcmp(name, "writable") == 0) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
			load_error(k->c, s, where, "expected a boolean (true or false), got %s",
				   load_type_name(s));
			return false;
		}
		m->writable = config_setting_get_bool(s);
		return true;
	}
	load_error(k->c, s, where, "unknown key (known: source, target, writable)");
	return false;
}

static bool load_mount(KeyCtx *k, const config_setting_t *g, size_t index, ProfileMount *m)
{
	char where[256], fwhere[300];
	bool ok = true;
	int n;

	snprintf(where, sizeof(where), "%s #%zu", k->where, index);
	if (!config_setting_is_group(g)) {
		load_error(k->c, g, where,
			   "expected a group { source = \"/srv/data\"; target = \"/data\"; "
			   "writable = false; }, got %s",
			   load_type_name(g));
		return false;
	}
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		snprintf(fwhere, sizeof(fwhere), "%s.%s", where, config_setting_name(s));
		ok = mount_field(k, s, fwhere, m) && ok;
	}
	if (ok && !m->source) {
		load_error(k->c, g, where, "a mount needs a source");
		return false;
	}
	/* The target defaults to the source: users see the same path as on the host. */
	if (ok && !m->target)
		m->target = load_strdup(k->c, m->source);
	return ok && m->target;
}

bool load_mounts(KeyCtx *k)
{
	bool ok = true;
	int n;

	if (!config_setting_is_list(k->s)) {
		load_error(
		    k->c, k->s, k->where,
		    "expected a list ( { source = ...; target = ...; writable = ...; }, ... ), "
		    "got %s",
		    load_type_name(k->s));
		return false;
	}
	n = config_setting_length(k->s);
	if (n > POLICY_MAX_MOUNTS) {
		load_error(k->c, k->s, k->where, "at most %d mounts, got %d", POLICY_MAX_MOUNTS, n);
		return false;
	}
	for (int i = 0; i < n; i++) {
		ProfileMount *m = &k->p->mounts[k->p->n_mounts];
		/* Count it first so that profile_done() frees a half-parsed entry. */
		k->p->n_mounts++;
		if (!load_mount(k, config_setting_get_elem(k->s, (unsigned)i), (size_t)i + 1, m))
			ok = false;
	}
	return ok;
}
