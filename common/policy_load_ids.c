/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * reserved_ids = ( "100000-199999", "5000000-5999999" ): host ids that belong to accounts the
 * host cannot enumerate (LDAP, sssd without enumerate), which no user's subordinate range may
 * hold (helper: common/subid.h).
 */
#include "policy_load.h"

#include <errno.h>
#include <stdio.h>

#include "idmap.h"

static void load_one(LoadCtx *c, const config_setting_t *e, size_t i, Policy *p)
{
	char where[48];
	const char *v;
	IdRange range;
	int r;

	snprintf(where, sizeof(where), "reserved_ids[%zu]", i);
	v = load_string(c, e, where);
	if (!v)
		return;
	r = idmap_parse_range(v, &range);
	if (r == -ERANGE) {
		load_error(c, e, where, "\"%s\": the last id is below the first", v);
		return;
	}
	if (r < 0) {
		load_error(c, e, where,
			   "\"%s\" is not an id range (\"FIRST-LAST\" or \"ID\", decimal ids "
			   "0..4294967295)",
			   v);
		return;
	}
	if (p->n_reserved_ids >= POLICY_MAX_RESERVED) {
		load_error(c, e, where, "more than %d ranges", POLICY_MAX_RESERVED);
		return;
	}
	range.line = config_setting_source_line(e);
	p->reserved_ids[p->n_reserved_ids++] = range;
}

void load_reserved_ids(LoadCtx *c, const config_setting_t *s, Policy *p)
{
	int n;

	if (!config_setting_is_aggregate(s) || config_setting_is_group(s)) {
		load_error(c, s, "reserved_ids",
			   "expected a list ( \"100000-199999\", ... ), got %s", load_type_name(s));
		return;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		load_one(c, config_setting_get_elem(s, (unsigned)i), (size_t)i, p);
}
