/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hold records (common/holdfile.h): what the helper writes, what it accepts as a record,
 * and when it may signal the recorded process. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "holdfile.h"

#define SESSION "0123456789abcdef0123456789abcdef"

static HoldRecord sample(void)
{
	HoldRecord h = {.pid = 4242, .starttime = 123456789};

	strcpy(h.user, "alice");
	return h;
}

static void test_roundtrip(void **state)
{
	HoldRecord h = sample(), t;
	char buf[HOLDFILE_MAX];
	int n;

	n = holdfile_format(&h, buf, sizeof(buf));
	assert_true(n > 0);
	assert_string_equal(buf, "pid=4242\nstarttime=123456789\nuser=alice\n");
	assert_int_equal(holdfile_parse(buf, (size_t)n, &t), 0);
	assert_memory_equal(&h, &t, sizeof(h));
}

static void test_format_refuses(void **state)
{
	HoldRecord h = sample();
	char buf[HOLDFILE_MAX];

	strcpy(h.user, "a\nstarttime=1");
	assert_int_equal(holdfile_format(&h, buf, sizeof(buf)), -EINVAL);
	h = sample();
	h.pid = 0;
	assert_int_equal(holdfile_format(&h, buf, sizeof(buf)), -EINVAL);
	h = sample();
	assert_int_equal(holdfile_format(&h, buf, 10), -E2BIG);
}

/* Anything but the exact record is no record: never acted on. */
static void test_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "pid=4242\n",
	    "pid=4242\nstarttime=1\nuser=alice",		/* torn: no last newline */
	    "pid=4242\nstarttime=12",				/* torn */
	    "pid=4242\nstarttime=1\nuser=alice\nalcove=1001\n", /* a key too many */
	    "starttime=1\npid=4242\nuser=alice\n",		/* order */
	    "pid=0\nstarttime=1\nuser=alice\n",
	    "pid=-1\nstarttime=1\nuser=alice\n",
	    "pid=4242x\nstarttime=1\nuser=alice\n",
	    "pid=2147483648\nstarttime=1\nuser=alice\n",
	    "pid=4242\nstarttime=\nuser=alice\n",
	    "pid=4242\nstarttime=1\nuser=\n",
	    "pid=4242\nstarttime=1\nuser="
	    "0123456789012345678901234567890123456789012345678901234567890123\n",
	    "pid=4242\nstarttime=99999999999999999999999\nuser=alice\n",
	};
	HoldRecord t;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(holdfile_parse(bad[i], strlen(bad[i]), &t), -EBADMSG);
	assert_int_equal(holdfile_parse("pid=1\0", 6, &t), -EBADMSG);
}

static void test_names(void **state)
{
	char buf[HOLDFILE_NAME_MAX];

	assert_int_equal(holdfile_name(SESSION, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "hold." SESSION);
	assert_true(holdfile_is_name(buf));
	assert_int_equal(holdfile_name("../../etc/passwd", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(holdfile_name(SESSION "0", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(holdfile_name("0123456789ABCDEF0123456789abcdef", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(holdfile_name(NULL, buf, sizeof(buf)), -EINVAL);
	assert_false(holdfile_is_name("hold." SESSION ".tmp"));
	assert_false(holdfile_is_name("state"));
	assert_false(holdfile_is_name("hold."));
}

/* Only the recorded process itself is signalled: the same pid with another start time (the pid
 * reused) is not, nor one whose start time could not be read. */
static void test_verdict(void **state)
{
	HoldRecord h = sample();

	assert_int_equal(holdfile_verdict(&h, 0, 123456789), HOLD_END);
	assert_int_equal(holdfile_verdict(&h, 0, 123456790), HOLD_OTHER);
	assert_int_equal(holdfile_verdict(&h, 0, 0), HOLD_OTHER);
	assert_int_equal(holdfile_verdict(&h, -ENOENT, 123456789), HOLD_GONE);
	assert_int_equal(holdfile_verdict(&h, -ESRCH, 123456789), HOLD_GONE);
	assert_int_equal(holdfile_verdict(&h, -EMFILE, 123456789), HOLD_UNKNOWN);
	assert_int_equal(holdfile_verdict(&h, -EBADMSG, 123456789), HOLD_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_format_refuses),
	    cmocka_unit_test(test_malformed), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_verdict),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
