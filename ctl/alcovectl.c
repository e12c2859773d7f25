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
    {"check-config", cmd_check_config, false, "[FILE]",
     "validate the policy: \"FILE: OK\", or every error as FILE:LINE: message"},
    {"explain", cmd_explain, false, "USER [--service NAME] [--tty TTY] [--rhost HOST]",
     "which rule matches USER's login, the decision, the resolved profile and its origins"},
    {"enter", cmd_enter, true, "USER [-- CMD...]",
     "a session in USER's alcove (built if needed), like a login: a login shell, or CMD"},

    {"list", cmd_list, true, "[--json]",
     "running alcoves: user, name, mode, init pid, sessions, uptime"},

    {"show", cmd_show, true, "USER [--json]",
     "USER's alcoves: profile, mode, init pid, namespaces, scope, cgroup usage, sessions"},

    {"stop", cmd_stop, true, "USER", "stop USER's alcoves (every process in them ends)"},

    {"reset", cmd_reset, true, "USER [--yes]",
     "stop USER's alcoves and delete the persistent layer (asks unless --yes)"},

    /* gc */
    {"gc", cmd_gc, true, "[--dry-run] [--force] [USER]",
     "remove what crashes left: dead alcoves' state, half-built layers, orphaned scopes"},

    {"image", cmd_image, true,
     "pull [--insecure] SOURCE NAME | list | inspect NAME | rm NAME | prune",
     "OCI images: pull SOURCE (skopeo transports) as NAME, list, inspect, remove, prune layers"},
    {"layer", cmd_layer, true, "diff USER [--image NAME|/DIR] [--service NAME] [--json]",
     "what USER's persistent layer changes relative to their image (or another), and hides"},

    {"user-manager", cmd_user_manager, false, "UID|USER",
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

int ctl_usage(const CtlContext *ctx, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "alcovectl %s: ", ctx->verb->name);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "usage: alcovectl %s %s\n  %s\n", ctx->verb->name, ctx->verb->args,
		ctx->verb->help);
	return CTL_EXIT_USAGE;
}

/*
 * --json promises one JSON object on stdout (man/alcovectl.8), a failure's too: a verb that
 * fails before it has written its document gets {"ok": false, "error": LINE}, LINE being the
 * line it said why in on stderr. So that this holds for every verb alike, whatever path it
 * fails on (a lookup, a helper call, getopt itself), stdout and stderr are streams of ours in
 * --json mode: both pass everything on to fds 1 and 2 at once, and note whether stdout was
 * written and stderr's last line that is not part of a usage message.
 */
typedef struct JsonWatch {
	bool on;
	bool out_written;
	size_t len;
	char line[1024];  /* stderr's line being written (cut at this length) */
	char error[1024]; /* its last whole line */
} JsonWatch;

static JsonWatch json_watch;

static ssize_t watch_out(void *cookie, const char *buf, size_t n)
{
	json_watch.out_written = json_watch.out_written || n > 0;
	return write_all(STDOUT_FILENO, buf, n) < 0 ? -1 : (ssize_t)n;
}

/* ctl_usage()'s "usage: ..." and its indented help line follow the line that says why */
static void watch_line_end(JsonWatch *w)
{
	w->line[w->len] = '\0';
	if (w->len > 0 && strncmp(w->line, "usage: ", 7) != 0 && w->line[0] != ' ')
		memcpy(w->error, w->line, w->len + 1);
	w->len = 0;
}

static ssize_t watch_err(void *cookie, const char *buf, size_t n)
{
	JsonWatch *w = &json_watch;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			watch_line_end(w);
		else if (w->len < sizeof(w->line) - 1)
			w->line[w->len++] = buf[i];
	}
	return write_all(STDERR_FILENO, buf, n) < 0 ? -1 : (ssize_t)n;
}

static int json_watch_start(void)
{
	if (json_watch.on)
		return 0;
	static const cookie_io_functions_t out_io = {.write = watch_out};
	static const cookie_io_functions_t err_io = {.write = watch_err};
	FILE *out, *err;

	if (fflush(stdout) != 0 || fflush(stderr) != 0)
		return negative_errno();
	out = fopencookie(NULL, "w", out_io);
	err = fopencookie(NULL, "w", err_io);
	if (!out || !err) {
		if (out)
			fclose(out);
		return -ENOMEM;
	}
	/* as the streams they stand for: stderr unbuffered, stdout by lines on a terminal */
	if (setvbuf(err, NULL, _IONBF, 0) != 0 ||
	    (isatty(STDOUT_FILENO) && setvbuf(out, NULL, _IOLBF, BUFSIZ) != 0)) {
		fclose(out);
		fclose(err);
		return -ENOMEM;
	}
	stdout = out;
	stderr = err;
	json_watch.on = true;
	return 0;
}

/* After a verb that failed (status != 0) in --json mode: its failure as the object, unless
 * it wrote its own. */
static void json_watch_end(const CtlContext *ctx, int status)
{
	char why[64];

	fflush(stdout);
	fflush(stderr);
	if (!json_watch.on || status == CTL_EXIT_OK || json_watch.out_written)
		return;
	if (json_watch.len > 0)
		watch_line_end(&json_watch); /* a last line without its newline */
	snprintf(why, sizeof(why), "alcovectl %s failed (exit status %d)", ctx->verb->name, status);
	fputs("{\"ok\": false, \"error\": ", stdout);
	json_string(stdout, json_watch.error[0] ? json_watch.error : why);
	fputs("}\n", stdout);
	fflush(stdout);
}

/* A global option, before or after the verb; -1 if opt is none. */
static int global_option(CtlContext *ctx, int opt, const char *arg)
{
	int r;

	switch (opt) {
	case 'c':
		ctx->config = arg;
		ctx->config_given = true;
		return 0;
	case OPT_JSON:
		ctx->json = true;
		/* given before the verb or among its arguments: from here on */
		if ((r = json_watch_start()) < 0)
			log_warning_errno(r, "Failed to watch the --json output: %m");
		return 0;
	default:
		return -1;
	}
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
		if (opt == '?')
			return ctl_usage(ctx, NULL);
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
	int r;

	if (ctx->verb->needs_root && geteuid() != 0) {
		log_error("%s: must be run as root", ctx->verb->name);
		r = CTL_EXIT_FAILURE;
	} else
		r = ctx->verb->run(ctx, argc, argv);
	json_watch_end(ctx, r);
	return r;
}

static const CtlVerb *find_verb(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	CtlContext ctx = {.config = ALCOVE_DEFAULT_CONFIG};
	int opt, r;

	log_setup("alcovectl", LOG_TARGET_STDERR, false);
	r = std_fds_open();
	if (r < 0)
		return log_error_errno(r, "Failed to open /dev/null on fds 0-2: %m"),
		       CTL_EXIT_FAILURE;
	/* '+': stop at the verb; what follows is the verb's to parse. */
	while ((opt = getopt_long(argc, argv, "+c:h", global_options, NULL)) != -1) {
		if (opt == 'h') {
			help(stdout);
			return CTL_EXIT_OK;
		}
		if (global_option(&ctx, opt, optarg) < 0) {
			help(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		return CTL_EXIT_USAGE;
	}
	ctx.verb = find_verb(argv[optind]);
	if (!ctx.verb) {
		fprintf(stderr, "alcovectl: unknown verb '%s'\n\n", argv[optind]);
		help(stderr);
		return CTL_EXIT_USAGE;
	}
	return run_verb(&ctx, argc - optind, argv + optind);
}
