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
	return n;
}
