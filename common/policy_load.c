/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy file -> Policy: libconfig parses, this file walks the top level and the rules,
 * policy_load_profile.c the profile sections, policy_resolve.c applies inheritance. Every
 * problem is collected (FILE:LINE: where: message) so that check-config shows them all.
 */
#include "policy_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "policy_internal.h"

void load_error(LoadCtx *c, const config_setting_t *s, const char *where, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->oom = -ENOMEM;
		return;
	}
	r = policy_errors_add(c->errs, c->path, s ? config_setting_source_line(s) : 0, "%s: %s",
			      where, msg);
	if (r == -ENOMEM)
		c->oom = r;
}

const char *load_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	default:
		return "nothing";
	}
}

const char *load_string(LoadCtx *c, const config_setting_t *s, const char *where)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		load_error(c, s, where, "expected a string, got %s", load_type_name(s));
		return NULL;
	}
	return config_setting_get_string(s);
}

static const char *const rule_match_keys[] = {"user", "group", "service", "tty", "rhost"};

static char **rule_match_field(Rule *r, size_t i)
{
	char **fields[] = {&r->user, &r->group, &r->service, &r->tty, &r->rhost};
	return fields[i];
}

/* The rule as written, rebuilt from its settings, for explain: { user = "alice"; ... } */
static void rule_text(LoadCtx *c, const config_setting_t *g, Rule *r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	int n = config_setting_length(g);

	if (!f) {
		c->oom = -ENOMEM;
		return;
	}
	fputs("{", f);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *v = config_setting_get_string(s);
		fprintf(f, " %s = ", config_setting_name(s));
		if (!v) {
			fputs("...;", f);
			continue;
		}
		fputc('"', f);
		for (; *v; v++)
			fprintf(f, *v == '"' || *v == '\\' ? "\\%c" : "%c", *v);
		fputs("\";", f);
	}
	fputs(" }", f);
	if (fclose(f) != 0)
		c->oom = -ENOMEM;
	r->text = buf;
}

static void rule_key(LoadCtx *c, const config_setting_t *s, const char *where, Rule *r,
		     bool *has_action)
{
	const char *name = config_setting_name(s);
	const char *v;
	char why[160];

	for (size_t i = 0; i < ELEMENTSOF(rule_match_keys); i++) {
		if (strcmp(name, rule_match_keys[i]) != 0)
			continue;
		v = load_string(c, s, where);
		if (v && !v[0])
			load_error(c, s, where, "empty pattern (leave the key out to match any)");
		else if (v && strcmp(name, "rhost") == 0 &&
			 policy_rhost_check(v, why, sizeof(why)) < 0)
			load_error(c, s, where, "\"%s\": %s", v, why);
		else if (v)
			*rule_match_field(r, i) = load_strdup(c, v);
		return;
	}
	if (strcmp(name, "profile") == 0) {
		v = load_string(c, s, where);
		if (v)
			r->profile = load_strdup(c, v);
	} else if (strcmp(name, "action") == 0) {
		v = load_string(c, s, where);
		if (v && strcmp(v, "skip") == 0)
			r->action = RULE_SKIP;
		else if (v && strcmp(v, "contain") == 0)
			r->action = RULE_CONTAIN;
		else if (v)
			load_error(c, s, where, "expected \"skip\" or \"contain\", got \"%s\"", v);
		*has_action = v != NULL;
	} else
		load_error(
		    c, s, where,
		    "unknown key (known: user, group, service, tty, rhost, profile, action)");
}

static void load_rule(LoadCtx *c, const config_setting_t *g, size_t index, Rule *r)
{
	char where[64], kwhere[128];
	bool has_action = false;
	int n;

	r->line = config_setting_source_line(g);
	r->action = RULE_CONTAIN;
	snprintf(where, sizeof(where), "rule #%zu", index);
	if (!config_setting_is_group(g)) {
		load_error(c, g, where,
			   "expected a group { user = \"...\"; profile = \"...\"; }, got %s",
			   load_type_name(g));
		return;
	}
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		snprintf(kwhere, sizeof(kwhere), "%s.%s", where, config_setting_name(s));
		rule_key(c, s, kwhere, r, &has_action);
	}
	/* A rule without match keys is allowed: it matches every login (a catch-all). */
	if (!r->profile && !has_action)
		load_error(c, g, where, "needs profile = \"NAME\" or action = \"skip\"");
	if (has_action && r->action == RULE_SKIP && r->profile)
		load_error(c, g, where, "action = \"skip\" and profile exclude each other");
	rule_text(c, g, r);
}

static void load_rules(LoadCtx *c, const config_setting_t *s, Policy *p)
{
	int n;

	if (!config_setting_is_list(s)) {
		load_error(c, s, "rules", "expected a list ( { ... }, { ... } ), got %s",
			   load_type_name(s));
		return;
	}
	n = config_setting_length(s);
	p->rules = calloc((size_t)n + 1, sizeof(Rule));
	if (!p->rules) {
		c->oom = -ENOMEM;
		return;
	}
	p->n_rules = (size_t)n;
	for (int i = 0; i < n; i++)
		load_rule(c, config_setting_get_elem(s, (unsigned)i), (size_t)i + 1, &p->rules[i]);
}

static void load_profiles(LoadCtx *c, const config_setting_t *s, Policy *p, Profile **ret_raw)
{
	Profile *raw;
	int n;

	if (!config_setting_is_group(s)) {
		load_error(c, s, "profiles", "expected a group { name = { ... }; ... }, got %s",
			   load_type_name(s));
		return;
	}
	n = config_setting_length(s);
	p->profiles = calloc((size_t)n + 1, sizeof(Profile));
	raw = calloc((size_t)n + 1, sizeof(Profile));
	*ret_raw = raw;
	if (!p->profiles || !raw) {
		c->oom = -ENOMEM;
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(g);
		char where[128];

		snprintf(where, sizeof(where), "profiles.%s", name);
		p->profiles[i].name = load_strdup(c, name);
		if (!p->profiles[i].name)
			return;
		p->n_profiles = (size_t)i + 1;
		p->profiles[i].line = config_setting_source_line(g);
		if (strcmp(name, "defaults") == 0 || !policy_name_is_safe(name))
			load_error(c, g, where, "\"%s\" cannot name a profile%s", name,
				   strcmp(name, "defaults") == 0
				       ? " (reserved for the defaults section)"
				       : "");
		if (!config_setting_is_group(g)) {
			load_error(c, g, where, "expected a group { mode = ...; ... }, got %s",
				   load_type_name(g));
			continue;
		}
		load_profile(c, g, where, p->profiles[i].name, false, &raw[i]);
	}
}

static void load_default_action(LoadCtx *c, const config_setting_t *s, Policy *p)
{
	const char *v = load_string(c, s, "default_action");

	p->default_action_line = config_setting_source_line(s);
	if (v && strcmp(v, "skip") == 0)
		p->default_action = RULE_SKIP;
	else if (v && strcmp(v, "contain") == 0)
		p->default_action = RULE_CONTAIN;
	else if (v)
		load_error(c, s, "default_action", "expected \"skip\" or \"contain\", got \"%s\"",
			   v);
}

static void load_top(LoadCtx *c, const config_setting_t *s, Policy *p, Profile *raw_defaults,
		     Profile **raw)
{
	const char *name = config_setting_name(s);

	if (strcmp(name, "defaults") == 0) {
		if (config_setting_is_group(s))
			load_profile(c, s, "defaults", p->defaults.name, true, raw_defaults);
		else
			load_error(c, s, "defaults", "expected a group { mode = ...; ... }, got %s",
				   load_type_name(s));
	} else if (strcmp(name, "profiles") == 0)
		load_profiles(c, s, p, raw);
	else if (strcmp(name, "rules") == 0)
		load_rules(c, s, p);
	else if (strcmp(name, "default_action") == 0)
		load_default_action(c, s, p);
	else if (strcmp(name, "default_profile") == 0) {
		const char *v = load_string(c, s, "default_profile");
		p->default_profile_line = config_setting_source_line(s);
		if (v)
			p->default_profile = load_strdup(c, v);
	} else if (strcmp(name, "reserved_ids") == 0)
		load_reserved_ids(c, s, p);
	else
		load_error(c, s, name,
			   "unknown key (known: defaults, profiles, rules, default_action, "
			   "default_profile, reserved_ids)");
}

/* libconfig's message, or for a duplicate the name and both lines (libconfig says neither). */
static int syntax_error(const char *path, const char *text, const config_t *cfg, PolicyErrors *errs)
{
	PolicyDuplicate dup = {0};
	int line = config_error_line(cfg), r = 0;

	if (strcmp(config_error_text(cfg), "duplicate setting name") == 0)
		r = policy_find_duplicate(text, line, &dup);
	if (r < 0)
		return r;
	if (r == 0)
		return policy_errors_add(errs, path, line, "%s", config_error_text(cfg));
	r = policy_errors_add(errs, path, dup.line, "duplicate setting '%s' (first set at line %d)",
			      dup.name, dup.first_line);
	free(dup.name);
	return r;
}

/* Reads and parses the file; a syntax error is the one error libconfig can report. */
static int read_config(const char *path, config_t *cfg, PolicyErrors *errs)
{
	_cleanup_free_ char *text = NULL;
	int r;

	r = policy_read_file(path, &text, errs);
	if (r < 0)
		return r;
	if (config_read_string(cfg, text) != CONFIG_TRUE) {
		r = syntax_error(path, text, cfg, errs);
		return r == -ENOMEM ? r : -EINVAL;
	}
	return 0;
}

static void raw_free(Profile *raw_defaults, Profile *raw, size_t n)
{
	profile_done(raw_defaults);
	for (size_t i = 0; raw && i < n; i++)
		profile_done(&raw[i]);
	free(raw);
}

static int load_policy(LoadCtx *c, const config_t *cfg, Policy *p)
{
	const config_setting_t *root = config_root_setting(cfg);
	Profile raw_defaults = {0}, *raw = NULL;
	int n = config_setting_length(root), r;

	for (int i = 0; i < n && !c->oom; i++)
		load_top(c, config_setting_get_elem(root, (unsigned)i), p, &raw_defaults, &raw);
	if (c->oom) {
		raw_free(&raw_defaults, raw, p->n_profiles);
		return c->oom;
	}
	r = policy_resolve(p, &raw_defaults, raw, c->errs);
	raw_free(&raw_defaults, raw, p->n_profiles);
	if (r < 0)
		return r;
	r = policy_check_rules(p, c->errs);
	return r < 0 ? r : c->oom;
}

int policy_load(const char *path, Policy **ret, PolicyErrors *errs)
{
	_cleanup_(config_destroy) config_t cfg;
	LoadCtx c = {path, errs, 0};
	size_t n_errors = errs->n;
	Policy *p;
	int r;

	config_init(&cfg);
	r = read_config(path, &cfg, errs);
	if (r < 0)
		return r;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->default_action = RULE_SKIP;
	p->path = strdup(path);
	r = p->path ? profile_init_builtin(&p->defaults, "defaults") : -ENOMEM;
	if (r >= 0)
		r = load_policy(&c, &cfg, p);
	if (r >= 0 && errs->n > n_errors)
		r = -EINVAL;
	policy_errors_sort(errs, n_errors);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*ret = p;
	return 0;
}
