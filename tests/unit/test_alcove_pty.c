/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What counts as the ptmx of a devpts instance (common/alcove_pty_check.c). */
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "alcove_pty.h"

#define TMPFS_MAGIC_ 0x01021994ul

static void test_ptmx_of_devpts(void **state)
{
	assert_true(alcove_ptmx_ok(S_IFCHR | 0666, makedev(5, 2), DEVPTS_SUPER_MAGIC));
}

static void test_not_a_ptmx(void **state)
{
	/* the host's /dev/ptmx bound in (devtmpfs shows as tmpfs), or a tmpfs file of ns root's */
	assert_false(alcove_ptmx_ok(S_IFCHR | 0666, makedev(5, 2), TMPFS_MAGIC_));
	/* a slave bound over ptmx: devpts, but 136:N */
	assert_false(alcove_ptmx_ok(S_IFCHR | 0620, makedev(136, 0), DEVPTS_SUPER_MAGIC));
	/* /dev/tty (5:0), /dev/console (5:1) */
	assert_false(alcove_ptmx_ok(S_IFCHR | 0666, makedev(5, 0), DEVPTS_SUPER_MAGIC));
	assert_false(alcove_ptmx_ok(S_IFCHR | 0600, makedev(5, 1), DEVPTS_SUPER_MAGIC));
	/* a block device, a fifo, a file with that number */
	assert_false(alcove_ptmx_ok(S_IFBLK | 0666, makedev(5, 2), DEVPTS_SUPER_MAGIC));
	assert_false(alcove_ptmx_ok(S_IFIFO | 0666, makedev(5, 2), DEVPTS_SUPER_MAGIC));
	assert_false(alcove_ptmx_ok(S_IFREG | 0666, makedev(5, 2), DEVPTS_SUPER_MAGIC));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ptmx_of_devpts),
	    cmocka_unit_test(test_not_a_ptmx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
