/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl gc [--dry-run] [--force] [USER]: the helper's gc verb (helper/verbs/gc.c) removes what
 * crashes left: state of dead alcoves, half-built persistent dirs, orphaned scopes. It prints
 * the helper's report, one line per thing found; --dry-run changes nothing. --force also
 * deletes half-built persistent dirs that hold the user's files, and kills alcove-init
 * processes that no state tracks. Exit 1 when something could not be removed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "helper_call.h"
#include "json.h"
#include "log.h"
#include "policy.h"

enum { OPT_DRY_RUN = 'n', OPT_FORCE = 0x200 };

typedef struct GcOptions {
	bool dry_run, force;
} GcOptions;

static int gc_option(void *userdata, int opt, const char *arg)
{
	GcOptions *o = userdata;

	if (opt == OPT_DRY_RUN)
		o->dry_run = true;
	else if (opt == OPT_FORCE)
		o->force = true;
	else
		return CTL_EXIT_USAGE;
	return 0;
}

/* A count from the answer, or "0" if it is not a plain number. */
static const char *count(const char *v)
{
	return v && *v && strspn(v, "0123456789") == strlen(v) && strlen(v) < 10 ? v : "0";
}

static void print_json(const char *report, const char *removed, const char *failed, bool dry_run)
{
	int first = 1, first_line = 1;
	char *lines;

	fputs("{", stdout);
	json_key(stdout, "dry_run", &first);
	fputs(dry_run ? "true" : "false", stdout);
	json_key(stdout, "removed", &first);
	fputs(count(removed), stdout);
	json_key(stdout, "failed", &first);
	fputs(count(failed), stdout);
	json_key(stdout, "report", &first);
	fputs("[", stdout);
	lines = strdup(report ? report : "");
	for (char *save = NULL, *l = lines ? strtok_r(lines, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		fputs(first_line ? "" : ", ", stdout);
		json_string(stdout, l);
		first_line = 0;
	}
	free(lines);
	fputs("]}\n", stdout);
}

int cmd_gc(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {},
	};
	GcOptions o = {0};
	const char *user = NULL, *report, *failed;
	HelperReply *reply;
	KvBuilder req;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, "n", gc_option, &o, &first);
	if (r >= 0)
		return r;
	if (first < argc)
		user = argv[first++];
	if (first < argc)
		return ctl_usage(ctx, "unexpected argument '%s'", argv[first]);
	if (user && !policy_name_is_safe(user))
		return ctl_usage(ctx, "'%s' is not a user name alcove accepts", user);
	reply = malloc(sizeof(*reply));
	if (!reply)
		return log_error_errno(-ENOMEM, "Failed to allocate the helper's reply: %m"),
		       CTL_EXIT_FAILURE;
	kv_builder_init(&req);
	kv_add(&req, "dryrun", o.dry_run ? "1" : "0");
	kv_add(&req, "force", o.force ? "1" : "0");
	kv_add(&req, "user", user);
	kv_add(&req, "config", ctx->config);
	r = ctl_helper_call("gc", &req, reply);
	if (r == 0)
		r = helper_reply_status(reply);
	if (r != 0) {
		free(reply);
		return CTL_EXIT_FAILURE;
	}
	report = kv_get(&reply->kv, "report");
	failed = kv_get(&reply->kv, "failed");
	ctx->json_written = ctx->json; /* it fails after it when something was not removed */
	if (ctx->json)
		print_json(report, kv_get(&reply->kv, "removed"), failed, o.dry_run);
	else if (report && *report)
		fputs(report, stdout);
	else
		printf("nothing to clean up\n");
	r = failed && strcmp(failed, "0") != 0 ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
	free(reply);
	return r;
}
