/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What open keeps for later: the one field parsed from open's answer (pure; unit-tested). */
#include "opened.h"

#include <errno.h>
#include <stdlib.h>

#include "macro.h"

int opened_parse_groups(Opened *s, const char *text)
{
	const char *p = text;

	s->n_groups = 0;
	if (!p || !*p)
		return -EINVAL;
	for (;;) {
		char *end;
		unsigned long v;

		if (*p < '0' || *p > '9' || s->n_groups >= ELEMENTSOF(s->groups))
			return -EINVAL;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || v >= (gid_t)-1)
			return -EINVAL;
		s->groups[s->n_groups++] = (gid_t)v;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -EINVAL;
		p = end + 1;
	}
}
