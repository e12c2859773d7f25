/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy_load(): one test per class of error, each asserting FILE:LINE and the key. */
#include "policy_testlib.h"

#include <sys/stat.h>

static void test_syntax_error(void **state)
{
	assert_load_error("defaults = {\n  mode = \"user\";\n  persist = = true;\n};\n", 3,
			  "syntax error");
}

/* Exactly one error, exactly "PATH:msg" (msg starts with the line). */
static void assert_only_error(const char *text, const char *msg)
{
	PolicyErrors errs;
	Policy *p;
	char *path, *want;

	assert_int_equal(load_text(text, &p, &errs, &path), -EINVAL);
	assert_true(asprintf(&want, "%s:%s", path, msg) > 0);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], want);
	free(want);
	free(path);
	policy_errors_clear(&errs);
}

/* libconfig says only "duplicate setting name": the name (its path) and both lines. */
static void test_duplicate_setting(void **state)
{
	/* The README mistake: the shipped file's own rules, then an appended rules line. */
	assert_only_error("profiles = { p = { }; };\n"
			  "# rules = ( ... ) in a comment is no setting\n"
			  "rules = (\n  { user = \"a\"; profile = \"p\"; }\n);\n"
			  "x = \"rules = ( \\\" ) }\"; /* rules = */ // rules =\n"
			  "rules = ( { user = \"b\"; profile = \"p\"; } );\n",
			  "7: duplicate setting 'rules' (first set at line 3)");
	/* In a profile, past another profile that has the same key. */
	assert_only_error("profiles = {\n  a = { persist = false; };\n  b = {\n"
			  "    persist = true;\n    limits = { TasksMax = 5; };\n"
			  "    persist\n      = false;\n  };\n};\n",
			  "6: duplicate setting 'profiles.b.persist' (first set at line 4)");
	/* On one line, inside a group in a list in a group, and an array before it. */
	assert_only_error(
	    "defaults = { groups_passthrough = [ \"a\", \"b\" ];\n"
	    "  mounts = ( { source = \"/a\"; }, { source = \"/b\"; source = \"/c\"; } ); };\n",
	    "2: duplicate setting 'defaults.mounts #2.source' (first set at line 2)");
	assert_only_error("rules = ( { user = \"a\"; profile = \"x\"; },\n"
			  "  { group = \"g\"; profile = \"x\";\n    group = \"h\"; } );\n",
			  "3: duplicate setting 'rules #2.group' (first set at line 2)");
	/* Names are case-sensitive in libconfig: Rules is another (unknown) key, no duplicate. */
	assert_load_error("rules = ();\nRules = ();\n", 2, "Rules: unknown key");
}

static void test_unknown_keys(void **state)
{
	assert_load_error("defaults = { mode = \"user\"; };\nfrobnicate = 1;\n", 2, "frobnicate",
			  "unknown key");
	assert_load_error("defaults = {\n  mode = \"user\";\n  modes = \"root\";\n};\n", 3,
			  "defaults.modes", "unknown key");
	assert_load_error("profiles = {\n  p = {\n    inherti = \"x\";\n  };\n};\n", 3,
			  "profiles.p.inherti", "unknown key");
	/* inherit belongs to profiles only */
	assert_load_error("defaults = {\n  inherit = \"x\";\n};\n", 2, "defaults.inherit",
			  "unknown key");
	assert_load_error("defaults = {\n  limits = {\n    MemoryMax = \"1G\";\n"
			  "    MemoryMin = \"1G\";\n  };\n};\n",
			  4, "defaults.limits.MemoryMin", "unknown limit");
	assert_load_error("rules = (\n  { user = \"a\"; action = \"skip\"; },\n"
			  "  { usr = \"b\"; action = \"skip\"; }\n);\n",
			  3, "rule #2.usr", "unknown key");
	assert_load_error("defaults = {\n  mounts = (\n    { source = \"/srv\";\n"
			  "      mode = \"rw\"; }\n  );\n};\n",
			  4, "defaults.mounts #1.mode", "unknown key");
}

static void test_wrong_types(void **state)
{
	assert_load_error("\n\ndefaults = {\n  persist = \"yes\";\n};\n", 4, "defaults.persist",
			  "expected a boolean", "got a string");
	assert_load_error("defaults = {\n  mode = 1;\n};\n", 2, "defaults.mode",
			  "expected a string");
	assert_load_error("defaults = {\n  image = 5;\n};\n", 2, "defaults.image",
			  "expected a directory or a list");
	assert_load_error("defaults = {\n  idle_timeout = \"10\";\n};\n", 2,
			  "defaults.idle_timeout", "expected a number");
	assert_load_error("defaults = {\n  limits = 1;\n};\n", 2, "defaults.limits",
			  "expected a group");
	assert_load_error("defaults = {\n  groups_passthrough = \"audio\";\n};\n", 2,
			  "defaults.groups_passthrough", "expected a list");
	assert_load_error("defaults = {\n  mounts = \"/srv\";\n};\n", 2, "defaults.mounts",
			  "expected a list");
	assert_load_error("defaults = 1;\n", 1, "defaults", "expected a group");
	assert_load_error("profiles = (1);\n", 1, "profiles", "expected a group");
	assert_load_error("profiles = {\n  p = 1;\n};\n", 2, "profiles.p", "expected a group");
	assert_load_error("rules = { a = 1; };\n", 1, "rules", "expected a list");
	assert_load_error("rules = (\n  \"skip\" );\n", 2, "rule #1", "expected a group");
	assert_load_error("rules = (\n  { user = 7; action = \"skip\"; }\n);\n", 2, "rule #1.user",
			  "expected a string");
	assert_load_error("default_action = true;\n", 1, "default_action", "expected a string");
	assert_load_error(
	    "defaults = {\n  mounts = ( { source = \"/srv\"; writable = 1; } );\n};\n", 2,
	    "defaults.mounts #1.writable", "expected a boolean");
}

static void test_choices(void **state)
{
	assert_load_error("defaults = {\n  mode = \"admin\";\n};\n", 2, "defaults.mode",
			  "expected \"user\" or \"root\", got \"admin\"");
	assert_load_error("defaults = {\n  on_last_logout = \"never\";\n};\n", 2,
			  "defaults.on_last_logout", "\"keep\", \"stop\" or \"idle\"");
	assert_load_error("defaults = {\n  cgroup = \"v1\";\n};\n", 2, "defaults.cgroup",
			  "\"systemd\" or \"none\"");
	assert_load_error("defaults = {\n  failure = \"ajar\";\n};\n", 2, "defaults.failure",
			  "\"closed\" or \"open\"");
	assert_load_error("defaults = {\n  share = \"all\";\n};\n", 2, "defaults.share",
			  "\"user\" or \"session\"");
	assert_load_error("defaults = {\n  network = \"private\";\n};\n", 2, "defaults.network",
			  "\"host\" or \"none\"");
	assert_load_error("rules = (\n  { action = \"drop\"; }\n);\n", 2, "rule #1.action",
			  "\"skip\" or \"contain\"");
	assert_load_error("default_action = \"allow\";\n", 1, "default_action",
			  "\"skip\" or \"contain\"");
}

static void test_sizes(void **state)
{
	static const char *const bad[] = {"12Q", "-1G", "1.5G", "G", "", "1GB", " 1G", "1g"};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "defaults = {\n  limits = {\n    MemoryMax = \"%s\";\n"
			 "  };\n};\n",
			 bad[i]);
		assert_load_error(text, 3, "defaults.limits.MemoryMax", "malformed size");
	}
	/* a plain number: libconfig would truncate big ones silently, so sizes are strings */
	assert_load_error("defaults = {\n  limits = {\n    MemoryHigh = 1073741824;\n  };\n};\n", 3,
			  "defaults.limits.MemoryHigh", "expected a size", "got a number");
	assert_load_error("defaults = {\n  limits = { MemoryMax = \"99999999999E\"; };\n};\n", 2,
			  "defaults.limits.MemoryMax", "malformed size");
}

static void test_percentages(void **state)
{
	static const char *const bad[] = {"50", "0%", "x%", "1.234%", "-5%", "%", "50 %"};
	char text[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "defaults = {\n  limits = {\n    CPUQuota = \"%s\";\n"
			 "  };\n};\n",
			 bad[i]);
		assert_load_error(text, 3, "defaults.limits.CPUQuota", "malformed percentage");
	}
	assert_load_error("defaults = {\n  limits = { CPUQuota = 50; };\n};\n", 2,
			  "defaults.limits.CPUQuota", "expected a percentage");
}

static void test_tmpfs_keys(void **state)
{
	static const char *const bad[] = {"0", "infinity", "512K", "0%", "101%", "1.5%", "ten"};
	char text[256];
	Policy *p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "defaults = {\n  tmp_size = \"%s\";\n};\n", bad[i]);
		assert_load_error(text, 2, "defaults.tmp_size", "malformed size",
				  "\"1%\" to \"100%\"");
	}
	assert_load_error("defaults = {\n  tmp_size = 8388608;\n};\n", 2, "defaults.tmp_size",
			  "expected a string");
	assert_load_error("defaults = {\n  tmp_inodes = 10;\n};\n", 2, "defaults.tmp_inodes",
			  "out of range (64 to 1073741824 inodes)");
	assert_load_error("defaults = {\n  tmp_inodes = 2147483648L;\n};\n", 2,
			  "defaults.tmp_inodes", "out of range");
	assert_load_error("profiles = {\n  p = { tmp_inodes = \"100\"; };\n};\n", 2,
			  "profiles.p.tmp_inodes", "expected a number of inodes");
	p = load_ok(
	    "defaults = { tmp_size = \"8M\"; };\n"
	    "profiles = { small = { tmp_inodes = 100; }; big = { tmp_size = \"50%\"; }; };\n");
	assert_int_equal(policy_find_profile(p, "small")->tmp_size.bytes, 8u << 20);
	assert_int_equal(policy_find_profile(p, "small")->tmp_inodes, 100);
	assert_int_equal(policy_find_profile(p, "big")->tmp_size.percent, 50);
	assert_int_equal(policy_find_profile(p, "big")->tmp_size.bytes, 0);
	assert_int_equal(policy_find_profile(p, "big")->tmp_inodes, 262144);
	policy_free(p);
}

/* max_sessions: a count of a user's share = "session" alcoves; 16 builtin, 0 lifts it. */
static void test_max_sessions(void **state)
{
	Policy *p;

	assert_load_error("defaults = {\n  max_sessions = -1;\n};\n", 2, "defaults.max_sessions",
			  "out of range (0 to 65536 alcoves)");
	assert_load_error("profiles = {\n  p = { max_sessions = \"4\"; };\n};\n", 2,
			  "profiles.p.max_sessions", "expected a number of alcoves");
	p = load_ok("profiles = { few = { max_sessions = 2; }; any = { max_sessions = 0; };\n"
		    "  plain = { share = \"session\"; }; };\n");
	assert_int_equal(policy_find_profile(p, "few")->max_sessions, 2);
	assert_int_equal(policy_find_profile(p, "any")->max_sessions, 0);
	assert_int_equal(policy_find_profile(p, "plain")->max_sessions, 16);
	policy_free(p);
}

/* layer_quota is a size without the percentage form (a share of what?), layer_inodes a count,
 * layer_quota_fallback one of two words: each mistake named with its place. */
static void test_layer_quota_keys(void **state)
{
	static const char *const bad[] = {"10%", "1.5G", "-1", "ten", ""};
	char text[256];
	Policy *p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "defaults = {\n  layer_quota = \"%s\";\n};\n", bad[i]);
		assert_load_error(text, 2, "defaults.layer_quota", "malformed size",
				  "such as \"10G\", or \"infinity\"");
	}
	assert_load_error("defaults = {\n  layer_quota = \"0\";\n};\n", 2, "defaults.layer_quota",
			  "size \"0\" is 0", "\"infinity\" for none");
	assert_load_error("defaults = {\n  layer_quota = 10;\n};\n", 2, "defaults.layer_quota",
			  "expected a string");
	assert_load_error("profiles = {\n  p = { layer_inodes = -1; };\n};\n", 2,
			  "profiles.p.layer_inodes", "out of range (0 to 2147483647 inodes)");
	assert_load_error("profiles = {\n  p = { layer_inodes = 2147483648L; };\n};\n", 2,
			  "profiles.p.layer_inodes", "out of range");
	assert_load_error("profiles = {\n  p = { layer_inodes = \"100\"; };\n};\n", 2,
			  "profiles.p.layer_inodes", "expected a number of inodes");
	assert_load_error("defaults = {\n  layer_quota_fallback = \"maybe\";\n};\n", 2,
			  "defaults.layer_quota_fallback", "\"refuse\" or \"warn\"");
	p = load_ok(
	    "defaults = { layer_quota = \"20M\"; };\n"
	    "profiles = { free = { layer_quota = \"infinity\"; layer_inodes = 1000; }; };\n");
	assert_int_equal(p->defaults.layer_quota, 20u << 20);
	assert_int_equal(policy_find_profile(p, "free")->layer_quota, 0);
	assert_int_equal(policy_find_profile(p, "free")->layer_inodes, 1000);
	policy_free(p);
}

static void test_tasks_and_weights(void **state)
{
	assert_load_error("defaults = {\n  limits = { TasksMax = 0; };\n};\n", 2,
			  "defaults.limits.TasksMax", "out of range");
	assert_load_error("defaults = {\n  limits = { TasksMax = \"lots\"; };\n};\n", 2,
			  "defaults.limits.TasksMax", "\"infinity\"");
	assert_load_error("defaults = {\n  limits = { CPUWeight = 0; };\n};\n", 2,
			  "defaults.limits.CPUWeight", "1 to 10000");
	assert_load_error("defaults = {\n  limits = { IOWeight = 10001; };\n};\n", 2,
			  "defaults.limits.IOWeight", "1 to 10000");
	assert_load_error("defaults = {\n  limits = { IOWeight = \"100\"; };\n};\n", 2,
			  "defaults.limits.IOWeight", "expected a weight");

	Policy *p = load_ok("defaults = { limits = { TasksMax = \"infinity\"; CPUWeight = 1; "
			    "IOWeight = 10000; CPUQuota = \"150%\"; MemoryMax = \"512M\"; "
			    "MemoryHigh = \"infinity\"; }; };\n");
	assert_int_equal(p->defaults.limits.value[LIMIT_TASKS_MAX], LIMIT_INFINITY);
	assert_int_equal(p->defaults.limits.value[LIMIT_CPU_WEIGHT], 1);
	assert_int_equal(p->defaults.limits.value[LIMIT_IO_WEIGHT], 10000);
	assert_int_equal(p->defaults.limits.value[LIMIT_CPU_QUOTA], 1500000);
	assert_int_equal(p->defaults.limits.value[LIMIT_MEMORY_MAX], 512ull << 20);
	assert_int_equal(p->defaults.limits.value[LIMIT_MEMORY_HIGH], LIMIT_INFINITY);
	assert_int_equal(p->defaults.limits.set, (1u << _LIMIT_MAX) - 1);
	policy_free(p);
}

static void test_images(void **state)
{
	char text[1024];
	size_t len;

	assert_load_error("defaults = {\n  image = \"images/bookworm\";\n};\n", 2, "defaults.image",
			  "\"images/bookworm\" is neither an absolute path");
	assert_load_error("defaults = {\n  image = \"/srv/../etc\";\n};\n", 2, "defaults.image",
			  "neither an absolute path without \"..\" components nor an image name");
	assert_load_error("defaults = {\n  image = ( \"/a\",\n  \".b\" );\n};\n", 3,
			  "defaults.image", "\".b\"");
	assert_load_error("defaults = {\n  image = ();\n};\n", 2, "defaults.image",
			  "expected 1 to 16 layers, got 0");
	len = (size_t)snprintf(text, sizeof(text), "defaults = {\n  image = [");
	for (int i = 0; i < POLICY_MAX_LAYERS + 1; i++)
		len +=
		    (size_t)snprintf(text + len, sizeof(text) - len, "%s\"/l%d\"", i ? "," : "", i);
	snprintf(text + len, sizeof(text) - len, "];\n};\n");
	assert_load_error(text, 2, "defaults.image", "expected 1 to 16 layers, got 17");

	Policy *p = load_ok("defaults = { image = [ \"/top\", \"/bottom\" ]; };\n");
	assert_int_equal(p->defaults.n_image, 2);
	assert_string_equal(p->defaults.image[0], "/top");
	assert_string_equal(p->defaults.image[1], "/bottom");
	policy_free(p);
	/* an OCI image by name, mixed with a directory (whether it exists: at build time) */
	p = load_ok("defaults = { image = [ \"/srv/overlay\", \"debian-12.4_x\" ]; };\n");
	assert_int_equal(p->defaults.n_image, 2);
	assert_string_equal(p->defaults.image[1], "debian-12.4_x");
	policy_free(p);
}

static void test_patterns(void **state)
{
	assert_load_error("defaults = {\n  hostname = \"%u/x\";\n};\n", 2, "defaults.hostname",
			  "contains a '/'");
	assert_load_error("defaults = {\n  hostname = \"..\";\n};\n", 2, "defaults.hostname",
			  "\"..\"");
	assert_load_error("defaults = {\n  home = \"/srv/homes/../%u\";\n};\n", 2, "defaults.home",
			  "\"..\" component");
	assert_load_error("defaults = {\n  home = \"/srv/%x\";\n};\n", 2, "defaults.home",
			  "unknown % escape");
	assert_load_error("defaults = {\n  hostname = \"box%\";\n};\n", 2, "defaults.hostname",
			  "lone '%'");
	assert_load_error("defaults = {\n  home = \"homes/%u\";\n};\n", 2, "defaults.home",
			  "expected \"host\" or an absolute path");
	assert_load_error("defaults = {\n  hostname = \"\";\n};\n", 2, "defaults.hostname",
			  "empty");

	Policy *p = load_ok("defaults = { home = \"/srv/homes/%u\"; hostname = \"%u-%U%%\"; };\n");
	assert_string_equal(p->defaults.home, "/srv/homes/%u");
	policy_free(p);
}

static void test_inherit_errors(void **state)
{
	assert_load_error("profiles = {\n  a = {\n    inherit = \"nope\";\n  };\n};\n", 3,
			  "profiles.a.inherit", "unknown profile \"nope\"");
	assert_load_error("profiles = {\n  a = { inherit = \"b\"; };\n  b = { inherit = \"c\"; };\n"
			  "  c = { inherit = \"a\"; };\n};\n",
			  4, "profiles.c.inherit", "inheritance cycle: a -> b -> c -> a");
	assert_load_error("profiles = {\n  self = { inherit = \"self\"; };\n};\n", 2,
			  "profiles.self.inherit", "inheritance cycle: self -> self");
	assert_load_error("profiles = {\n  defaults = { };\n};\n", 2, "profiles.defaults",
			  "reserved");
}

static void test_root_mode_host_image(void **state)
{
	assert_load_error(
	    "profiles = {\n  b = {\n    mode = \"root\";\n    image = \"/\";\n  };\n};\n", 3,
	    "profiles.b.mode", "mode = \"root\" with image \"/\"");
	/* image from the defaults, mode from the profile: the error is the profile's */
	assert_load_error("defaults = { image = \"/\"; };\nprofiles = {\n  b = {\n"
			  "    mode = \"root\";\n  };\n};\n",
			  4, "profiles.b.mode", "image \"/\"");
	/* mode from the defaults, image from the profile */
	assert_load_error("defaults = { mode = \"root\"; };\nprofiles = {\n  b = {\n"
			  "    image = [ \"/srv/layer\", \"//\" ];\n  };\n};\n",
			  4, "profiles.b.mode", "image \"/\"");
	assert_load_error("defaults = {\n  mode = \"root\";\n  image = \"/\";\n};\n", 2,
			  "defaults.mode", "image \"/\"");

	/* user mode may use the host's root as its lower layer */
	Policy *p = load_ok("defaults = { image = \"/\"; };\n");
	policy_free(p);
}

static void test_idle_needs_timeout(void **state)
{
	assert_load_error("profiles = {\n  p = {\n    on_last_logout = \"idle\";\n  };\n};\n", 3,
			  "profiles.p.idle_timeout", "idle_timeout > 0");
	assert_load_error("defaults = {\n  idle_timeout = -1;\n};\n", 2, "defaults.idle_timeout",
			  "out of range");
	Policy *p = load_ok("defaults = { idle_timeout = 600; };\n"
			    "profiles = { p = { on_last_logout = \"idle\"; }; };\n");
	assert_int_equal(p->profiles[0].idle_timeout, 600);
	assert_int_equal(p->profiles[0].on_last_logout, LOGOUT_IDLE);
	policy_free(p);
}

static void test_rule_errors(void **state)
{
	assert_load_error("rules = (\n  { user = \"a\"; }\n);\n", 2, "rule #1",
			  "needs profile = \"NAME\" or action = \"skip\"");
	assert_load_error("profiles = { p = { }; };\nrules = (\n"
			  "  { user = \"a\"; action = \"skip\"; profile = \"p\"; }\n);\n",
			  3, "rule #1", "exclude each other");
	assert_load_error("rules = (\n  { user = \"a\"; action = \"skip\"; },\n"
			  "  { group = \"g\"; profile = \"missing\"; }\n);\n",
			  3, "rule #2.profile", "unknown profile \"missing\"");
	assert_load_error("rules = (\n  { user = \"\"; action = \"skip\"; }\n);\n", 2,
			  "rule #1.user", "empty pattern");
	assert_load_error("default_profile = \"nope\";\n", 1, "default_profile",
			  "unknown profile \"nope\"");
}

static void test_root_rules(void **state)
{
	assert_load_error(
	    "profiles = { p = { }; };\nrules = (\n  { user = \"root\"; profile = \"p\"; }\n"
	    ");\n",
	    3, "rule #1.user",
	    "user root cannot be contained: host uid 0 is never mapped into an alcove");
	assert_load_error("rules = (\n  { user = \"root\"; action = \"contain\"; }\n);\n", 2,
			  "rule #1.user", "user root cannot be contained");
	Policy *p = load_ok("rules = ( { user = \"root\"; action = \"skip\"; } );\n");
	assert_int_equal(p->n_rules, 1);
	assert_int_equal(p->rules[0].action, RULE_SKIP);
	policy_free(p);
}

static void test_home_and_mounts(void **state)
{
	assert_load_error("defaults = {\n  mounts = ( { source = \"srv\"; } );\n};\n", 2,
			  "defaults.mounts #1.source", "\"srv\" is not an absolute path");
	assert_load_error("defaults = {\n  mounts = ( { source = \"/srv\";\n"
			  "    target = \"/data/../etc\"; } );\n};\n",
			  3, "defaults.mounts #1.target", "\"..\"");
	assert_load_error("defaults = {\n  mounts = (\n    { target = \"/x\"; }\n  );\n};\n", 3,
			  "defaults.mounts #1", "needs a source");
	assert_load_error("defaults = {\n  mounts = (\n    { source = \"/srv\"; target = \"/\"; }\n"
			  "  );\n};\n",
			  3, "defaults.mounts #1.target", "root");
	assert_load_error("defaults = {\n  mounts = ( \"/srv\" );\n};\n", 2, "defaults.mounts #1",
			  "expected a group");

	Policy *p = load_ok("defaults = { mounts = ( { source = \"/srv/data\"; },\n"
			    "  { source = \"/opt/x\"; target = \"/x\"; writable = true; } ); };\n");
	assert_int_equal(p->defaults.n_mounts, 2);
	assert_string_equal(p->defaults.mounts[0].target, "/srv/data"); /* defaults to source */
	assert_false(p->defaults.mounts[0].writable);
	assert_string_equal(p->defaults.mounts[1].target, "/x");
	assert_true(p->defaults.mounts[1].writable);
	policy_free(p);
}

static void test_groups_passthrough(void **state)
{
	assert_load_error(
	    "defaults = {\n  groups_passthrough = [ \"audio\",\n  \"../etc\" ];\n};\n", 3,
	    "defaults.groups_passthrough", "\"../etc\" is not a valid group name");
	Policy *p = load_ok("defaults = { groups_passthrough = [ \"audio\", \"video\" ]; };\n");
	assert_int_equal(p->defaults.n_groups_passthrough, 2);
	assert_string_equal(p->defaults.groups_passthrough[1], "video");
	policy_free(p);
}

/* Loading goes on after an error: check-config shows every problem at once, sorted. */
static void test_collects_every_error(void **state)
{
	PolicyErrors errs;
	Policy *p;
	int r = load_text(
	    "rules = (\n  { user = \"a\"; profile = \"x\"; }\n);\n"
	    "defaults = {\n  mode = \"x\";\n  persist = 1;\n  limits = { TasksMax = 0; };\n"
	    "};\nbogus = 1;\n",
	    &p, &errs, NULL);

	assert_int_equal(r, -EINVAL);
	assert_int_equal(errs.n, 5);
	assert_non_null(strstr(errs.msg[0], ":2: rule #1.profile"));
	assert_non_null(strstr(errs.msg[1], ":5: defaults.mode"));
	assert_non_null(strstr(errs.msg[2], ":6: defaults.persist"));
	assert_non_null(strstr(errs.msg[3], ":7: defaults.limits.TasksMax"));
	assert_non_null(strstr(errs.msg[4], ":9: bogus"));
	policy_errors_clear(&errs);
}

static void test_too_many_errors(void **state)
{
	char text[8192];
	size_t len = 0;
	PolicyErrors errs;
	Policy *p;

	for (int i = 0; i < POLICY_MAX_ERRORS + 10; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "bogus%d = 1;\n", i);
	assert_int_equal(load_text(text, &p, &errs, NULL), -EINVAL);
	assert_int_equal(errs.n, POLICY_MAX_ERRORS);
	assert_non_null(strstr(errs.msg[POLICY_MAX_ERRORS - 1], "too many errors"));
	policy_errors_clear(&errs);
}

static void test_missing_file(void **state)
{
	PolicyErrors errs = {0};
	Policy *p = NULL;

	assert_int_equal(policy_load("/nonexistent/alcove.conf", &p, &errs), -ENOENT);
	assert_null(p);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0],
			    "/nonexistent/alcove.conf: failed to open: No such file or "
			    "directory");
	policy_errors_clear(&errs);
}

/* libconfig's scanner exit()s when reading fails: only regular files reach it. */
static void test_not_a_regular_file(void **state)
{
	PolicyErrors errs = {0};
	Policy *p = NULL;
	char *fifo = write_conf("");

	assert_int_equal(policy_load("/", &p, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msg[0], "/: not a regular file");
	policy_errors_clear(&errs);

	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0); /* must not block opening it either */
	assert_int_equal(policy_load(fifo, &p, &errs), -EINVAL);
	assert_non_null(strstr(errs.msg[0], "not a regular file"));
	policy_errors_clear(&errs);
	unlink(fifo);
	free(fifo);
}

static void test_include_and_nul_refused(void **state)
{
	PolicyErrors errs;
	Policy *p;
	static const char nul[] = "defaults = { };\0rules = ();\n";
	char *path;

	assert_load_error("defaults = { };\n  @include \"/etc/alcove/more.conf\"\n", 2,
			  "@include is not supported");
	path = write_conf("");
	FILE *f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	fclose(f);
	errs = (PolicyErrors){0};
	assert_int_equal(policy_load(path, &p, &errs), -EINVAL);
	assert_non_null(strstr(errs.msg[0], "NUL byte"));
	policy_errors_clear(&errs);
	unlink(path);
	free(path);
}

/* A file of comments only: the defaults, contains nobody. An empty one is refused: an editor
 * rewriting the file in place truncates it first, and a login then must not read "nobody". */
static void test_empty_file(void **state)
{
	Policy *p = load_ok("# the defaults only\n");
	PolicyErrors errs;

	assert_int_equal(p->n_rules, 0);
	assert_int_equal(p->n_profiles, 0);
	assert_int_equal(p->default_action, RULE_SKIP);
	policy_free(p);
	p = NULL;
	assert_int_equal(load_text("", &p, &errs, NULL), -EINVAL);
	assert_null(p);
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.msg[0], ": empty (being rewritten?"));
	policy_errors_clear(&errs);
}

/* The shipped example must load and contain nobody; its defaults run on a fresh host (user
 * mode on the host's own system: a fresh install has no image), and the profile its commented
 * rule names is there. */
static void test_example_config(void **state)
{
	PolicyErrors errs = {0};
	Policy *p = NULL;
	int r = policy_load("config/alcove.conf", &p, &errs);
	const Profile *users;

	for (size_t i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msg[i]);
	assert_int_equal(r, 0);
	assert_int_equal(p->default_action, RULE_SKIP);
	assert_int_equal(p->n_rules, 0);
	assert_int_equal(p->defaults.mode, ALCOVE_MODE_USER);
	assert_int_equal(p->defaults.n_image, 1);
	assert_string_equal(p->defaults.image[0], "/");
	users = policy_find_profile(p, "users");
	assert_non_null(users);
	assert_int_equal(users->mode, ALCOVE_MODE_USER);
	assert_string_equal(users->image[0], "/");
	assert_non_null(policy_find_profile(p, "students"));
	policy_free(p);
}

/* reserved_ids: id ranges of a directory service no subordinate range may hold. */
static void test_reserved_ids(void **state)
{
	Policy *p = load_ok("reserved_ids = ( \"100000-199999\",\n  \"5000000\" );\n");

	assert_int_equal(p->n_reserved_ids, 2);
	assert_int_equal(p->reserved_ids[0].first, 100000);
	assert_int_equal(p->reserved_ids[0].last, 199999);
	assert_int_equal(p->reserved_ids[0].line, 1);
	assert_int_equal(p->reserved_ids[1].first, 5000000);
	assert_int_equal(p->reserved_ids[1].last, 5000000);
	assert_int_equal(p->reserved_ids[1].line, 2);
	policy_free(p);
	p = load_ok("reserved_ids = [ \"1-2\" ];\n");
	assert_int_equal(p->n_reserved_ids, 1);
	policy_free(p);

	assert_load_error("reserved_ids = ( \"100000-199999\",\n  \"ldap\" );\n", 2,
			  "reserved_ids[1]", "\"ldap\" is not an id range");
	assert_load_error("reserved_ids = ( \"9-1\" );\n", 1, "reserved_ids[0]",
			  "the last id is below the first");
	assert_load_error("reserved_ids = ( 5 );\n", 1, "reserved_ids[0]", "expected a string");
	assert_load_error("reserved_ids = \"1-5\";\n", 1, "reserved_ids", "expected a list");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax_error),
	    cmocka_unit_test(test_duplicate_setting),
	    cmocka_unit_test(test_unknown_keys),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_choices),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_percentages),
	    cmocka_unit_test(test_tmpfs_keys),
	    cmocka_unit_test(test_max_sessions),
	    cmocka_unit_test(test_layer_quota_keys),
	    cmocka_unit_test(test_tasks_and_weights),
	    cmocka_unit_test(test_images),
	    cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_inherit_errors),
	    cmocka_unit_test(test_root_mode_host_image),
	    cmocka_unit_test(test_idle_needs_timeout),
	    cmocka_unit_test(test_rule_errors),
	    cmocka_unit_test(test_root_rules),
	    cmocka_unit_test(test_home_and_mounts),
	    cmocka_unit_test(test_groups_passthrough),
	    cmocka_unit_test(test_collects_every_error),
	    cmocka_unit_test(test_too_many_errors),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_not_a_regular_file),
	    cmocka_unit_test(test_include_and_nul_refused),
	    cmocka_unit_test(test_empty_file),
	    cmocka_unit_test(test_example_config),
	    cmocka_unit_test(test_reserved_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
