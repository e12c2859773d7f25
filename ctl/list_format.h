/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `alcovectl list`: one line (or JSON object) per alcove. Pure formatting, unit-tested. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "show_format.h"
#include "statefile.h"

typedef struct ListEntry {
	char name[32];
	AlcoveState state;
	bool alive;
	ShowStatus status;
	uint64_t uptime_sec;
	/* what show reads too (usage_read.h), each in O(1) */
	ShowUsage usage;
	ShowLimits limits;
	ShowTmpfsUsage tmpfs[_SHOW_TMPFS_MAX];
	ShowLayer layer;
} ListEntry;

void list_format_text(const ListEntry *e, size_t n, FILE *f);
void list_format_json(const ListEntry *e, size_t n, FILE *f);
