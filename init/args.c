/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_id(const char *s, uint32_t *ret)
{
	unsigned long long v = 0;

	if (!*s || strlen(s) > 10 || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v >= UINT32_MAX)
		return -EINVAL;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_groups(const char *s, InitArgs *a)
{
	char buf[16];

	a->n_groups = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		uint32_t g;

		if (n == 0 || n >= sizeof(buf) || a->n_groups >= INIT_MAX_GROUPS)
			return -EINVAL;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (parse_id(buf, &g) < 0)
			return -EINVAL;
		a->groups[a->n_groups++] = g;
		s += n;
		if (*s == ',' && *++s == '\0')
			return -EINVAL; /* trailing comma */
	}
	return 0;
}

static int parse_policy(const char *s, LifePolicy *ret)
{
	if (strcmp(s, "keep") == 0)
		*ret = LIFE_KEEP;
	else if (strcmp(s, "stop") == 0)
		*ret = LIFE_STOP;
	else if (strcmp(s, "idle") == 0)
		*ret = LIFE_IDLE;
	else
		return -EINVAL;
	return 0;
}

enum {
	OPT_UID,
	OPT_GID,
	OPT_GROUPS,
	OPT_HOME,
	OPT_ON_LAST_LOGOUT,
	OPT_IDLE_TIMEOUT,
	OPT_NO_NEW_PRIVS,
	OPT_CGROUP,
	OPT_USER,
	OPT_KEEP_GROUPS,
	_OPT_MAX,
};

static const struct {
	const char *name;
	bool has_value;
} options[_OPT_MAX] = {
    [OPT_UID] = {"uid", true},
    [OPT_GID] = {"gid", true},
    [OPT_GROUPS] = {"groups", true},
    [OPT_HOME] = {"home", true},
    [OPT_ON_LAST_LOGOUT] = {"on-last-logout", true},
    [OPT_IDLE_TIMEOUT] = {"idle-timeout", true},
    [OPT_NO_NEW_PRIVS] = {"no-new-privs", false},
    [OPT_CGROUP] = {"cgroup", false},
    [OPT_USER] = {"user", true},
    [OPT_KEEP_GROUPS] = {"keep-groups", false},
};

static int apply(InitArgs *a, int opt, const char *v)
{
	uint32_t n;

	switch (opt) {
	case OPT_UID:
		return parse_id(v, &n) < 0 ? -EINVAL : (a->uid = n, 0);
	case OPT_GID:
		return parse_id(v, &n) < 0 ? -EINVAL : (a->gid = n, 0);
	case OPT_GROUPS:
		return parse_groups(v, a);
	case OPT_HOME:
		return v[0] == '/' ? (a->home = v, 0) : -EINVAL;
	case OPT_ON_LAST_LOGOUT:
		return parse_policy(v, &a->on_last_logout);
	case OPT_IDLE_TIMEOUT:
		return parse_id(v, &n) < 0 || n == 0 ? -EINVAL : (a->idle_timeout_sec = n, 0);
	case OPT_NO_NEW_PRIVS:
		a->no_new_privs = true;
		return 0;
	case OPT_CGROUP:
		a->cgroup = true;
		return 0;
	case OPT_USER:
		return v[0] ? (a->user = v, 0) : -EINVAL;
	case OPT_KEEP_GROUPS:
		a->keep_groups = true;
		return 0;
	}
	return -EINVAL;
}

/* The option index for "--name[=value]", with *ret_value (NULL when there is no '='). */
static int lookup(const char *arg, const char **ret_value)
{
	const char *eq;
	size_t n;

	if (strncmp(arg, "--", 2) != 0)
		return -1;
	arg += 2;
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	*ret_value = eq ? eq + 1 : NULL;
	for (int i = 0; i < _OPT_MAX; i++)
		if (strlen(options[i].name) == n && strncmp(options[i].name, arg, n) == 0)
			return i;
	return -1;
}

int init_args_parse(int argc, char *const *argv, InitArgs *ret, AlcError *e)
{
	InitArgs a = {0};
	unsigned seen = 0;

	for (int i = 1; i < argc; i++) {
		const char *v;
		int o = lookup(argv[i], &v);

		if (o < 0 || (options[o].has_value != (v != NULL)) || (seen & (1u << o)))
			return alc_error(e, -EINVAL, "arguments", "invalid or repeated option '%s'",
					 argv[i]);
		seen |= 1u << o;
		if (apply(&a, o, v) < 0)
			return alc_error(e, -EINVAL, "arguments", "invalid value in '%s'", argv[i]);
	}
	for (int o = OPT_UID; o <= OPT_ON_LAST_LOGOUT; o++)
		if (o != OPT_GROUPS && !(seen & (1u << o)))
			return alc_error(e, -EINVAL, "arguments", "missing --%s", options[o].name);
	if (a.keep_groups && (seen & (1u << OPT_GROUPS)))
		return alc_error(e, -EINVAL, "arguments",
				 "--keep-groups and --groups exclude each other");
	if ((a.on_last_logout == LIFE_IDLE) != !!(seen & (1u << OPT_IDLE_TIMEOUT)))
		return alc_error(e, -EINVAL, "arguments",
				 "--idle-timeout goes with --on-last-logout=idle, and only there");
	*ret = a;
	return 0;
}
