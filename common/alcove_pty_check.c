/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "alcove_pty.h"

/* the pty multiplexer's device number (Documentation/admin-guide/devices.txt: 5,2 /dev/ptmx) */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2

bool alcove_ptmx_ok(mode_t mode, dev_t rdev, unsigned long fs_type)
{
	return S_ISCHR(mode) && major(rdev) == PTMX_MAJOR && minor(rdev) == PTMX_MINOR &&
	       fs_type == DEVPTS_SUPER_MAGIC;
}
