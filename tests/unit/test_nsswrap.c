/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsswrap: the lookups by uid and the group list that the callers used to do by hand (a bare
 * getpwnam turned an NSS error into "No such user"; getgrouplist had its own loop). Against
 * the machine's own NSS: root exists everywhere, a uid near 2^32 nowhere. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nsswrap.h"
#include "policy_testlib.h"

#define NOBODY_UID 3999999999u /* above any allocation range; not (uid_t)-1 */

static void test_getpwuid_root(void **state)
{
	NssPasswd p = {0};

	(void)state;
	assert_int_equal(nss_getpwuid(0, &p), 0);
	assert_string_equal(p.pw.pw_name, "root");
	assert_int_equal(p.pw.pw_uid, 0);
	nss_passwd_done(&p);
	assert_null(p.buf);
}

static void test_getpwuid_absent(void **state)
{
	NssPasswd p = {0};

	(void)state;
	assert_int_equal(nss_getpwuid(NOBODY_UID, &p), -ENOENT);
	assert_null(p.buf);
}

static void test_getpwnam_matches_uid(void **state)
{
	NssPasswd p = {0};

	(void)state;
	assert_int_equal(nss_getpwnam("root", &p), 0);
	assert_int_equal(p.pw.pw_uid, 0);
	nss_passwd_done(&p);
	assert_int_equal(nss_getpwnam("alcove-no-such-user", &p), -ENOENT);
}

/* The primary group first, as given (it need not be in the group file). */
static void test_grouplist_primary_first(void **state)
{
	gid_t *gids = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(nss_getgrouplist("root", 0, &gids, &n), 0);
	assert_true(n >= 1);
	assert_int_equal(gids[0], 0);
	free(gids);
	assert_int_equal(nss_getgrouplist("alcove-no-such-user", 4242, &gids, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(gids[0], 4242);
	free(gids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_getpwuid_root),
	    cmocka_unit_test(test_getpwuid_absent),
	    cmocka_unit_test(test_getpwnam_matches_uid),
	    cmocka_unit_test(test_grouplist_primary_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
