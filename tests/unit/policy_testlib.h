/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the policy tests: write a config to a temporary file, load it, and assert on
 * the collected errors ("FILE:LINE: where: message").
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

/* A temporary file holding text; the caller unlinks and frees the path. */
static inline char *write_conf(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/alcove-test-XXXXXX.conf", dir && *dir ? dir : "/var/tmp") < 0)
		fail();
	fd = mkstemps(path, 5);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Loads text; returns the policy_load() result, the policy (on success) and the errors. */
static inline int load_text(const char *text, Policy **ret, PolicyErrors *errs, char **ret_path)
{
	char *path = write_conf(text);
	int r;

	*errs = (PolicyErrors){0};
	*ret = NULL;
	r = policy_load(path, ret, errs);
	unlink(path);
	if (ret_path)
		*ret_path = path;
	else
		free(path);
	return r;
}

/* Loads text, which must load. */
static inline Policy *load_ok(const char *text)
{
	PolicyErrors errs;
	Policy *p;
	int r = load_text(text, &p, &errs, NULL);

	for (size_t i = 0; i < errs.n; i++)
		print_error("unexpected: %s\n", errs.msg[i]);
	assert_int_equal(r, 0);
	assert_int_equal(errs.n, 0);
	policy_errors_clear(&errs);
	return p;
}

/* Asserts that text fails to load with an error "PATH:line: ..." that contains every
 * fragment given (the key path and the gist of the message). */
static inline void assert_load_error_(const char *text, int line, const char *const *frags)
{
	PolicyErrors errs;
	Policy *p;
	char *path, *prefix;
	bool found = false;
	int r = load_text(text, &p, &errs, &path);

	assert_int_equal(r, -EINVAL);
	assert_null(p);
	assert_true(errs.n > 0);
	assert_true(asprintf(&prefix, "%s:%d: ", path, line) > 0);
	for (size_t i = 0; i < errs.n && !found; i++) {
		bool all = strncmp(errs.msg[i], prefix, strlen(prefix)) == 0;
		for (size_t f = 0; all && frags[f]; f++)
			all = strstr(errs.msg[i], frags[f]) != NULL;
		found = all;
	}
	if (!found) {
		print_error("wanted %s ... with:", prefix);
		for (size_t f = 0; frags[f]; f++)
			print_error(" [%s]", frags[f]);
		print_error("\ngot:\n");
		for (size_t i = 0; i < errs.n; i++)
			print_error("  %s\n", errs.msg[i]);
	}
	assert_true(found);
	free(prefix);
	free(path);
	policy_errors_clear(&errs);
}

#define assert_load_error(text, line, ...)                                                         \
	assert_load_error_((text), (line), (const char *const[]){__VA_ARGS__, NULL})
