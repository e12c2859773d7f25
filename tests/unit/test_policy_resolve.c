/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inheritance: builtin -> defaults -> parent(s) -> profile, with the origin of every key. */
#include "policy_testlib.h"

static void assert_origin(const Origin *o, const char *section, int line)
{
	assert_non_null(o->section);
	assert_string_equal(o->section, section);
	assert_int_equal(o->line, line);
}

static void test_builtin_defaults(void **state)
{
	Policy *p = load_ok("# the defaults only\n");
	const Profile *d = &p->defaults;

	assert_string_equal(d->name, "defaults");
	assert_int_equal(d->mode, ALCOVE_MODE_USER);
	assert_int_equal(d->n_image, 1);
	assert_string_equal(d->image[0], "/var/lib/alcove/images/bookworm");
	assert_true(d->persist);
	assert_string_equal(d->home, "host");
	assert_string_equal(d->hostname, "%u-alcove");
	assert_int_equal(d->on_last_logout, LOGOUT_KEEP);
	assert_int_equal(d->idle_timeout, 0);
	assert_int_equal(d->cgroup, CGROUP_SYSTEMD);
	assert_int_equal(d->failure, FAILURE_CLOSED);
	/* fair by default: a quarter of RAM, 2048 tasks, a 10G layer (warned about where the
	 * filesystem cannot enforce it only by explain) */
	assert_int_equal(d->limits.set, (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX));
	assert_true(limit_is_percent(d->limits.value[LIMIT_MEMORY_MAX]));
	assert_int_equal(d->limits.value[LIMIT_MEMORY_MAX] & ~LIMIT_PERCENT_FLAG, 250000);
	assert_int_equal(d->limits.value[LIMIT_TASKS_MAX], 2048);
	assert_origin(&d->limit_origin[LIMIT_MEMORY_MAX], "builtin", 0);
	assert_int_equal(d->layer_quota, 10ull << 30);
	assert_int_equal(d->layer_inodes, 0);
	assert_int_equal(d->layer_quota_fallback, QUOTA_FALLBACK_WARN);
	assert_int_equal(d->n_groups_passthrough, 0);
	assert_int_equal(d->n_mounts, 0);
	assert_false(d->setuid);
	assert_int_equal(d->share, SHARE_USER);
	assert_int_equal(d->network, NETWORK_HOST);
	assert_int_equal(d->tmp_size.percent, 10);
	assert_int_equal(d->tmp_size.bytes, 0);
	assert_int_equal(d->tmp_inodes, 262144);
	for (int k = 0; k < _PKEY_MAX; k++)
		assert_origin(&d->origin[k], "builtin", 0);
	assert_ptr_equal(policy_find_profile(p, "defaults"), d);
	assert_ptr_equal(policy_find_profile(p, NULL), d);
	assert_null(policy_find_profile(p, "nope"));
	policy_free(p);
}

static const char chain[] = "defaults = {\n"					/* 1 */
			    "  mode = \"user\";\n"				/* 2 */
			    "  persist = false;\n"				/* 3 */
			    "  limits = {\n"					/* 4 */
			    "    MemoryMax = \"2G\";\n"				/* 5 */
			    "    TasksMax = 512;\n"				/* 6 */
			    "  };\n"						/* 7 */
			    "};\n"						/* 8 */
			    "profiles = {\n"					/* 9 */
			    "  base = {\n"					/* 10 */
			    "    hostname = \"lab-%u\";\n"			/* 11 */
			    "    limits = { CPUWeight = 50; };\n"		/* 12 */
			    "  };\n"						/* 13 */
			    "  student = {\n"					/* 14 */
			    "    inherit = \"base\";\n"				/* 15 */
			    "    limits = {\n"					/* 16 */
			    "      MemoryMax = \"512M\";\n"			/* 17 */
			    "    };\n"						/* 18 */
			    "    mounts = ( { source = \"/srv/course\"; } );\n" /* 19 */
			    "  };\n"						/* 20 */
			    "  builder = {\n"					/* 21 */
			    "    inherit = \"student\";\n"			/* 22 */
			    "    mode = \"root\";\n"				/* 23 */
			    "    mounts = ();\n"				/* 24 */
			    "  };\n"						/* 25 */
			    "};\n";

static void test_inheritance_and_origins(void **state)
{
	Policy *p = load_ok(chain);
	const Profile *d = &p->defaults, *base, *student, *builder;

	assert_false(d->persist);
	assert_origin(&d->origin[PKEY_PERSIST], "defaults", 3);
	assert_origin(&d->origin[PKEY_MODE], "defaults", 2);
	assert_origin(&d->origin[PKEY_IMAGE], "builtin", 0);

	base = policy_find_profile(p, "base");
	assert_non_null(base);
	assert_null(base->inherit);
	assert_int_equal(base->line, 10);
	assert_string_equal(base->hostname, "lab-%u");
	assert_origin(&base->origin[PKEY_HOSTNAME], "base", 11);
	assert_false(base->persist);
	assert_origin(&base->origin[PKEY_PERSIST], "defaults", 3);
	assert_origin(&base->origin[PKEY_HOME], "builtin", 0);

	student = policy_find_profile(p, "student");
	assert_string_equal(student->inherit, "base");
	assert_int_equal(student->inherit_line, 15);
	assert_string_equal(student->hostname, "lab-%u"); /* from base */
	assert_origin(&student->origin[PKEY_HOSTNAME], "base", 11);
	assert_int_equal(student->n_mounts, 1);
	assert_origin(&student->origin[PKEY_MOUNTS], "student", 19);

	builder = policy_find_profile(p, "builder");
	assert_int_equal(builder->mode, ALCOVE_MODE_ROOT);
	assert_origin(&builder->origin[PKEY_MODE], "builder", 23);
	assert_int_equal(builder->n_mounts, 0); /* a list replaces the parent's list */
	assert_origin(&builder->origin[PKEY_MOUNTS], "builder", 24);
	assert_string_equal(builder->hostname, "lab-%u"); /* two levels up */
	assert_false(builder->persist);			  /* three levels up */
	policy_free(p);
}

/* limits merge key by key: a profile setting MemoryMax keeps the defaults' TasksMax. */
static void test_limits_merge(void **state)
{
	Policy *p = load_ok(chain);
	const Profile *student = policy_find_profile(p, "student");
	const Profile *builder = policy_find_profile(p, "builder");

	assert_int_equal(p->defaults.limits.set,
			 (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX));
	assert_int_equal(student->limits.set, (1u << LIMIT_MEMORY_MAX) | (1u << LIMIT_TASKS_MAX) |
						  (1u << LIMIT_CPU_WEIGHT));
	assert_int_equal(student->limits.value[LIMIT_MEMORY_MAX], 512ull << 20);
	assert_origin(&student->limit_origin[LIMIT_MEMORY_MAX], "student", 17);
	assert_int_equal(student->limits.value[LIMIT_TASKS_MAX], 512);
	assert_origin(&student->limit_origin[LIMIT_TASKS_MAX], "defaults", 6);
	assert_int_equal(student->limits.value[LIMIT_CPU_WEIGHT], 50);
	assert_origin(&student->limit_origin[LIMIT_CPU_WEIGHT], "base", 12);
	/* builder sets no limits: all inherited through student */
	assert_int_equal(builder->limits.set, student->limits.set);
	assert_origin(&builder->limit_origin[LIMIT_MEMORY_MAX], "student", 17);
	policy_free(p);
}

/* Profiles may be declared in any order; inherit = "defaults" is the same as none. */
static void test_order_and_explicit_defaults(void **state)
{
	Policy *p = load_ok("profiles = {\n  child = { inherit = \"parent\"; persist = false; };\n"
			    "  parent = { inherit = \"defaults\"; network = \"none\"; };\n};\n");
	const Profile *child = policy_find_profile(p, "child");

	assert_int_equal(child->network, NETWORK_NONE);
	assert_origin(&child->origin[PKEY_NETWORK], "parent", 3);
	assert_false(child->persist);
	assert_int_equal(p->n_profiles, 2);
	assert_string_equal(p->profiles[0].name, "child"); /* file order kept */
	policy_free(p);
}

static void test_profile_overlay_copies(void **state)
{
	Profile a, b = {0};

	assert_int_equal(profile_init_builtin(&a, "a"), 0);
	b.name = strdup("b");
	assert_int_equal(profile_overlay(&b, &a), 0);
	profile_done(&a); /* b holds copies, not pointers into a */
	assert_string_equal(b.image[0], "/var/lib/alcove/images/bookworm");
	assert_string_equal(b.home, "host");
	assert_string_equal(b.name, "b");
	profile_done(&b);
}

static void test_format_values(void **state)
{
	Policy *p =
	    load_ok("defaults = { image = ( \"/a\", \"/b\" ); limits = { MemoryMax = \"512M\";"
		    " CPUQuota = \"12.5%\"; TasksMax = \"infinity\"; };\n"
		    " mounts = ( { source = \"/s\"; target = \"/t\"; writable = true; } ); };\n");
	char buf[256];

	profile_format_value(&p->defaults, PKEY_IMAGE, buf, sizeof(buf));
	assert_string_equal(buf, "/a, /b");
	profile_format_value(&p->defaults, PKEY_LIMITS, buf, sizeof(buf));
	assert_string_equal(buf, "MemoryMax=512M, TasksMax=infinity, CPUQuota=12.50%");
	profile_format_value(&p->defaults, PKEY_MOUNTS, buf, sizeof(buf));
	assert_string_equal(buf, "/s -> /t (rw)");
	profile_format_value(&p->defaults, PKEY_MODE, buf, sizeof(buf));
	assert_string_equal(buf, "user");
	profile_format_value(&p->defaults, PKEY_GROUPS_PASSTHROUGH, buf, sizeof(buf));
	assert_string_equal(buf, "(none)");
	profile_format_value(&p->defaults, PKEY_PERSIST, buf, sizeof(buf));
	assert_string_equal(buf, "true");
	profile_format_value(&p->defaults, PKEY_TMP_SIZE, buf, sizeof(buf));
	assert_string_equal(buf, "10%");
	profile_format_value(&p->defaults, PKEY_TMP_INODES, buf, sizeof(buf));
	assert_string_equal(buf, "262144");
	profile_format_value(&p->defaults, PKEY_LAYER_QUOTA, buf, sizeof(buf));
	assert_string_equal(buf, "10G");
	policy_free(p);
	p = load_ok("defaults = { layer_quota = \"20M\"; layer_inodes = 1000; };\n"
		    "profiles = { free = { layer_quota = \"infinity\"; }; };\n");
	profile_format_value(&p->defaults, PKEY_LAYER_QUOTA, buf, sizeof(buf));
	assert_string_equal(buf, "20M");
	profile_format_value(&p->defaults, PKEY_LAYER_INODES, buf, sizeof(buf));
	assert_string_equal(buf, "1000");
	profile_format_value(&p->profiles[0], PKEY_LAYER_QUOTA, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_defaults),
	    cmocka_unit_test(test_inheritance_and_origins),
	    cmocka_unit_test(test_limits_merge),
	    cmocka_unit_test(test_order_and_explicit_defaults),
	    cmocka_unit_test(test_profile_overlay_copies),
	    cmocka_unit_test(test_format_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
