/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inheritance and the checks that need resolved values. Pure.
 *
 *   builtin -> defaults section -> parent profile(s) via `inherit` -> the profile
 *
 * Each resolved key keeps the origin (section, line) of the section that last wrote it.
 */
#include "policy_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

enum { UNSEEN, ACTIVE, DONE };

typedef struct ResolveCtx {
	Policy *p;
	const Profile *raw;
	PolicyErrors *errs;
	int *state;
	size_t *stack; /* the chain being resolved, to name a cycle */
	size_t depth;
} ResolveCtx;

static int find_index(const Policy *p, const char *name)
{
	for (size_t i = 0; i < p->n_profiles; i++)
		if (strcmp(p->profiles[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Only running out of memory stops resolving; -E2BIG (error list full) does not. */
static int oom_only(int e)
{
	return e == -ENOMEM ? e : 0;
}

static int report_cycle(ResolveCtx *r, size_t i, size_t j)
{
	_cleanup_free_ char *chain = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&chain, &size);
	size_t start = 0;

	if (!f)
		return -ENOMEM;
	while (start < r->depth && r->stack[start] != j)
		start++;
	for (size_t k = start; k < r->depth; k++)
		fprintf(f, "%s -> ", r->p->profiles[r->stack[k]].name);
	fprintf(f, "%s", r->p->profiles[j].name);
	if (fclose(f) != 0)
		return -ENOMEM;
	return oom_only(policy_errors_add(r->errs, r->p->path, r->raw[i].inherit_line,
					  "profiles.%s.inherit: inheritance cycle: %s",
					  r->p->profiles[i].name, chain));
}

/* The resolved parent of profile i; defaults when it has none or it cannot be used. */
static int resolve_one(ResolveCtx *r, size_t i);

static int parent_of(ResolveCtx *r, size_t i, const Profile **ret)
{
	const char *inherit = r->raw[i].inherit;
	int j, e;

	*ret = &r->p->defaults;
	if (!inherit || strcmp(inherit, "defaults") == 0)
		return 0;
	j = find_index(r->p, inherit);
	if (j < 0)
		return oom_only(policy_errors_add(r->errs, r->p->path, r->raw[i].inherit_line,
						  "profiles.%s.inherit: unknown profile \"%s\"",
						  r->p->profiles[i].name, inherit));
	if (r->state[j] == ACTIVE)
		return report_cycle(r, i, (size_t)j);
	e = resolve_one(r, (size_t)j);
	if (e < 0)
		return e;
	*ret = &r->p->profiles[j];
	return 0;
}

static int resolve_one(ResolveCtx *r, size_t i)
{
	Profile *dst = &r->p->profiles[i];
	const Profile *parent;
	int e;

	if (r->state[i] != UNSEEN)
		return 0;
	r->state[i] = ACTIVE;
	r->stack[r->depth++] = i;
	e = parent_of(r, i, &parent);
	if (e >= 0)
		e = profile_overlay(dst, parent);
	if (e >= 0)
		e = profile_overlay(dst, &r->raw[i]);
	if (e >= 0 && r->raw[i].inherit) {
		dst->inherit = strdup(r->raw[i].inherit);
		dst->inherit_line = r->raw[i].inherit_line;
		if (!dst->inherit)
			e = -ENOMEM;
	}
	r->depth--;
	r->state[i] = DONE;
	return e;
}

/* True when the section of this profile wrote key k (so an error belongs here, not to a
 * parent that reports it already). */
static bool set_here(const Profile *pr, ProfileKey k)
{
	return pr->origin[k].section && strcmp(pr->origin[k].section, pr->name) == 0;
}

static int line_of(const Profile *pr, ProfileKey a, ProfileKey b)
{
	return set_here(pr, a) ? pr->origin[a].line : pr->origin[b].line;
}

LogoutPolicy profile_last_logout(const Profile *pr)
{
	if (pr->share == SHARE_SESSION && pr->on_last_logout == LOGOUT_IDLE)
		return LOGOUT_STOP;
	return pr->on_last_logout;
}

bool profile_image_is_host_root(const Profile *pr)
{
	for (size_t i = 0; i < pr->n_image; i++) {
		const char *c = pr->image[i];
		/* "/", "//", "/./" all name the host's root */
		while (*c == '/' || (*c == '.' && (c[1] == '/' || !c[1])))
			c++;
		if (!*c)
			return true;
	}
	return false;
}

static int check_profile(const Policy *p, const Profile *pr, const char *where, PolicyErrors *errs)
{
	int r = 0;

	if (pr->mode == ALCOVE_MODE_ROOT && profile_image_is_host_root(pr) &&
	    (set_here(pr, PKEY_MODE) || set_here(pr, PKEY_IMAGE)))
		r = policy_errors_add(
		    errs, p->path, line_of(pr, PKEY_MODE, PKEY_IMAGE),
		    "%s.mode: mode = \"root\" with image \"/\": in root mode the "
		    "user owns every file of the lower layer; use a dedicated image "
		    "directory",
		    where);
	if (r != -ENOMEM && pr->on_last_logout == LOGOUT_IDLE && pr->idle_timeout == 0 &&
	    (set_here(pr, PKEY_ON_LAST_LOGOUT) || set_here(pr, PKEY_IDLE_TIMEOUT)))
		r = policy_errors_add(errs, p->path,
				      line_of(pr, PKEY_ON_LAST_LOGOUT, PKEY_IDLE_TIMEOUT),
				      "%s.idle_timeout: on_last_logout = \"idle\" needs "
				      "idle_timeout > 0 (seconds)",
				      where);
	return oom_only(r);
}

int policy_resolve(Policy *p, const Profile *raw_defaults, const Profile *raw, PolicyErrors *errs)
{
	_cleanup_free_ int *state = calloc(p->n_profiles + 1, sizeof(int));
	_cleanup_free_ size_t *stack = calloc(p->n_profiles + 1, sizeof(size_t));
	ResolveCtx r = {p, raw, errs, state, stack, 0};
	char where[128];
	int e;

	if (!state || !stack)
		return -ENOMEM;
	e = profile_overlay(&p->defaults, raw_defaults);
	if (e >= 0)
		e = check_profile(p, &p->defaults, "defaults", errs);
	for (size_t i = 0; e >= 0 && i < p->n_profiles; i++)
		e = resolve_one(&r, i);
	for (size_t i = 0; e >= 0 && i < p->n_profiles; i++) {
		snprintf(where, sizeof(where), "profiles.%s", p->profiles[i].name);
		e = check_profile(p, &p->profiles[i], where, errs);
	}
	return e;
}

int policy_check_rules(const Policy *p, PolicyErrors *errs)
{
	int r = 0;

	for (size_t i = 0; r != -ENOMEM && i < p->n_rules; i++) {
		const Rule *rule = &p->rules[i];
		if (rule->profile && !policy_find_profile(p, rule->profile))
			r = policy_errors_add(errs, p->path, rule->line,
					      "rule #%zu.profile: unknown profile \"%s\"", i + 1,
					      rule->profile);
		/* Only a rule whose user is literally "root" ever applies to uid 0. */
		if (r != -ENOMEM && rule->user && strcmp(rule->user, "root") == 0 &&
		    rule->action == RULE_CONTAIN)
			r = policy_errors_add(
			    errs, p->path, rule->line,
			    "rule #%zu.user: user root cannot be contained: host uid "
			    "0 is never mapped into an alcove",
			    i + 1);
	}
	if (r != -ENOMEM && p->default_profile && !policy_find_profile(p, p->default_profile))
		r = policy_errors_add(errs, p->path, p->default_profile_line,
				      "default_profile: unknown profile \"%s\"",
				      p->default_profile);
	return oom_only(r);
}
