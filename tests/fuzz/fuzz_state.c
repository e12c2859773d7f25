/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for /run/alcove/<name>/state (common/statefile.h): the helper, alcovectl
 * and gc parse it to find a running alcove again, and a corrupt one must be refused, never
 * misread. Oracle: a state that parses formats and parses back to the same values.
 *
 * tests/unit/test_fuzz_corpus.c replays tests/fuzz/corpus/state/ through this in check-unit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "statefile.h"

#include "fuzz.h"

#ifndef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT LLVMFuzzerTestOneInput
#endif

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size);

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size)
{
	static char out[2 * STATEFILE_MAX];
	AlcoveState a, b;
	int n, r;

	memset(&a, 0x5a, sizeof(a));
	r = statefile_parse((const char *)data, size, &a);
	fuzz_check(r == 0 || r == -EBADMSG || r == -ENOMEM);
	if (r < 0)
		return 0;
	fuzz_check(a.pid > 0);
	fuzz_check(memchr(a.user, '\0', sizeof(a.user)) &&
		   memchr(a.cgroup, '\0', sizeof(a.cgroup)));
	n = statefile_format(&a, out, sizeof(out));
	fuzz_check(n > 0);
	memset(&b, 0, sizeof(b));
	fuzz_check(statefile_parse(out, (size_t)n, &b) == 0);
	fuzz_check(a.pid == b.pid && a.starttime == b.starttime && a.userns == b.userns &&
		   a.mntns == b.mntns && a.pidns == b.pidns && a.uid == b.uid &&
		   a.created == b.created);
	fuzz_check(!strcmp(a.user, b.user) && !strcmp(a.profile, b.profile) &&
		   !strcmp(a.mode, b.mode) && !strcmp(a.share, b.share) &&
		   !strcmp(a.scope, b.scope) && !strcmp(a.cgroup, b.cgroup));
	return 0;
}
