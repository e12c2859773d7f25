/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The little JSON that alcovectl --json needs: strings escaped per RFC 8259 (quote, backslash,
 * control characters as \uXXXX or their short forms); bytes >= 0x80 pass through (names and
 * paths are UTF-8 or ASCII). Pure: tests/unit/test_json.c.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s as a JSON string, or null for NULL. */
void json_string(FILE *f, const char *s);
/* Writes "key": (escaped) with a leading ", " unless *first; clears *first. */
void json_key(FILE *f, const char *key, int *first);
/* "key": v, or "key": null unless has. */
void json_u64_or_null(FILE *f, const char *key, bool has, uint64_t v, int *first);
