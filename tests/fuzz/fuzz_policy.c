/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the policy loader (common/policy*.c): the input is written to a
 * memfd and loaded with policy_load() through /proc/self/fd/N, as pam_alcove.so and the
 * helper load /etc/alcove/alcove.conf. A policy that loads is then used the way the callers
 * use it: policy_decide() for a fixed set of logins (an ordinary user with groups, root, a
 * hostile name, no service/tty/rhost), every resolved profile formatted key by key as
 * `alcovectl explain` prints it, and its home/hostname patterns expanded. The raw input also
 * goes through the value parsers (sizes, percentages, pattern expansion, name checks).
 *
 * Oracles: the sanitizers and leak checker; a failed load returns -EINVAL with at least one
 * "FILE:..." error and leaves *ret alone; a decision is one of the three kinds, names the
 * profile it contains with, and has a reason.
 *
 * libconfig 1.5 (Debian 12) leaks the text of a string token that a syntax error discards
 * (its grammar has no %destructor for strings: libconfig issue #142, fixed in 1.7.3). That one
 * allocation, made in libconfig's scanner (strbuf_append, libconfig_yylex), is suppressed below;
 * every other leak counts. In the callers a syntax error refuses the login, so it costs one string
 * per refused login.
 *
 * policy_load() refuses @include itself (libconfig would open other files, and its scanner
 * exits the process when a read fails): no input may ever reach libconfig's own include
 * handling, whose errors say "include file".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "policy.h"

#include "fuzz.h"

#ifndef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT LLVMFuzzerTestOneInput
#endif

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size);

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static const char *const fuzz_groups[] = {"alice", "students", "audio"};

static const Login fuzz_logins[] = {
    {.user = "alice",
     .uid = 1000,
     .gid = 1000,
     .groups = fuzz_groups,
     .n_groups = 3,
     .service = "sshd",
     .tty = "ssh",
     .rhost = "10.0.0.7"},
    {.user = "root", .uid = 0, .gid = 0, .service = "login", .tty = "tty1"},
    {.user = "bob", .uid = 1001, .gid = 1001},
    {.user = "../../etc\n", .uid = 1002, .gid = 1002, .service = "sshd"},
    {.user = "ci-runner",
     .uid = 4294967294u,
     .gid = 100,
     .groups = fuzz_groups + 1,
     .n_groups = 1,
     .service = "su",
     .rhost = "10.0.1.2"},
};

static void fuzz_profile(const Profile *pr, const Login *l)
{
	char buf[4096];
	char *s = NULL;

	for (int k = 0; k < _PKEY_MAX; k++) {
		profile_format_value(pr, (ProfileKey)k, buf, sizeof(buf));
		fuzz_check(memchr(buf, '\0', sizeof(buf)) != NULL);
	}
	for (int k = 0; k < _LIMIT_MAX; k++)
		if (pr->limits.set & (1u << k))
			policy_format_limit((LimitKind)k, pr->limits.value[k], buf, sizeof(buf));
	if (policy_expand(pr->home, l->user, l->uid, true, &s) == 0)
		fuzz_check(s && s[0]);
	free(s);
	s = NULL;
	if (policy_expand(pr->hostname, l->user, l->uid, false, &s) == 0)
		fuzz_check(s && s[0] && !strchr(s, '/'));
	free(s);
}

static void fuzz_decide(const Policy *p)
{
	for (size_t i = 0; i < sizeof(fuzz_logins) / sizeof(fuzz_logins[0]); i++) {
		Decision d;

		memset(&d, 0xa5, sizeof(d));
		policy_decide(p, &fuzz_logins[i], &d);
		fuzz_check(d.kind == DECISION_SKIP || d.kind == DECISION_CONTAIN ||
			   d.kind == DECISION_REFUSE);
		fuzz_check(memchr(d.reason, '\0', sizeof(d.reason)) && d.reason[0]);
		/* Host uid 0 is never contained, whatever the file says. */
		fuzz_check(fuzz_logins[i].uid != 0 || d.kind != DECISION_CONTAIN);
		if (d.kind == DECISION_CONTAIN) {
			fuzz_check(d.profile != NULL);
			fuzz_profile(d.profile, &fuzz_logins[i]);
		}
	}
}

/* libconfig's own include errors, whole: "FILE:LINE: cannot open include file". */
static bool fuzz_is_libconfig_include_error(const char *after_path)
{
	const char *m = after_path;

	if (m[0] == ':' && m[1] >= '0' && m[1] <= '9') /* ":LINE", left out when 0 */
		m += 1 + strspn(m + 1, "0123456789");
	if (strncmp(m, ": ", 2) == 0)
		m += 2;
	return strcmp(m, "cannot open include file") == 0 ||
	       strcmp(m, "include file nesting too deep") == 0;
}

static void fuzz_load(const uint8_t *data, size_t size)
{
	char path[64];
	PolicyErrors errs = {0};
	Policy *p = (Policy *)(uintptr_t)1; /* must stay untouched on failure */
	int fd, r;

	fd = memfd_create("alcove.conf", MFD_CLOEXEC);
	fuzz_check(fd >= 0);
	fuzz_check(write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = policy_load(path, &p, &errs);
	if (r == 0) {
		fuzz_check(p != NULL && p != (Policy *)(uintptr_t)1);
		fuzz_decide(p);
		for (size_t i = 0; i < p->n_profiles; i++)
			fuzz_profile(&p->profiles[i], &fuzz_logins[0]);
		fuzz_profile(&p->defaults, &fuzz_logins[0]);
		policy_free(p);
	} else {
		fuzz_check(r == -EINVAL || r == -ENOMEM);
		fuzz_check(p == (Policy *)(uintptr_t)1);
		fuzz_check(errs.n > 0);
		for (size_t i = 0; i < errs.n; i++) {
			fuzz_check(errs.msg[i] && strncmp(errs.msg[i], path, strlen(path)) == 0);
			fuzz_check(!fuzz_is_libconfig_include_error(errs.msg[i] + strlen(path)));
		}
	}
	policy_errors_clear(&errs);
	close(fd);
}

/* The value parsers, on the input as one C string. */
static void fuzz_values(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *out = NULL, reason[128];
	uint64_t v;

	fuzz_check(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	(void)policy_parse_size(s, &v);
	(void)policy_parse_percent(s, &v);
	(void)policy_name_is_safe(s);
	(void)policy_pattern_check(s, true, reason, sizeof(reason));
	(void)policy_pattern_check(s, false, reason, sizeof(reason));
	if (policy_expand(s, "alice", 1000, true, &out) == 0)
		fuzz_check(out && out[0]);
	free(out);
	free(s);
}

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size)
{
	fuzz_load(data, size);
	fuzz_values(data, size);
	return 0;
}
