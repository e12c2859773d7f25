/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "idmap.h"
#include "macro.h"
#include "subid.h"

static int find(const char *text, const char *user, uid_t uid, uint32_t *ret)
{
	return idmap_find_subid(text, strlen(text), user, uid, ret, NULL);
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

/* An owner field of digits is a name and a uid to shadow-utils: the line says which it
 * matched (subid.c refuses the ambiguous cases, issue 12, route 5). */
static void test_subid_numeric_name(void **state)
{
	const char *text = "1003:231072:65536\n"
			   "2000:300000:65536\n";
	bool by_uid = true;
	uint32_t s = 0, v = 0;

	/* the user named "1003" (uid 2000): the first line, by name */
	assert_int_equal(idmap_find_subid(text, strlen(text), "1003", 2000, &s, &by_uid), 0);
	assert_int_equal(s, 231072);
	assert_false(by_uid);
	/* the account of uid 1003 (named carol): the same line, by uid */
	assert_int_equal(idmap_find_subid(text, strlen(text), "carol", 1003, &s, &by_uid), 0);
	assert_int_equal(s, 231072);
	assert_true(by_uid);
	assert_true(idmap_parse_id("1003", &v));
	assert_int_equal(v, 1003);
	assert_false(idmap_parse_id("carol", &v));
	assert_false(idmap_parse_id("", &v));
	assert_false(idmap_parse_id("99999999999", &v));
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

/* Route 5 of issue 12: a range that shares an id with another owner's line. */
static void test_find_overlap(void **state)
{
	const char *text = "alice:200000:65536\n"
			   "bob:265536:65536\n" /* adjacent: no overlap */
			   "broken line\n"
			   "carol:300000:10\n"	   /* a short line is a range all the same */
			   "1001:100000:65536\n"   /* alice by uid: her own */
			   "alice:250000:65536\n"; /* her own second line */
	IdmapOverlap o;

	assert_int_equal(idmap_find_overlap(text, strlen(text), "alice", 1001, 200000, &o), 0);
	/* dave's range starting inside alice's */
	assert_int_equal(idmap_find_overlap(text, strlen(text), "dave", 1004, 230000, &o), 1);
	assert_string_equal(o.owner, "alice");
	assert_int_equal(o.start, 200000);
	assert_int_equal(o.count, 65536);
	assert_int_equal(o.lineno, 1);
	/* one id shared at the end: bob's first id is the last of [200001, 265537) */
	assert_int_equal(idmap_find_overlap(text, strlen(text), "alice", 1001, 200001, &o), 1);
	assert_string_equal(o.owner, "bob");
	assert_int_equal(o.lineno, 2);
	/* carol's 10 ids inside a range, found by line number past a malformed line */
	assert_int_equal(idmap_find_overlap(text, strlen(text), "bob", 1002, 299990, &o), 1);
	assert_string_equal(o.owner, "carol");
	assert_int_equal(o.lineno, 4);
	/* a count of 0 holds nothing */
	assert_int_equal(idmap_find_overlap("x:70000:0\n", 10, "y", 5, 65536, &o), 0);
	/* a range at the top of the id space does not wrap */
	const char *top = "x:4294901759:65536\n";
	assert_int_equal(idmap_find_overlap(top, strlen(top), "y", 5, 65536, &o), 0);
	assert_int_equal(idmap_find_overlap(top, strlen(top), "y", 5, 4294901000u, &o), 1);
}

static void test_reserved_and_holds(void **state)
{
	IdRange v[2];

	assert_int_equal(idmap_parse_range("100000-199999", &v[0]), 0);
	assert_int_equal(v[0].first, 100000);
	assert_int_equal(v[0].last, 199999);
	assert_int_equal(idmap_parse_range("5000000", &v[1]), 0);
	assert_int_equal(v[1].first, 5000000);
	assert_int_equal(v[1].last, 5000000);
	assert_null(idmap_reserved_overlap(v, 2, 200000));
	assert_null(idmap_reserved_overlap(v, 2, 100000 - IDMAP_RANGE));
	assert_ptr_equal(idmap_reserved_overlap(v, 2, 100000 - IDMAP_RANGE + 1), &v[0]);
	assert_ptr_equal(idmap_reserved_overlap(v, 2, 199999), &v[0]);
	assert_ptr_equal(idmap_reserved_overlap(v, 2, 5000000 - 5), &v[1]);
	assert_null(idmap_reserved_overlap(v, 0, 150000));

	assert_int_equal(idmap_parse_range("4294967295", &v[0]), 0);
	assert_int_equal(idmap_parse_range("4294967296", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range("2-1", &v[0]), -ERANGE);
	assert_int_equal(idmap_parse_range("", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range("-5", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range("5-", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range("1-2-3", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range(" 1-2", &v[0]), -EINVAL);
	assert_int_equal(idmap_parse_range("0x10", &v[0]), -EINVAL);

	assert_true(idmap_range_holds(100000, 100000));
	assert_true(idmap_range_holds(100000, 165535));
	assert_false(idmap_range_holds(100000, 165536));
	assert_false(idmap_range_holds(100000, 99999));
	assert_false(idmap_range_holds(4294901760u, 5));
}

/* subid_find() on a file of its own: the refusals name the file, the range and the holder.
 * Ranges far above any account a test machine has (NSS is enumerated for real). */
static void test_subid_find_messages(void **state)
{
	char path[] = "/var/tmp/alcove-test-subid-XXXXXX";
	const char text[] = "alcidu:3000000000:65536\n"
			    "alcidv:3000065535:65536\n"
			    "alcidw:3000200000:65536\n"
			    "alcidl:1000:65536\n";
	Policy p = {.path = (char *)"/etc/alcove/test.conf",
		    .reserved_ids = {{3000200000u, 3000299999u, 7}},
		    .n_reserved_ids = 1};
	AlcError e = {0};
	uint32_t start = 0;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(
	    subid_find(path, SUBID_UID, "alcidu", 4001, 4001, &p, &start, &e),
	    -EINVAL);
	assert_non_null(
	    strstr(e.msg, "the subordinate uid range 3000000000-3000065535 of alcidu in "));
	assert_non_null(strstr(e.msg, "overlaps the range 3000065535-3000131070 of alcidv (line 2)"));
	assert_int_equal(e.err, EINVAL);
	assert_int_equal(start, 0);
	assert_int_equal(
	    subid_find(path, SUBID_GID, "alcidw", 4003, 4003, &p, &start, &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "subordinate gid range 3000200000-3000265535 of alcidw"));
	assert_non_null(strstr(e.msg, "overlaps reserved_ids range 3000200000-3000299999 "
				    "(/etc/alcove/test.conf:7)"));
	/* without the reserved range, and with no account in it, alcidw's range is fine */
	assert_int_equal(
	    subid_find(path, SUBID_UID, "alcidw", 4003, 4003, NULL, &start, &e), 0);
	assert_int_equal(start, 3000200000u);
	/* below 65536 (host id 0 and the system's ids), and the user's own uid */
	assert_int_equal(
	    subid_find(path, SUBID_UID, "alcidl", 4004, 4004, NULL, &start, &e),
	    -EINVAL);
	assert_non_null(strstr(e.msg, "starts at 1000, below 65536"));
	assert_int_equal(subid_find(path, SUBID_UID, "alcidw", 3000200005u, 3000200005u, NULL,
				    &start, &e),
			 -EINVAL);
	assert_non_null(strstr(e.msg, "holds the user's own uid 3000200005"));
	assert_int_equal(
	    subid_find(path, SUBID_UID, "alcidx", 4005, 4005, NULL, &start, &e),
	    -ENOENT);
	assert_non_null(strstr(e.msg, "user alcidx has no subordinate uid range of 65536 in "));
	assert_int_equal(e.err, ENOENT);
	assert_string_equal(e.stage, "ids");
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_subid_by_name_and_uid),
	    cmocka_unit_test(test_subid_numeric_name),
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
	    cmocka_unit_test(test_find_overlap),
	    cmocka_unit_test(test_reserved_and_holds),
	    cmocka_unit_test(test_subid_find_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
