/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The little JSON that alcovectl --json needs: strings escaped per RFC 8259 (quote, backslash,
 * control characters as \uXXXX or their short forms); valid UTF-8 passes through, and each
 * byte that is not part of it (a tenant's name may hold any) becomes the text \xHH, a literal
 * backslash as text_escape() writes it, so that the output stays valid UTF-8 and JSON.
 * Pure: tests/unit/test_ctl_json.c.
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
