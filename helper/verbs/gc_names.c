/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "gc_names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enter_client.h"
#include "policy.h"
#include "unit_name.h"
#include "lib/paths.h"

GcAction gc_persist_action(const PersistScan *s, bool force, const char **ret_why)
{
	const char *why;
	GcAction a;

	if (s->empty) {
		why = "empty";
		a = GC_REMOVE;
	} else if (!s->has_layer) {
		why = "no layer/ but other files: not made by alcove";
		a = GC_KEEP_ODD;
	} else if (s->has_upper && s->has_work) {
		why = "complete";
		a = GC_KEEP;
	} else if (s->other_entries) {
		why = "half-built, with files besides layer/";
		a = GC_KEEP_ODD;
	} else if (s->upper_has_data) {
		why = "layer/work missing, layer/upper holds the user's files";
		a = force ? GC_REMOVE : GC_KEEP_DATA;
	} else {
		why = !s->has_upper && !s->has_work ? "layer/upper and layer/work missing"
		      : !s->has_upper		    ? "layer/upper missing"
						    : "layer/work missing, layer/upper empty";
		a = GC_REMOVE;
	}
	if (ret_why)
		*ret_why = why;
	return a;
}

GcAction gc_run_action(int state_r, bool alive, const char **ret_why)
{
	const char *why;
	GcAction a = GC_REMOVE;

	if (state_r == -ENOENT)
		why = "no state (a build that did not finish)";
	else if (gc_state_read_failed(state_r)) {
		why = "its state could not be read now, so its init may run";
		a = GC_KEEP_ODD;
	} else if (state_r < 0)
		why = "state corrupt";
	else if (!alive)
		why = "init is gone";
	else {
		why = "alive";
		a = GC_KEEP;
	}
	if (ret_why)
		*ret_why = why;
	return a;
}

bool gc_state_read_failed(int state_r)
{
	return state_r < 0 && state_r != -ENOENT && state_r != -EBADMSG && state_r != -EFBIG;
}

bool gc_is_persist_name(const char *name)
{
	return !paths_lib_name_reserved(name) && policy_name_is_safe(name);
}

int gc_name_uid(const char *name, uid_t *ret)
{
	unsigned long v;
	char *end;

	if (!alcove_name_is_valid(name))
		return -EINVAL;
	errno = 0;
	v = strtoul(name, &end, 10);
	if (errno || v > (uid_t)-2 || (*end && *end != '-'))
		return -EINVAL;
	*ret = (uid_t)v;
	return 0;
}

bool gc_scope_is_ours(const char *unit, const char *user, uid_t uid)
{
	static const char prefix[] = "alcove-", suffix[] = ".scope";
	size_t n = strlen(unit), pl = sizeof(prefix) - 1, sl = sizeof(suffix) - 1;
	char expect[UNIT_NAME_MAX], session[32];

	if (n <= pl + sl || strncmp(unit, prefix, pl) != 0 || strcmp(unit + n - sl, suffix) != 0)
		return false;
	if (!user)
		return true;
	if (unit_name_for_alcove(user, expect, sizeof(expect)) == 0 && strcmp(unit, expect) == 0)
		return true;
	/* share = session: named after "<uid>-<hex>", whose '-' systemd's escaping makes \x2d */
	snprintf(session, sizeof(session), "alcove-%u\\x2d", (unsigned)uid);
	return strncmp(unit, session, strlen(session)) == 0;
}

void gc_report_add(GcReport *r, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\0')
			*p = ' ';
	/* keep room for the "... N more" line */
	if (r->dropped || r->len + strlen(line) + 2 > sizeof(r->buf) - 64) {
		r->dropped++;
		return;
	}
	r->len += (size_t)snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "%s\n", line);
}

const char *gc_report_text(GcReport *r)
{
	if (r->dropped)
		snprintf(r->buf + r->len, sizeof(r->buf) - r->len, "... %u more not shown\n",
			 r->dropped);
	else
		r->buf[r->len] = '\0';
	return r->buf;
}
