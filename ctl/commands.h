/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * alcovectl's verbs. Each verb lives in its own ctl/cmd_*.c, is declared below and has one
 * line in the table of ctl/alcovectl.c: {name, function, needs_root, json, args, help}.
 *
 * A verb gets its own argv (argv[0] = the verb's name) and returns the exit status:
 * 0 success, 1 failure (the verb printed why), 2 bad usage. It parses its options with
 * ctl_getopt(), which also accepts the global ones (--config FILE, --json, -h) after the verb,
 * so that `alcovectl explain alice --json` and `alcovectl --json explain alice` are the same.
 * With --json, a verb that prints a JSON document (CtlVerb.json) sets ctx->json_written once it
 * has begun it; when it fails before, ctl/alcovectl.c prints {"ok": false, "error": the first
 * error line (log_first_error())} for it, so the verb only says why on stderr, as in text mode.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

enum { CTL_EXIT_OK = 0, CTL_EXIT_FAILURE = 1, CTL_EXIT_USAGE = 2 };

typedef struct CtlVerb CtlVerb;

#define CTL_JSON_ALL ""
#define CTL_JSON_NONE NULL

typedef struct CtlContext {
	const char *config;  /* --config FILE, or ALCOVE_DEFAULT_CONFIG */
	bool config_given;   /* --config was on the command line */
	bool json;	     /* --json: one JSON object on stdout */
	bool json_written;   /* the verb has begun its JSON document on stdout */
	const CtlVerb *verb; /* the verb being run */
} CtlContext;

typedef int (*CtlVerbFn)(CtlContext *ctx, int argc, char **argv);

struct CtlVerb {
	const char *name;
	CtlVerbFn run;
	bool needs_root;  /* main refuses to run it with euid != 0 */
	const char *json; /* the forms that print a JSON document with --json: CTL_JSON_ALL,
			   * CTL_JSON_NONE (--json changes nothing), or its sub-verbs (argv[1])
			   * that do, space-separated: "list inspect" */
	const char *args; /* synopsis of the arguments: "USER [--service NAME]" */
	const char *help; /* one line */
};

/* Called for each option of the verb's own table; returns 0, or an exit status (after
 * printing why) to stop. */
typedef int (*CtlOptionFn)(void *userdata, int opt, const char *arg);

/* getopt_long over argv with the verb's options (opts, terminated by a zero entry; NULL =
 * none; short options in shortopts) plus the global ones. Positional arguments are left in
 * argv[*ret_first..argc). Returns -1 to go on, or an exit status: 2 after a usage message,
 * 0 after --help. */
int ctl_getopt(CtlContext *ctx, int argc, char **argv, const struct option *opts,
	       const char *shortopts, CtlOptionFn on_option, void *userdata, int *ret_first);

/* Prints "usage: alcovectl VERB ARGS" and the verb's help line to stderr; returns 2. */
int ctl_usage(const CtlContext *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ctl/cmd_config.c */
int cmd_check_config(CtlContext *ctx, int argc, char **argv);
int cmd_explain(CtlContext *ctx, int argc, char **argv);

/* enter, list, stop, reset: ctl/cmd_alcove.c */
int cmd_enter(CtlContext *ctx, int argc, char **argv);
int cmd_list(CtlContext *ctx, int argc, char **argv);
int cmd_stop(CtlContext *ctx, int argc, char **argv);
int cmd_reset(CtlContext *ctx, int argc, char **argv);

/* ctl/cmd_show.c */
int cmd_show(CtlContext *ctx, int argc, char **argv);

/* ctl/cmd_user_manager.c: user@.service's ExecCondition= */
int cmd_user_manager(CtlContext *ctx, int argc, char **argv);

/* ctl/cmd_image.c: image pull|list|inspect|rm|prune */
int cmd_image(CtlContext *ctx, int argc, char **argv);

/* ctl/cmd_layer.c: layer diff */
int cmd_layer(CtlContext *ctx, int argc, char **argv);

/* ctl/cmd_gc.c */
int cmd_gc(CtlContext *ctx, int argc, char **argv);
