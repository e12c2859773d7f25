/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * /run/alcove/<name>/state (docs/INTERNALS.md): "key=value" lines that let the helper,
 * alcovectl and gc find a running alcove again after the helper that built it has exited or
 * crashed. Format and parse are pure; statefile_read() and statefile_alive() touch /proc.
 *
 * An alcove is alive iff pidfd_open(pid) works, the start time (field 22 of /proc/pid/stat)
 * matches and /proc/pid/ns/pid is the recorded pid namespace (which no process can leave;
 * its user namespace it can): a recycled pid fails the second or third check.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define STATEFILE_MAX 8192

typedef struct AlcoveState {
	pid_t pid; /* init's host pid */
	uint64_t starttime;
	uint64_t userns, mntns, pidns; /* inode numbers */
	uid_t uid;
	char user[64];
	char profile[64];
	char mode[8];	   /* "user" | "root" */
	char share[8];	   /* "user" | "session" */
	char scope[256];   /* unit name, "" without a scope */
	char cgroup[4096]; /* cgroupfs dir, "" without a scope */
	int64_t created;   /* CLOCK_REALTIME seconds */
} AlcoveState;

/* -E2BIG if buf is too small, -EINVAL if a string holds a newline. */
int statefile_format(const AlcoveState *s, char *buf, size_t len);
/* Every key of the format is required; unknown keys are ignored (newer writers). -EBADMSG. */
int statefile_parse(const char *buf, size_t len, AlcoveState *ret);

/* Reads and parses "state" in the directory dirfd (no symlink followed). -ENOENT if none. */
int statefile_read(int dirfd, AlcoveState *ret);
/* The state of the alcove <name> in the run directory runfd (its directory and file opened
 * without following a symlink): what alcovectl list and show load for each entry. */
int statefile_read_at(int runfd, const char *name, AlcoveState *ret);

/* Field 22 of /proc/<pid>/stat. */
int proc_starttime(pid_t pid, uint64_t *ret);
/* Inode of /proc/<pid>/ns/<ns>. */
int proc_ns_inode(pid_t pid, const char *ns, uint64_t *ret);

/* 1 alive (and *ret_pidfd, if not NULL, a pidfd of it); 0 definitely not: gone, exited, or
 * a recycled pid (start time or user ns differ); -errno when it could not be told (EMFILE,
 * ENOMEM, ...): callers must not take that for dead (they would build a second init, or
 * remove the state of a running one). */
int statefile_alive(const AlcoveState *s, int *ret_pidfd);
