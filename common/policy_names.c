/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spelling of the policy: key names, choice values, and the text form of resolved values
 * that explain prints. Pure.
 */
#include "policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

static const char *const key_names[_PKEY_MAX] = {
    [PKEY_MODE] = "mode",
    [PKEY_IMAGE] = "image",
    [PKEY_PERSIST] = "persist",
    [PKEY_HOME] = "home",
    [PKEY_HOSTNAME] = "hostname",
    [PKEY_ON_LAST_LOGOUT] = "on_last_logout",
    [PKEY_IDLE_TIMEOUT] = "idle_timeout",
    [PKEY_CGROUP] = "cgroup",
    [PKEY_FAILURE] = "failure",
    [PKEY_LIMITS] = "limits",
    [PKEY_GROUPS_PASSTHROUGH] = "groups_passthrough",
    [PKEY_MOUNTS] = "mounts",
    [PKEY_SETUID] = "setuid",
    [PKEY_SHARE] = "share",
    [PKEY_NETWORK] = "network",
    [PKEY_LAYER_QUOTA] = "layer_quota",
    [PKEY_LAYER_INODES] = "layer_inodes",
    [PKEY_LAYER_QUOTA_FALLBACK] = "layer_quota_fallback",
    [PKEY_TUN] = "tun",
    [PKEY_TMP_SIZE] = "tmp_size",
    [PKEY_TMP_INODES] = "tmp_inodes",
    [PKEY_MAX_SESSIONS] = "max_sessions",
};

static const char *const limit_names[_LIMIT_MAX] = {
    [LIMIT_MEMORY_MAX] = "MemoryMax", [LIMIT_MEMORY_HIGH] = "MemoryHigh",
    [LIMIT_TASKS_MAX] = "TasksMax",   [LIMIT_CPU_WEIGHT] = "CPUWeight",
    [LIMIT_CPU_QUOTA] = "CPUQuota",   [LIMIT_IO_WEIGHT] = "IOWeight",
};

/* The choice keys; index = enum value. */
static const char *const mode_names[] = {"user", "root", NULL};
static const char *const logout_names[] = {"keep", "stop", "idle", NULL};
static const char *const cgroup_names[] = {"systemd", "none", NULL};
static const char *const failure_names[] = {"closed", "open", NULL};
static const char *const share_names[] = {"user", "session", NULL};
static const char *const network_names[] = {"host", "none", NULL};
static const char *const fallback_names[] = {"refuse", "warn", NULL};

static const char *const *choices(ProfileKey k)
{
	switch (k) {
	case PKEY_MODE:
		return mode_names;
	case PKEY_ON_LAST_LOGOUT:
		return logout_names;
	case PKEY_CGROUP:
		return cgroup_names;
	case PKEY_FAILURE:
		return failure_names;
	case PKEY_SHARE:
		return share_names;
	case PKEY_NETWORK:
		return network_names;
	case PKEY_LAYER_QUOTA_FALLBACK:
		return fallback_names;
	default:
		return NULL;
	}
}

const char *profile_key_name(ProfileKey k)
{
	return (unsigned)k < _PKEY_MAX ? key_names[k] : NULL;
}

const char *limit_name(LimitKind k)
{
	return (unsigned)k < _LIMIT_MAX ? limit_names[k] : NULL;
}

int profile_key_from_name(const char *name)
{
	for (int k = 0; k < _PKEY_MAX; k++)
		if (strcmp(key_names[k], name) == 0)
			return k;
	return -EINVAL;
}

int limit_from_name(const char *name)
{
	for (int k = 0; k < _LIMIT_MAX; k++)
		if (strcmp(limit_names[k], name) == 0)
			return k;
	return -EINVAL;
}

const char *policy_choice_name(ProfileKey k, int value)
{
	const char *const *c = choices(k);

	if (!c || value < 0)
		return NULL;
	for (int i = 0; c[i]; i++)
		if (i == value)
			return c[i];
	return NULL;
}

int policy_choice_from_name(ProfileKey k, const char *name)
{
	const char *const *c = choices(k);

	for (int i = 0; c && c[i]; i++)
		if (strcmp(c[i], name) == 0)
			return i;
	return -EINVAL;
}

void policy_choice_list(ProfileKey k, char *buf, size_t size)
{
	const char *const *c = choices(k);
	size_t n = 0, len = 0;

	buf[0] = '\0';
	while (c && c[n])
		n++;
	for (size_t i = 0; i < n && len < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + len, size - len, "%s\"%s\"", sep, c[i]);
		if (w < 0)
			return;
		len += (size_t)w;
	}
}

int profile_get_choice(const Profile *p, ProfileKey k)
{
	switch (k) {
	case PKEY_MODE:
		return (int)p->mode;
	case PKEY_ON_LAST_LOGOUT:
		return (int)p->on_last_logout;
	case PKEY_CGROUP:
		return (int)p->cgroup;
	case PKEY_FAILURE:
		return (int)p->failure;
	case PKEY_SHARE:
		return (int)p->share;
	case PKEY_NETWORK:
		return (int)p->network;
	case PKEY_LAYER_QUOTA_FALLBACK:
		return (int)p->layer_quota_fallback;
	default:
		return -EINVAL;
	}
}

void profile_set_choice(Profile *p, ProfileKey k, int v)
{
	switch (k) {
	case PKEY_MODE:
		p->mode = (AlcoveMode)v;
		break;
	case PKEY_ON_LAST_LOGOUT:
		p->on_last_logout = (LogoutPolicy)v;
		break;
	case PKEY_CGROUP:
		p->cgroup = (CgroupPolicy)v;
		break;
	case PKEY_FAILURE:
		p->failure = (FailurePolicy)v;
		break;
	case PKEY_SHARE:
		p->share = (SharePolicy)v;
		break;
	case PKEY_NETWORK:
		p->network = (NetworkPolicy)v;
		break;
	case PKEY_LAYER_QUOTA_FALLBACK:
		p->layer_quota_fallback = (QuotaFallback)v;
		break;
	default:
		break;
	}
}

const char *decision_kind_name(DecisionKind k)
{
	switch (k) {
	case DECISION_CONTAIN:
		return "contain";
	case DECISION_SKIP:
		return "skip";
	case DECISION_REFUSE:
		return "refuse";
	}
	return "?";
}

/* Appends to buf at *len, never past size. */
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*len >= size)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len += (size_t)w;
}

static void format_list(char *const *v, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		append(buf, size, &len, "%s%s", i ? ", " : "", v[i]);
	if (n == 0)
		append(buf, size, &len, "(none)");
}

static void format_limits(const Limits *l, char *buf, size_t size)
{
	size_t len = 0;
	char v[32];

	buf[0] = '\0';
	for (int k = 0; k < _LIMIT_MAX; k++) {
		if (!(l->set & (1u << k)))
			continue;
		policy_format_limit((LimitKind)k, l->value[k], v, sizeof(v));
		append(buf, size, &len, "%s%s=%s", len ? ", " : "", limit_names[k], v);
	}
	if (len == 0)
		append(buf, size, &len, "(none)");
}

static void format_mounts(const Profile *p, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_mounts; i++) {
		const ProfileMount *m = &p->mounts[i];
		append(buf, size, &len, "%s%s -> %s (%s)", i ? ", " : "", m->source,
		       m->target ? m->target : m->source, m->writable ? "rw" : "ro");
	}
	if (p->n_mounts == 0)
		append(buf, size, &len, "(none)");
}

/* The layer's and /tmp's bounds: a size or a count, "none" for no bound where 0 means none. */
static void format_storage(const Profile *p, ProfileKey k, char *buf, size_t size)
{
	switch (k) {
	case PKEY_LAYER_QUOTA:
		if (p->layer_quota)
			policy_format_limit(LIMIT_MEMORY_MAX, p->layer_quota, buf, size);
		else
			snprintf(buf, size, "none");
		break;
	case PKEY_LAYER_INODES:
		if (p->layer_inodes)
			snprintf(buf, size, "%llu", (unsigned long long)p->layer_inodes);
		else
			snprintf(buf, size, "none");
		break;
	case PKEY_TMP_SIZE:
		policy_format_tmpfs_size(&p->tmp_size, buf, size);
		break;
	case PKEY_TMP_INODES:
		snprintf(buf, size, "%" PRIu64, p->tmp_inodes);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
}

void profile_format_value(const Profile *p, ProfileKey k, char *buf, size_t size)
{
	if (choices(k)) {
		const char *n = policy_choice_name(k, profile_get_choice(p, k));
		snprintf(buf, size, "%s", n ? n : "?");
		return;
	}
	switch (k) {
	case PKEY_IMAGE:
		format_list(p->image, p->n_image, buf, size);
		break;
	case PKEY_PERSIST:
		snprintf(buf, size, "%s", p->persist ? "true" : "false");
		break;
	case PKEY_SETUID:
		snprintf(buf, size, "%s", p->setuid ? "true" : "false");
		break;
	case PKEY_TUN:
		snprintf(buf, size, "%s", p->tun ? "true" : "false");
		break;
	case PKEY_HOME:
		snprintf(buf, size, "%s", p->home ? p->home : "");
		break;
	case PKEY_HOSTNAME:
		snprintf(buf, size, "%s", p->hostname ? p->hostname : "");
		break;
	case PKEY_IDLE_TIMEOUT:
	case PKEY_MAX_SESSIONS:
		snprintf(buf, size, "%u", k == PKEY_IDLE_TIMEOUT ? p->idle_timeout : p->max_sessions);
		break;
	case PKEY_LIMITS:
		format_limits(&p->limits, buf, size);
		break;
	case PKEY_GROUPS_PASSTHROUGH:
		format_list(p->groups_passthrough, p->n_groups_passthrough, buf, size);
		break;
	case PKEY_MOUNTS:
		format_mounts(p, buf, size);
		break;
	default:
		format_storage(p, k, buf, size);
		break;
	}
}
