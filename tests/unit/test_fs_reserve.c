/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fs_reserve.h"

/* A filesystem of 4 MiB in 4 KiB blocks and 1000 inodes, of which free_blocks and free_inodes
 * are left to users. */
static FsReserve four_mib(unsigned long free_blocks, unsigned long free_inodes)
{
	struct statvfs sv = {.f_frsize = 4096,
			     .f_blocks = 1024,
			     .f_bavail = free_blocks,
			     .f_files = 1000,
			     .f_favail = free_inodes};
	FsReserve f;

	fs_reserve_from_statvfs(&sv, &f);
	return f;
}

static void test_from_statvfs(void **state)
{
	FsReserve f = four_mib(100, 40);

	assert_int_equal(f.free_bytes, 100 * 4096);
	assert_int_equal(f.reserve_bytes, (4u << 20) / 20);
	assert_int_equal(f.free_inodes, 40);
	assert_int_equal(f.reserve_inodes, 50);
	assert_true(f.inodes_counted);
}

/* Short once free is below the reserve plus what is asked for, bytes or inodes. */
static void test_short(void **state)
{
	FsReserve f = four_mib(100, 60); /* 409600 bytes free, 209715 the reserve */

	assert_false(fs_reserve_short(&f, 0, 0));
	assert_false(fs_reserve_short(&f, 409600 - 209715, 10));
	assert_true(fs_reserve_short(&f, 409600 - 209715 + 1, 0));
	assert_true(fs_reserve_short(&f, 0, 11));
	/* no sum overflows into "enough" */
	assert_true(fs_reserve_short(&f, UINT64_MAX, 0));
	assert_true(fs_reserve_short(&f, 0, UINT64_MAX));
	f = four_mib(10, 60);
	assert_true(fs_reserve_short(&f, 0, 0));
	f = four_mib(1000, 49);
	assert_true(fs_reserve_short(&f, 0, 0));
}

/* A filesystem without an inode count (btrfs: f_files 0) is short of bytes only. */
static void test_inodes_not_counted(void **state)
{
	struct statvfs sv = {.f_frsize = 4096, .f_blocks = 1024, .f_bavail = 1000};
	FsReserve f;

	fs_reserve_from_statvfs(&sv, &f);
	assert_false(f.inodes_counted);
	assert_false(fs_reserve_short(&f, 0, 1000000));
}

/* The text alcove-unpack's refusal has always had (tests/integration/90-oci-images.sh). */
static void test_describe(void **state)
{
	char buf[FS_RESERVE_TEXT_MAX];
	FsReserve f = four_mib(10, 7);

	assert_string_equal(fs_reserve_describe(&f, buf, sizeof(buf)),
			    "refusing to fill the filesystem past its reserve: 5% of its size and "
			    "inodes stay free (204 KiB, 50 inodes; 40 KiB, 7 inodes free now)");
	f.reserve_bytes = 3ull << 30;
	f.free_bytes = 12ull << 20;
	assert_non_null(strstr(fs_reserve_describe(&f, buf, sizeof(buf)),
			       "(3072 MiB, 50 inodes; 12 MiB, 7 inodes free now)"));
}

static void test_look(void **state)
{
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	FsReserve f;

	assert_true(fd >= 0);
	assert_int_equal(fs_reserve_look(fd, &f), 0);
	assert_true(f.reserve_bytes > 0);
	close(fd);
	assert_int_equal(fs_reserve_look(-1, &f), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_statvfs),
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_inodes_not_counted),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_look),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
