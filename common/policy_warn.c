/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy_warn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool set_in_file(const Origin *o)
{
	return o->section && strcmp(o->section, "builtin") != 0;
}

static void add(PolicyWarning *ret, size_t max, size_t *n, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add(PolicyWarning *ret, size_t max, size_t *n, int line, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	ret[*n].line = line;
	va_start(ap, fmt);
	vsnprintf(ret[*n].text, sizeof(ret[*n].text), fmt, ap);
	va_end(ap);
	(*n)++;
}

/* Whether the key of origin o was written for this profile as it is: in the profile itself,
 * or in the same section as persist. A quota in defaults that a profile with persist = false
 * inherits is a default for every profile, not a disk limit asked of this one. */
static bool quota_meant_here(const Profile *p, const Origin *o)
{
	const Origin *persist = &p->origin[PKEY_PERSIST];

	return set_in_file(o) && (strcmp(o->section, p->name) == 0 ||
				  (persist->section && strcmp(o->section, persist->section) == 0));
}

/* persist = false keeps no layer: what layer_quota and layer_inodes bound then is the tmpfs
 * upper, in memory, at the smaller of them and tmp_size / tmp_inodes (helper/build/persist.c,
 * rootfs_upper_size()). Said when the file sets them: the builtin quota is a default. */
static void layer_without_disk(const Profile *p, PolicyWarning *ret, size_t max, size_t *n)
{
	const Origin *q = &p->origin[PKEY_LAYER_QUOTA], *i = &p->origin[PKEY_LAYER_INODES];
	char tmp[32];

	if (p->persist)
		return;
	policy_format_tmpfs_size(&p->tmp_size, tmp, sizeof(tmp));
	if (p->layer_quota && quota_meant_here(p, q))
		add(ret, max, n, q->line,
		    "layer_quota limits no disk: persist = false keeps no layer; the throw-away "
		    "upper is a tmpfs in memory, sized by the smaller of layer_quota and tmp_size "
		    "(%s)",
		    tmp);
	if (p->layer_inodes && quota_meant_here(p, i))
		add(ret, max, n, i->line,
		    "layer_inodes limits no disk: persist = false keeps no layer; the tmpfs upper "
		    "gets the smaller of layer_inodes and tmp_inodes (%llu)",
		    (unsigned long long)p->tmp_inodes);
}

/* share = "session": each session's alcove is a scope of its own with the profile's limits
 * (helper/build/scope.c; user-<uid>.slice carries none), so they bound one session, not the
 * user: with N sessions at once the user has N times them. */
static void limits_per_session(const Profile *p, PolicyWarning *ret, size_t max, size_t *n)
{
	static const LimitKind absolute[] = {LIMIT_MEMORY_MAX, LIMIT_MEMORY_HIGH, LIMIT_TASKS_MAX,
					     LIMIT_CPU_QUOTA};
	char names[96] = "", times[32];
	size_t len = 0;

	if (p->share != SHARE_SESSION || p->cgroup == CGROUP_NONE)
		return;
	for (size_t k = 0; k < sizeof(absolute) / sizeof(absolute[0]); k++)
		if (p->limits.set & (1u << absolute[k]) && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? ", " : "", limit_name(absolute[k]));
	if (!len)
		return;
	if (p->max_sessions)
		snprintf(times, sizeof(times), "max_sessions (%u)", p->max_sessions);
	else
		snprintf(times, sizeof(times), "any number of");
	add(ret, max, n, p->origin[PKEY_SHARE].line,
	    "limits %s bound each session, not the user: share = \"session\" gives every "
	    "session's alcove its own, so a user's sessions at once use up to %s times them",
	    names, times);
}

size_t policy_profile_warnings(const Profile *p, PolicyWarning *ret, size_t max)
{
	size_t n = 0;

	/* without a scope nothing applies the limits: not even the builtin ones */
	for (int l = 0; p->cgroup == CGROUP_NONE && l < _LIMIT_MAX; l++)
		if (p->limits.set & (1u << l))
			add(ret, max, &n, p->limit_origin[l].line,
			    "limits.%s is not enforced: cgroup = \"none\" runs the alcove without a "
			    "systemd scope",
			    limit_name((LimitKind)l));
	if (p->on_last_logout != LOGOUT_IDLE && set_in_file(&p->origin[PKEY_IDLE_TIMEOUT]))
		add(ret, max, &n, p->origin[PKEY_IDLE_TIMEOUT].line,
		    "idle_timeout is not used: on_last_logout is not \"idle\"");
	if (profile_last_logout(p) != p->on_last_logout)
		add(ret, max, &n, p->origin[PKEY_ON_LAST_LOGOUT].line,
		    "on_last_logout = \"idle\" has no effect with share = \"session\": no login "
		    "can return to a session alcove; it stops at its last logout");
	layer_without_disk(p, ret, max, &n);
	limits_per_session(p, ret, max, &n);
	return n;
}

/* Whether word is one of the space-separated words of list. */
static bool has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *s = list; (s = strstr(s, word)); s += len)
		if ((s == list || s[-1] == ' ') && (s[len] == ' ' || s[len] == '\n' || !s[len]))
			return true;
	return false;
}

size_t policy_controller_warnings(const Profile *p, const char *controllers, PolicyWarning *ret,
				  size_t max)
{
	/* the cgroup v2 controller that applies each limit (systemd.resource-control(5)) */
	static const char *const controller[_LIMIT_MAX] = {
	    [LIMIT_MEMORY_MAX] = "memory", [LIMIT_MEMORY_HIGH] = "memory",
	    [LIMIT_TASKS_MAX] = "pids",    [LIMIT_CPU_WEIGHT] = "cpu",
	    [LIMIT_CPU_QUOTA] = "cpu",     [LIMIT_IO_WEIGHT] = "io",
	};
	size_t n = 0;

	if (p->cgroup == CGROUP_NONE || !controllers)
		return 0; /* no scope: policy_profile_warnings() says so */
	for (int l = 0; l < _LIMIT_MAX; l++)
		if (p->limits.set & (1u << l) && !has_word(controllers, controller[l]))
			add(ret, max, &n, p->limit_origin[l].line,
			    "limits.%s is not enforced: this kernel's cgroup v2 has no %s controller "
			    "(%s); systemd sets it on the scope and nothing applies it",
			    limit_name((LimitKind)l), controller[l], POLICY_CGROUP_CONTROLLERS);
	return n;
}
