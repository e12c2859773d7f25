/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "show_format.h"
#include "text_escape.h"

const char *show_ns_name(ShowNs ns)
{
	static const char *const names[_SHOW_NS_MAX] = {
	    [SHOW_NS_USER] = "user", [SHOW_NS_MNT] = "mnt", [SHOW_NS_PID] = "pid",
	    [SHOW_NS_IPC] = "ipc",   [SHOW_NS_UTS] = "uts", [SHOW_NS_CGROUP] = "cgroup",
	    [SHOW_NS_NET] = "net",
	};
	return (unsigned)ns < _SHOW_NS_MAX ? names[ns] : NULL;
}

int show_parse_u64(const char *text, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!text || *text < '0' || *text > '9')
		return strncmp(text ? text : "", "max", 3) == 0 ? -ERANGE : -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno != 0)
		return -ERANGE;
	if (*end == '\n')
		end++;
	if (*end != '\0')
		return -EINVAL;
	*ret = v;
	return 0;
}

int show_parse_cpu_stat(const char *text, uint64_t *ret_usec)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, "usage_usec ", 11) == 0) {
			char *end;
			unsigned long long v = strtoull(p + 11, &end, 10);

			if (end == p + 11 || (*end != '\n' && *end != '\0'))
				return -EINVAL;
			*ret_usec = v;
			return 0;
		}
	}
	return -ENOENT;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void usage_text(const ShowUsage *u, FILE *f)
{
	if (u->has_memory)
		fprintf(f, " memory=%" PRIu64, u->memory_bytes);
	if (u->has_pids)
		fprintf(f, " tasks=%" PRIu64, u->pids);
	if (u->has_cpu)
		fprintf(f, " cpu=%" PRIu64 ".%06" PRIu64 "s", u->cpu_usec / 1000000,
			u->cpu_usec % 1000000);
	if (!u->has_memory && !u->has_pids && !u->has_cpu)
		fputs(" (no controllers)", f);
	fputc('\n', f);
}

const char *show_tmpfs_path(ShowTmpfs t)
{
	static const char *const paths[_SHOW_TMPFS_MAX] = {"/tmp", "/run", "/dev/shm"};

	return (unsigned)t < _SHOW_TMPFS_MAX ? paths[t] : NULL;
}

static void limit_text(FILE *f, const char *name, bool has, uint64_t v)
{
	if (!has)
		return;
	if (v == SHOW_LIMIT_NONE)
		fprintf(f, " %s=max", name);
	else
		fprintf(f, " %s=%" PRIu64, name, v);
}

/* "limits:     memory.max=… pids.max=…" and "tmpfs:      /tmp 12K of 204M (3 of 262144
 * inodes), …": what the alcove may use, next to what it does. */
static void limits_text(const ShowInfo *a, FILE *f)
{
	bool any = false;

	if (a->limits.has_memory_max || a->limits.has_pids_max) {
		fputs("limits:    ", f);
		limit_text(f, "memory.max", a->limits.has_memory_max, a->limits.memory_max);
		limit_text(f, "pids.max", a->limits.has_pids_max, a->limits.pids_max);
		fputc('\n', f);
	}
	for (int t = 0; t < _SHOW_TMPFS_MAX; t++) {
		const ShowTmpfsUsage *u = &a->tmpfs[t];
		char used[32], size[32];

		if (!u->known)
			continue;
		show_format_size(u->bytes, used, sizeof(used));
		show_format_size(u->size, size, sizeof(size));
		fprintf(f, "%s %s %s of %s (%" PRIu64 " of %" PRIu64 " inodes)",
			any ? "," : "tmpfs:     ", show_tmpfs_path((ShowTmpfs)t), used, size,
			u->inodes, u->inodes_max);
		any = true;
	}
	if (any)
		fputc('\n', f);
}

void show_format_duration(uint64_t sec, char *buf, size_t len)
{
	if (sec < 60)
		snprintf(buf, len, "%" PRIu64 "s", sec);
	else if (sec < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", sec / 60, sec % 60);
	else if (sec < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", sec / 3600, sec % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", sec / 86400, sec % 86400 / 3600);
}

bool show_status_active(const ShowStatus *s)
{
	return s->known && s->sessions + (uint64_t)s->holds > 0;
}

/* "activity:   2026-12-04 21:30:12 UTC (idle 3m05s)", or "(session open)". */
static void activity_text(const ShowStatus *s, FILE *f)
{
	time_t t = (time_t)(s->activity_usec / 1000000);
	char when[64], idle[32];
	struct tm tm;

	if (!s->known || !s->has_activity || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		return;
	if (show_status_active(s))
		snprintf(idle, sizeof(idle), "session open");
	else {
		memcpy(idle, "idle ", 5);
		show_format_duration(s->idle_sec, idle + 5, sizeof(idle) - 5);
	}
	fprintf(f, "activity:   %s (%s)\n", when, idle);
}

void show_format_activity_json(const ShowStatus *s, FILE *f, int *first)
{
	bool active = show_status_active(s);

	json_key(f, "active", first);
	fputs(!s->known ? "null" : active ? "true" : "false", f);
	json_u64_or_null(f, "last_activity_usec", s->known && s->has_activity, s->activity_usec,
			 first);
	json_u64_or_null(f, "idle_sec", s->known && s->has_activity && !active, s->idle_sec,
			 first);
}

/* A cgroup's name, escaped in the text and the JSON alike: the cgroups below the scope are
 * the tenant's to make and name in root mode (the scope is ns root's). */
#define CGROUP_SHOWN_MAX (4 * sizeof(((ShowCgroup *)0)->name))
static const char *cgroup_shown(const ShowCgroup *c, char buf[static CGROUP_SHOWN_MAX])
{
	if (text_escape(c->name, buf, CGROUP_SHOWN_MAX) < 0)
		strcpy(buf, "?");
	return buf;
}

static void text_one(const ShowInfo *a, FILE *f)
{
	const AlcoveState *s = &a->state;

	fprintf(f, "alcove:     %s (%s)\n", a->name, a->alive ? "running" : "not running");
	fprintf(f, "user:       %s (uid %u)\n", or_dash(s->user), (unsigned)s->uid);
	fprintf(f, "profile:    %s\nmode:       %s\nshare:      %s\n", or_dash(s->profile),
		or_dash(s->mode), or_dash(s->share));
	fprintf(f, "init pid:   %d\n", (int)s->pid);
	fputs("namespaces:", f);
	for (int k = 0; k < _SHOW_NS_MAX; k++)
		if (a->ns[k])
			fprintf(f, " %s:[%" PRIu64 "]", show_ns_name((ShowNs)k), a->ns[k]);
	fputc('\n', f);
	fprintf(f, "scope:      %s\ncgroup:     %s\n", or_dash(s->scope), or_dash(s->cgroup));
	if (s->cgroup[0]) {
		fputs("usage:     ", f);
		usage_text(&a->usage, f);
		for (size_t c = 0; c < a->n_cgroups; c++) {
			char name[CGROUP_SHOWN_MAX];

			fprintf(f, "  %-9s", cgroup_shown(&a->cgroups[c], name));
			usage_text(&a->cgroups[c].usage, f);
		}
		if (a->n_cgroups_more)
			fprintf(f, "  (%zu more cgroups not shown; the usage above counts them)\n",
				a->n_cgroups_more);
	}
	limits_text(a, f);
	if (a->status.known)
		fprintf(f,
			"sessions:   %" PRIu32 " (holds %" PRIu32 ", processes %" PRIu32
			", up %" PRIu64 "s)\n",
			a->status.sessions, a->status.holds, a->status.processes, a->uptime_sec);
	else if (a->status.frozen)
		fputs("sessions:   - (init is frozen: cgroup.freeze written inside the alcove; "
		      "alcovectl stop ends it)\n",
		      f);
	else
		fputs("sessions:   - (init did not answer)\n", f);
	activity_text(&a->status, f);
}

void show_format_text(const ShowInfo *infos, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc('\n', f);
		text_one(&infos[i], f);
	}
}

void show_format_usage_json(const ShowUsage *u, FILE *f)
{
	int first = 1;

	fputc('{', f);
	json_u64_or_null(f, "memory_current", u->has_memory, u->memory_bytes, &first);
	json_u64_or_null(f, "pids_current", u->has_pids, u->pids, &first);
	json_u64_or_null(f, "cpu_usage_usec", u->has_cpu, u->cpu_usec, &first);
	fputc('}', f);
}

static void json_str_or_null(FILE *f, const char *key, const char *v, int *first)
{
	json_key(f, key, first);
	json_string(f, v && *v ? v : NULL);
}

void show_format_limits_json(const ShowLimits *l, FILE *f)
{
	int first = 1;

	fputc('{', f);
	/* a number, "max" as null, or absent (no controller) as null too */
	json_u64_or_null(f, "memory_max", l->has_memory_max && l->memory_max != SHOW_LIMIT_NONE,
			 l->memory_max, &first);
	json_u64_or_null(f, "pids_max", l->has_pids_max && l->pids_max != SHOW_LIMIT_NONE,
			 l->pids_max, &first);
	fputc('}', f);
}

void show_format_tmpfs_json(const ShowTmpfsUsage *t, FILE *f)
{
	int first = 1;

	fputc('{', f);
	for (int i = 0; i < _SHOW_TMPFS_MAX; i++) {
		int ufirst = 1;

		if (!t[i].known)
			continue;
		json_key(f, show_tmpfs_path((ShowTmpfs)i), &first);
		fputc('{', f);
		json_u64_or_null(f, "bytes", true, t[i].bytes, &ufirst);
		json_u64_or_null(f, "size", true, t[i].size, &ufirst);
		json_u64_or_null(f, "inodes", true, t[i].inodes, &ufirst);
		json_u64_or_null(f, "inodes_max", true, t[i].inodes_max, &ufirst);
		fputc('}', f);
	}
	fputc('}', f);
}

static void json_one(const ShowInfo *a, FILE *f)
{
	const AlcoveState *s = &a->state;
	int first = 1, nfirst = 1, cfirst = 1;

	fputc('{', f);
	json_str_or_null(f, "name", a->name, &first);
	json_str_or_null(f, "user", s->user, &first);
	json_u64_or_null(f, "uid", true, s->uid, &first);
	json_str_or_null(f, "profile", s->profile, &first);
	json_str_or_null(f, "mode", s->mode, &first);
	json_str_or_null(f, "share", s->share, &first);
	json_u64_or_null(f, "pid", s->pid > 0, (uint64_t)s->pid, &first);
	json_key(f, "alive", &first);
	fputs(a->alive ? "true" : "false", f);
	json_key(f, "namespaces", &first);
	fputc('{', f);
	for (int k = 0; k < _SHOW_NS_MAX; k++)
		if (a->ns[k])
			json_u64_or_null(f, show_ns_name((ShowNs)k), true, a->ns[k], &nfirst);
	fputc('}', f);
	json_str_or_null(f, "scope", s->scope, &first);
	json_str_or_null(f, "cgroup", s->cgroup, &first);
	json_key(f, "usage", &first);
	show_format_usage_json(&a->usage, f);
	json_key(f, "cgroups", &first);
	fputc('{', f);
	for (size_t c = 0; c < a->n_cgroups; c++) {
		char name[CGROUP_SHOWN_MAX];

		json_key(f, cgroup_shown(&a->cgroups[c], name), &cfirst);
		show_format_usage_json(&a->cgroups[c].usage, f);
	}
	fputc('}', f);
	json_u64_or_null(f, "cgroups_not_shown", true, a->n_cgroups_more, &first);
	json_key(f, "limits", &first);
	show_format_limits_json(&a->limits, f);
	json_key(f, "tmpfs", &first);
	show_format_tmpfs_json(a->tmpfs, f);
	json_u64_or_null(f, "sessions", a->status.known, a->status.sessions, &first);
	json_u64_or_null(f, "holds", a->status.known, a->status.holds, &first);
	json_u64_or_null(f, "processes", a->status.known, a->status.processes, &first);
	json_u64_or_null(f, "uptime_sec", a->status.known, a->uptime_sec, &first);
	json_key(f, "frozen", &first);
	fputs(a->status.frozen ? "true" : "false", f);
	show_format_activity_json(&a->status, f, &first);
	fputc('}', f);
}

bool show_layer_limited(const ShowLayer *l)
{
	return l->has_usage && (l->bytes_limit || l->inodes_limit);
}

/* The reason, never empty for a layer without a limit. */
static const char *layer_why(const ShowLayer *l)
{
	return l->why[0] ? l->why : "no limit is set on it";
}

void show_format_layer_json(const ShowLayer *l, FILE *f)
{
	int first = 1;

	if (!l || !l->present) {
		fputs("null", f);
		return;
	}
	fputc('{', f);
	json_str_or_null(f, "counter", l->has_usage ? l->counter : NULL, &first);
	json_u64_or_null(f, "bytes", l->has_usage, l->bytes, &first);
	json_u64_or_null(f, "bytes_limit", l->has_usage && l->bytes_limit, l->bytes_limit, &first);
	json_u64_or_null(f, "inodes", l->has_usage && l->counts_inodes, l->inodes, &first);
	json_u64_or_null(f, "inodes_limit", l->has_usage && l->inodes_limit, l->inodes_limit,
			 &first);
	json_key(f, "limited", &first);
	fputs(show_layer_limited(l) ? "true" : "false", f);
	json_str_or_null(f, "not_limited_reason", show_layer_limited(l) ? NULL : layer_why(l),
			 &first);
	fputc('}', f);
}

void show_format_size(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64 "B", v);
	else
		snprintf(buf, size, "%.*f%c", d < 10 && d != (uint64_t)d ? 1 : 0, d, units[u]);
}

void show_format_layer_text(const ShowLayer *l, FILE *f)
{
	char used[32], lim[32];

	if (!l->present)
		return;
	if (!l->has_usage) {
		fprintf(f, "layer:      not limited: %s\n", layer_why(l));
		return;
	}
	show_format_size(l->bytes, used, sizeof(used));
	show_format_size(l->bytes_limit, lim, sizeof(lim));
	if (!show_layer_limited(l))
		fprintf(f, "layer:      %s used, not limited: %s", used, layer_why(l));
	else if (l->bytes_limit)
		fprintf(f, "layer:      %s of %s", used, lim);
	else
		fprintf(f, "layer:      %s", used);
	if (show_layer_limited(l) && l->counts_inodes) {
		fprintf(f, ", %" PRIu64 " inodes", l->inodes);
		if (l->inodes_limit)
			fprintf(f, " of %" PRIu64, l->inodes_limit);
	}
	fprintf(f, " (%s)\n", l->counter);
}

void show_format_json(const char *user, const ShowInfo *infos, size_t n, const ShowLayer *layer,
		      FILE *f)
{
	int first = 1;

	fputc('{', f);
	json_str_or_null(f, "user", user, &first);
	json_key(f, "layer", &first);
	show_format_layer_json(layer, f);
	json_key(f, "alcoves", &first);
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_one(&infos[i], f);
	}
	fputs("]}\n", f);
}
