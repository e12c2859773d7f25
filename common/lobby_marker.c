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

	if (!alcove_name_is_valid(m->name) || m->uid == (uid_t)-1 || m->shell[0] != '/' ||
	    strchr(m->shell, '\n') || strnlen(m->shell, sizeof(m->shell)) >= sizeof(m->shell))
		return -EINVAL;
	n = snprintf(buf, len, "uid=%u\nname=%s\nshell=%s\n", (unsigned)m->uid, m->name, m->shell);
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

/* The value of "<key>=<value>\n" at *p, NUL-terminated into out (size bytes); *p moves past
 * the newline. false if the line is not that or the value does not fit. */
static bool take_line(const char **p, const char *end, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key), n;
	const char *nl;

	if ((size_t)(end - *p) <= klen || memcmp(*p, key, klen) != 0 || (*p)[klen] != '=')
		return false;
	*p += klen + 1;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return false;
	n = (size_t)(nl - *p);
	if (n >= size)
		return false;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p = nl + 1;
	return true;
}

int lobby_marker_parse(const char *buf, size_t len, LobbyMarker *ret)
{
	LobbyMarker m = {0};
	const char *p = buf, *end = buf + len;
	char uid[16];

	if (len > LOBBY_MARKER_MAX || memchr(buf, '\0', len))
		return -EBADMSG;
	if (!take_line(&p, end, "uid", uid, sizeof(uid)) || !parse_uid(uid, strlen(uid), &m.uid))
		return -EBADMSG;
	if (!take_line(&p, end, "name", m.name, sizeof(m.name)) || !alcove_name_is_valid(m.name))
		return -EBADMSG;
	if (!take_line(&p, end, "shell", m.shell, sizeof(m.shell)) || m.shell[0] != '/')
		return -EBADMSG;
	if (p != end)
		return -EBADMSG;
	*ret = m;
	return 0;
}
