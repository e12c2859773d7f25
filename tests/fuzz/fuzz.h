/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the fuzz harnesses (and by tests/unit/test_fuzz_corpus.c, which includes them):
 * a failed oracle aborts, which libFuzzer and cmocka both report with the input. */

#include <stdlib.h>

static inline void fuzz_check(int cond)
{
	if (!cond)
		abort();
}
