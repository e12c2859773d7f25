/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Build stage "ids": the user's subordinate ranges (/etc/subuid, /etc/subgid, checked against
 * every other account and range) and the alcove's uid and gid maps (common/idmap.h, DESIGN §3).
 */
#include "stage.h"

#include <stdint.h>

#include "subid.h"

/* id: the user's uid (subuid) or primary gid (subgid), which the range must not hold; nor may
 * it hold another account's or range's ids (common/subid.h). */
static int find_range(BuildCtx *c, const char *file, SubidKind kind, uint32_t id, uint32_t *ret)
{
	const LoginInfo *li = c->spec->login;
	AlcError e = {0};
	int r;

	r = subid_find(file, kind, li->user, li->uid, id, c->spec->policy, ret, &e);
	if (r < 0)
		return build_error(c, r, "%s", e.msg);
	return 0;
}

int prepare_ids(BuildCtx *c)
{
	const BuildSpec *s = c->spec;
	int r;

	c->ids = (IdmapSpec){
	    .mode = s->profile->mode,
	    .uid = s->login->uid,
	    .gid = s->login->gid,
	    .groups = s->pass_gids,
	    .n_groups = s->n_pass,
	};
	r = find_range(c, "/etc/subuid", SUBID_UID, s->login->uid, &c->ids.subuid);
	if (r < 0)
		return r;
	r = find_range(c, "/etc/subgid", SUBID_GID, s->login->gid, &c->ids.subgid);
	if (r < 0)
		return r;
	r = idmap_format_uid(&c->ids, c->uid_map, sizeof(c->uid_map));
	if (r < 0)
		return build_error(
		    c, r, "uid map of %s: uid %u overlaps its subordinate range %u-%u or is 0",
		    s->login->user, (unsigned)s->login->uid, c->ids.subuid,
		    c->ids.subuid + IDMAP_RANGE - 1);
	r = idmap_format_gid(&c->ids, c->gid_map, sizeof(c->gid_map));
	if (r < 0)
		return build_error(
		    c, r,
		    "gid map of %s: a group (primary %u, tty, passed-through) overlaps "
		    "the subordinate range %u-%u or is 0",
		    s->login->user, (unsigned)s->login->gid, c->ids.subgid,
		    c->ids.subgid + IDMAP_RANGE - 1);
	return 0;
}
