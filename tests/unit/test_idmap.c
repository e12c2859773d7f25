/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "idmap.h"
#include "macro.h"

static int find(const char *text, const char *user, uid_t uid, uint32_t *ret)
{
	return idmap_find_subid(text, strlen(text), user, uid, ret);
}

static void test_subid_by_name_and_uid(void **state)
{
	const char *text = "bob:100000:65536\n"
			   "alice:165536:65536\n"
			   "1003:231072:65536\n";
	uint32_t s = 0;

	assert_int_equal(find(text, "alice", 1001, &s), 0);
	assert_int_equal(s, 165536);
	assert_int_equal(find(text, "carol", 1003, &s), 0);
	assert_int_equal(s, 231072);
	assert_int_equal(find(text, "dave", 1004, &s), -ENOENT);
	/* a name that is a prefix of another must not match */
	assert_int_equal(find(text, "ali", 1005, &s), -ENOENT);
}

static void test_subid_too_small(void **state)
{
	uint32_t s = 7;

	assert_int_equal(find("alice:100000:65535\n", "alice", 1001, &s), -ERANGE);
	assert_int_equal(s, 7); /* untouched on failure */
	/* a later, big enough line of the same user is used */
	assert_int_equal(find("alice:100000:1000\nalice:300000:70000\n", "alice", 1001, &s), 0);
	assert_int_equal(s, 300000);
	/* a range starting at host id 0 would map root */
	assert_int_equal(find("alice:0:65536\n", "alice", 1001, &s), -ERANGE);
	/* a range running past the last valid id */
	assert_int_equal(find("alice:4294901760:65536\n", "alice", 1001, &s), -ERANGE);
}

static void test_subid_malformed_and_unterminated(void **state)
{
	const char *text = "garbage\nalice:x:65536\nalice::\n:1:2\nalice:200000:65536";
	uint32_t s = 0;

	assert_int_equal(find(text, "alice", 1001, &s), 0);
	assert_int_equal(s, 200000);
	assert_int_equal(find("", "alice", 1001, &s), -ENOENT);
	assert_int_equal(find("alice:99999999999:65536\n", "alice", 1001, &s), -ENOENT);
}

static const IdmapSpec user_spec = {
    .mode = ALCOVE_MODE_USER, .uid = 1001, .gid = 1001, .subuid = 100000, .subgid = 200000};

static void test_user_mode(void **state)
{
	char buf[IDMAP_TEXT_MAX];

	assert_int_equal(idmap_format_uid(&user_spec, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 100000 1001\n"
				 "1001 1001 1\n"
				 "1002 101002 64534\n");
	assert_int_equal(idmap_format_gid(&user_spec, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 200000 5\n"
				 "5 5 1\n"
				 "6 200006 995\n"
				 "1001 1001 1\n"
				 "1002 201002 64534\n");
	assert_int_equal(idmap_nsroot_uid(&user_spec), 100000);
	assert_int_equal(idmap_nsroot_gid(&user_spec), 200000);
	assert_int_equal(idmap_login_uid(&user_spec), 1001);
	assert_int_equal(idmap_login_gid(&user_spec), 1001);
}

static void test_root_mode(void **state)
{
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];

	s.mode = ALCOVE_MODE_ROOT;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 1001 1\n"
				 "1 100001 65535\n");
	/* no tty: ns root could chgrp a home file to it and make it setgid (host tty) */
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 1001 1\n"
				 "1 200001 65535\n");
	assert_int_equal(idmap_nsroot_uid(&s), 1001);
	assert_int_equal(idmap_nsroot_gid(&s), 1001);
	assert_int_equal(idmap_login_uid(&s), 0);
	assert_int_equal(idmap_login_gid(&s), 0);
}

static void test_supplementary_groups(void **state)
{
	const gid_t groups[] = {27, 1001 /* primary, listed again */, 70000, 100};
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];

	s.groups = groups;
	s.n_groups = ELEMENTSOF(groups);
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 200000 5\n"
				 "5 5 1\n"
				 "6 200006 21\n"
				 "27 27 1\n"
				 "28 200028 72\n"
				 "100 100 1\n"
				 "101 200101 900\n"
				 "1001 1001 1\n"
				 "1002 201002 64534\n"
				 "70000 70000 1\n");
	/* root mode: the primary group is ns 0 and is not mapped a second time */
	s.mode = ALCOVE_MODE_ROOT;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 1001 1\n"
				 "1 200001 26\n"
				 "27 27 1\n"
				 "28 200028 72\n"
				 "100 100 1\n"
				 "101 200101 65435\n"
				 "70000 70000 1\n");
}

static void test_tty_gid_is_primary(void **state)
{
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];

	/* a user whose primary group is tty: one identity entry, not two */
	s.gid = 5;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 200000 5\n"
				 "5 5 1\n"
				 "6 200006 65530\n");
	/* root mode: the user's own group tty is ns 0, once (the user may chgrp to it anyway) */
	s.mode = ALCOVE_MODE_ROOT;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 5 1\n"
				 "1 200001 65535\n");
}

/* Root mode maps tty only for a member of it (passed through), as itself. */
static void test_root_mode_tty_member(void **state)
{
	const gid_t tty = 5;
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];

	s.mode = ALCOVE_MODE_ROOT;
	s.groups = &tty;
	s.n_groups = 1;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 1001 1\n"
				 "1 200001 4\n"
				 "5 5 1\n"
				 "6 200006 65530\n");
}

static void test_uid_above_range(void **state)
{
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];

	s.uid = 70001;
	s.gid = 70001;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 100000 65536\n"
				 "70001 70001 1\n");
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 200000 5\n"
				 "5 5 1\n"
				 "6 200006 65530\n"
				 "70001 70001 1\n");
}

static void test_overlaps_refused(void **state)
{
	IdmapSpec s = user_spec;
	char buf[IDMAP_TEXT_MAX];
	gid_t root_group = 0, in_range = 200010;

	/* U inside its own subordinate range */
	s.uid = 100500;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), -EINVAL);
	/* host uid 0 is never mapped */
	s.uid = 0;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), -EINVAL);
	s.mode = ALCOVE_MODE_ROOT;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), -EINVAL);
	/* nor host gid 0 as a passed-through group */
	s = user_spec;
	s.groups = &root_group;
	s.n_groups = 1;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), -EINVAL);
	/* a group inside the subordinate gid range */
	s.groups = &in_range;
	assert_int_equal(idmap_format_gid(&s, buf, sizeof(buf)), -EINVAL);
	/* a subordinate range at 0 */
	s = user_spec;
	s.subuid = 0;
	assert_int_equal(idmap_format_uid(&s, buf, sizeof(buf)), -EINVAL);
}

static void test_check_range(void **state)
{
	assert_int_equal(idmap_check_range(100000, 1001), 0);
	assert_int_equal(idmap_check_range(65536, 1001), 0);
	assert_int_equal(idmap_check_range(65536, 65535), 0);
	/* below 65536: the host's own system and user ids */
	assert_int_equal(idmap_check_range(1, 1001), -EDOM);
	assert_int_equal(idmap_check_range(65535, 200000), -EDOM);
	/* holding the user's own id */
	assert_int_equal(idmap_check_range(100000, 100000), -EEXIST);
	assert_int_equal(idmap_check_range(100000, 165535), -EEXIST);
	assert_int_equal(idmap_check_range(100000, 165536), 0);
	assert_int_equal(idmap_check_range(100000, 99999), 0);
}

static void test_buffer_too_small(void **state)
{
	char buf[8];

	assert_int_equal(idmap_format_uid(&user_spec, buf, sizeof(buf)), -E2BIG);
	assert_int_equal(idmap_format_uid(&user_spec, buf, 0), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subid_by_name_and_uid),
	    cmocka_unit_test(test_subid_too_small),
	    cmocka_unit_test(test_subid_malformed_and_unterminated),
	    cmocka_unit_test(test_user_mode),
	    cmocka_unit_test(test_root_mode),
	    cmocka_unit_test(test_supplementary_groups),
	    cmocka_unit_test(test_tty_gid_is_primary),
	    cmocka_unit_test(test_root_mode_tty_member),
	    cmocka_unit_test(test_uid_above_range),
	    cmocka_unit_test(test_overlaps_refused),
	    cmocka_unit_test(test_check_range),
	    cmocka_unit_test(test_buffer_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
