/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `alcovectl list`: one line (or JSON object) per alcove. Pure formatting, unit-tested. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "statefile.h"

typedef struct ListEntry {
	char name[32];
	AlcoveState state;
	bool alive;
	bool has_status; /* init answered STATUS */
	uint32_t sessions, holds, processes;
	uint64_t uptime_sec;
} ListEntry;

/* "45s", "3m05s", "2h07m", "3d04h". */
void list_format_uptime(uint64_t sec, char *buf, size_t len);
void list_format_text(const ListEntry *e, size_t n, FILE *f);
void list_format_json(const ListEntry *e, size_t n, FILE *f);
