/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helper_call.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macro.h"

#define HELPER_PATH LIBEXECDIR "/alcove-helper"

/*
 * How long a verb may take before the helper is killed. Every wait inside the helper is bounded
 * (control connections 5 s, a stop's grace 2 x 10 s per alcove), so this is a backstop against
 * the unforeseen; reset deletes a tree of any size and has none. ALCOVE_HELPER_TIMEOUT
 * (seconds) overrides it, for tests.
 */
static int verb_timeout_ms(const char *verb)
{
	static const struct {
		const char *verb;
		int seconds;
	} table[] = {{"open", 60}, {"close", 30}, {"stop", 300}, {"gc", 600}, {"reset", 0}};
	const char *env = getenv("ALCOVE_HELPER_TIMEOUT");

	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v > 0 && v <= 86400)
			return (int)v * 1000;
	}
	for (size_t i = 0; i < ELEMENTSOF(table); i++)
		if (strcmp(table[i].verb, verb) == 0)
			return table[i].seconds * 1000;
	return 60 * 1000;
}

int ctl_helper_call(const char *verb, const KvBuilder *request, HelperReply *ret)
{
	const char *path = getenv("ALCOVE_HELPER");
	HelperCall call = {.verb = verb,
			   .timeout_ms = verb_timeout_ms(verb),
			   .keep_stderr = true,
			   .fault = getenv("ALCOVE_FAULT")};
	int r;

	call.path = path && *path ? path : HELPER_PATH;
	r = helper_call(&call, request, ret);
	if (r == -ETIMEDOUT)
		return log_error_errno(r, "%s %s did not answer within %d s; killed it", call.path,
				       verb, call.timeout_ms / 1000);
	if (r == -ECONNRESET && ret->signal)
		return log_error_errno(r, "%s %s was killed by signal %d", call.path, verb,
				       ret->signal);
	if (r == -ECONNRESET)
		return log_error_errno(r, "%s %s exited with status %d without an answer",
				       call.path, verb, ret->exit_code);
	if (r < 0)
		return log_error_errno(r, "Failed to run %s %s: %m", call.path, verb);
	return 0;
}
