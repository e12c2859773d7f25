/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is contained: rules in order, the first that matches decides. Pure.
 *
 * Two things are decided before any rule: a hostile user name (policy_name_is_hostile) is
 * refused, and uid 0 is only ever matched by a rule whose user key is literally "root" (no
 * glob, no group, no default_action catches root: host uid 0 is never mapped into an alcove,
 * so root can only be exempted).
 */
#include "policy.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char root_reason[] = "user root cannot be contained: host uid 0 is never mapped "
				  "into an alcove";

static void set_reason(Decision *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_reason(Decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* A name that failed the check, printable in one log line: no controls, at most 96 bytes
 * (an sssd name "first.last@corp.example.com" shows whole; a longer one ends in "..."). */
#define PRINTABLE_MAX 96
static void printable(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; s && *s && i + 4 < size && i < PRINTABLE_MAX; s++, i++)
		buf[i] = ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f) ? '?' : *s;
	if (s && *s)
		buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
	buf[i] = '\0';
}

/* An absent item (no tty, no rhost) matches as the empty string: "*" matches it, a pattern
 * that needs characters does not. */
static bool glob_matches(const char *pattern, const char *value)
{
	return !pattern || fnmatch(pattern, value ? value : "", 0) == 0;
}

static bool group_matches(const char *pattern, const Login *l)
{
	if (!pattern)
		return true;
	for (size_t i = 0; i < l->n_groups; i++)
		if (l->groups[i] && fnmatch(pattern, l->groups[i], 0) == 0)
			return true;
	return false;
}

/* With UseDNS yes sshd sets PAM_RHOST to the client's reverse DNS name, and whoever owns the
 * client's address writes its PTR record: the name says nothing about where the client is. So
 * it matches every rhost rule that contains (the client may be in the prefix) and none that
 * skips: a rule that contains or refuses by rhost cannot be passed over by choosing a name to
 * reach a skip rule below it. */
static bool rhost_matches(const Rule *r, const Login *l)
{
	if (r->rhost && policy_rhost_is_name(l->rhost))
		return r->action == RULE_CONTAIN;
	return policy_rhost_matches(r->rhost, l->rhost);
}

bool policy_rule_matches_user(const Rule *r, const Login *l)
{
	return glob_matches(r->user, l->user) && group_matches(r->group, l);
}

static bool rule_matches(const Rule *r, const Login *l)
{
	if (l->uid == 0 && !(r->user && strcmp(r->user, "root") == 0))
		return false;
	return policy_rule_matches_user(r, l) && glob_matches(r->service, l->service) &&
	       glob_matches(r->tty, l->tty) && rhost_matches(r, l);
}

static void contain(const Policy *p, const Login *l, const char *profile_name, const char *why,
		    Decision *d)
{
	const Profile *pr = policy_find_profile(p, profile_name);

	char name[PRINTABLE_MAX + 4];

	if (l->uid == 0) {
		d->kind = DECISION_REFUSE;
		set_reason(d, "%s (%s)", root_reason, why);
		return;
	}
	if (!policy_name_is_safe(l->user)) {
		/* Not hostile (matching it was fine) but it would become a path component, a
		 * unit name, a passwd line inside: refused rather than contained. */
		printable(l->user, name, sizeof(name));
		d->kind = DECISION_REFUSE;
		set_reason(d,
			   "%s: user name \"%s\" cannot be contained (allowed: A-Z a-z 0-9 _ . -, "
			   "at most %d bytes, no leading '-', no \"..\")",
			   why, name, POLICY_NAME_MAX);
		return;
	}
	if (!pr) { /* check-config refuses this; a Policy built by hand might not */
		d->kind = DECISION_REFUSE;
		set_reason(d, "%s: profile \"%s\" does not exist", why, profile_name);
		return;
	}
	d->kind = DECISION_CONTAIN;
	d->profile = pr;
	set_reason(d, "%s: contained with profile \"%s\"", why, pr->name);
}

void policy_decide(const Policy *p, const Login *l, Decision *ret)
{
	char why[160], name[PRINTABLE_MAX + 4];

	*ret = (Decision){.kind = DECISION_SKIP};
	if (policy_name_is_hostile(l->user)) {
		printable(l->user, name, sizeof(name));
		ret->kind = DECISION_REFUSE;
		set_reason(ret,
			   "user name \"%s\" is not safe to use (empty, '/', \"..\", a control "
			   "character, a leading '-' or more than %d bytes)",
			   name, POLICY_LOGIN_NAME_MAX);
		return;
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const Rule *r = &p->rules[i];

		if (!rule_matches(r, l))
			continue;
		ret->rule = r;
		ret->rule_index = i;
		snprintf(why, sizeof(why), "rule #%zu (line %d%s)", i + 1, r->line,
			 r->rhost && policy_rhost_is_name(l->rhost)
			     ? "; rhost is a name, not an address: matched toward containment"
			     : "");
		if (r->action == RULE_SKIP) {
			set_reason(ret, "%s: action = \"skip\"", why);
			return;
		}
		contain(p, l, r->profile, why, ret);
		return;
	}
	if (l->uid == 0) {
		set_reason(ret, "no rule for root (only a rule with user = \"root\" applies to uid "
				"0; default_action never does)");
		return;
	}
	if (p->default_action == RULE_CONTAIN) {
		contain(p, l, p->default_profile, "no rule matched, default_action = \"contain\"",
			ret);
		return;
	}
	set_reason(ret, "no rule matched (default_action = \"skip\")");
}
