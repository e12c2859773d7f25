/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "subid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fileio.h"
#include "idmap.h"
#include "macro.h"
#include "nsswrap.h"

#define SUBID_FILE_MAX (1 << 20)
#define SUBID_STAGE "ids"

typedef struct Check {
	const char *file, *kind, *user; /* kind: "uid" or "gid" */
	SubidKind ids;
	uint32_t start, last;
	AlcError *error;
	uint32_t found_id; /* the NSS entry the range holds */
	char found_name[64];
} Check;

/* Read whole, up to SUBID_FILE_MAX: 64 KiB first (1000 lines; from the heap, where a 1 MiB
 * buffer would be a fresh mmap to fault in and unmap on every build), then the maximum. */
static int read_whole(const char *file, char **ret, size_t *ret_len)
{
	for (size_t size = 64 * 1024;; size = SUBID_FILE_MAX) {
		_cleanup_free_ char *buf = malloc(size);
		int r;

		if (!buf)
			return -ENOMEM;
		r = read_file_at(AT_FDCWD, file, 0, buf, size, ret_len);
		if (r == -EFBIG && size < SUBID_FILE_MAX)
			continue;
		if (r < 0)
			return r;
		*ret = TAKE_PTR(buf);
		return 0;
	}
}

static int refuse(const Check *k, const char *fmt, ...) _printf_(2, 3);
static int refuse(const Check *k, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return alc_error(k->error, -EINVAL, SUBID_STAGE,
			 "the subordinate %s range %u-%u of %s in %s %s: the alcove could make a "
			 "setuid/setgid file of that id; give %s a range that no account, group "
			 "or other range uses",
			 k->kind, k->start, k->last, k->user, k->file, what, k->user);
}

/* An account's uid, or for a gid range its primary gid (which needs no group entry of its own
 * to own files). */
static int passwd_in_range(const struct passwd *pw, void *userdata)
{
	Check *k = userdata;
	uint32_t id = k->ids == SUBID_UID ? pw->pw_uid : pw->pw_gid;

	if (!idmap_range_holds(k->start, id))
		return 0;
	k->found_id = id;
	snprintf(k->found_name, sizeof(k->found_name), "%s", pw->pw_name ? pw->pw_name : "?");
	return 1;
}

static int group_in_range(const struct group *gr, void *userdata)
{
	Check *k = userdata;

	if (!idmap_range_holds(k->start, gr->gr_gid))
		return 0;
	k->found_id = gr->gr_gid;
	snprintf(k->found_name, sizeof(k->found_name), "%s", gr->gr_name ? gr->gr_name : "?");
	return 1;
}

/* Another user's line, a reserved range, an account NSS knows. */
static int check_holders(Check *k, SubidKind kind, const char *text, size_t len, uid_t uid,
			 const Policy *policy)
{
	const IdRange *res;
	IdmapOverlap o;
	int r;

	if (idmap_find_overlap(text, len, k->user, uid, k->start, &o) > 0)
		return refuse(k, "overlaps the range %u-%u of %s (line %u)", o.start,
			      (unsigned)((uint64_t)o.start + o.count - 1), o.owner, o.lineno);
	res = policy
		  ? idmap_reserved_overlap(policy->reserved_ids, policy->n_reserved_ids, k->start)
		  : NULL;
	if (res)
		return refuse(k, "overlaps reserved_ids range %u-%u (%s:%d)", res->first, res->last,
			      policy->path, res->line);
	r = kind == SUBID_UID ? nss_each_passwd(passwd_in_range, k)
			      : nss_each_group(group_in_range, k);
	if (r < 0)
		return alc_error(k->error, r, SUBID_STAGE, "enumerate the %s for the ids of %s: %m",
				 kind == SUBID_UID ? "accounts" : "groups", k->file);
	if (r > 0)
		return refuse(k, "holds %s %u of %s %s", k->kind, k->found_id,
			      kind == SUBID_UID ? "account" : "group", k->found_name);
	if (kind == SUBID_UID)
		return 0;
	r = nss_each_passwd(passwd_in_range, k);
	if (r < 0)
		return alc_error(k->error, r, SUBID_STAGE,
				 "enumerate the accounts for the ids of %s: %m", k->file);
	if (r > 0)
		return refuse(k, "holds gid %u, the primary group of account %s", k->found_id,
			      k->found_name);
	return 0;
}

/*
 * shadow-utils reads an owner field of digits as a name and as a uid both: a line by "1001"
 * is the account named 1001's and uid 1001's, whoever that is. So a user whose name is a
 * number other than their uid, or one whose line names them by uid while an account has that
 * number as its name, would share a range with another account (newuidmap hands it to both).
 */
static int check_number_owner(const Check *k, uid_t uid, bool by_uid)
{
	NssPasswd pw = {0};
	char num[16];
	uint32_t v;
	int r;

	if (idmap_parse_id(k->user, &v) && v != uid)
		return refuse(
		    k,
		    "is found by the user's name, a number that is also uid %u's "
		    "(shadow's tools read a line of \"%s\" as both's); rename the account",
		    v, k->user);
	if (!by_uid)
		return 0;
	snprintf(num, sizeof(num), "%u", (unsigned)uid);
	r = nss_getpwnam(num, &pw);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return alc_error(k->error, r, SUBID_STAGE, "look up an account named %s: %m", num);
	r = pw.pw.pw_uid == uid ? 0 : -EINVAL;
	nss_passwd_done(&pw);
	if (r < 0)
		return refuse(
		    k,
		    "is found by uid %s, which is also the name of another account "
		    "(shadow's tools give a line of \"%s\" to both); name the user's line "
		    "by the user's name",
		    num, num);
	return 0;
}

int subid_find(const char *file, SubidKind kind, const char *user, uid_t uid, uint32_t own_id,
	       const Policy *policy, uint32_t *ret_start, AlcError *ret_error)
{
	Check k = {.file = file,
		   .kind = kind == SUBID_UID ? "uid" : "gid",
		   .ids = kind,
		   .user = user,
		   .error = ret_error};
	_cleanup_free_ char *text = NULL;
	bool by_uid = false;
	size_t len = 0;
	int r;

	r = read_whole(file, &text, &len);
	if (r < 0 && r != -ENOENT)
		return alc_error(ret_error, r, SUBID_STAGE, "read %s: %m", file);
	r = r < 0 ? r : idmap_find_subid(text, len, user, uid, &k.start, &by_uid);
	if (r < 0)
		return alc_error(ret_error, r == -ENOENT ? -ENOENT : -ERANGE, SUBID_STAGE,
				 "user %s has no subordinate %s range of %u in %s", user, k.kind,
				 IDMAP_RANGE, file);
	k.last = k.start + IDMAP_RANGE - 1;
	r = idmap_check_range(k.start, own_id);
	if (r == -EDOM)
		return alc_error(ret_error, -EINVAL, SUBID_STAGE,
				 "the subordinate %s range of %s in %s starts at %u, below %u: it "
				 "would give the alcove the host's own ids; give the user a range "
				 "above all host ids (e.g. usermod --add-sub%ss)",
				 k.kind, user, file, k.start, IDMAP_RANGE, k.kind);
	if (r == -EEXIST)
		return alc_error(ret_error, -EINVAL, SUBID_STAGE,
				 "the subordinate %s range %u-%u of %s in %s holds the user's own "
				 "%s %u",
				 k.kind, k.start, k.last, user, file, k.kind, own_id);
	r = check_number_owner(&k, uid, by_uid);
	if (r < 0)
		return r;
	r = check_holders(&k, kind, text, len, uid, policy);
	if (r < 0)
		return r;
	*ret_start = k.start;
	return 0;
}
