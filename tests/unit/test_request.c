/* SPDX-License-Identifier: GPL-2.0-or-later */
/* helper/verbs/request.c: the helper's request parsed once into a typed struct. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../helper/verbs/request.h"
#include "policy.h"

static void parse(KvBuilder *b, KvMessage *msg)
{
	assert_int_equal(b->error, 0);
	assert_int_equal(kv_parse(b->buf, b->len, msg), 0);
}

/* What the PAM module sends for open. */
static void test_open(void **state)
{
	KvBuilder b;
	KvMessage msg;
	Request req;
	const char *bad = NULL;

	kv_builder_init(&b);
	kv_add(&b, "user", "alice");
	kv_add(&b, "service", "sshd");
	kv_add(&b, "tty", "ssh");
	kv_add(&b, "rhost", "192.0.2.1");
	kv_add(&b, "config", "/etc/x.conf");
	kv_add(&b, "lobby", "1");
	kv_add(&b, "debug", "0");
	parse(&b, &msg);
	assert_int_equal(request_parse(&msg, &req, &bad), 0);
	assert_string_equal(req.user, "alice");
	assert_string_equal(req.service, "sshd");
	assert_string_equal(req.tty, "ssh");
	assert_string_equal(req.rhost, "192.0.2.1");
	assert_string_equal(req.config, "/etc/x.conf");
	assert_true(req.lobby);
	assert_false(req.debug);
	assert_null(req.name);
	assert_null(req.session);
	assert_false(req.dry_run);
	assert_false(req.force);
}

/* Absent or empty config is the default file; absent flags are 0. */
static void test_defaults(void **state)
{
	KvBuilder b;
	KvMessage msg;
	Request req;
	const char *bad = NULL;

	kv_builder_init(&b);
	kv_add(&b, "user", "bob");
	kv_add(&b, "config", "");
	kv_add(&b, "force", "1");
	parse(&b, &msg);
	assert_int_equal(request_parse(&msg, &req, &bad), 0);
	assert_string_equal(req.config, ALCOVE_DEFAULT_CONFIG);
	assert_true(req.force);
	assert_false(req.lobby);
	assert_false(req.dry_run);
}

/* A flag other than 0 or 1 is refused, naming the key (it was read as 0 before). */
static void test_bad_flag(void **state)
{
	KvBuilder b;
	KvMessage msg;
	Request req;
	const char *bad = NULL;

	kv_builder_init(&b);
	kv_add(&b, "user", "bob");
	kv_add(&b, "dryrun", "yes");
	parse(&b, &msg);
	assert_int_equal(request_parse(&msg, &req, &bad), -EINVAL);
	assert_string_equal(bad, "dryrun");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_bad_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
