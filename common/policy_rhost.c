/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rhost rules: addresses and CIDR prefixes, never names. With UseDNS sshd sets PAM_RHOST to
 * the reverse DNS name of the client, which whoever controls the client's address space (its
 * PTR records) chooses: a glob over it would let a client pick its rule. So a pattern is an
 * IPv4 or IPv6 address with an optional /prefix, matched only against a literal address. Where
 * such a name cannot be placed in or out of a prefix, the matcher (policy_match.c) errs toward
 * containment. Pure.
 */
#include "policy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An address as 16 bytes: IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so that
 * "10.0.0.0/8" also matches a client sshd reports as ::ffff:10.1.2.3. */
typedef struct Addr {
	unsigned char b[16];
	bool v4; /* written as IPv4: a prefix length counts from bit 96 */
} Addr;

#define ADDR_TEXT_MAX 64 /* INET6_ADDRSTRLEN (46) with room for a zone */

static bool parse_addr(const char *s, size_t n, bool allow_zone, Addr *ret)
{
	char buf[ADDR_TEXT_MAX];
	struct in_addr a4;
	char *pct;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*ret = (Addr){0};
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		ret->b[10] = ret->b[11] = 0xff;
		memcpy(ret->b + 12, &a4, 4);
		ret->v4 = true;
		return true;
	}
	/* sshd writes a link-local client as fe80::1%eth0; the zone is not part of a rule */
	pct = strchr(buf, '%');
	if (pct && allow_zone && pct[1])
		*pct = '\0';
	return inet_pton(AF_INET6, buf, ret->b) == 1;
}

/* "ADDR" or "ADDR/PREFIX" -> the address and the prefix in bits of the 128-bit form. */
static int parse_pattern(const char *pattern, Addr *ret, unsigned *ret_bits, const char **why)
{
	const char *slash = strchr(pattern, '/');
	size_t n = slash ? (size_t)(slash - pattern) : strlen(pattern);
	unsigned long prefix;
	unsigned max;
	char *end;

	if (!parse_addr(pattern, n, false, ret))
		return *why = "not an IPv4 or IPv6 address (names and globs are not matched: "
			      "the client controls its reverse DNS name)",
		       -EINVAL;
	max = ret->v4 ? 32 : 128;
	if (!slash) {
		*ret_bits = 128;
		return 0;
	}
	if (slash[1] < '0' || slash[1] > '9')
		return *why = "the prefix length after '/' is not a number", -EINVAL;
	errno = 0;
	prefix = strtoul(slash + 1, &end, 10);
	if (errno || *end || prefix > max)
		return *why = ret->v4 ? "the prefix length must be 0..32 for an IPv4 address"
				      : "the prefix length must be 0..128 for an IPv6 address",
		       -EINVAL;
	*ret_bits = (unsigned)prefix + (ret->v4 ? 96 : 0);
	/* bits set past the prefix mean the admin meant another network: say so */
	for (unsigned i = *ret_bits; i < 128; i++)
		if (ret->b[i / 8] & (0x80u >> (i % 8)))
			return *why = "address bits are set beyond the prefix length (write the "
				      "network address, e.g. 10.0.0.0/8)",
			       -EINVAL;
	return 0;
}

int policy_rhost_check(const char *pattern, char *reason, size_t size)
{
	const char *why = NULL;
	unsigned bits;
	Addr a;
	int r = parse_pattern(pattern, &a, &bits, &why);

	if (r < 0 && reason)
		snprintf(reason, size, "%s", why);
	return r;
}

bool policy_rhost_is_name(const char *rhost)
{
	Addr a;

	return rhost && *rhost && !parse_addr(rhost, strlen(rhost), true, &a);
}

bool policy_rhost_matches(const char *pattern, const char *rhost)
{
	const char *why;
	unsigned bits;
	Addr net, host;

	if (!pattern)
		return true;
	if (!rhost || !parse_addr(rhost, strlen(rhost), true, &host))
		return false;
	if (parse_pattern(pattern, &net, &bits, &why) < 0)
		return false;
	for (unsigned i = 0; i < bits / 8; i++)
		if (net.b[i] != host.b[i])
			return false;
	if (bits % 8) {
		unsigned char mask = (unsigned char)(0xff00u >> (bits % 8));
		if ((net.b[bits / 8] ^ host.b[bits / 8]) & mask)
			return false;
	}
	return true;
}
