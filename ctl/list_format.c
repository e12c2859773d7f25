/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "list_format.h"

#include <inttypes.h>
#include <string.h>

#include "json.h"

/* "1.2G/10G", "1.2G/max" without a limit; "-" when not counted (no scope, no quota). */
static void against(bool has, uint64_t used, bool has_limit, uint64_t limit, char *buf,
		    size_t len)
{
	char u[16], l[16];

	if (!has) {
		snprintf(buf, len, "-");
		return;
	}
	show_format_size(used, u, sizeof(u));
	if (has_limit && limit != SHOW_LIMIT_NONE)
		show_format_size(limit, l, sizeof(l));
	else
		snprintf(l, sizeof(l), "max");
	snprintf(buf, len, "%s/%s", u, l);
}

/* Tasks are a count, not bytes: "12/2048". */
static void tasks_text(const ListEntry *e, char *buf, size_t len)
{
	if (!e->usage.has_pids)
		snprintf(buf, len, "-");
	else if (e->limits.has_pids_max && e->limits.pids_max != SHOW_LIMIT_NONE)
		snprintf(buf, len, "%" PRIu64 "/%" PRIu64, e->usage.pids, e->limits.pids_max);
	else
		snprintf(buf, len, "%" PRIu64 "/max", e->usage.pids);
}

/* The layer's inodes, a count: "1234/100000", "1234/max"; "-" where not counted (btrfs). */
static void inodes_text(const ListEntry *e, char *buf, size_t len)
{
	if (!e->layer.has_usage || !e->layer.counts_inodes)
		snprintf(buf, len, "-");
	else if (e->layer.inodes_limit)
		snprintf(buf, len, "%" PRIu64 "/%" PRIu64, e->layer.inodes, e->layer.inodes_limit);
	else
		snprintf(buf, len, "%" PRIu64 "/max", e->layer.inodes);
}

/* The fullest of /tmp, /run, /dev/shm against its size (each has tmp_size of its own): the one
 * a tenant is about to fill. "-" when none was read (a dead alcove). */
static void tmpfs_text(const ListEntry *e, char *buf, size_t len)
{
	const ShowTmpfsUsage *top = NULL;

	for (int t = 0; t < _SHOW_TMPFS_MAX; t++) {
		const ShowTmpfsUsage *u = &e->tmpfs[t];

		if (u->known && u->size &&
		    (!top || (double)u->bytes / (double)u->size >
				 (double)top->bytes / (double)top->size))
			top = u;
	}
	if (top)
		against(true, top->bytes, true, top->size, buf, len);
	else
		snprintf(buf, len, "-");
}

/* "active" while a session is open, else the time since the last one ended; "-" unknown. */
static void idle_text(const ListEntry *e, char *buf, size_t len)
{
	if (!e->alive || !e->status.known || !e->status.has_activity)
		snprintf(buf, len, "-");
	else if (show_status_active(&e->status))
		snprintf(buf, len, "active");
	else
		show_format_duration(e->status.idle_sec, buf, len);
}

static void text_one(const ListEntry *e, FILE *f)
{
	char sessions[16], uptime[32], idle[32], layer[40], mem[40], tasks[48], inodes[48],
	    tmpfs[40];

	if (!e->alive)
		snprintf(sessions, sizeof(sessions), "dead");
	else if (e->status.known)
		snprintf(sessions, sizeof(sessions), "%" PRIu32, e->status.sessions);
	else if (e->status.frozen)
		snprintf(sessions, sizeof(sessions), "frozen");
	else
		snprintf(sessions, sizeof(sessions), "?");
	if (e->alive)
		show_format_duration(e->uptime_sec, uptime, sizeof(uptime));
	else
		snprintf(uptime, sizeof(uptime), "-");
	idle_text(e, idle, sizeof(idle));
	against(e->layer.has_usage, e->layer.bytes, e->layer.bytes_limit != 0,
		e->layer.bytes_limit, layer, sizeof(layer));
	against(e->usage.has_memory, e->usage.memory_bytes, e->limits.has_memory_max,
		e->limits.memory_max, mem, sizeof(mem));
	tasks_text(e, tasks, sizeof(tasks));
	inodes_text(e, inodes, sizeof(inodes));
	tmpfs_text(e, tmpfs, sizeof(tmpfs));
	fprintf(f, "%-16s %-20s %-5s %-8d %-8s %-8s %-8s %-12s %-12s %-10s %-14s %-12s %s\n",
		e->state.user, e->name, e->state.mode, (int)e->state.pid, sessions, uptime, idle,
		layer, mem, tasks, inodes, tmpfs, e->state.profile);
}

void list_format_text(const ListEntry *e, size_t n, FILE *f)
{
	fprintf(f, "%-16s %-20s %-5s %-8s %-8s %-8s %-8s %-12s %-12s %-10s %-14s %-12s %s\n",
		"USER", "NAME", "MODE", "PID", "SESSIONS", "UPTIME", "IDLE", "LAYER", "MEM", "TASKS",
		"INODES", "TMPFS", "PROFILE");
	for (size_t i = 0; i < n; i++)
		text_one(&e[i], f);
}

static void json_one(const ListEntry *e, FILE *f)
{
	bool st = e->alive && e->status.known;
	int first = 1;

	fputc('{', f);
	json_key(f, "user", &first);
	json_string(f, e->state.user);
	json_u64_or_null(f, "uid", true, e->state.uid, &first);
	json_key(f, "name", &first);
	json_string(f, e->name);
	json_key(f, "mode", &first);
	json_string(f, e->state.mode);
	json_key(f, "share", &first);
	json_string(f, e->state.share);
	json_key(f, "profile", &first);
	json_string(f, e->state.profile);
	json_key(f, "pid", &first);
	fprintf(f, "%d", (int)e->state.pid);
	json_key(f, "alive", &first);
	fputs(e->alive ? "true" : "false", f);
	json_u64_or_null(f, "sessions", st, e->status.sessions, &first);
	json_u64_or_null(f, "holds", st, e->status.holds, &first);
	json_u64_or_null(f, "processes", st, e->status.processes, &first);
	json_u64_or_null(f, "uptime_sec", e->alive, e->uptime_sec, &first);
	json_key(f, "frozen", &first);
	fputs(e->alive && e->status.frozen ? "true" : "false", f);
	show_format_activity_json(&e->status, f, &first);
	json_key(f, "scope", &first);
	json_string(f, e->state.scope[0] ? e->state.scope : NULL);
	json_key(f, "usage", &first);
	show_format_usage_json(&e->usage, f);
	json_key(f, "limits", &first);
	show_format_limits_json(&e->limits, f);
	json_key(f, "tmpfs", &first);
	show_format_tmpfs_json(e->tmpfs, f);
	json_key(f, "layer", &first);
	show_format_layer_json(&e->layer, f);
	fputc('}', f);
}

void list_format_json(const ListEntry *e, size_t n, FILE *f)
{
	fputs("{\"alcoves\": [", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_one(&e[i], f);
	}
	fputs("]}\n", f);
}
