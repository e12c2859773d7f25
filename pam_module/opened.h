/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What a successful open keeps with pam_set_data() under DATA_KEY, for close (session.c) and
 * for the credentials of sshd's session process (setcred.c).
 */

#include <sys/types.h>

#include "policy.h"

#define DATA_KEY "pam_alcove.session"

typedef struct Opened {
	char *name;
	char *session;
	char *user;   /* pw_name, as open used it */
	pid_t opener; /* the process that opened the session (the PAM application) */
	/* the alcove's groups, as open's answer gave them: U's primary group, then the
	 * passed-through ones (groups_passthrough) */
	gid_t groups[POLICY_MAX_GROUPS + 1];
	size_t n_groups;
} Opened;

/* text: open's "groups", decimal gids separated by commas (at least one): into s->groups.
 * -EINVAL for anything else or too many. opened.c. */
int opened_parse_groups(Opened *s, const char *text);
