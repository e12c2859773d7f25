/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Profiles as data: the builtin defaults, deep copies of the keys a section sets onto a
 * resolved profile (inheritance), freeing; and the error list. Pure.
 */
#include "policy.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define BUILTIN_IMAGE LOCALSTATEDIR "/lib/alcove/images/bookworm"

static const char builtin_section[] = "builtin";

int profile_init_builtin(Profile *p, const char *name)
{
	*p = (Profile){
	    .mode = ALCOVE_MODE_USER,
	    .persist = true,
	    .on_last_logout = LOGOUT_KEEP,
	    .cgroup = CGROUP_SYSTEMD,
	    .failure = FAILURE_CLOSED,
	    .share = SHARE_USER,
	    .network = NETWORK_HOST,
	    /* A fair share of the disk of /var/lib/alcove for every user; where that filesystem
	     * cannot enforce it the login goes on with a warning (alcove.conf(5), layer_quota). */
	    .layer_quota = 10ull << 30,
	    .layer_quota_fallback = QUOTA_FALLBACK_WARN,
	    /* per tmpfs (alcove.conf(5) gives the reasons): a tenant's files in memory stay a
	     * share of the host's, and the inodes (~1 KiB of kernel memory each, outside size=)
	     * are bounded too */
	    .tmp_size = {.percent = 10},
	    .tmp_inodes = 262144,
	    /* share = "session": each alcove has the profile's limits, so a count bounds what
	     * one user holds (and their /run/alcove directories) */
	    .max_sessions = 16,
	    /* No tenant takes the host's memory or pids (alcove.conf(5), limits): a quarter of
	     * the RAM and 2048 tasks, with systemd's scope (cgroup = "none" has no limits). */
	    .limits = {.set = (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX),
		       .value = {[LIMIT_MEMORY_MAX] = LIMIT_PERCENT_FLAG | 250000,
				 [LIMIT_TASKS_MAX] = 2048}},
	};
	p->name = strdup(name);
	p->image[0] = strdup(BUILTIN_IMAGE);
	p->n_image = 1;
	p->home = strdup("host");
	p->hostname = strdup("%u-alcove");
	for (int k = 0; k < _PKEY_MAX; k++)
		p->origin[k] = (Origin){builtin_section, 0};
	for (int l = 0; l < _LIMIT_MAX; l++)
		p->limit_origin[l] = (Origin){builtin_section, 0};
	if (!p->name || !p->image[0] || !p->home || !p->hostname) {
		profile_done(p);
		return -ENOMEM;
	}
	return 0;
}

static void strv_clear(char **v, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		free(v[i]);
		v[i] = NULL;
	}
	*n = 0;
}

static void mounts_clear(Profile *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		free(p->mounts[i].target);
		p->mounts[i] = (ProfileMount){0};
	}
	p->n_mounts = 0;
}

void profile_done(Profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->inherit);
	strv_clear(p->image, &p->n_image);
	free(p->home);
	free(p->hostname);
	strv_clear(p->groups_passthrough, &p->n_groups_passthrough);
	mounts_clear(p);
	*p = (Profile){0};
}

static int strv_copy(char **dst, size_t *dst_n, char *const *src, size_t n)
{
	strv_clear(dst, dst_n);
	for (size_t i = 0; i < n; i++) {
		dst[i] = strdup(src[i]);
		if (!dst[i])
			return -ENOMEM;
		*dst_n = i + 1;
	}
	return 0;
}

static int str_replace(char **dst, const char *src)
{
	char *c = strdup(src);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

static int mounts_copy(Profile *dst, const Profile *src)
{
	mounts_clear(dst);
	for (size_t i = 0; i < src->n_mounts; i++) {
		const ProfileMount *s = &src->mounts[i];
		ProfileMount *d = &dst->mounts[i];
		d->source = strdup(s->source);
		d->target = s->target ? strdup(s->target) : NULL;
		d->writable = s->writable;
		dst->n_mounts = i + 1;
		if (!d->source || (s->target && !d->target))
			return -ENOMEM;
	}
	return 0;
}

static int overlay_key(Profile *dst, const Profile *src, ProfileKey k)
{
	switch (k) {
	case PKEY_IMAGE:
		return strv_copy(dst->image, &dst->n_image, src->image, src->n_image);
	case PKEY_PERSIST:
		dst->persist = src->persist;
		return 0;
	case PKEY_HOME:
		return str_replace(&dst->home, src->home);
	case PKEY_HOSTNAME:
		return str_replace(&dst->hostname, src->hostname);
	case PKEY_IDLE_TIMEOUT:
		dst->idle_timeout = src->idle_timeout;
		return 0;
	case PKEY_LIMITS:
		/* Key by key: a profile that sets MemoryMax keeps its parent's TasksMax. */
		for (int l = 0; l < _LIMIT_MAX; l++) {
			if (!(src->limits.set & (1u << l)))
				continue;
			dst->limits.set |= 1u << l;
			dst->limits.value[l] = src->limits.value[l];
			dst->limit_origin[l] = src->limit_origin[l];
		}
		return 0;
	case PKEY_GROUPS_PASSTHROUGH:
		return strv_copy(dst->groups_passthrough, &dst->n_groups_passthrough,
				 src->groups_passthrough, src->n_groups_passthrough);
	case PKEY_MOUNTS:
		return mounts_copy(dst, src);
	case PKEY_SETUID:
		dst->setuid = src->setuid;
		return 0;
	case PKEY_LAYER_QUOTA:
		dst->layer_quota = src->layer_quota;
		return 0;
	case PKEY_LAYER_INODES:
		dst->layer_inodes = src->layer_inodes;
		return 0;
	case PKEY_TUN:
		dst->tun = src->tun;
		return 0;
	case PKEY_TMP_SIZE:
		dst->tmp_size = src->tmp_size;
		return 0;
	case PKEY_TMP_INODES:
		dst->tmp_inodes = src->tmp_inodes;
		return 0;
	case PKEY_MAX_SESSIONS:
		dst->max_sessions = src->max_sessions;
		return 0;
	default: /* the choice keys */
		profile_set_choice(dst, k, profile_get_choice(src, k));
		return 0;
	}
}

int profile_overlay(Profile *dst, const Profile *src)
{
	for (int k = 0; k < _PKEY_MAX; k++) {
		int r;

		if (!src->origin[k].section)
			continue;
		r = overlay_key(dst, src, (ProfileKey)k);
		if (r < 0)
			return r;
		dst->origin[k] = src->origin[k];
	}
	return 0;
}

void policy_free(Policy *p)
{
	if (!p)
		return;
	free(p->path);
	profile_done(&p->defaults);
	for (size_t i = 0; i < p->n_profiles; i++)
		profile_done(&p->profiles[i]);
	free(p->profiles);
	for (size_t i = 0; i < p->n_rules; i++) {
		Rule *r = &p->rules[i];
		free(r->user);
		free(r->group);
		free(r->service);
		free(r->tty);
		free(r->rhost);
		free(r->profile);
		free(r->text);
	}
	free(p->rules);
	free(p->default_profile);
	free(p);
}

const Profile *policy_find_profile(const Policy *p, const char *name)
{
	if (!name || strcmp(name, "defaults") == 0)
		return &p->defaults;
	for (size_t i = 0; i < p->n_profiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			return &p->profiles[i];
	return NULL;
}

void policy_errors_clear(PolicyErrors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	*errs = (PolicyErrors){0};
}

int policy_errors_add(PolicyErrors *errs, const char *path, int line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	char *full = NULL;
	va_list ap;
	int r;

	if (errs->n >= POLICY_MAX_ERRORS)
		return -E2BIG;
	if (errs->n == POLICY_MAX_ERRORS - 1) {
		r = asprintf(&full, "%s: too many errors, the rest were left out", path);
	} else {
		va_start(ap, fmt);
		r = vasprintf(&msg, fmt, ap);
		va_end(ap);
		if (r < 0)
			return -ENOMEM;
		if (line > 0)
			r = asprintf(&full, "%s:%d: %s", path, line, msg);
		else
			r = asprintf(&full, "%s: %s", path, msg);
	}
	if (r < 0)
		return -ENOMEM;
	errs->line[errs->n] = errs->n == POLICY_MAX_ERRORS - 1 ? INT_MAX : line;
	errs->msg[errs->n++] = full;
	return errs->n == POLICY_MAX_ERRORS ? -E2BIG : 0;
}

void policy_errors_sort(PolicyErrors *errs, size_t from)
{
	/* Insertion sort: at most POLICY_MAX_ERRORS entries, and it keeps equal lines in the
	 * order they were found. */
	for (size_t i = from + 1; i < errs->n; i++) {
		char *m = errs->msg[i];
		int l = errs->line[i];
		size_t j = i;
		for (; j > from && errs->line[j - 1] > l; j--) {
			errs->msg[j] = errs->msg[j - 1];
			errs->line[j] = errs->line[j - 1];
		}
		errs->msg[j] = m;
		errs->line[j] = l;
	}
}
