/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Identity maps of an alcove (DESIGN §3), pure: /etc/subuid-format text in, a
 * subordinate range out; ids in, uid_map/gid_map text out. The helper writes
 * each text with ONE write() (the kernel accepts a map only once).
 *
 *            ns 0      ns U (user mode) / ns G      other ns n < 65536
 *   user     S+0       host U / host G              S+n
 *   root     host U/G  (U's ids are ns 0)           S+n
 *
 * The gid map adds identity entries for the passed-through supplementary groups (the
 * caller passes only groups the user is a member of) and, in user mode only, for gid 5
 * (tty), so sshd's chown(pty, U, tty) shows group tty inside. Root mode maps no host group
 * the user is not a member of: ns root could give a file of the home that group and the
 * setgid bit.
 * Host id 0 is never mapped. No two entries may overlap on either side.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

#define IDMAP_RANGE 65536u /* ids an alcove needs below its own: ns 0..65535 */
#define IDMAP_TTY_GID 5u
#define IDMAP_MAX_GROUPS POLICY_MAX_GROUPS
#define IDMAP_TEXT_MAX 4096 /* ample for 2*(IDMAP_MAX_GROUPS+4) lines of 3 numbers */

/*
 * Finds the first line of /etc/subuid-format text ("name-or-uid:start:count") that names the user
 * (by name or by decimal uid) and has count >= IDMAP_RANGE; the first IDMAP_RANGE ids of it are
 * used. -ENOENT: no line for the user; -ERANGE: only lines shorter than IDMAP_RANGE (or ranges
 * that would overflow or include id 0); -EBADMSG never (malformed lines are skipped, as
 * shadow-utils does).
 */
int idmap_find_subid(const char *text, size_t len, const char *user, uid_t uid, uint32_t *ret_start,
		     bool *ret_by_uid);
/* *ret_by_uid (may be NULL): the line found names the user by uid, not by name. */

/* s is an id in decimal ("1001"), as an owner field of digits only reads to shadow-utils. */
bool idmap_parse_id(const char *s, uint32_t *ret);

/* A subordinate range [start, start+IDMAP_RANGE) for the user whose own host id is id:
 * -EDOM if it starts below IDMAP_RANGE (it would give the alcove the host's system and
 * user ids: ns root of a range at 1 is host uid 1), -EEXIST if it holds id itself. 0 if fine. */
int idmap_check_range(uint32_t start, uint32_t id);

/* Does [start, start+IDMAP_RANGE) hold id? */
bool idmap_range_holds(uint32_t start, uint32_t id);

/* A line of another owner (not the user by name or uid) in /etc/subuid-format text whose
 * range shares an id with [start, start+IDMAP_RANGE): two users holding one id could each
 * act as the other. 1 with *ret filled (owner cut to fit), 0 if none. Malformed lines are
 * skipped, as idmap_find_subid() does. */
typedef struct IdmapOverlap {
	char owner[64];
	uint32_t start, count;
	unsigned lineno; /* 1-based */
} IdmapOverlap;
int idmap_find_overlap(const char *text, size_t len, const char *user, uid_t uid, uint32_t start,
		       IdmapOverlap *ret);

/* The first reserved range that shares an id with [start, start+IDMAP_RANGE), or NULL. */
const IdRange *idmap_reserved_overlap(const IdRange *v, size_t n, uint32_t start);

/* "FIRST-LAST" or "ID" (decimal, 0..2^32-1) into *ret (line untouched): -EINVAL if it is not
 * that, -ERANGE if LAST < FIRST. */
int idmap_parse_range(const char *s, IdRange *ret);

typedef struct IdmapSpec {
	AlcoveMode mode;
	uid_t uid;	     /* U on the host */
	gid_t gid;	     /* U's primary group on the host */
	uint32_t subuid;     /* S of /etc/subuid */
	uint32_t subgid;     /* S of /etc/subgid */
	const gid_t *groups; /* passed-through supplementary groups (host gid == ns gid) */
	size_t n_groups;
} IdmapSpec;

/* Map text ("ns host count\n" lines, sorted by ns id). -EINVAL: an entry overlaps another on
 * either side or maps host id 0; -E2BIG: too many groups or buffer too small. */
int idmap_format_uid(const IdmapSpec *s, char *buf, size_t len);
int idmap_format_gid(const IdmapSpec *s, char *buf, size_t len);

/* Host ids of the alcove's ns root (owner of the persistent upper/work dirs). */
uid_t idmap_nsroot_uid(const IdmapSpec *s);
gid_t idmap_nsroot_gid(const IdmapSpec *s);
/* The host uid the alcove's user namespace is made by, its owner: S in both modes (in user
 * mode ns root's host id; in root mode, where ns root is U, an id left unmapped). Never U: the
 * owner's host processes hold every capability over the namespace, and U's run in the lobby
 * with an environment the tenant sets (~/.pam_environment): through /proc/PID/root they could
 * map the alcove's executable files into the host's /bin/sh. */
uid_t idmap_userns_owner(const IdmapSpec *s);
/* Ids inside the alcove for the login's processes: U/G in user mode, 0 in root mode. */
uid_t idmap_login_uid(const IdmapSpec *s);
gid_t idmap_login_gid(const IdmapSpec *s);
