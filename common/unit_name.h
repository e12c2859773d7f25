/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * systemd unit names for alcove scopes. Pure: no syscalls.
 *
 * systemd allows only [a-zA-Z0-9:_.\\-] in a unit name and gives '-' a meaning (the slice
 * hierarchy), so an arbitrary string is escaped the way systemd-escape(1) does: '/' becomes
 * '-', '-', '\\', a leading '.' and every byte outside [a-zA-Z0-9:_.] become "\xNN".
 */

#include <stddef.h>

#define UNIT_NAME_MAX 256 /* including the NUL; systemd's UNIT_NAME_MAX is 255 characters */

/* Escapes s into ret[size]. -EINVAL for an empty s, -ENAMETOOLONG if it does not fit. */
int unit_name_escape(const char *s, char *ret, size_t size);

/* "alcove-<escaped name>.scope" for an alcove named name (the user name for share=user,
 * the alcove name for share=session). -EINVAL, -ENAMETOOLONG (longer than systemd allows). */
int unit_name_for_alcove(const char *name, char *ret, size_t size);
