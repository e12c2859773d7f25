/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `alcovectl show USER`: the data and its two renderings (text, JSON). Pure: cgroup files are
 * parsed from their text, output goes to a FILE; unit-tested in tests/unit/test_show.c.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "statefile.h"

/* The namespaces shown, by their /proc/<pid>/ns/ names. */
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

/* The scope's limits as the kernel has them (memory.max, pids.max); "max" is LIMIT_NONE. */
#define SHOW_LIMIT_NONE UINT64_MAX
typedef struct ShowLimits {
	bool has_memory_max, has_pids_max;
	uint64_t memory_max, pids_max;
} ShowLimits;

/* /tmp, /run, /dev/shm of the alcove (statfs through init's root). */
typedef enum { SHOW_TMP, SHOW_RUN, SHOW_SHM, _SHOW_TMPFS_MAX } ShowTmpfs;
typedef struct ShowTmpfsUsage {
	bool known;
	uint64_t bytes, size, inodes, inodes_max;
} ShowTmpfsUsage;

const char *show_tmpfs_path(ShowTmpfs t); /* "/tmp", "/run", "/dev/shm" */

/* What alcove-init answers to STATUS (common/proto.h), as list and show print it. */
typedef struct ShowStatus {
	bool known;  /* init answered */
	bool frozen; /* not asked: its tenant froze init (common/frozen.h) */
	uint32_t sessions, holds, processes;
	bool has_activity;	/* init told (one from before the field does not) */
	uint64_t activity_usec; /* CLOCK_REALTIME µs of the last session activity init saw */
	uint64_t idle_sec;	/* seconds since then while no session is open; 0 while one is */
} ShowStatus;

/* A session is open: a PAM session's hold or a session started with ENTER. */
bool show_status_active(const ShowStatus *s);

/* In root mode ns root makes and names the scope's sub-cgroups, as many as it likes: show
 * reads and prints the usage of this many (each costs a few file reads and a line) and
 * counts the rest. The scope's own usage counts them all (cgroup v2's counters are
 * hierarchical). */
#define SHOW_CGROUPS_MAX 1024

typedef struct ShowCgroup {
	char name[NAME_MAX + 1]; /* "init", "login-3"; any directory name the tenant gave */
	ShowUsage usage;
} ShowCgroup;

typedef struct ShowInfo {
	char name[64]; /* alcove name: the directory under /run/alcove */
	AlcoveState state;
	bool alive;
	uint64_t ns[_SHOW_NS_MAX]; /* inode numbers; 0 = unknown */
	ShowUsage usage;	   /* the scope's own cgroup (the whole alcove) */
	ShowLimits limits;	   /* the scope's */
	ShowTmpfsUsage tmpfs[_SHOW_TMPFS_MAX];
	ShowCgroup *cgroups;   /* the scope's first-level sub-cgroups (malloc'd), at most */
	size_t n_cgroups;      /* SHOW_CGROUPS_MAX of them, */
	size_t n_cgroups_more; /* and how many more there are, not read */
	ShowStatus status;
	uint64_t uptime_sec;
} ShowInfo;

/* The user's persistent layer against its quota (common/quota.h); one per user. */
typedef struct ShowLayer {
	bool present;	     /* /var/lib/alcove/<user>/layer exists */
	bool has_usage;	     /* the filesystem counted it (a subvolume or project of its own) */
	const char *counter; /* "btrfs qgroup", "project quota" */
	uint64_t bytes, bytes_limit; /* limit 0: none */
	bool counts_inodes;
	uint64_t inodes, inodes_limit;
	/* with no limit: why ("no layer_quota in profile P", "the filesystem cannot enforce
	 * it: ...", "made before its quota existed: ..."); "" while limited */
	char why[256];
} ShowLayer;

/* Whether the kernel limits the layer (a byte or inode limit is set on it). */
bool show_layer_limited(const ShowLayer *l);

const char *show_ns_name(ShowNs ns);

/* "45s", "3m05s", "2h07m", "3d04h". */
void show_format_duration(uint64_t sec, char *buf, size_t len);
/* "512B", "1.5K", "12M", "10G" (base 1024, one decimal below 10). */
void show_format_size(uint64_t v, char *buf, size_t size);
/* "active": bool, "last_activity_usec": n|null, "idle_sec": n|null (null when unknown or
 * while a session is open), as members of the JSON object being written. */
void show_format_activity_json(const ShowStatus *s, FILE *f, int *first);
/* The layer's object ({"counter", "bytes", "bytes_limit", "inodes", "inodes_limit", "limited",
 * "not_limited_reason"}) or null. */
void show_format_layer_json(const ShowLayer *l, FILE *f);
/* {"memory_current", "pids_current", "cpu_usage_usec"} and {"memory_max", "pids_max"}: null
 * where unknown (no controller) or, for a limit, "max". */
void show_format_usage_json(const ShowUsage *u, FILE *f);
void show_format_limits_json(const ShowLimits *l, FILE *f);
/* The tmpfs mounts: {"/tmp": {"bytes", "size", "inodes", "inodes_max"}, ...}. */
void show_format_tmpfs_json(const ShowTmpfsUsage *t, FILE *f);

/* "layer:      12M of 20M (btrfs qgroup)", or "layer:      not limited: WHY" (after the usage
 * when counted: "layer:      12M used, not limited: WHY (btrfs qgroup)"); nothing if absent. */
void show_format_layer_text(const ShowLayer *l, FILE *f);

/* usage_usec from the text of cpu.stat; -ENOENT if the key is missing. */
int show_parse_cpu_stat(const char *text, uint64_t *ret_usec);
/* A decimal number with an optional trailing newline; "max" is -ERANGE. */
int show_parse_u64(const char *text, uint64_t *ret);

void show_format_text(const ShowInfo *infos, size_t n, FILE *f);
void show_format_json(const char *user, const ShowInfo *infos, size_t n, const ShowLayer *layer,
		      FILE *f);
