/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether the tenant's environment reaches a bash /bin/sh that sshd runs on the host
 * (ctl/bash_env.c): what check-config and explain warn about. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../ctl/bash_env.h"

#define BASH "/usr/bin/bash"
#define DASH "/usr/bin/dash"

static bool routes(const char *sh, bool readenv, const char *permit, const char *accept_line,
		   BashEnvRoutes *rt)
{
	const char *accept[8];
	char copy[256];
	size_t n = 0;

	snprintf(copy, sizeof(copy), "%s", accept_line ? accept_line : "");
	for (char *s = strtok(copy, " "); s && n < 8; s = strtok(NULL, " "))
		accept[n++] = s;
	BashEnvInput in = {.sh = sh,
			   .user_readenv = readenv,
			   .permit_user_env = permit,
			   .accept_env = accept,
			   .n_accept_env = n};
	return bash_env_routes(&in, rt);
}

/* dash (Debian's /bin/sh) reads no code from the environment: nothing, whatever lets it in. */
static void test_dash_never(void **state)
{
	BashEnvRoutes rt;

	assert_false(routes(DASH, true, "yes", "*", &rt));
	assert_false(rt.user_readenv || rt.permit_name || rt.accept);
	assert_false(routes("/bin/busybox", true, "yes", "*", &rt));
	assert_false(routes(NULL, true, "yes", "*", &rt)); /* /bin/sh not resolved */
	assert_false(bash_env_is_bash("/usr/bin/dash"));
	assert_false(bash_env_is_bash("/opt/bash/bin/dash"));
	assert_true(bash_env_is_bash("/usr/bin/bash"));
	assert_true(bash_env_is_bash("/nix/store/x-bash-5.2/bin/bash"));
}

/* Debian's own stack (pam_env user_readenv=1 for /etc/default/locale) with a bash /bin/sh */
static void test_bash_user_readenv(void **state)
{
	BashEnvRoutes rt;

	assert_true(routes(BASH, true, NULL, "LANG LC_*", &rt));
	assert_true(rt.user_readenv);
	assert_null(rt.permit_name);
	assert_false(rt.accept);
	assert_false(routes(BASH, false, NULL, NULL, &rt)); /* nothing lets it in */
}

/* Debian's stock AcceptEnv lets in no variable bash reads code from */
static void test_bash_accept_lang(void **state)
{
	BashEnvRoutes rt;

	assert_false(routes(BASH, false, "no", "LANG LC_* COLORTERM NO_COLOR", &rt));
	assert_false(routes(BASH, false, "", "LANG LC_*", &rt));
	assert_false(routes(BASH, false, NULL, "SHELL?", &rt));
}

static void test_bash_accept_star(void **state)
{
	BashEnvRoutes rt;

	assert_true(routes(BASH, false, NULL, "LANG *", &rt));
	assert_true(rt.accept);
	assert_int_equal(rt.accept_index, 1);
	assert_string_equal(rt.accept_name, "SHELLOPTS");
	assert_true(routes(BASH, false, NULL, "P?4", &rt));
	assert_string_equal(rt.accept_name, "PS4");
	assert_true(routes(BASH, false, NULL, "*ENV", &rt));
	assert_string_equal(rt.accept_name, "BASH_ENV");
	/* sshd's matcher has no classes: "[S]HELLOPTS" names only itself, as sshd reads it */
	assert_false(routes(BASH, false, NULL, "[S]HELLOPTS", &rt));
}

static void test_bash_accept_functions(void **state)
{
	BashEnvRoutes rt;

	assert_true(routes(BASH, false, NULL, "LANG LC_* BASH_FUNC_*", &rt));
	assert_int_equal(rt.accept_index, 2);
	assert_string_equal(rt.accept_name, "BASH_FUNC_x%%");
	assert_true(routes(BASH, false, NULL, "BASH_*", &rt));
	assert_string_equal(rt.accept_name, "BASH_ENV");
	assert_true(routes(BASH, false, NULL, "BASH*", &rt));
	assert_string_equal(rt.accept_name, "BASHOPTS");
}

/* PermitUserEnvironment: yes, or a pattern list (with `!`) that lets one in */
static void test_bash_permit_user_env(void **state)
{
	BashEnvRoutes rt;

	assert_true(routes(BASH, false, "yes", NULL, &rt));
	assert_non_null(rt.permit_name);
	assert_false(rt.user_readenv || rt.accept);
	assert_false(routes(BASH, false, "no", NULL, &rt));
	assert_false(routes(BASH, false, "LANG,LC_*", NULL, &rt));
	assert_true(routes(BASH, false, "LANG,SHELL*", NULL, &rt));
	assert_string_equal(rt.permit_name, "SHELLOPTS");
	assert_false(routes(BASH, false, "!*,*", NULL, &rt)); /* a negated match rejects */
	assert_false(routes(BASH, false, "No", NULL, &rt));   /* a pattern: the variable No */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dash_never),
	    cmocka_unit_test(test_bash_user_readenv),
	    cmocka_unit_test(test_bash_accept_lang),
	    cmocka_unit_test(test_bash_accept_star),
	    cmocka_unit_test(test_bash_accept_functions),
	    cmocka_unit_test(test_bash_permit_user_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
