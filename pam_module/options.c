/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "options.h"

#include <string.h>

#include "policy.h"

static const char *value_of(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return strncmp(arg, key, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

/* Paths the module hands to root code must be absolute: PAM runs with any cwd. */
static void set_path(PamOptions *o, const char **field, const char *arg, const char *value)
{
	if (value[0] != '/') {
		if (!o->invalid)
			o->invalid = arg;
		return;
	}
	*field = value;
}

void pam_options_parse(int argc, const char **argv, PamOptions *ret)
{
	PamOptions o = {.config = ALCOVE_DEFAULT_CONFIG, .helper = LIBEXECDIR "/alcove-helper"};
	const char *v;

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!arg)
			continue;
		if ((v = value_of(arg, "config")))
			set_path(&o, &o.config, arg, v);
		else if ((v = value_of(arg, "helper")))
			set_path(&o, &o.helper, arg, v);
		else if ((v = value_of(arg, "sshd_config")))
			set_path(&o, &o.sshd_config, arg, v);
		else if (strcmp(arg, "debug") == 0)
			o.debug = true;
		else {
			if (o.n_unknown < PAM_OPTIONS_MAX_UNKNOWN)
				o.unknown[o.n_unknown] = arg;
			o.n_unknown++;
		}
	}
	*ret = o;
}
