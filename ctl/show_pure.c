/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "show_pure.h"

const char *show_ns_name(ShowNs ns)
{
	static const char *const names[_SHOW_NS_MAX] = {
	    [SHOW_NS_USER] = "user", [SHOW_NS_MNT] = "mnt", [SHOW_NS_PID] = "pid",
	    [SHOW_NS_IPC] = "ipc",   [SHOW_NS_UTS] = "uts", [SHOW_NS_CGROUP] = "cgroup",
	    [SHOW_NS_NET] = "net",
	};
	return (unsigned)ns < _SHOW_NS_MAX ? names[ns] : NULL;
}

static const char **state_slot(ShowState *s, const char *key)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
#define K(k) {#k, offsetof(ShowState, k)}
	    K(pid),	K(starttime), K(userns), K(mntns), K(pidns),  K(uid),	  K(user),
	    K(profile), K(mode),      K(share),	 K(scope), K(cgroup), K(created),
#undef K
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(keys[i].key, key) == 0)
			return (const char **)((char *)s + keys[i].offset);
	return NULL;
}

int show_parse_state(char *text, ShowState *ret)
{
	ShowState s = {0};

	for (char *line = text, *next; line && *line; line = next) {
		char *eq, *nl = strchr(line, '\n');
		const char **slot;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		if (!*line)
			continue;
		eq = strchr(line, '=');
		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		slot = state_slot(&s, line);
		if (slot)
			*slot = eq + 1;
	}
	*ret = s;
	return 0;
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

void show_format_text(const ShowInfo *infos, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		const ShowInfo *a = &infos[i];
		const ShowState *s = &a->state;

		if (i > 0)
			fputc('\n', f);
		fprintf(f, "alcove:    %s (%s)\n", a->name, a->alive ? "running" : "dead");
		fprintf(f, "user:      %s (uid %s)\n", or_dash(s->user), or_dash(s->uid));
		fprintf(f, "profile:   %s\nmode:      %s\nshare:     %s\n", or_dash(s->profile),
			or_dash(s->mode), or_dash(s->share));
		fprintf(f, "init pid:  %s\n", or_dash(s->pid));
		fputs("namespaces:", f);
		for (int k = 0; k < _SHOW_NS_MAX; k++)
			if (a->ns[k])
				fprintf(f, " %s:[%" PRIu64 "]", show_ns_name((ShowNs)k), a->ns[k]);
		fputc('\n', f);
		fprintf(f, "scope:     %s\ncgroup:    %s\n", or_dash(s->scope), or_dash(s->cgroup));
		if (s->cgroup && *s->cgroup) {
			fputs("usage:    ", f);
			usage_text(&a->usage, f);
			for (size_t c = 0; c < a->n_cgroups; c++) {
				fprintf(f, "  %-8s", a->cgroups[c].name);
				usage_text(&a->cgroups[c].usage, f);
			}
		}
		if (a->has_status)
			fprintf(f,
				"sessions:  %" PRIu32 " (holds %" PRIu32 ", processes %" PRIu32
				", up %" PRIu64 "s)\n",
				a->sessions, a->holds, a->processes, a->uptime_sec);
		else
			fputs("sessions:  - (init did not answer)\n", f);
	}
}

static void json_string(const char *s, FILE *f)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_usage(const ShowUsage *u, FILE *f)
{
	fputs("{\"memory_current\":", f);
	u->has_memory ? fprintf(f, "%" PRIu64, u->memory_bytes) : fputs("null", f);
	fputs(",\"pids_current\":", f);
	u->has_pids ? fprintf(f, "%" PRIu64, u->pids) : fputs("null", f);
	fputs(",\"cpu_usage_usec\":", f);
	u->has_cpu ? fprintf(f, "%" PRIu64, u->cpu_usec) : fputs("null", f);
	fputc('}', f);
}

static void json_one(const ShowInfo *a, FILE *f)
{
	const ShowState *s = &a->state;
	const char *const fields[][2] = {
	    {"name", a->name},	     {"user", s->user},	  {"uid", s->uid},
	    {"profile", s->profile}, {"mode", s->mode},	  {"share", s->share},
	    {"pid", s->pid},	     {"scope", s->scope}, {"cgroup", s->cgroup},
	};

	fputc('{', f);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", fields[i][0]);
		json_string(fields[i][1] && *fields[i][1] ? fields[i][1] : NULL, f);
	}
	fprintf(f, ",\"alive\":%s,\"namespaces\":{", a->alive ? "true" : "false");
	for (int k = 0, first = 1; k < _SHOW_NS_MAX; k++) {
		if (!a->ns[k])
			continue;
		fprintf(f, "%s\"%s\":%" PRIu64, first ? "" : ",", show_ns_name((ShowNs)k),
			a->ns[k]);
		first = 0;
	}
	fputs("},\"usage\":", f);
	json_usage(&a->usage, f);
	fputs(",\"cgroups\":{", f);
	for (size_t c = 0; c < a->n_cgroups; c++) {
		fprintf(f, "%s", c ? "," : "");
		json_string(a->cgroups[c].name, f);
		fputc(':', f);
		json_usage(&a->cgroups[c].usage, f);
	}
	fputc('}', f);
	if (a->has_status)
		fprintf(f,
			",\"sessions\":%" PRIu32 ",\"holds\":%" PRIu32 ",\"processes\":%" PRIu32
			",\"uptime_sec\":%" PRIu64,
			a->sessions, a->holds, a->processes, a->uptime_sec);
	else
		fputs(",\"sessions\":null", f);
	fputc('}', f);
}

void show_format_json(const char *user, const ShowInfo *infos, size_t n, FILE *f)
{
	fputs("{\"user\":", f);
	json_string(user, f);
	fputs(",\"alcoves\":[", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		json_one(&infos[i], f);
	}
	fputs("]}\n", f);
}
