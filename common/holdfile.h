/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * /run/alcove/<name>/hold.<session> (docs/INTERNALS.md): the process that holds a session on
 * the alcove (the PAM application, sshd's root monitor; or alcovectl enter), written by the
 * helper's open so that whoever finds the alcove ended ends that process too. Its lobby holds
 * clones of the alcove's /tmp, devpts and home mounts, and a connection without a channel
 * (ssh -N) would keep the ended alcove's /tmp, a tmpfs of up to tmp_size, for as long as the
 * client likes (SECURITY.md, "A lobby outliving its alcove"). Root writes it in root's 0711
 * run directory; init's list of holds is not used for this, since in root mode the tenant
 * owns init. Format, parse and the identity check are pure.
 *
 * The record: "pid=N\nstarttime=T\nuser=U\n", each key once, in that order, the
 * last line ended: a record torn by a helper killed mid-write is no record.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HOLDFILE_PREFIX "hold."
#define HOLDFILE_SESSION_LEN 32 /* the session id: 16 random bytes in lowercase hex */
#define HOLDFILE_NAME_MAX (sizeof(HOLDFILE_PREFIX) + HOLDFILE_SESSION_LEN)
#define HOLDFILE_MAX 256

typedef struct HoldRecord {
	pid_t pid;
	uint64_t starttime; /* field 22 of /proc/pid/stat when the hold was taken */
	char user[64];
} HoldRecord;

/* "hold.<session>" into buf (HOLDFILE_NAME_MAX): 0, or -EINVAL unless session is 32
 * lowercase hex digits (it comes in a close request: never a path). */
int holdfile_name(const char *session, char *buf, size_t len);
/* Whether a directory entry is a hold record's name. */
bool holdfile_is_name(const char *name);

/* The record's text into buf: its length, -E2BIG, or -EINVAL for a name that is empty or holds
 * a newline. */
int holdfile_format(const HoldRecord *h, char *buf, size_t len);
/* -EBADMSG unless buf is exactly what holdfile_format() writes (pid > 0). */
int holdfile_parse(const char *buf, size_t len, HoldRecord *ret);

typedef enum HoldVerdict {
	HOLD_END,     /* the recorded process itself: end it */
	HOLD_GONE,    /* it has ended */
	HOLD_OTHER,   /* the pid is another process's now (its start time differs) */
	HOLD_UNKNOWN, /* its start time could not be read: never act on a guess */
} HoldVerdict;

/* What to do with the process of record h, given the start time read (start_r: 0, or the
 * -errno of reading it) from /proc/<h->pid>/stat after a pidfd of that pid was taken. */
HoldVerdict holdfile_verdict(const HoldRecord *h, int start_r, uint64_t start);
