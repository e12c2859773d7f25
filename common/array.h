/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Arrays that grow to what there is: a list a tenant can lengthen (their alcoves, their
 * cgroups, the policy's blocks) is read whole, never cut at a fixed count. Pure libc.
 */

#include <stddef.h>

/* Makes room in *array (of *cap elements of size) for element n, doubling from 16: 0, or
 * -ENOMEM with *array and *cap as they were (still the caller's to free). */
int array_grow(void **array, size_t *cap, size_t n, size_t size);
