/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "list_format.h"

#include <inttypes.h>

#include "json.h"

void list_format_uptime(uint64_t sec, char *buf, size_t len)
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

void list_format_text(const ListEntry *e, size_t n, FILE *f)
{
	fprintf(f, "%-16s %-20s %-5s %-8s %-8s %-8s %s\n", "USER", "NAME", "MODE", "PID",
		"SESSIONS", "UPTIME", "PROFILE");
	for (size_t i = 0; i < n; i++) {
		char sessions[16], uptime[32];

		if (!e[i].alive)
			snprintf(sessions, sizeof(sessions), "dead");
		else if (e[i].has_status)
			snprintf(sessions, sizeof(sessions), "%" PRIu32, e[i].sessions);
		else
			snprintf(sessions, sizeof(sessions), "?");
		if (e[i].alive)
			list_format_uptime(e[i].uptime_sec, uptime, sizeof(uptime));
		else
			snprintf(uptime, sizeof(uptime), "-");
		fprintf(f, "%-16s %-20s %-5s %-8d %-8s %-8s %s\n", e[i].state.user, e[i].name,
			e[i].state.mode, (int)e[i].state.pid, sessions, uptime, e[i].state.profile);
	}
}

void list_format_json(const ListEntry *e, size_t n, FILE *f)
{
	fputs("{\"alcoves\": [", f);
	for (size_t i = 0; i < n; i++) {
		int first = 1;

		fputs(i ? ", {" : "{", f);
		json_key(f, "user", &first);
		json_string(f, e[i].state.user);
		json_key(f, "uid", &first);
		fprintf(f, "%u", (unsigned)e[i].state.uid);
		json_key(f, "name", &first);
		json_string(f, e[i].name);
		json_key(f, "mode", &first);
		json_string(f, e[i].state.mode);
		json_key(f, "share", &first);
		json_string(f, e[i].state.share);
		json_key(f, "profile", &first);
		json_string(f, e[i].state.profile);
		json_key(f, "pid", &first);
		fprintf(f, "%d", (int)e[i].state.pid);
		json_key(f, "alive", &first);
		fputs(e[i].alive ? "true" : "false", f);
		json_key(f, "sessions", &first);
		if (e[i].alive && e[i].has_status)
			fprintf(f, "%" PRIu32, e[i].sessions);
		else
			fputs("null", f);
		json_key(f, "holds", &first);
		if (e[i].alive && e[i].has_status)
			fprintf(f, "%" PRIu32, e[i].holds);
		else
			fputs("null", f);
		json_key(f, "uptime_sec", &first);
		if (e[i].alive)
			fprintf(f, "%" PRIu64, e[i].uptime_sec);
		else
			fputs("null", f);
		json_key(f, "scope", &first);
		json_string(f, e[i].state.scope[0] ? e[i].state.scope : NULL);
		fputs("}", f);
	}
	fputs("]}\n", f);
}
