/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A resolved profile as explain (and show) print it: every key with its value and origin.
 * Pure (data -> FILE*): tests/unit/test_profile_print.c.
 */

#include <stdio.h>

#include "policy.h"

/* "section:line", or "builtin" for the builtin defaults. */
void origin_format(const Origin *o, char *buf, size_t size);

/* One line per key, "  KEY  VALUE  ORIGIN"; each limit on its own line as limits.NAME. */
void profile_print_text(FILE *f, const Profile *p);

/* {"name": ..., "inherit": ..., "line": N, "keys": {"mode": {"value": "user", "origin":
 *  {"section": "defaults", "line": 3}}, ..., "limits": {"value": {"MemoryMax": {"value":
 *  "512M", "number": 536870912, "origin": {...}}}, "origin": {...}}}} */
void profile_print_json(FILE *f, const Profile *p);
