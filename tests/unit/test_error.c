/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/error.c: the one error type (errno, stage, tenant, message). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "error.h"

/* Returns r, records its errno and the stage; %m names r, and the caller's errno survives. */
static void test_records(void **state)
{
	AlcError e = {0};

	errno = EINTR;
	assert_int_equal(alc_error(&e, -ENOENT, "layers", "image '%s': %m", "/x"), -ENOENT);
	assert_int_equal(errno, EINTR);
	assert_int_equal(e.err, ENOENT);
	assert_string_equal(e.stage, "layers");
	assert_string_equal(e.msg, "image '/x': No such file or directory");
	assert_false(e.tenant);
}

/* A failure without an errno (r >= 0) is -EIO: a recorded failure is never "success". */
static void test_no_errno_is_eio(void **state)
{
	AlcError e = {0};

	assert_int_equal(alc_error(&e, 0, "home", "odd"), -EIO);
	assert_int_equal(e.err, EIO);
	assert_int_equal(alc_error(&e, 5, "home", "odd"), -EIO);
}

/* A long message is cut, NUL-terminated; a NULL error records nothing but still returns r. */
static void test_truncates_and_null(void **state)
{
	AlcError e = {0};
	char big[2 * ALC_ERROR_MSG_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(alc_error(&e, -E2BIG, "ids", "%s", big), -E2BIG);
	assert_int_equal(strlen(e.msg), ALC_ERROR_MSG_MAX - 1);
	assert_int_equal(alc_error(NULL, -EPERM, "ids", "x"), -EPERM);
}

/* The errors a tenant can cause (limits users share, their alcove's lock, a killed process of
 * theirs, a drawn-out wait) in either sign; a host's own failure (a missing image, a refused
 * operation, an I/O error) is not one of them. */
static void test_tenant_can_cause(void **state)
{
	const int theirs[] = {EAGAIN, EWOULDBLOCK, ENOMEM, ENOSPC, EDQUOT,   EUSERS,
			      EMFILE, ENFILE,	   EBUSY,  ECHILD, ETIMEDOUT};
	const int hosts[] = {0, ENOENT, EPERM, EACCES, EIO, EINVAL, ENOTDIR, ELOOP};

	for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++) {
		assert_true(alc_errno_tenant_can_cause(theirs[i]));
		assert_true(alc_errno_tenant_can_cause(-theirs[i]));
	}
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		assert_false(alc_errno_tenant_can_cause(-hosts[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records),
	    cmocka_unit_test(test_no_errno_is_eio),
	    cmocka_unit_test(test_truncates_and_null),
	    cmocka_unit_test(test_tenant_can_cause),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
