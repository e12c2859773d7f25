/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int array_grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t want = *cap ? *cap : 16;
	void *a;

	if (n < *cap)
		return 0;
	while (want <= n) { /* doubled until element n fits */
		if (want > SIZE_MAX / 2)
			return -ENOMEM;
		want *= 2;
	}
	a = reallocarray(*array, want, size);
	if (!a)
		return -ENOMEM;
	*array = a;
	*cap = want;
	return 0;
}
