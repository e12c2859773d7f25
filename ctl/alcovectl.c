/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl: the admin CLI. Global options, then a verb from the table below; each verb lives
 * in its own ctl/cmd_*.c (see commands.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "policy.h"

/* One line per verb, in the order `alcovectl --help` lists them. */
static const CtlVerb verbs[] = {
    {"check-config", cmd_check_config, false, CTL_JSON_ALL, "[--sshd-config FILE] [FILE]",
     "validate the policy: \"FILE: OK\", or every error as FILE:LINE: message"},
    {"explain", cmd_explain, false, CTL_JSON_ALL,
     "USER [--service NAME] [--tty TTY] [--rhost HOST] [--sshd-config FILE]",
     "which rule matches USER's login, the decision, the resolved profile and its origins"},
    {"enter", cmd_enter, true, CTL_JSON_NONE, "USER [-- CMD...]",
     "a session in USER's alcove (built if needed), like a login: a login shell, or CMD"},

    {"list", cmd_list, true, CTL_JSON_ALL, "[--json]",
     "running alcoves: user, name, mode, init pid, sessions, uptime"},

    {"show", cmd_show, true, CTL_JSON_ALL, "USER [--json]",
     "USER's alcoves: profile, mode, init pid, namespaces, scope, cgroup usage, sessions"},

    {"stop", cmd_stop, true, CTL_JSON_NONE, "USER",
     "stop USER's alcoves (every process in them ends)"},

    {"reset", cmd_reset, true, CTL_JSON_NONE, "USER [--yes]",
     "stop USER's alcoves and delete the persistent layer (asks unless --yes)"},

    /* gc */
    {"gc", cmd_gc, true, CTL_JSON_ALL, "[-n|--dry-run] [--force] [USER]",
     "remove what crashes left: dead alcoves' state, half-built layers, orphaned scopes"},

    {"image", cmd_image, true, "list inspect",
     "pull [--insecure] SOURCE NAME | list | inspect NAME | rm NAME | prune",
     "OCI images: pull SOURCE (skopeo transports) as NAME, list, inspect, remove, prune layers"},
    {"layer", cmd_layer, true, CTL_JSON_ALL,
     "diff USER [--image NAME|/DIR] [--service NAME] [--json]",
     "what USER's persistent layer changes relative to their image (or another), and hides"},

    {"user-manager", cmd_user_manager, false, CTL_JSON_NONE, "UID|USER",
     "exit 0 if no rule can contain the user, so systemd --user may run on the host; else 1"},

};

enum { OPT_JSON = 0x100 };

static const struct option global_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static void help(FILE *f)
{
	fprintf(f, "usage: alcovectl [--config FILE] [--json] VERB [ARGS]\n\n"
		   "  -c, --config FILE   policy file (default " ALCOVE_DEFAULT_CONFIG ")\n"
		   "      --json          machine-readable output\n"
		   "  -h, --help          this help; `alcovectl VERB --help` for a verb\n\n"
		   "verbs:\n");
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		fprintf(f, "  %-13s %s%s\n", verbs[i].name, verbs[i].help,
			verbs[i].needs_root ? " (root)" : "");
}

/* The line that says why the command line is wrong, "alcovectl[ VERB]: why", on stderr; also
 * the error --json's failure object gives, when it is the first (log_full() notes the others). */
static void usage_vline(const CtlVerb *verb, const char *fmt, va_list ap)
{
	char line[1024];
	int n = snprintf(line, sizeof(line), "alcovectl%s%s: ", verb ? " " : "",
			 verb ? verb->name : "");

	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
	log_remember_error_line(line);
}

static void _printf_(2, 3) usage_line(const CtlVerb *verb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_vline(verb, fmt, ap);
	va_end(ap);
}

int ctl_usage(const CtlContext *ctx, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		usage_vline(ctx->verb, fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "usage: alcovectl %s %s\n  %s\n", ctx->verb->name, ctx->verb->args,
		ctx->verb->help);
	return CTL_EXIT_USAGE;
}

/*
 * getopt_long()'s complaint about argv[optind - 1], said by usage_line() (opterr is 0) so that
 * --json can give it. optopt is 0 for an unknown or ambiguous long option, else the option's
 * value: a long option's (given with "--") that lacks or must not have an argument, or a short
 * one that is unknown or lacks its argument.
 */
static void option_error(const CtlVerb *verb, char **argv, const struct option *opts,
			 const char *shorts)
{
	const char *arg = argv[optind - 1];

	if (optopt == 0) {
		usage_line(verb, "unrecognized option '%.*s'", (int)strcspn(arg, "="), arg);
		return;
	}
	for (; strncmp(arg, "--", 2) == 0 && opts->name; opts++)
		if (opts->val == optopt) {
			usage_line(verb, "option '--%s' %s", opts->name,
				   opts->has_arg == no_argument ? "doesn't allow an argument"
								: "requires an argument");
			return;
		}
	if (optopt != ':' && optopt < 0x100 && strchr(shorts, optopt))
		usage_line(verb, "option requires an argument -- '%c'", optopt);
	else if (optopt < 0x100)
		usage_line(verb, "invalid option -- '%c'", optopt);
	else
		usage_line(verb, "bad option '%s'", arg);
}

/* Whether this form of the verb (argv: its own) prints a JSON document with --json. */
static bool verb_writes_json(const CtlVerb *verb, int argc, char **argv)
{
	const char *p = verb->json;

	if (!p || !*p)
		return p != NULL; /* CTL_JSON_NONE, CTL_JSON_ALL */
	if (argc < 2)
		return false;
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n == strlen(argv[1]) && strncmp(p, argv[1], n) == 0)
			return true;
		p += n + (p[n] == ' ');
	}
	return false;
}

/*
 * --json promises one JSON document on stdout (man/alcovectl.8), a failure's too. A verb that
 * prints one and failed before it began it, or alcovectl's own command line being wrong (no
 * verb yet: ctx->verb is NULL), gets {"ok": false, "error": LINE}, LINE being the first error
 * line on stderr: the cause, not what was said while cleaning up after it. A verb that prints
 * no JSON (enter relays a session's output; reset asks on stdout) is left as --json found it.
 */
static void json_failure(const CtlContext *ctx, int argc, char **argv, int status)
{
	const char *line = log_first_error();
	char why[64];

	if (!ctx->json || status == CTL_EXIT_OK || ctx->json_written ||
	    (ctx->verb && !verb_writes_json(ctx->verb, argc, argv)))
		return;
	if (!line) {
		snprintf(why, sizeof(why), "alcovectl %s failed (exit status %d)",
			 ctx->verb ? ctx->verb->name : "", status);
		line = why;
	}
	fputs("{\"ok\": false, \"error\": ", stdout);
	json_string(stdout, line);
	fputs("}\n", stdout);
}

/* A global option, before or after the verb; -1 if opt is none. */
static int global_option(CtlContext *ctx, int opt, const char *arg)
{
	switch (opt) {
	case 'c':
		ctx->config = arg;
		ctx->config_given = true;
		return 0;
	case OPT_JSON:
		ctx->json = true;
		return 0;
	default:
		return -1;
	}
}

/* Whether --json is among the arguments (before "--"): a command line that fails before
 * getopt_long() reaches it, or the verb that would parse it, still asked for JSON. */
static bool json_asked(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

int ctl_getopt(CtlContext *ctx, int argc, char **argv, const struct option *opts,
	       const char *shortopts, CtlOptionFn on_option, void *userdata, int *ret_first)
{
	struct option all[32];
	char shorts[64];
	size_t n = 0;
	int opt;

	for (; opts && opts[n].name && n < ELEMENTSOF(all) - ELEMENTSOF(global_options); n++)
		all[n] = opts[n];
	memcpy(all + n, global_options, sizeof(global_options));
	snprintf(shorts, sizeof(shorts), "c:h%s", shortopts ? shortopts : "");

	optind = 0; /* GNU: start over, the global options were parsed with another table */
	while ((opt = getopt_long(argc, argv, shorts, all, NULL)) != -1) {
		int r;
		if (opt == 'h') {
			printf("usage: alcovectl %s %s\n  %s\n", ctx->verb->name, ctx->verb->args,
			       ctx->verb->help);
			return CTL_EXIT_OK;
		}
		if (opt == '?') {
			ctx->json = ctx->json || json_asked(argc, argv);
			option_error(ctx->verb, argv, all, shorts);
			return ctl_usage(ctx, NULL);
		}
		if (global_option(ctx, opt, optarg) == 0)
			continue;
		r = on_option ? on_option(userdata, opt, optarg) : ctl_usage(ctx, NULL);
		if (r != 0)
			return r;
	}
	*ret_first = optind;
	return -1;
}

static int run_verb(CtlContext *ctx, int argc, char **argv)
{
	if (ctx->verb->needs_root && geteuid() != 0) {
		log_error("%s: must be run as root", ctx->verb->name);
		return CTL_EXIT_FAILURE;
	}
	return ctx->verb->run(ctx, argc, argv);
}

static const CtlVerb *find_verb(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

/* The global options and the verb: -1 to run it (argv[optind] is its name), else the exit
 * status. */
static int parse_command_line(CtlContext *ctx, int argc, char **argv)
{
	int opt;

	/* '+': stop at the verb; what follows is the verb's to parse. */
	while ((opt = getopt_long(argc, argv, "+c:h", global_options, NULL)) != -1) {
		if (opt == 'h') {
			help(stdout);
			return CTL_EXIT_OK;
		}
		if (opt == '?')
			option_error(NULL, argv, global_options, "c:h");
		if (opt == '?' || global_option(ctx, opt, optarg) < 0) {
			ctx->json = ctx->json || json_asked(argc, argv);
			help(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		usage_line(NULL, "no verb given");
	else if (!(ctx->verb = find_verb(argv[optind])))
		usage_line(NULL, "unknown verb '%s'", argv[optind]);
	else
		return -1;
	ctx->json = ctx->json || json_asked(argc, argv);
	fputc('\n', stderr);
	help(stderr);
	return CTL_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	CtlContext ctx = {.config = ALCOVE_DEFAULT_CONFIG};
	int r;

	log_setup("alcovectl", LOG_TARGET_STDERR, false);
	log_remember_errors(true); /* for --json's failure object */
	opterr = 0;		   /* option_error() says what getopt_long() would have */
	r = std_fds_open();
	if (r < 0)
		return log_error_errno(r, "Failed to open /dev/null on fds 0-2: %m"),
		       CTL_EXIT_FAILURE;
	r = parse_command_line(&ctx, argc, argv);
	if (r < 0)
		r = run_verb(&ctx, argc - optind, argv + optind);
	json_failure(&ctx, argc - optind, argv + optind, r);
	return r;
}
