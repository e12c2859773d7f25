/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lobby_marker.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "enter_client.h"

int lobby_marker_format(const LobbyMarker *m, char *buf, size_t len)
{
	int n;

	if (!alcove_name_is_valid(m->name) || m->uid == (uid_t)-1)
		return -EINVAL;
	n = snprintf(buf, len, "uid=%u\nname=%s\n", (unsigned)m->uid, m->name);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return n;
}

/* A decimal number of 1..10 digits without a leading zero (but "0"), below UINT32_MAX. */
static bool parse_uid(const char *s, size_t n, uid_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*ret = (uid_t)v;
	return true;
}

int lobby_marker_parse(const char *buf, size_t len, LobbyMarker *ret)
{
	LobbyMarker m = {0};
	const char *p = buf, *end = buf + len, *nl;
	size_t n;

	if (len > LOBBY_MARKER_MAX || memchr(buf, '\0', len))
		return -EBADMSG;
	if ((size_t)(end - p) < 4 || memcmp(p, "uid=", 4) != 0)
		return -EBADMSG;
	p += 4;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || !parse_uid(p, (size_t)(nl - p), &m.uid))
		return -EBADMSG;
	p = nl + 1;
	if ((size_t)(end - p) < 5 || memcmp(p, "name=", 5) != 0)
		return -EBADMSG;
	p += 5;
	nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl || nl + 1 != end)
		return -EBADMSG;
	n = (size_t)(nl - p);
	if (n >= sizeof(m.name))
		return -EBADMSG;
	memcpy(m.name, p, n);
	m.name[n] = '\0';
	if (!alcove_name_is_valid(m.name))
		return -EBADMSG;
	*ret = m;
	return 0;
}
