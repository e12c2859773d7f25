/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fs_reserve.h"

#include <stdio.h>

#include "macro.h"

void fs_reserve_from_statvfs(const struct statvfs *sv, FsReserve *ret)
{
	*ret = (FsReserve){
	    .free_bytes = (uint64_t)sv->f_bavail * sv->f_frsize,
	    .reserve_bytes = (uint64_t)sv->f_blocks * sv->f_frsize / FS_RESERVE_PART,
	    .inodes_counted = sv->f_files > 0,
	    .free_inodes = sv->f_favail,
	    .reserve_inodes = (uint64_t)sv->f_files / FS_RESERVE_PART,
	};
}

int fs_reserve_look(int fd, FsReserve *ret)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return negative_errno();
	fs_reserve_from_statvfs(&sv, ret);
	return 0;
}

/* free < reserve + extra, without the sum's overflow */
static bool below(uint64_t free, uint64_t reserve, uint64_t extra)
{
	return free < reserve || free - reserve < extra;
}

bool fs_reserve_short(const FsReserve *f, uint64_t extra_bytes, uint64_t extra_inodes)
{
	return below(f->free_bytes, f->reserve_bytes, extra_bytes) ||
	       (f->inodes_counted && below(f->free_inodes, f->reserve_inodes, extra_inodes));
}

/* "N KiB" or "N MiB": a reserve is some KiB on a test's tmpfs, GiBs on a host's disk */
static const char *size_text(uint64_t bytes, char *buf, size_t len)
{
	if (bytes < (10ull << 20))
		snprintf(buf, len, "%llu KiB", (unsigned long long)(bytes >> 10));
	else
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	return buf;
}

const char *fs_reserve_describe(const FsReserve *f, char *buf, size_t len)
{
	char reserve[32], avail[32];

	snprintf(buf, len,
		 "refusing to fill the filesystem past its reserve: %d%% of its size and inodes "
		 "stay free (%s, %llu inodes; %s, %llu inodes free now)",
		 FS_RESERVE_PERCENT, size_text(f->reserve_bytes, reserve, sizeof(reserve)),
		 (unsigned long long)f->reserve_inodes,
		 size_text(f->free_bytes, avail, sizeof(avail)),
		 (unsigned long long)f->free_inodes);
	return buf;
}
