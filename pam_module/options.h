/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * pam_alcove.so's module arguments, parsed once per call into a struct (pure):
 *   config=FILE    the policy (default SYSCONFDIR/alcove/alcove.conf)
 *   helper=PATH    alcove-helper, absolute (default LIBEXECDIR/alcove-helper)
 *   sshd_config=FILE  the configuration of the sshd this PAM service serves, read for
 *                  internal-sftp (common/sshd_config.h); default /etc/ssh/sshd_config for a
 *                  PAM service whose name starts with "sshd", none for the others
 *   debug          debug logging, also on stderr
 * Anything else is kept in `unknown` for the entry point to log; it does not stop the module.
 */

#include <stdbool.h>
#include <stddef.h>

#define PAM_OPTIONS_MAX_UNKNOWN 8

typedef struct PamOptions {
	const char *config; /* points into argv or at a default: valid while argv is */
	const char *helper;
	const char *sshd_config; /* NULL when not given */
	bool debug;
	const char *unknown[PAM_OPTIONS_MAX_UNKNOWN];
	size_t n_unknown;    /* may exceed PAM_OPTIONS_MAX_UNKNOWN; only the first ones are kept */
	const char *invalid; /* a known option with a bad value (relative path, empty), or NULL */
} PamOptions;

void pam_options_parse(int argc, const char **argv, PamOptions *ret);
