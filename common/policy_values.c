/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Values of the policy: name checks, % patterns, sizes and percentages. Pure (no libconfig,
 * no logging): alcove-init links common/ statically and the unit tests call this directly.
 */
#include "policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

#define HOSTNAME_MAX 64 /* HOST_NAME_MAX on Linux: sethostname() refuses longer */

bool policy_name_is_safe(const char *name)
{
	size_t n;

	if (!name || !name[0] || name[0] == '-')
		return false;
	n = strnlen(name, POLICY_NAME_MAX + 1);
	if (n > POLICY_NAME_MAX)
		return false;
	/* "." and ".." would be path components of their own; no ".." anywhere keeps every
	 * pattern that puts a name between slashes free of parent references. */
	if (strcmp(name, ".") == 0 || strstr(name, ".."))
		return false;
	for (const char *c = name; *c; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			  (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-';
		if (!ok)
			return false;
	}
	return true;
}

bool policy_name_is_hostile(const char *name)
{
	if (!name || !name[0] || name[0] == '-' || strcmp(name, ".") == 0)
		return true;
	if (strnlen(name, POLICY_LOGIN_NAME_MAX + 1) > POLICY_LOGIN_NAME_MAX)
		return true;
	if (strchr(name, '/') || strstr(name, ".."))
		return true;
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return true;
	return false;
}

static bool has_dotdot_component(const char *s)
{
	for (const char *c = s; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return true;
		c += len;
		if (*c == '/')
			c++;
	}
	return false;
}

static bool has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Checks an expanded value; the reason names what is wrong. */
static int expanded_check(const char *v, bool is_path, const char **reason)
{
	if (!v[0])
		return *reason = "it expands to an empty string", -EINVAL;
	if (has_control_char(v))
		return *reason = "it contains a control character", -EINVAL;
	if (is_path && v[0] != '/')
		return *reason = "it is not an absolute path", -EINVAL;
	if (has_dotdot_component(v))
		return *reason = "it contains a \"..\" component", -EINVAL;
	if (!is_path && strchr(v, '/'))
		return *reason = "it contains a '/'", -EINVAL;
	if (!is_path && strlen(v) > HOSTNAME_MAX)
		return *reason = "it is longer than 64 bytes", -EINVAL;
	return 0;
}

/* Expansion proper; the reason says why it failed. */
static int expand(const char *pattern, const char *user, uid_t uid, bool is_path, char **ret,
		  const char **reason)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f;
	int r = 0;

	f = open_memstream(&buf, &size);
	if (!f)
		return -ENOMEM;
	for (const char *c = pattern; r == 0 && *c; c++) {
		if (*c != '%') {
			fputc(*c, f);
			continue;
		}
		c++;
		if (*c == 'u') {
			if (!policy_name_is_safe(user)) {
				*reason = "the user name is not safe";
				r = -EINVAL;
			} else
				fputs(user, f);
		} else if (*c == 'U')
			fprintf(f, "%u", (unsigned)uid);
		else if (*c == '%')
			fputc('%', f);
		else {
			*reason =
			    *c ? "unknown % escape (known: %u, %U, %%)" : "it ends with a lone '%'";
			r = -EINVAL; /* the loop stops before reading past a final '%' */
		}
	}
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r < 0)
		return r;
	r = expanded_check(buf, is_path, reason);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(buf);
	return 0;
}

int policy_expand(const char *pattern, const char *user, uid_t uid, bool is_path, char **ret)
{
	const char *reason = NULL;

	return expand(pattern, user, uid, is_path, ret, &reason);
}

int policy_pattern_check(const char *pattern, bool is_path, char *reason, size_t size)
{
	const char *why = NULL;
	char *v = NULL;
	int r;

	/* Any safe name expands to a single component without "..", so a pattern that passes
	 * with a sample name can only fail later for reasons the runtime check repeats. */
	r = expand(pattern, "user", 1000, is_path, &v, &why);
	free(v);
	if (r == -EINVAL)
		snprintf(reason, size, "%s", why ? why : "invalid pattern");
	return r;
}

/* Digits only: strtoull would accept signs and blanks. */
static int parse_digits(const char **s, uint64_t *ret, unsigned *ret_ndigits)
{
	uint64_t v = 0;
	unsigned n = 0;

	for (; **s >= '0' && **s <= '9'; (*s)++, n++) {
		unsigned d = (unsigned)(**s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	*ret_ndigits = n;
	return 0;
}

int policy_parse_size(const char *s, uint64_t *ret)
{
	static const char suffixes[] = "KMGTPE";
	const char *c = s;
	uint64_t v, mult = 1;
	unsigned nd;
	int r;

	if (strcmp(s, "infinity") == 0) {
		*ret = LIMIT_INFINITY;
		return 0;
	}
	r = parse_digits(&c, &v, &nd);
	if (r < 0)
		return r;
	if (nd == 0)
		return -EINVAL;
	if (*c) {
		const char *p = strchr(suffixes, *c);
		if (!p || c[1])
			return -EINVAL;
		for (long i = 0; i <= p - suffixes; i++)
			mult *= 1024;
	}
	if (v > (UINT64_MAX - 1) / mult)
		return -ERANGE; /* UINT64_MAX itself means infinity */
	*ret = v * mult;
	return 0;
}

int policy_parse_percent(const char *s, uint64_t *ret_per_sec_usec)
{
	const char *c = s;
	uint64_t whole, frac = 0;
	unsigned nd, nf = 0;
	int r;

	r = parse_digits(&c, &whole, &nd);
	if (r < 0)
		return r;
	if (nd == 0)
		return -EINVAL;
	if (*c == '.') {
		c++;
		r = parse_digits(&c, &frac, &nf);
		if (r < 0 || nf == 0 || nf > 2)
			return -EINVAL;
		if (nf == 1)
			frac *= 10;
	}
	if (strcmp(c, "%") != 0)
		return -EINVAL;
	/* 100% is one CPU: 1 s of CPU time per second = 1000000 us; 1% = 10000 us. */
	if (whole > (UINT64_MAX / 10000) - 1)
		return -ERANGE;
	whole = whole * 10000 + frac * 100;
	if (whole == 0)
		return -ERANGE; /* systemd refuses a quota of 0% */
	*ret_per_sec_usec = whole;
	return 0;
}

int policy_parse_tmpfs_size(const char *s, TmpfsSize *ret)
{
	size_t n = strlen(s);
	uint64_t v;
	int r;

	if (n > 1 && s[n - 1] == '%') {
		const char *c = s;
		unsigned nd;

		r = parse_digits(&c, &v, &nd);
		if (r < 0 || nd == 0 || c != s + n - 1)
			return r < 0 ? r : -EINVAL;
		if (v < 1 || v > 100)
			return -ERANGE;
		*ret = (TmpfsSize){.percent = (unsigned)v};
		return 0;
	}
	r = policy_parse_size(s, &v);
	if (r < 0)
		return r;
	/* "infinity" would be size=0, which tmpfs takes as no limit at all */
	if (v == LIMIT_INFINITY || v < TMPFS_SIZE_MIN)
		return -ERANGE;
	*ret = (TmpfsSize){.bytes = v};
	return 0;
}

void policy_format_tmpfs_size(const TmpfsSize *v, char *buf, size_t size)
{
	if (v->percent > 0)
		snprintf(buf, size, "%u%%", v->percent);
	else
		policy_format_limit(LIMIT_MEMORY_MAX, v->bytes, buf, size);
}

int policy_parse_memory(const char *s, uint64_t *ret)
{
	size_t n = strlen(s);
	uint64_t v;
	int r;

	if (n > 0 && s[n - 1] == '%') {
		r = policy_parse_percent(s, &v); /* 1% = 10000 millionths, as for CPUQuota */
		if (r < 0)
			return r;
		if (v > 1000000)
			return -ERANGE;
		*ret = LIMIT_PERCENT_FLAG | v;
		return 0;
	}
	r = policy_parse_size(s, &v);
	if (r < 0)
		return r;
	if (v != LIMIT_INFINITY && v >= LIMIT_PERCENT_FLAG)
		return -ERANGE;
	*ret = v;
	return 0;
}

void policy_format_limit(LimitKind k, uint64_t value, char *buf, size_t size)
{
	static const char suffixes[] = "KMGTPE";

	if (value == LIMIT_INFINITY && k != LIMIT_CPU_QUOTA) {
		snprintf(buf, size, "infinity");
		return;
	}
	if ((k == LIMIT_MEMORY_MAX || k == LIMIT_MEMORY_HIGH) && limit_is_percent(value))
		k = LIMIT_CPU_QUOTA, value &= ~LIMIT_PERCENT_FLAG; /* the same "N.NN%" */
	switch (k) {
	case LIMIT_MEMORY_MAX:
	case LIMIT_MEMORY_HIGH: {
		int i = -1;
		while (i < 5 && value != 0 && value % 1024 == 0) {
			value /= 1024;
			i++;
		}
		if (i >= 0)
			snprintf(buf, size, "%" PRIu64 "%c", value, suffixes[i]);
		else
			snprintf(buf, size, "%" PRIu64, value);
		return;
	}
	case LIMIT_CPU_QUOTA:
		if (value % 10000 == 0)
			snprintf(buf, size, "%" PRIu64 "%%", value / 10000);
		else
			snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 "%%", value / 10000,
				 value % 10000 / 100);
		return;
	default:
		snprintf(buf, size, "%" PRIu64, value);
		return;
	}
}
