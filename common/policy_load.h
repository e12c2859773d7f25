/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Private to policy_load*.c: the libconfig side of loading. Every problem becomes one entry
 * of PolicyErrors, "FILE:LINE: where: message", and loading goes on to find the next one.
 */

#include <libconfig.h>

#include "policy.h"

typedef struct LoadCtx {
	const char *path;
	PolicyErrors *errs;
	int oom; /* -ENOMEM once an allocation failed */
} LoadCtx;

/* One key of a profile section being parsed. */
typedef struct KeyCtx {
	LoadCtx *c;
	const config_setting_t *s;
	const char *where;   /* "profiles.students.persist" */
	const char *section; /* "students": the origin of what this key sets */
	Profile *p;
} KeyCtx;

/* Adds "FILE:LINE: where: message" for setting s (LINE of s). */
void load_error(LoadCtx *c, const config_setting_t *s, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

const char *load_type_name(const config_setting_t *s);

/* A string setting, or an error naming where (NULL then). */
const char *load_string(LoadCtx *c, const config_setting_t *s, const char *where);

/* Parses the keys of a profile section (defaults or profiles.NAME) into raw: origin[k] is set
 * (section = section_name) for each key the section writes. */
void load_profile(LoadCtx *c, const config_setting_t *group, const char *where,
		  const char *section_name, bool is_defaults, Profile *raw);

/* Absolute, not empty, no ".." component, no control character. */
bool load_path_is_ok(const char *path);

/* strdup that records -ENOMEM in c. */
char *load_strdup(LoadCtx *c, const char *s);

/* policy_load_limits.c: the `limits` group and the `mounts` list; false after an error. */
bool load_limits(KeyCtx *k);
bool load_mounts(KeyCtx *k);

/* policy_load_ids.c: the top-level `reserved_ids` list into p->reserved_ids. */
void load_reserved_ids(LoadCtx *c, const config_setting_t *s, Policy *p);
