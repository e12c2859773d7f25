/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness for the helper's request/answer format (common/kv.h): the helper parses
 * what pam_alcove.so or alcovectl sends it, and they parse its answer. Oracles: a message that
 * parses rebuilds with KvBuilder to exactly the same bytes, and kv_get() finds every key with
 * its value; a message that does not is -EBADMSG.
 *
 * tests/unit/test_fuzz_corpus.c replays tests/fuzz/corpus/kv/ through this in check-unit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kv.h"

#include "fuzz.h"

#ifndef FUZZ_ONE_INPUT
#define FUZZ_ONE_INPUT LLVMFuzzerTestOneInput
#endif

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size);

int FUZZ_ONE_INPUT(const uint8_t *data, size_t size)
{
	static KvBuilder b;
	KvMessage m;
	char *key;
	int r;

	r = kv_parse((const char *)data, size, &m);
	fuzz_check(r == 0 || r == -EBADMSG);
	if (r < 0)
		return 0;
	fuzz_check(m.n <= KV_MAX_PAIRS);
	kv_builder_init(&b);
	for (size_t i = 0; i < m.n; i++) {
		size_t kl = (size_t)(m.value[i] - 1 - m.key[i]);

		fuzz_check(kl > 0 && m.key[i][kl] == '=');
		key = strndup(m.key[i], kl);
		fuzz_check(key != NULL);
		fuzz_check(kv_get(&m, key) == m.value[i]);
		kv_add(&b, key, m.value[i]);
		free(key);
	}
	fuzz_check(b.error == 0 && b.len == size && memcmp(b.buf, data, size) == 0);
	return 0;
}
