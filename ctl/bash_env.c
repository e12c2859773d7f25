/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether the tenant's environment reaches a bash /bin/sh on the host (bash_env.h). Pure. */
#include "bash_env.h"

#include <string.h>

#include "macro.h"
#include "sshd_match.h"

/* One name per kind of variable bash reads code from; a function's name is the tenant's. */
static const char *const probes[] = {"SHELLOPTS", "BASHOPTS",	   "PS4",	   "BASH_ENV",
				     "ENV",	  "BASH_FUNC_x%%", "BASH_FUNC_x()"};

bool bash_env_is_bash(const char *path)
{
	const char *base;

	if (!path)
		return false;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "bash", 4) == 0;
}

/* PermitUserEnvironment: yes lets every variable in, no none, anything else is a pattern list
 * (sshd's match_pattern_list(): commas, `!` negates). The first probe it lets in, or NULL. */
static const char *permit_lets_in(const char *value)
{
	if (!value || !*value || strcmp(value, "no") == 0)
		return NULL;
	if (strcmp(value, "yes") == 0)
		return probes[0];
	for (size_t i = 0; i < ELEMENTSOF(probes); i++)
		if (sshd_match_pattern_list(probes[i], value, false) == 1)
			return probes[i];
	return NULL;
}

/* AcceptEnv PATTERN, as sshd matches it (match_pattern()). */
static const char *accept_lets_in(const char *pattern)
{
	for (size_t i = 0; i < ELEMENTSOF(probes); i++)
		if (sshd_match_pattern(probes[i], pattern, false))
			return probes[i];
	return NULL;
}

bool bash_env_routes(const BashEnvInput *in, BashEnvRoutes *ret)
{
	*ret = (BashEnvRoutes){0};
	if (!bash_env_is_bash(in->sh))
		return false;
	ret->user_readenv = in->user_readenv;
	ret->permit_name = permit_lets_in(in->permit_user_env);
	for (size_t i = 0; i < in->n_accept_env && !ret->accept; i++) {
		ret->accept_name = accept_lets_in(in->accept_env[i]);
		ret->accept = ret->accept_name != NULL;
		ret->accept_index = i;
	}
	return ret->user_readenv || ret->permit_name || ret->accept;
}
