/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "sshd_match.h"

#define BLANKS " \t\f\r"
#define FILE_MAX (256 * 1024)
#define MAX_WORDS 32
#define MAX_SUBSYSTEMS 32
#define INTERNAL_SFTP "internal-sftp"
/* sshd's SSHDIR on Debian: where a relative Include is looked up, whatever -f says */
#define SSHD_DIR "/etc/ssh"
/* the stage an AlcError of this file names (pam_module/session.c logs it as such) */
#define SSHD_CONFIG_STAGE "sshd_config"

typedef struct Parser {
	SshdSftp *out;
	SshdEnv *env; /* NULL: not asked for */
	AlcError *error;
	bool in_match;
	/* With a connection: whether the current Match block selects it (sshd_match.h), and
	 * the criteria assumed to. sshd reads the Match blocks per connection over the global
	 * options (servconf.c parse_server_match_config()): the first selecting block's
	 * ForceCommand, and its `Subsystem NAME`, win over the global ones. */
	const SshdConn *conn;
	bool applies;
	char unknown[128];
	bool match_forced;
	char match_subsystems[MAX_SUBSYSTEMS][64];
	size_t n_match_subsystems;
	bool tunnel_seen, match_tunnel_seen;
	bool dns_seen;
	bool x11_seen, xauth_seen; /* a global X11Forwarding, XAuthLocation: the first wins */
	bool user_env_seen; /* a global PermitUserEnvironment: the first one wins */
	bool chroot_seen; /* a global ChrootDirectory: the first one wins */
	/* sshd keeps the first global `Subsystem NAME` (9.2 refuses a second one; newer ones
	 * ignore it) and the first global ForceCommand */
	char subsystems[MAX_SUBSYSTEMS][64];
	size_t n_subsystems;
	bool force_seen;  /* a global ForceCommand: the first one wins, `none` too */
	bool forced;	  /* ... and it is not none */
	bool match_force; /* a ForceCommand in some Match block: it may clear the global one */
	bool keys_seen; /* the first global AuthorizedKeysFile wins */
	bool principals_seen;
	/* file names of Match blocks and AuthorizedPrincipalsFile, after the global ones */
	char more_files[SSHD_KEY_FILES_MAX][256];
	size_t n_more_files;
} Parser;

static int parse_file(Parser *p, const char *path, int depth);

static int parser_error(Parser *p, int r, const char *fmt, ...) _printf_(3, 4);
static int parser_error(Parser *p, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = alc_verror(p->error, r, SSHD_CONFIG_STAGE, fmt, ap);
	va_end(ap);
	return r;
}

/* Splits s in place into words as sshd's argv_split() does: blanks separate, "..." and '...'
 * quote (the quotes go), a backslash before ' " \\ (or, unquoted, a space) is dropped and the
 * character kept (`sftp\\ x` is one word), an unquoted '#' that starts a word ends the line.
 * More than max words: max + 1 (argv holds the first max), as sshd reads them all and a caller
 * must not act on a line it saw only part of. */
static size_t split_words(char *s, char **argv, size_t max)
{
	size_t n = 0;

	while (n < max) {
		char *out, q = 0;

		s += strspn(s, BLANKS);
		if (!*s || *s == '#')
			break;
		out = argv[n++] = s;
		while (*s && (q || !strchr(BLANKS, *s))) {
			if (*s == '\\' && s[1] && (strchr("'\"\\", s[1]) || (!q && s[1] == ' ')))
				s++, *out++ = *s++;
			else if (q && *s == q)
				q = 0, s++;
			else if (!q && (*s == '"' || *s == '\''))
				q = *s++;
			else
				*out++ = *s++;
		}
		if (!*s) {
			*out = '\0';
			break;
		}
		*out = '\0'; /* out <= s: the separator is read before it is overwritten */
		s++;
	}
	s += strspn(s, BLANKS);
	return n == max && *s && *s != '#' ? max + 1 : n;
}

/* The keyword and the rest of the line, as sshd's strdelim() cuts the keyword: `Key value`,
 * `Key=value`, `Key = value`, `"Key" value`. NULL for a blank line or a comment. */
static char *keyword_split(char *line, char **ret_rest)
{
	char *rest = line, *kw = sshd_strdelim(&rest);

	if (kw && !*kw) /* leading blanks: an empty first token */
		kw = sshd_strdelim(&rest);
	if (!kw || !*kw || *kw == '#')
		return NULL;
	*ret_rest = rest ? rest : kw + strlen(kw); /* no value: the keyword's own NUL */
	return kw;
}

/* The first finding of its place (global, or Match) is kept: NULL for a later one. */
static SshdSftpFinding *add_finding(Parser *p, const char *where, bool forced, const char *fmt, ...)
    _printf_(4, 5);
static SshdSftpFinding *add_finding(Parser *p, const char *where, bool forced, const char *fmt, ...)
{
	SshdSftpFinding *f = p->in_match ? &p->out->match : &p->out->global;
	size_t *n = p->in_match ? &p->out->n_match : &p->out->n_global;
	va_list ap;

	if ((*n)++ > 0)
		return NULL;
	snprintf(f->where, sizeof(f->where), "%s", where);
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	f->in_match = p->in_match;
	f->forced = forced;
	if (p->in_match && p->conn)
		snprintf(f->unknown, sizeof(f->unknown), "%s", p->unknown);
	return f;
}

/* sshd's IS_INTERNAL_SFTP(): the command is internal-sftp, alone or followed by a blank. */
static bool is_internal_sftp(const char *cmd)
{
	size_t n = strlen(INTERNAL_SFTP);

	return strncmp(cmd, INTERNAL_SFTP, n) == 0 && (!cmd[n] || cmd[n] == ' ' || cmd[n] == '\t');
}

/* The first `Subsystem NAME` of its kind (global, or of the selecting Match blocks) wins. */
static bool first_subsystem(char (*names)[64], size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return false;
	if (*n < MAX_SUBSYSTEMS)
		snprintf(names[(*n)++], sizeof(names[0]), "%s", name);
	return true;
}

/* Subsystem NAME COMMAND [ARGS]: in-process when COMMAND is exactly internal-sftp (sshd's
 * session_subsystem_req()), for any NAME: a client asks for a subsystem by name (sftp -s). */
static void on_subsystem(Parser *p, const char *where, char *rest)
{
	char *w[MAX_WORDS];
	size_t n = split_words(rest, w, MAX_WORDS);

	if (n < 2 || (p->in_match && p->conn && !p->applies))
		return; /* sshd refuses to start with it; a block that does not select it */
	if (!p->in_match || p->conn) {
		bool m = p->in_match;

		if (!first_subsystem(m ? p->match_subsystems : p->subsystems,
				     m ? &p->n_match_subsystems : &p->n_subsystems, w[0]))
			return;
	}
	if (strcmp(w[1], INTERNAL_SFTP) == 0)
		add_finding(p, where, false, "Subsystem %s %s", w[0], w[1]);
}

/* ForceCommand takes the rest of the line as it is (no quotes removed), and sshd serves sftp
 * in-process when it starts with internal-sftp (do_exec()). `none` (any case) is no forced
 * command (servconf.c option_clear_or_none(), since 7.2), and in a selecting Match block it
 * clears a global one. */
static void on_force_command(Parser *p, const char *where, const char *rest)
{
	if (!p->in_match) {
		if (p->force_seen)
			return; /* the first one wins */
		p->force_seen = true;
		p->forced = strcasecmp(rest, "none") != 0;
	} else {
		p->match_force = true;
		if (p->conn) {
			if (!p->applies || p->match_forced)
				return; /* not for this connection, or an earlier block's wins */
			p->match_forced = true;
		}
	}
	if (is_internal_sftp(rest))
		add_finding(p, where, true, "ForceCommand %.120s", rest);
}

/* ChrootDirectory DIR: sshd chroots the session child (do_setusercontext()) and then runs the
 * passwd shell inside the chroot, where the lobby's alcove-enter is not: the login runs in the
 * jail on the host, not in the alcove. The first global one, and any of a selecting Match
 * block (none there clears a global one for sshd; here the global one still refuses: closed,
 * not open). */
static void on_chroot(Parser *p, const char *where, char *rest)
{
	SshdSftpFinding *f;
	char *w[1];

	if (split_words(rest, w, 1) < 1)
		return;
	if (!p->in_match) {
		if (p->chroot_seen)
			return;
		p->chroot_seen = true;
	} else if (p->conn && !p->applies)
		return;
	if (strcasecmp(w[0], "none") == 0)
		return;
	f = add_finding(p, where, false, "ChrootDirectory %.120s", w[0]);
	if (f)
		f->chroot = true;
}

/* PermitTunnel yes|point-to-point|ethernet|no: anything but no lets a client ask for a tun
 * device (ssh -w), which sshd's child opens in the lobby (/dev/net/tun). */
static void on_permit_tunnel(Parser *p, const char *where, char *rest)
{
	char *w[1];

	if (split_words(rest, w, 1) < 1)
		return;
	if (p->in_match && !p->conn) {
		p->out->n_match_tunnel++;
		return;
	}
	if (p->in_match ? !p->applies || p->match_tunnel_seen : p->tunnel_seen || p->match_tunnel_seen)
		return; /* not for this connection, or an earlier one wins */
	*(p->in_match ? &p->match_tunnel_seen : &p->tunnel_seen) = true;
	p->out->tunnel = strcasecmp(w[0], "no") != 0;
	snprintf(p->out->tunnel_where, sizeof(p->out->tunnel_where), "%s", where);
	snprintf(p->out->tunnel_value, sizeof(p->out->tunnel_value), "%s", w[0]);
}

/* UseDNS yes: PAM_RHOST is the client's reverse DNS name, not its address. Global only (sshd
 * refuses it in a Match block); the first one wins. */
static void on_use_dns(Parser *p, const char *where, char *rest)
{
	char *w[1];

	if (p->in_match || p->dns_seen || split_words(rest, w, 1) < 1)
		return;
	p->dns_seen = true;
	p->out->use_dns = strcasecmp(w[0], "yes") == 0;
	snprintf(p->out->use_dns_where, sizeof(p->out->use_dns_where), "%s", where);
}

/* X11Forwarding yes|no (sshd's flags compare case-insensitively): the first global one, and
 * whether any Match block says yes (which block selects a connection is not decided here). */
static void on_x11_forwarding(Parser *p, char *rest)
{
	char *w[1];
	bool yes;

	if (split_words(rest, w, 1) < 1)
		return;
	yes = strcasecmp(w[0], "yes") == 0;
	if (p->in_match) {
		p->out->x11_match = p->out->x11_match || yes;
		return;
	}
	if (p->x11_seen)
		return;
	p->x11_seen = true;
	p->out->x11_forwarding = yes;
}

/* XAuthLocation PATH: the first global one (sshd refuses it in a Match block). */
static void on_xauth_location(Parser *p, const char *where, char *rest)
{
	char *w[1];

	if (p->in_match || p->xauth_seen || split_words(rest, w, 1) < 1)
		return;
	p->xauth_seen = true;
	snprintf(p->out->xauth_location, sizeof(p->out->xauth_location), "%s", w[0]);
	snprintf(p->out->xauth_where, sizeof(p->out->xauth_where), "%s", where);
}

/* PermitUserEnvironment yes|no|PATTERNS: the first global one, as sshd compares it (strcmp:
 * "No" is a pattern list). */
static void on_permit_user_env(Parser *p, const char *where, char *rest)
{
	char *w[1];

	if (!p->env || p->in_match || p->user_env_seen || split_words(rest, w, 1) < 1)
		return;
	p->user_env_seen = true;
	snprintf(p->env->permit_user_env, sizeof(p->env->permit_user_env), "%s", w[0]);
	snprintf(p->env->permit_user_env_where, sizeof(p->env->permit_user_env_where), "%s", where);
}

/* AcceptEnv PATTERN...: every line's, global or in a Match block. */
static void on_accept_env(Parser *p, const char *where, char *rest)
{
	char *w[MAX_WORDS];
	size_t n = split_words(rest, w, MAX_WORDS);
	SshdEnv *env = p->env;

	if (!env)
		return;
	if (n > MAX_WORDS) {
		env->accept_env_overflow = true;
		n = MAX_WORDS;
	}
	for (size_t i = 0; i < n; i++) {
		if (env->n_accept_env >= SSHD_ACCEPT_ENV_MAX ||
		    strlen(w[i]) >= sizeof(env->accept_env[0])) {
			env->accept_env_overflow = true;
			continue;
		}
		snprintf(env->accept_env[env->n_accept_env], sizeof(env->accept_env[0]), "%s",
			 w[i]);
		snprintf(env->accept_env_where[env->n_accept_env++],
			 sizeof(env->accept_env_where[0]), "%s", where);
	}
}

/* Match all ends a Match block: what follows applies to every connection again. */
static void on_match(Parser *p, char *rest)
{
	char copy[1024], *w[2];
	size_t n;

	snprintf(copy, sizeof(copy), "%s", rest);
	n = split_words(copy, w, 2);
	p->in_match = !(n == 1 && strcasecmp(w[0], "all") == 0);
	if (p->in_match && p->conn)
		p->applies = sshd_match_line(p->conn, rest, p->unknown, sizeof(p->unknown)) > 0;
}

/* A Match begun in an included file ends with it (sshd restores its state after an
 * Include), one begun before the Include goes on through it. */
static int include_one(Parser *p, const char *where, const char *arg, int depth)
{
	char pattern[4096];
	glob_t g;
	int r;

	if (snprintf(pattern, sizeof(pattern), "%s%s", arg[0] == '/' ? "" : SSHD_DIR "/", arg) >=
	    (int)sizeof(pattern))
		return parser_error(p, -ENAMETOOLONG, "%s: Include path too long", where);
	r = glob(pattern, 0, NULL, &g);
	if (r == GLOB_NOMATCH)
		return 0; /* as sshd: nothing to include */
	if (r != 0)
		return parser_error(p, r == GLOB_NOSPACE ? -ENOMEM : -EIO,
				    "%s: Failed to expand Include '%s'", where, pattern);
	r = 0;
	for (size_t i = 0; i < g.gl_pathc && r >= 0; i++) {
		bool in_match = p->in_match, applies = p->applies;
		char unknown[sizeof(p->unknown)];

		memcpy(unknown, p->unknown, sizeof(unknown));
		r = parse_file(p, g.gl_pathv[i], depth + 1);
		p->in_match = in_match;
		p->applies = applies;
		memcpy(p->unknown, unknown, sizeof(unknown));
	}
	globfree(&g);
	return r;
}

static int on_include(Parser *p, const char *where, char *rest, int depth)
{
	char *w[MAX_WORDS];
	size_t n = split_words(rest, w, MAX_WORDS);
	int r;

	if (depth + 1 >= SSHD_CONFIG_MAX_DEPTH)
		return parser_error(p, -ELOOP, "%s: Include nested more than %d deep", where,
				    SSHD_CONFIG_MAX_DEPTH);
	/* sshd reads every pattern: a file past the ones read here may serve sftp in-process */
	if (n > MAX_WORDS)
		return parser_error(p, -E2BIG, "%s: Failed to read Include: more than %d patterns",
				    where, MAX_WORDS);
	for (size_t i = 0; i < n; i++) {
		r = include_one(p, where, w[i], depth);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file name sshd may read key lines from: to out (the first global AuthorizedKeysFile) or to
 * the parser's others; "none" is no file. */
static void add_key_file(Parser *p, bool global_keys, const char *name)
{
	char(*files)[256] = global_keys ? p->out->key_files : p->more_files;
	size_t *n = global_keys ? &p->out->n_key_files : &p->n_more_files;

	if (strcasecmp(name, "none") == 0)
		return;
	if (*n >= SSHD_KEY_FILES_MAX || strlen(name) >= sizeof(files[0])) {
		p->out->key_files_overflow = true;
		return;
	}
	snprintf(files[(*n)++], sizeof(files[0]), "%s", name);
}

/* AuthorizedPrincipalsFile FILE: its lines take key options too (a certificate's principal
 * with command="internal-sftp"); the first global one, and every Match block's. */
static void on_principals(Parser *p, char *rest)
{
	char *w[1];

	if (split_words(rest, w, 1) < 1 || (!p->in_match && p->principals_seen))
		return;
	if (!p->in_match)
		p->principals_seen = true;
	add_key_file(p, false, w[0]);
}

/* AuthorizedKeysFile FILE...: the first global one, and every Match block's. */
static void on_authorized_keys(Parser *p, char *rest)
{
	char *w[MAX_WORDS];
	size_t n = split_words(rest, w, MAX_WORDS);

	if (!p->in_match && p->keys_seen)
		return;
	if (n > MAX_WORDS) { /* sshd reads them all: the files past these are not known */
		p->out->key_files_overflow = true;
		n = MAX_WORDS;
	}
	for (size_t i = 0; i < n; i++)
		add_key_file(p, !p->in_match, w[i]);
	if (!p->in_match)
		p->keys_seen = true;
}

static int parse_line(Parser *p, const char *path, unsigned lineno, char *line, int depth)
{
	char where[320], *rest, *kw;
	size_t n = strlen(line);

	/* sshd strips trailing blanks first (ForceCommand keeps the rest of the line) */
	while (n > 0 && strchr(BLANKS, line[n - 1]))
		line[--n] = '\0';
	kw = keyword_split(line, &rest);
	if (!kw)
		return 0;
	snprintf(where, sizeof(where), "%s:%u", path, lineno);
	if (strcasecmp(kw, "Include") == 0)
		return on_include(p, where, rest, depth);
	if (strcasecmp(kw, "Match") == 0)
		on_match(p, rest);
	else if (strcasecmp(kw, "Subsystem") == 0)
		on_subsystem(p, where, rest);
	else if (strcasecmp(kw, "ForceCommand") == 0)
		on_force_command(p, where, rest);
	else if (strcasecmp(kw, "ChrootDirectory") == 0)
		on_chroot(p, where, rest);
	else if (strcasecmp(kw, "PermitTunnel") == 0)
		on_permit_tunnel(p, where, rest);
	else if (strcasecmp(kw, "UseDNS") == 0)
		on_use_dns(p, where, rest);
	else if (strcasecmp(kw, "X11Forwarding") == 0)
		on_x11_forwarding(p, rest);
	else if (strcasecmp(kw, "XAuthLocation") == 0)
		on_xauth_location(p, where, rest);
	else if (strcasecmp(kw, "AuthorizedKeysFile") == 0)
		on_authorized_keys(p, rest);
	else if (strcasecmp(kw, "AuthorizedPrincipalsFile") == 0)
		on_principals(p, rest);
	else if (strcasecmp(kw, "PermitUserEnvironment") == 0)
		on_permit_user_env(p, where, rest);
	else if (strcasecmp(kw, "AcceptEnv") == 0)
		on_accept_env(p, where, rest);
	return 0;
}

/* sshd's configuration is root's, in root's /etc: followed through symlinks as sshd does
 * (configuration managers and NixOS link it). Only a regular file counts (-EBADFD else): a
 * FIFO would read as empty and pass for a configuration without internal-sftp. */
static int read_config(const char *path, char *buf, size_t size, size_t *ret_len)
{
	struct stat st;
	_cleanup_close_ int fd = open_regular(path, &st);

	if (fd < 0)
		return fd;
	return read_fd_whole(fd, buf, size, ret_len);
}

static int parse_file(Parser *p, const char *path, int depth)
{
	_cleanup_free_ char *buf = malloc(FILE_MAX + 1);
	unsigned lineno = 0;
	char *line, *next;
	size_t len;
	int r;

	if (!buf)
		return parser_error(p, -ENOMEM, "Failed to read %s: %m", path);
	r = read_config(path, buf, FILE_MAX + 1, &len);
	if (r == -ENOENT)
		return 0;
	if (r == -EBADFD)
		return parser_error(p, -EINVAL, "Failed to read %s: not a regular file", path);
	if (r == -EFBIG)
		return parser_error(p, r, "Failed to read %s: larger than %d KiB", path,
				    FILE_MAX / 1024);
	if (r < 0)
		return parser_error(p, r, "Failed to read %s: %m", path);
	buf[len] = '\0';
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = parse_line(p, path, ++lineno, line, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The global names (sshd's default without any), then the others; none at all when a global
 * ForceCommand wins over key options (session.c do_exec(): adm_forced_command first): one
 * that is not none, with no Match block that has a ForceCommand (its `none` would clear the
 * global one for the connections it selects, which are not known here). */
static void key_files_finish(Parser *p)
{
	SshdSftp *s = p->out;

	if (p->forced && !p->match_force) {
		s->n_key_files = 0;
		s->key_files_overflow = false;
		return;
	}
	if (!p->keys_seen) {
		add_key_file(p, true, ".ssh/authorized_keys");
		add_key_file(p, true, ".ssh/authorized_keys2");
	}
	for (size_t i = 0; i < p->n_more_files; i++)
		add_key_file(p, true, p->more_files[i]);
}

int sshd_config_sftp(const char *path, SshdSftp *ret, AlcError *e)
{
	return sshd_config_sftp_conn(path, NULL, ret, e);
}

/* One reading of path into s, and into env unless it is NULL. */
static int parse_config(const char *path, const SshdConn *conn, SshdSftp *s, SshdEnv *env,
			AlcError *e)
{
	_cleanup_free_ Parser *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return alc_error(e, -ENOMEM, SSHD_CONFIG_STAGE, "Failed to read %s: out of memory",
				 path);
	*p = (Parser){.out = s, .env = env, .error = e, .conn = conn};
	r = parse_file(p, path, 0);
	if (r < 0)
		return r;
	key_files_finish(p);
	return 0;
}

int sshd_config_sftp_conn(const char *path, const SshdConn *conn, SshdSftp *ret, AlcError *e)
{
	SshdSftp s = {0};
	int r = parse_config(path, conn, &s, NULL, e);

	if (r < 0)
		return r;
	*ret = s;
	return 0;
}

int sshd_config_env(const char *path, SshdEnv *ret, AlcError *e)
{
	_cleanup_free_ SshdSftp *s = calloc(1, sizeof(*s));
	_cleanup_free_ SshdEnv *env = calloc(1, sizeof(*env));
	int r;

	if (!s || !env)
		return alc_error(e, -ENOMEM, SSHD_CONFIG_STAGE, "Failed to read %s: out of memory",
				 path);
	r = parse_config(path, NULL, s, env, e);
	if (r < 0)
		return r;
	*ret = *env;
	return 0;
}

bool sshd_xauth_warning(const SshdSftp *s, const char *bounded, char *buf, size_t size)
{
	if (!s->xauth_location[0] || strcmp(s->xauth_location, bounded) == 0 ||
	    !(s->x11_forwarding || s->x11_match))
		return false;
	snprintf(buf, size,
		 "sshd_config %s: XAuthLocation %s: alcove bounds only %s, which sshd runs on the "
		 "host for X11 forwarding with the tenant's ~/.Xauthority; with %s it runs "
		 "unbounded (host memory): use %s or X11Forwarding no for contained users",
		 s->xauth_where, s->xauth_location, bounded, s->xauth_location, bounded);
	return true;
}

const char *sshd_sftp_advice(const SshdSftpFinding *f)
{
	if (f->chroot)
		return "ChrootDirectory none for contained users (the alcove is their jail)";
	return f->forced ? "ForceCommand " SSHD_SFTP_SERVER : "Subsystem sftp " SSHD_SFTP_SERVER;
}

const char *sshd_finding_why(const SshdSftpFinding *f)
{
	return f->chroot ? "sshd chroots the login and runs its shell in the jail, outside the "
			   "alcove"
			 : "sshd serves sftp in-process, outside the alcove";
}

bool sshd_exe_is_sshd(const char *exe)
{
	static const char *const names[] = {"sshd", "sshd-session", "sshd-auth"};
	static const char deleted[] = " (deleted)"; /* replaced by an upgrade while it runs */
	const char *base = strrchr(exe, '/');
	size_t n;

	base = base ? base + 1 : exe;
	n = strlen(base);
	if (n > sizeof(deleted) - 1 && strcmp(base + n - (sizeof(deleted) - 1), deleted) == 0)
		n -= sizeof(deleted) - 1;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (n == strlen(names[i]) && strncmp(base, names[i], n) == 0)
			return true;
	return false;
}
