/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "holdfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_session(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == HOLDFILE_SESSION_LEN && s[n] == '\0';
}

int holdfile_name(const char *session, char *buf, size_t len)
{
	if (!session || !is_session(session))
		return -EINVAL;
	if ((size_t)snprintf(buf, len, HOLDFILE_PREFIX "%s", session) >= len)
		return -E2BIG;
	return 0;
}

bool holdfile_is_name(const char *name)
{
	return strncmp(name, HOLDFILE_PREFIX, strlen(HOLDFILE_PREFIX)) == 0 &&
	       is_session(name + strlen(HOLDFILE_PREFIX));
}

static bool name_ok(const char *s)
{
	return s[0] != '\0' && !strchr(s, '\n');
}

int holdfile_format(const HoldRecord *h, char *buf, size_t len)
{
	int n;

	if (h->pid <= 0 || !name_ok(h->user))
		return -EINVAL;
	n = snprintf(buf, len, "pid=%d\nstarttime=%" PRIu64 "\nuser=%s\n", (int)h->pid,
		     h->starttime, h->user);
	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return n;
}

/* The value of line "key=..." at *p, up to its newline, which must be there; *p moves past. */
static const char *take_line(char **p, const char *key)
{
	size_t k = strlen(key);
	char *v = *p, *nl;

	if (strncmp(v, key, k) != 0 || v[k] != '=')
		return NULL;
	v += k + 1;
	nl = strchr(v, '\n');
	if (!nl)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return v;
}

static int parse_u64(const char *v, uint64_t max, uint64_t *ret)
{
	unsigned long long x;
	char *end;

	if (!v || *v < '0' || *v > '9')
		return -EBADMSG;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || x > max)
		return -EBADMSG;
	*ret = x;
	return 0;
}

static int copy_name(char *dst, size_t size, const char *v)
{
	if (!v || !v[0] || strlen(v) >= size)
		return -EBADMSG;
	strcpy(dst, v);
	return 0;
}

int holdfile_parse(const char *buf, size_t len, HoldRecord *ret)
{
	char copy[HOLDFILE_MAX + 1], *p = copy;
	HoldRecord h = {0};
	uint64_t pid;

	if (len > HOLDFILE_MAX || memchr(buf, '\0', len))
		return -EBADMSG;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (parse_u64(take_line(&p, "pid"), INT32_MAX, &pid) < 0 || pid == 0 ||
	    parse_u64(take_line(&p, "starttime"), UINT64_MAX, &h.starttime) < 0 ||
	    copy_name(h.user, sizeof(h.user), take_line(&p, "user")) < 0 || *p != '\0')
		return -EBADMSG;
	h.pid = (pid_t)pid;
	*ret = h;
	return 0;
}

HoldVerdict holdfile_verdict(const HoldRecord *h, int start_r, uint64_t start)
{
	if (start_r == -ENOENT || start_r == -ESRCH)
		return HOLD_GONE;
	if (start_r < 0)
		return HOLD_UNKNOWN;
	return start == h->starttime ? HOLD_END : HOLD_OTHER;
}
