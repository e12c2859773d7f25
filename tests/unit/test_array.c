/* SPDX-License-Identifier: GPL-2.0-or-later */
/* array_grow: room for element n, whatever n is against the capacity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static void test_room_for_n(void **state)
{
	int *a = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(array_grow((void **)&a, &cap, 0, sizeof(int)), 0);
	assert_true(cap > 0);
	assert_int_equal(array_grow((void **)&a, &cap, 100, sizeof(int)), 0);
	assert_true(cap > 100);		 /* one doubling from 16 was 32 */
	memset(a, 0, cap * sizeof(int)); /* ASan: all of cap is ours */
	free(a);
}

static void test_too_big_is_enomem(void **state)
{
	char *a = NULL;
	size_t cap = 16;

	(void)state;
	a = malloc(cap);
	assert_non_null(a);
	assert_int_equal(array_grow((void **)&a, &cap, SIZE_MAX - 1, 1), -ENOMEM);
	assert_int_equal(cap, 16);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_room_for_n),
	    cmocka_unit_test(test_too_big_is_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
