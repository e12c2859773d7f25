/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_match.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BLANKS " \t\f\r"
#define MAX_ARGS 64

bool sshd_match_pattern(const char *s, const char *p, bool fold_case)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p && (*p == '?' || *p == *s ||
				  (fold_case && tolower((unsigned char)*p) ==
						    tolower((unsigned char)*s)))) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

int sshd_match_pattern_list(const char *s, const char *list, bool fold_case)
{
	char pat[1024];
	int found = 0;

	for (const char *e = list; *e;) {
		size_t n = strcspn(e, ",");
		bool neg = *e == '!';

		if (n - neg < sizeof(pat)) {
			memcpy(pat, e + neg, n - neg);
			pat[n - neg] = '\0';
			if (sshd_match_pattern(s, pat, fold_case)) {
				if (neg)
					return -1; /* a negated match rejects the whole list */
				found = 1;
			}
		}
		e += n + (e[n] == ',');
	}
	return found;
}

typedef struct Addr {
	int af;
	unsigned char b[16];
} Addr;

static bool addr_parse(const char *s, Addr *ret)
{
	if (inet_pton(AF_INET, s, ret->b) == 1)
		return ret->af = AF_INET, true;
	if (inet_pton(AF_INET6, s, ret->b) == 1)
		return ret->af = AF_INET6, true;
	return false;
}

/* sshd's addr_pton_cidr(): 0 parsed, -1 not an address (a wildcard pattern then), -2 a mask
 * that does not fit or leaves host bits set. */
static int cidr_parse(const char *entry, Addr *ret, unsigned *ret_len)
{
	char buf[64], *slash, *end;
	unsigned bits, len;

	if (strlen(entry) >= sizeof(buf))
		return -1;
	strcpy(buf, entry);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (!addr_parse(buf, ret))
		return -1;
	bits = ret->af == AF_INET ? 32 : 128;
	len = bits;
	if (slash) {
		unsigned long l = strtoul(slash, &end, 10);

		if (!*slash || *end || l > bits)
			return -2;
		len = (unsigned)l;
	}
	for (unsigned i = len; i < bits; i++)
		if (ret->b[i / 8] & (0x80 >> (i % 8)))
			return -2;
	*ret_len = len;
	return 0;
}

static bool addr_in(const Addr *a, const Addr *net, unsigned len)
{
	if (a->af != net->af)
		return false;
	for (unsigned i = 0; i < len; i++)
		if ((a->b[i / 8] ^ net->b[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

static int addr_entry(const Addr *a, const char *addr, const char *e)
{
	Addr net;
	unsigned len;
	int r = cidr_parse(e, &net, &len);

	if (r == -2)
		return -2;
	return r == 0 ? addr_in(a, &net, len) : sshd_match_pattern(addr, e, false);
}

int sshd_addr_match_list(const char *addr, const char *list)
{
	char entry[64];
	Addr a;
	int found = 0;

	if (!addr_parse(addr, &a))
		return 0; /* as sshd: an address it cannot parse matches nothing */
	for (const char *e = list; *e;) {
		size_t n = strcspn(e, ",");
		bool neg = *e == '!';
		int r;

		if (n - neg >= sizeof(entry))
			return -2;
		memcpy(entry, e + neg, n - neg);
		entry[n - neg] = '\0';
		r = addr_entry(&a, addr, entry);
		if (r < 0)
			return r;
		if (r && neg)
			return -1;
		found |= r;
		e += n + (e[n] == ',');
	}
	return found;
}

/* sshd's ga_match_pattern_list(): one of the user's groups matches, and none is negated. */
static int group_match(const SshdConn *conn, const char *list)
{
	int found = 0;

	for (size_t i = 0; i < conn->n_groups; i++)
		switch (sshd_match_pattern_list(conn->groups[i], list, false)) {
		case -1:
			return 0;
		case 1:
			found = 1;
		}
	return found;
}

/* 1 matches, 0 does not, -1 cannot be known here (assumed to match). */
static int criterion(const SshdConn *conn, const char *user, const char *kw, const char *arg)
{
	if (strcasecmp(kw, "User") == 0)
		return sshd_match_pattern_list(user, arg, false) == 1;
	if (strcasecmp(kw, "Group") == 0)
		return group_match(conn, arg);
	if (strcasecmp(kw, "Host") == 0)
		return conn->host ? sshd_match_pattern_list(conn->host, arg, true) == 1 : -1;
	if (strcasecmp(kw, "Address") == 0) {
		Addr a;
		int r;

		if (!conn->host || !addr_parse(conn->host, &a))
			return -1;
		r = sshd_addr_match_list(conn->host, arg);
		return r == -2 ? -1 : r == 1;
	}
	return -1; /* LocalAddress, LocalPort, RDomain, Exec, ... */
}

static void note_unknown(char *unknown, size_t size, const char *kw)
{
	size_t n = strlen(unknown);

	if (n < size)
		snprintf(unknown + n, size - n, "%s%s", n ? ", " : "", kw);
}

char *sshd_strdelim(char **s)
{
	static const char ws[] = " \t\r\n";
	char *tok = *s, *p;
	bool eq;

	if (!tok)
		return NULL;
	p = tok + strcspn(tok, " \t\r\n\"=");
	if (!*p) {
		*s = NULL;
		return tok;
	}
	if (*p == '"') { /* the quote goes; the token ends at the next one */
		memmove(p, p + 1, strlen(p));
		p = strchr(p, '"');
		if (!p) {
			*s = NULL;
			return NULL;
		}
		*p++ = '\0';
		*s = p + strspn(p, ws);
		return tok;
	}
	eq = *p == '=';
	*p++ = '\0';
	p += strspn(p, ws);
	if (!eq && *p == '=') /* one '=' between blanks */
		p += 1 + strspn(p + 1, ws);
	*s = p;
	return tok;
}

/* A Match line's words as sshd 9.2's match_cfg_line() takes them (sshd_strdelim() each, up to
 * an empty one or a '#'). SIZE_MAX for an unmatched quote (sshd refuses the line). */
static size_t split_args(char *s, char **argv, size_t max)
{
	size_t n = 0;
	char *w;

	while (n < max && s) {
		w = sshd_strdelim(&s);
		if (!w)
			return SIZE_MAX;
		if (!*w || *w == '#')
			break;
		argv[n++] = w;
	}
	return n;
}

/* The criterion-pattern pairs w[0..n) with user as the User: 1 all match (or are assumed to,
 * named in unknown), 0 one does not. */
static int match_pairs(const SshdConn *conn, const char *user, char **w, size_t n, char *unknown,
		       size_t unknownsize)
{
	int applies = 1;

	if (unknownsize)
		unknown[0] = '\0';
	for (size_t i = 0; i < n; i += 2) {
		int r = criterion(conn, user, w[i], w[i + 1]);

		if (r < 0)
			note_unknown(unknown, unknownsize, w[i]);
		else if (r == 0)
			applies = 0; /* all must match; the rest is still read for `unknown` */
	}
	if (!applies && unknownsize)
		unknown[0] = '\0';
	return applies;
}

int sshd_match_line(const SshdConn *conn, char *args, char *unknown, size_t unknownsize)
{
	char *w[MAX_ARGS];
	size_t n = split_args(args, w, MAX_ARGS);

	if (unknownsize)
		unknown[0] = '\0';
	if (n == 1 && strcasecmp(w[0], "All") == 0)
		return 1;
	if (n == 0 || n % 2 || n >= MAX_ARGS) {
		/* sshd refuses to start with it; should one run, it must not pass for a no */
		note_unknown(unknown, unknownsize, "a malformed Match");
		return 1;
	}
	if (match_pairs(conn, conn->user, w, n, unknown, unknownsize))
		return 1;
	/* the whole line again with the typed name: sshd evaluates it with one name */
	if (!conn->typed_user || strcmp(conn->typed_user, conn->user) == 0)
		return 0;
	return match_pairs(conn, conn->typed_user, w, n, unknown, unknownsize);
}
