/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The request the PAM module or alcovectl sends (docs/INTERNALS.md "Helper protocol"), parsed
 * once by main.c into this struct and handed to the verb: no verb reads the key=value text.
 * Pure: data in, data out, unit-tested.
 */

#include <stdbool.h>

#include "kv.h"

typedef struct Request {
	const char *user;    /* the keys' values, pointing into the message; NULL when absent */
	const char *name;    /* close, stop: the alcove */
	const char *session; /* close */
	const char *service; /* open: the PAM service, for the policy and the log */
	const char *tty;
	const char *rhost;
	const char *config; /* the policy file; ALCOVE_DEFAULT_CONFIG when absent or empty */
	const char *uid;    /* open: the uid the caller found for user (decimal), or NULL */
	const char *home;   /* open: the home and shell the caller found, or NULL */
	const char *shell;
	bool lobby;	    /* open: build the login's lobby and send its fds */
	bool debug;
	bool dry_run; /* gc */
	bool force;   /* gc */
} Request;

/* Fills ret from msg. -EINVAL with the key in *ret_bad when a flag (lobby, debug, dryrun,
 * force) is neither "0" nor "1" nor absent. */
int request_parse(const KvMessage *msg, Request *ret, const char **ret_bad);
