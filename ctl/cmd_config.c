/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl check-config and explain: the policy as the module will see it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "fileio.h"
#include "dirs.h"
#include "json.h"
#include "log.h"
#include "macro.h"
#include "login.h"
#include "policy.h"
#include "oci.h"
#include "policy_warn.h"
#include "profile_print.h"
#include "quota.h"
#include "sshd_check.h"
#include "subid.h"

static void errors_json(FILE *f, const PolicyErrors *errs)
{
	fputc('[', f);
	for (size_t i = 0; i < errs->n; i++) {
		if (i)
			fputs(", ", f);
		json_string(f, errs->msg[i]);
	}
	fputc(']', f);
}

/* Loads ctx->config; on failure prints every error (stderr, or as JSON on stdout). */
static int load_or_report(CtlContext *ctx, Policy **ret)
{
	PolicyErrors errs = {0};
	int r = policy_load(ctx->config, ret, &errs);

	if (r < 0 && ctx->json) {
		ctx->json_written = true;
		fputs("{\"config\": ", stdout);
		json_string(stdout, ctx->config);
		fputs(", \"ok\": false, \"errors\": ", stdout);
		errors_json(stdout, &errs);
		fputs(", \"warnings\": []}\n", stdout);
	} else if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		if (errs.n == 0)
			fprintf(stderr, "%s: %s\n", ctx->config, strerror(-r));
	}
	policy_errors_clear(&errs);
	return r;
}

/* policy_profile_warnings(), and the limits this host's kernel cannot apply (the controllers
 * of the cgroup v2 root; not known without one mounted: the build says what it needs then). */
static size_t profile_warnings(const Profile *pr, PolicyWarning *w, size_t max)
{
	size_t n = policy_profile_warnings(pr, w, max), len;
	char controllers[256];

	if (read_file_at(AT_FDCWD, POLICY_CGROUP_CONTROLLERS, 0, controllers,
			 sizeof(controllers) - 1, &len) < 0)
		return n;
	controllers[len] = '\0';
	return n + policy_controller_warnings(pr, controllers, w + n, max - n);
}

/* Keys that will not take effect, per section, on out: FILE:LINE: warning: where: why.
 * A profile repeats what it inherits from defaults: said once, for defaults. */
static void warnings_of(FILE *out, const char *config, const Profile *pr, const PolicyWarning *seen,
			size_t n_seen)
{
	PolicyWarning w[POLICY_MAX_WARNINGS];
	size_t n = profile_warnings(pr, w, POLICY_MAX_WARNINGS);

	for (size_t i = 0; i < n; i++) {
		bool repeated = false;

		for (size_t j = 0; j < n_seen && !repeated; j++)
			repeated =
			    seen[j].line == w[i].line && strcmp(seen[j].text, w[i].text) == 0;
		if (repeated)
			continue;
		if (w[i].line || pr->line)
			fprintf(out, "%s:%d: warning: %s: %s\n", config,
				w[i].line ? w[i].line : pr->line, pr->name, w[i].text);
		else /* no line: a builtin default the file does not set */
			fprintf(out, "%s: warning: %s (builtin): %s\n", config, pr->name,
				w[i].text);
	}
}

static void warnings_print(FILE *out, const char *config, const Policy *p)
{
	PolicyWarning d[POLICY_MAX_WARNINGS];
	size_t n = profile_warnings(&p->defaults, d, POLICY_MAX_WARNINGS);

	warnings_of(out, config, &p->defaults, NULL, 0);
	for (size_t i = 0; i < p->n_profiles; i++)
		warnings_of(out, config, &p->profiles[i], d, n);
}

/* image = "NAME": whether the OCI image exists as the build will look for it (images come and
 * go: a check, not a validation). Only root can tell: the store is root 0700; with denied set,
 * a store it cannot read sets *denied instead of warning per image. */
static size_t image_warnings(const Profile *pr, PolicyWarning *w, size_t n, size_t max,
			     bool *denied)
{
	_cleanup_close_ int libfd = -1;

	for (size_t i = 0; i < pr->n_image && n < max; i++) {
		OciImage img;
		int r;

		if (pr->image[i][0] == '/')
			continue;
		if (libfd < 0)
			libfd = open(ALCOVE_LIB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = libfd < 0 ? negative_errno() : oci_image_read(libfd, pr->image[i], &img);
		if (r >= 0)
			continue;
		if (r == -EACCES && denied) {
			*denied = true;
			return n;
		}
		w[n].line = pr->origin[PKEY_IMAGE].line;
		if (r == -ENOENT)
			snprintf(w[n].text, sizeof(w[n].text),
				 "image \"%s\" does not exist (`alcovectl image pull SOURCE %s`); "
				 "such logins are refused",
				 pr->image[i], pr->image[i]);
		else
			snprintf(w[n].text, sizeof(w[n].text), "failed to check image \"%s\": %s%s",
				 pr->image[i], strerror(-r),
				 r == -EACCES ? " (explain as root tells)" : "");
		n++;
	}
	return n;
}

/* check-config's image warnings, per section like warnings_print (a profile inheriting
 * defaults' image is said once, for defaults); an unreadable store said once. */
static void images_print(FILE *out, const char *config, const Policy *p)
{
	PolicyWarning d[POLICY_MAX_LAYERS], w[POLICY_MAX_LAYERS];
	bool denied = false;
	size_t n_d = image_warnings(&p->defaults, d, 0, ELEMENTSOF(d), &denied);

	for (size_t i = 0; i < n_d; i++)
		fprintf(out, "%s:%d: warning: defaults: %s\n", config, d[i].line, d[i].text);
	for (size_t i = 0; i < p->n_profiles && !denied; i++) {
		const Profile *pr = &p->profiles[i];
		size_t n = image_warnings(pr, w, 0, ELEMENTSOF(w), &denied);

		for (size_t j = 0; j < n; j++) {
			bool repeated = false;

			for (size_t k = 0; k < n_d && !repeated; k++)
				repeated = d[k].line == w[j].line && strcmp(d[k].text, w[j].text) == 0;
			if (!repeated)
				fprintf(out, "%s:%d: warning: %s: %s\n", config,
					w[j].line ? w[j].line : pr->line, pr->name, w[j].text);
		}
	}
	if (denied)
		fprintf(out, "%s: warning: cannot check images: run as root (%s is root 0700)\n",
			config, ALCOVE_LIB_DIR "/" OCI_DIR);
}

/* ---- the layer quota: what the filesystem that holds the layers can enforce ---- */

/* The keys of a profile's layer quota. */
static const ProfileKey quota_keys_all[] = {PKEY_LAYER_QUOTA, PKEY_LAYER_INODES,
					    PKEY_LAYER_QUOTA_FALLBACK};

/* Whether the file sets a key of the profile's layer quota; if not, its quota is the builtin
 * default (profile_init_builtin(): 10G, fallback "warn"), not an admin's request. */
static bool quota_in_file(const Profile *pr)
{
	for (size_t i = 0; i < ELEMENTSOF(quota_keys_all); i++)
		if (pr->origin[quota_keys_all[i]].section &&
		    strcmp(pr->origin[quota_keys_all[i]].section, "builtin") != 0)
			return true;
	return false;
}

/* The line to point at: a key of the quota set in the profile's own section, else the first
 * one it inherits (layer_inodes alone when that is the key the filesystem cannot count). */
static int quota_line(const Profile *pr, bool inodes_only)
{
	int line = 0;

	if (inodes_only)
		return pr->origin[PKEY_LAYER_INODES].line;
	for (size_t i = 0; i < ELEMENTSOF(quota_keys_all); i++) {
		const Origin *o = &pr->origin[quota_keys_all[i]];

		if (o->line && o->section && strcmp(o->section, pr->name) == 0)
			return o->line;
		if (!line)
			line = o->line;
	}
	return line ? line : pr->line;
}

/* "layer_quota 20M", "layer_inodes 1000", or both joined by "and". */
static void quota_keys(const Profile *pr, bool inodes_only, char *buf, size_t size)
{
	char bytes[32];
	int n = 0;

	buf[0] = '\0';
	if (pr->layer_quota && !inodes_only) {
		policy_format_limit(LIMIT_MEMORY_MAX, pr->layer_quota, bytes, sizeof(bytes));
		n = snprintf(buf, size, "layer_quota %s", bytes);
	}
	if (pr->layer_inodes && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%slayer_inodes %llu", n ? " and " : "",
			 (unsigned long long)pr->layer_inodes);
}

/* Whether the filesystem of dirfd (named path) can enforce the profile's layer quota; if not,
 * one sentence into buf: the keys, why, the fix, and what the logins get from
 * helper/build/layer_quota.c (refused, or on without any quota and a journal warning; the
 * builtin quota without a warning); dirfd -errno: that path could not be opened. ret_line (may
 * be NULL): the line to point at. */
static bool quota_problem(const Profile *pr, int dirfd, const char *path, char *buf, size_t size,
			  int *ret_line)
{
	const LayerQuota q = {.bytes = pr->layer_quota, .inodes = pr->layer_inodes};
	QuotaFs fs = dirfd < 0 ? QUOTA_FS_NONE : quota_fs_of(dirfd);
	bool inodes_only;
	char keys[96];
	int r;

	if (!pr->persist || (!q.bytes && !q.inodes))
		return false;
	if (dirfd < 0) {
		errno = -dirfd;
		snprintf(buf, size, "layer quota not checked: Failed to open %s: %m", path);
		if (ret_line)
			*ret_line = quota_line(pr, false);
		return true;
	}
	/* btrfs answers the qgroup lookup only to CAP_SYS_ADMIN: to anyone else quotas would read
	 * as turned off */
	if (fs == QUOTA_FS_BTRFS && !q.inodes && geteuid() != 0)
		return false;
	r = quota_probe(dirfd, &q);
	if (r == 0)
		return false;
	/* qgroups count no inodes: layer_inodes alone stops the quota (the bytes' limit too) */
	inodes_only = fs == QUOTA_FS_BTRFS && r == -EOPNOTSUPP && q.inodes;
	quota_keys(pr, inodes_only, keys, sizeof(keys));
	if (ret_line)
		*ret_line = quota_line(pr, inodes_only);
	if (!quota_in_file(pr))
		snprintf(buf, size,
			 "the builtin %s is not enforced on %s (%s): %s; logins go on without it "
			 "(layer_quota = \"infinity\" in defaults silences this)",
			 keys, path, quota_fs_name(fs), quota_hint(fs, r));
	else
		snprintf(buf, size, "%s cannot be enforced on %s (%s): %s; logins %s", keys, path,
			 quota_fs_name(fs), quota_hint(fs, r),
			 pr->layer_quota_fallback == QUOTA_FALLBACK_WARN
			     ? "go on without a layer quota (layer_quota_fallback = \"warn\")"
			     : "are refused (layer_quota_fallback = \"refuse\")");
	return true;
}

typedef struct QuotaLine {
	int line;
	char text[512];
} QuotaLine;

/* /var/lib/alcove, or where the first build will make it (its parent, on whose filesystem it
 * will be) while it does not exist yet; path named in ret_path. An fd or -errno. */
static int lib_dir_open(char *ret_path, size_t size)
{
	int fd = open(ALCOVE_LIB_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	snprintf(ret_path, size, "%s", ALCOVE_LIB_DIR);
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? negative_errno() : fd;
	snprintf(ret_path, size, "%s", LOCALSTATEDIR "/lib");
	fd = open(LOCALSTATEDIR "/lib", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? negative_errno() : fd;
}

/* check-config's quota probe of /var/lib/alcove, per section that keeps a layer: a warning per
 * quota the file asks for and the filesystem cannot enforce, with its line and what the logins
 * get (a profile repeating what it inherits is said once), and one note for the builtin quota.
 * A user's directory there may be another filesystem: explain USER probes that one. As root
 * only: btrfs answers the qgroup lookup only to CAP_SYS_ADMIN. */
static void quota_print(FILE *out, const char *config, const Policy *p)
{
	_cleanup_free_ QuotaLine *said = NULL;
	_cleanup_close_ int fd = -1;
	char path[sizeof(ALCOVE_LIB_DIR)];
	QuotaLine builtin = {0};
	size_t n_said = 0;

	if (geteuid() != 0)
		return;
	said = calloc(p->n_profiles + 1, sizeof(*said));
	if (!said) {
		fprintf(out, "%s: warning: layer quota not checked: %s\n", config,
			strerror(ENOMEM));
		return;
	}
	fd = lib_dir_open(path, sizeof(path));
	for (size_t i = 0; i <= p->n_profiles; i++) {
		const Profile *pr = i == 0 ? &p->defaults : &p->profiles[i - 1];
		QuotaLine *l = &said[n_said];
		bool repeated = false;

		if (!quota_in_file(pr)) {
			if (!builtin.text[0]) /* the same 10G for every profile that has it */
				quota_problem(pr, fd, path, builtin.text, sizeof(builtin.text),
					      NULL);
			continue;
		}
		if (!quota_problem(pr, fd, path, l->text, sizeof(l->text), &l->line))
			continue;
		for (size_t j = 0; j < n_said && !repeated; j++)
			repeated = said[j].line == l->line && strcmp(said[j].text, l->text) == 0;
		if (repeated)
			continue;
		fprintf(out, "%s:%d: warning: %s: %s\n", config, l->line, pr->name, l->text);
		n_said++;
	}
	if (builtin.text[0])
		fprintf(out, "%s: note: %s\n", config, builtin.text);
}

enum { OPT_SERVICE = 0x200, OPT_TTY, OPT_RHOST, OPT_SSHD_CONFIG };

static int sshd_config_option(void *userdata, int opt, const char *arg)
{
	if (opt != OPT_SSHD_CONFIG)
		return CTL_EXIT_USAGE;
	*(const char **)userdata = arg;
	return 0;
}

/* pam_alcove refuses contained ssh logins when sshd serves sftp in-process (or its
 * configuration cannot be read): as bad as an invalid policy for them, so check-config fails
 * with that line in refusal (true returned); one inside a Match block is a warning. The
 * warnings, and what the tenant could make of the environment or xauth sshd runs, on out. */
static bool sshd_report(FILE *out, const char *sshd_config, bool rhost_rules, char *refusal,
			size_t size)
{
	char line[1024];
	SshdCheck sc;
	bool refused;

	sshd_check_run(sshd_config, &sc);
	refused = sshd_check_refusal(&sc, refusal, size);
	if (sshd_check_warning(&sc, line, sizeof(line)))
		fprintf(out, "%s\n", line);
	sshd_check_env_run(&sc, "sshd");
	if (sshd_check_env(&sc, line, sizeof(line)))
		fprintf(out, "warning: %s\n", line);
	if (sshd_check_xauth(&sc, line, sizeof(line)))
		fprintf(out, "warning: %s\n", line);
	if (rhost_rules && sc.r >= 0 && sc.s.use_dns)
		fprintf(out,
			"%s: warning: UseDNS yes: PAM_RHOST is the client's reverse DNS name, "
			"which the owner of its address chooses, so rhost rules cannot place it: "
			"every rhost rule that contains matches it, none that skips (UseDNS no "
			"gives rules the address)\n",
			sc.s.use_dns_where);
	return refused;
}

/* The lines written to a memstream, as a JSON array of strings (the last one's newline is
 * the stream's end, not an empty line). */
static void lines_json(FILE *f, const char *text)
{
	bool first = true;

	fputc('[', f);
	for (const char *p = text; p && *p;) {
		size_t n = strcspn(p, "\n");
		_cleanup_free_ char *line = strndup(p, n);

		fputs(first ? "" : ", ", f);
		json_string(f, line ? line : "(out of memory)");
		first = false;
		p += n + (p[n] == '\n');
	}
	fputc(']', f);
}

/* The checks that follow a policy that loads: its keys that will not take effect, its images,
 * the layer quota, sshd; everything but the refusal said on out. */
static bool config_checks(FILE *out, const char *config, const Policy *p, const char *sshd_config,
			  char *refusal, size_t size)
{
	bool rhost_rules = false;

	warnings_print(out, config, p);
	images_print(out, config, p);
	quota_print(out, config, p);
	for (size_t i = 0; i < p->n_rules; i++)
		rhost_rules = rhost_rules || p->rules[i].rhost;
	return sshd_report(out, sshd_config, rhost_rules, refusal, size);
}

/* check-config's verdict once the policy loaded: "FILE: OK" (warnings on stderr), or one
 * object with the sshd refusal in errors and every warning line in warnings. */
static int config_verdict(CtlContext *ctx, const Policy *p, const char *sshd_config)
{
	_cleanup_free_ char *text = NULL;
	char refusal[1024] = "";
	size_t len = 0;
	FILE *out = ctx->json ? open_memstream(&text, &len) : stderr;
	bool refused;

	if (!out)
		return log_error_errno(negative_errno(), "Failed to buffer the warnings: %m"),
		       CTL_EXIT_FAILURE;
	refused = config_checks(out, ctx->config, p, sshd_config, refusal, sizeof(refusal));
	if (!ctx->json) {
		if (refused)
			fprintf(stderr, "%s\n", refusal);
		else
			printf("%s: OK\n", ctx->config);
		return refused ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
	}
	if (fclose(out) != 0)
		return log_error_errno(negative_errno(), "Failed to buffer the warnings: %m"),
		       CTL_EXIT_FAILURE;
	ctx->json_written = true;
	fputs("{\"config\": ", stdout);
	json_string(stdout, ctx->config);
	fprintf(stdout, ", \"ok\": %s, \"errors\": [", refused ? "false" : "true");
	if (refused)
		json_string(stdout, refusal);
	fputs("], \"warnings\": ", stdout);
	lines_json(stdout, text);
	fputs("}\n", stdout);
	return refused ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}

int cmd_check_config(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"sshd-config", required_argument, NULL, OPT_SSHD_CONFIG},
	    {0},
	};
	const char *sshd_config = NULL;
	Policy *p = NULL;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, NULL, sshd_config_option, &sshd_config, &first);
	if (r >= 0)
		return r;
	if (argc - first > 1)
		return ctl_usage(ctx, "one policy file at most");
	if (argc - first == 1) {
		if (ctx->config_given && strcmp(ctx->config, argv[first]) != 0)
			return ctl_usage(ctx, "two policy files given (--config and '%s')",
					 argv[first]);
		ctx->config = argv[first];
	}
	if (load_or_report(ctx, &p) < 0)
		return CTL_EXIT_FAILURE;
	r = config_verdict(ctx, p, sshd_config);
	policy_free(p);
	return r;
}

typedef struct ExplainArgs {
	const char *service, *tty, *rhost, *sshd_config;
	const char *user; /* USER as given, as a client types it: sshd's Match User is against it */
} ExplainArgs;

static int explain_option(void *userdata, int opt, const char *arg)
{
	ExplainArgs *a = userdata;

	if (opt == OPT_SERVICE)
		a->service = arg;
	else if (opt == OPT_TTY)
		a->tty = arg;
	else if (opt == OPT_RHOST)
		a->rhost = arg;
	else if (opt == OPT_SSHD_CONFIG)
		a->sshd_config = arg;
	else
		return CTL_EXIT_USAGE;
	return 0;
}

static const char *decision_text(DecisionKind k)
{
	switch (k) {
	case DECISION_CONTAIN:
		return "contained";
	case DECISION_REFUSE:
		return "refused";
	default:
		return "not contained";
	}
}

/* What explain warns about for a contained login: the profile's keys that will not take
 * effect and an OCI image that does not exist (explain_quota(): the layer quota). */
static size_t explain_warnings(const Decision *d, PolicyWarning *w, size_t max)
{
	const Profile *pr = d->profile;
	size_t n;

	if (d->kind != DECISION_CONTAIN || !pr)
		return 0;
	n = profile_warnings(pr, w, max);
	return image_warnings(pr, w, n, max, NULL);
}

/* The directory whose filesystem holds USER's layer: /var/lib/alcove/USER when it exists (an
 * admin may mount another filesystem there), else /var/lib/alcove, where the build makes it;
 * never through a symlink (the build refuses one). It is root's 0700: a caller who is not root
 * gets an O_PATH fd, which fstatfs() and quotactl_fd() take (btrfs's ioctls would not, but
 * answer only CAP_SYS_ADMIN anyway). */
static int quota_dir_open(const char *user, char *ret_path, size_t size)
{
	_cleanup_close_ int libfd = lib_dir_open(ret_path, size);
	int fd;

	if (libfd < 0 || strcmp(ret_path, ALCOVE_LIB_DIR) != 0)
		return TAKE_FD(libfd);
	if (strchr(user, '/') || strcmp(user, ".") == 0 || strcmp(user, "..") == 0)
		return TAKE_FD(libfd);
	fd = openat(libfd, user,
		    (geteuid() == 0 ? O_RDONLY : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return TAKE_FD(libfd);
	snprintf(ret_path, size, "%s/%s", ALCOVE_LIB_DIR, user);
	return fd;
}

/* explain's quota line: whether the filesystem of USER's layer can enforce the profile's
 * layer quota, and if not, what the login gets. */
static bool explain_quota(const Decision *d, const char *user, char *buf, size_t size)
{
	char path[sizeof(ALCOVE_LIB_DIR) + 256];
	_cleanup_close_ int fd = -1;

	if (d->kind != DECISION_CONTAIN || !d->profile)
		return false;
	fd = quota_dir_open(user, path, sizeof(path));
	return quota_problem(d->profile, fd, path, buf, size, NULL);
}

/* internal-sftp, for a contained login (sc->path NULL: not looked at, another service): with
 * --service sshd* (or --sshd-config) a refusal changes the decision, without a service it is
 * what an ssh login would meet; a Match block is a warning. */
static void explain_sshd(const ExplainArgs *a, const LoginInfo *li, Decision *d, SshdCheck *sc)
{
	bool sshd = a->sshd_config || (a->service && strncmp(a->service, "sshd", 4) == 0);
	char why[sizeof(sc->err.msg) + 256];
	size_t len;

	if (d->kind != DECISION_CONTAIN || (!sshd && a->service))
		return;
	sshd_check_run(a->sshd_config, sc);
	if (li)
		sshd_check_keys_run(sc, li, a->user);
	if (sshd)
		sshd_check_pam_run(sc, a->service);
	sshd_check_env_run(sc, a->service ? a->service : "sshd");
	if (!sshd || !sshd_check_refusal(sc, why, sizeof(why)))
		return;
	d->kind = DECISION_REFUSE;
	len = strnlen(why, sizeof(d->reason) - 1); /* the reason is bounded: cut, not refused */
	memcpy(d->reason, why, len);
	d->reason[len] = '\0';
}

/* The warnings too long for a PolicyWarning, n of them (at most LONG_WARNINGS_MAX) into
 * lines: the layer quota's (explain_quota()), then those of explain_sshd(). */
#define LONG_WARNINGS_MAX 7
static size_t long_warnings(const Decision *d, const char *user, const SshdCheck *sc,
			    char lines[LONG_WARNINGS_MAX][1024])
{
	size_t n = 0;

	if (explain_quota(d, user, lines[n], sizeof(lines[n])))
		n++;
	if (!sc->path || d->kind != DECISION_CONTAIN)
		return n;
	if (sshd_check_refusal(sc, lines[n], sizeof(lines[n])))
		n++; /* no service given: what a login through sshd would meet */
	if (sshd_check_warning(sc, lines[n], sizeof(lines[n])))
		n++;
	if (sshd_check_keys(sc, lines[n], sizeof(lines[n])))
		n++;
	if (sshd_check_pam(sc, lines[n], sizeof(lines[n])))
		n++;
	if (sshd_check_env(sc, lines[n], sizeof(lines[n])))
		n++;
	if (sshd_check_xauth(sc, lines[n], sizeof(lines[n])))
		n++;
	return n;
}

static void warnings_text(const Decision *d, const char *user, const SshdCheck *sc)
{
	PolicyWarning w[POLICY_MAX_WARNINGS + POLICY_MAX_LAYERS];
	size_t n = explain_warnings(d, w, ELEMENTSOF(w));
	char lines[LONG_WARNINGS_MAX][1024];
	size_t n_long = long_warnings(d, user, sc, lines);

	for (size_t i = 0; i < n; i++)
		printf("warning   %s\n", w[i].text);
	for (size_t i = 0; i < n_long; i++)
		printf("warning   %s\n", lines[i]);
}

static void warnings_json(FILE *f, const Decision *d, const char *user, const SshdCheck *sc)
{
	PolicyWarning w[POLICY_MAX_WARNINGS + POLICY_MAX_LAYERS];
	size_t n = explain_warnings(d, w, ELEMENTSOF(w));
	char lines[LONG_WARNINGS_MAX][1024];
	size_t n_long = long_warnings(d, user, sc, lines);

	fputs(", \"warnings\": [", f);
	for (size_t i = 0; i < n + n_long; i++) {
		if (i)
			fputs(", ", f);
		json_string(f, i < n ? w[i].text : lines[i - n]);
	}
	fputc(']', f);
}

static void explain_text(const Login *l, bool looked_up, const Decision *d, const SshdCheck *sc)
{
	printf("user      %s", l->user);
	if (looked_up)
		printf(" (uid %u, gid %u)", (unsigned)l->uid, (unsigned)l->gid);
	printf("\ngroups    ");
	for (size_t i = 0; i < l->n_groups; i++)
		printf("%s%s", i ? ", " : "", l->groups[i]);
	printf("%s\nservice   %s\ntty       %s\nrhost     %s%s\n", l->n_groups ? "" : "(none)",
	       l->service ? l->service : "(none)", l->tty ? l->tty : "(none)",
	       l->rhost ? l->rhost : "(none)",
	       policy_rhost_is_name(l->rhost)
		   ? " (not an address: rhost rules matched toward containment, every one "
		     "that contains and none that skips)"
		   : "");
	if (d->rule)
		printf("rule      #%zu, line %d: %s\n", d->rule_index + 1, d->rule->line,
		       d->rule->text ? d->rule->text : "");
	else
		printf("rule      (none matched)\n");
	printf("decision  %s: %s\n", decision_text(d->kind), d->reason);
	if (d->kind != DECISION_CONTAIN || !d->profile) {
		printf("profile   (none: the login is not contained)\n");
		return;
	}
	printf("profile   %s", d->profile->name);
	if (d->profile->line > 0)
		printf(" (line %d)", d->profile->line);
	printf(", inherits %s\n", d->profile->inherit ? d->profile->inherit : "defaults");
	profile_print_text(stdout, d->profile);
	warnings_text(d, l->user, sc);
}

static void explain_json(const char *config, const Login *l, bool looked_up, const Decision *d,
			 const SshdCheck *sc)
{
	FILE *f = stdout;

	fputs("{\"config\": ", f);
	json_string(f, config);
	fputs(", \"user\": ", f);
	json_string(f, l->user);
	if (looked_up)
		fprintf(f, ", \"uid\": %u, \"gid\": %u", (unsigned)l->uid, (unsigned)l->gid);
	else
		fputs(", \"uid\": null, \"gid\": null", f);
	fputs(", \"groups\": [", f);
	for (size_t i = 0; i < l->n_groups; i++) {
		if (i)
			fputs(", ", f);
		json_string(f, l->groups[i]);
	}
	fputs("], \"service\": ", f);
	json_string(f, l->service);
	fputs(", \"tty\": ", f);
	json_string(f, l->tty);
	fputs(", \"rhost\": ", f);
	json_string(f, l->rhost);
	/* a name, not an address: rhost rules were matched toward containment */
	fprintf(f, ", \"rhost_is_name\": %s", policy_rhost_is_name(l->rhost) ? "true" : "false");
	fputs(", \"rule\": ", f);
	if (d->rule) {
		fprintf(f, "{\"index\": %zu, \"line\": %d, \"text\": ", d->rule_index + 1,
			d->rule->line);
		json_string(f, d->rule->text);
		fputc('}', f);
	} else
		fputs("null", f);
	fputs(", \"decision\": ", f);
	json_string(f, decision_kind_name(d->kind));
	fprintf(
	    f, ", \"contained\": %s, \"reason\": ", d->kind == DECISION_CONTAIN ? "true" : "false");
	json_string(f, d->reason);
	fputs(", \"profile\": ", f);
	if (d->kind == DECISION_CONTAIN && d->profile)
		profile_print_json(f, d->profile);
	else
		fputs("null", f);
	warnings_json(f, d, l->user, sc);
	fputs("}\n", f);
}

/* A login the policy contains is still refused at the build when its subordinate ranges hold
 * what they must not (common/subid.h): explain says so, with the build's reason. */
static void explain_ranges(const Policy *p, const LoginInfo *li, Decision *d)
{
	AlcError e = {0};
	uint32_t start;
	int r;

	r = subid_find("/etc/subuid", SUBID_UID, li->user, li->uid, li->uid, p, &start, &e);
	if (r >= 0)
		r = subid_find("/etc/subgid", SUBID_GID, li->user, li->uid, li->gid, p, &start, &e);
	if (r >= 0)
		return;
	d->kind = DECISION_REFUSE;
	/* the reason's room is smaller than an AlcError's: cut, not a format error */
	snprintf(d->reason, sizeof(d->reason), "%.*s", (int)sizeof(d->reason) - 1, e.msg);
}

int cmd_explain(CtlContext *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"service", required_argument, NULL, OPT_SERVICE},
	    {"tty", required_argument, NULL, OPT_TTY},
	    {"rhost", required_argument, NULL, OPT_RHOST},
	    {"sshd-config", required_argument, NULL, OPT_SSHD_CONFIG},
	    {0},
	};
	_cleanup_(login_info_freep) LoginInfo *li = NULL;
	ExplainArgs a = {0};
	SshdCheck sc = {0};
	Policy *p = NULL;
	Decision d;
	Login unsafe;
	const Login *l;
	int first, r;

	r = ctl_getopt(ctx, argc, argv, opts, NULL, explain_option, &a, &first);
	if (r >= 0)
		return r;
	if (argc - first != 1)
		return ctl_usage(ctx, "expected one user name");
	a.user = argv[first];
	if (load_or_report(ctx, &p) < 0)
		return CTL_EXIT_FAILURE;

	r = login_lookup(argv[first], a.service, a.tty, a.rhost, &li);
	if (r == -EINVAL) {
		/* Not looked up: the matcher refuses the name before anything else. */
		unsafe = (Login){
		    .user = argv[first], .service = a.service, .tty = a.tty, .rhost = a.rhost};
		l = &unsafe;
	} else if (r < 0) {
		policy_free(p);
		if (r == -ENOENT)
			log_error("No such user '%s'", argv[first]);
		else
			log_error_errno(r, "Failed to look up user '%s': %m", argv[first]);
		return CTL_EXIT_FAILURE;
	} else
		l = &li->login;

	if (li)
		login_decide(p, li, &d);
	else
		policy_decide(p, l, &d);
	if (li && d.kind == DECISION_CONTAIN)
		explain_ranges(p, li, &d);
	explain_sshd(&a, li, &d, &sc);
	ctx->json_written = ctx->json;
	if (ctx->json)
		explain_json(ctx->config, l, li != NULL, &d, &sc);
	else
		explain_text(l, li != NULL, &d, &sc);
	policy_free(p);
	return CTL_EXIT_OK;
}
