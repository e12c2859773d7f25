/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "request.h"

#include <errno.h>
#include <string.h>

#include "policy.h"

/* A flag is "1" or "0"; absent is 0. */
static int flag(const KvMessage *msg, const char *key, bool *ret)
{
	const char *v = kv_get(msg, key);

	if (!v || strcmp(v, "0") == 0)
		*ret = false;
	else if (strcmp(v, "1") == 0)
		*ret = true;
	else
		return -EINVAL;
	return 0;
}

int request_parse(const KvMessage *msg, Request *ret, const char **ret_bad)
{
	static const char *const flags[] = {"lobby", "debug", "dryrun", "force"};
	bool *dst[] = {&ret->lobby, &ret->debug, &ret->dry_run, &ret->force};

	*ret = (Request){
	    .user = kv_get(msg, "user"),
	    .name = kv_get(msg, "name"),
	    .session = kv_get(msg, "session"),
	    .service = kv_get(msg, "service"),
	    .tty = kv_get(msg, "tty"),
	    .rhost = kv_get(msg, "rhost"),
	    .config = kv_get(msg, "config"),
	    .uid = kv_get(msg, "uid"),
	    .home = kv_get(msg, "home"),
	    .shell = kv_get(msg, "shell"),
	};
	if (!ret->config || !*ret->config)
		ret->config = ALCOVE_DEFAULT_CONFIG;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (flag(msg, flags[i], dst[i]) < 0) {
			*ret_bad = flags[i];
			return -EINVAL;
		}
	return 0;
}
