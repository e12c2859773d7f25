/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl show USER`: the data and its two renderings (text, JSON). Pure: parsing the
 * state file and cgroup files given as text, formatting into a FILE; no syscalls of its own.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SHOW_MAX_CGROUPS 64

/* The namespaces shown, in /proc/<pid>/ns/ names. */
typedef enum {
	SHOW_NS_USER,
	SHOW_NS_MNT,
	SHOW_NS_PID,
	SHOW_NS_IPC,
	SHOW_NS_UTS,
	SHOW_NS_CGROUP,
	SHOW_NS_NET,
	_SHOW_NS_MAX
} ShowNs;

typedef struct ShowUsage {
	bool has_memory, has_pids, has_cpu;
	uint64_t memory_bytes; /* memory.current */
	uint64_t pids;	       /* pids.current */
	uint64_t cpu_usec;     /* usage_usec of cpu.stat */
} ShowUsage;

typedef struct ShowCgroup {
	char name[64]; /* "init", "login-3" */
	ShowUsage usage;
} ShowCgroup;

/* The state file's keys (docs/INTERNALS.md), pointing into the parsed text; NULL = absent. */
typedef struct ShowState {
	const char *pid, *starttime, *userns, *mntns, *pidns, *uid, *user, *profile, *mode, *share,
	    *scope, *cgroup, *created;
} ShowState;

typedef struct ShowInfo {
	const char *name; /* alcove name: directory under /run/alcove */
	ShowState state;
	bool alive;
	uint64_t ns[_SHOW_NS_MAX]; /* inode numbers; 0 = unknown */
	ShowUsage usage;	   /* the scope's cgroup */
	ShowCgroup cgroups[SHOW_MAX_CGROUPS];
	size_t n_cgroups;
	bool has_status; /* init answered STATUS */
	uint32_t sessions, holds, processes;
	uint64_t uptime_sec; /* from init's start */
} ShowInfo;

const char *show_ns_name(ShowNs ns);

/* Parses "key=value\n" lines in place (text is modified); unknown keys are ignored.
 * -EBADMSG for a line without '='. */
int show_parse_state(char *text, ShowState *ret);

/* usage_usec from the text of cpu.stat; -ENOENT if the key is missing. */
int show_parse_cpu_stat(const char *text, uint64_t *ret_usec);

/* A decimal number with an optional trailing newline ("max" is -ERANGE). */
int show_parse_u64(const char *text, uint64_t *ret);

void show_format_text(const ShowInfo *infos, size_t n, FILE *f);
void show_format_json(const char *user, const ShowInfo *infos, size_t n, FILE *f);
