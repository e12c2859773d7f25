/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sshd_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lobby_marker.h"
#include "bash_env.h"
#include "macro.h"
#include "pamd_configs.h"
#include "pamd_read.h"

void sshd_check_run(const char *path, SshdCheck *ret)
{
	*ret = (SshdCheck){.path = path ? path : SSHD_CONFIG_DEFAULT};
	ret->r = sshd_config_sftp(ret->path, &ret->s, &ret->err);
}

bool sshd_check_refusal(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0)
		snprintf(buf, size,
			 "%s: contained logins through sshd are refused (alcove cannot tell "
			 "whether it serves sftp in-process)",
			 c->err.msg);
	else if (c->s.n_global > 0)
		snprintf(buf, size, "%s: %s: %s: contained logins through sshd are refused; use %s",
			 c->s.global.where, c->s.global.text, sshd_finding_why(&c->s.global),
			 sshd_sftp_advice(&c->s.global));
	else if (c->match_checked && c->match.n_match > 0)
		snprintf(
		    buf, size,
		    "%s: %s: %s, from a Match block that selects this user%s%s%s: contained "
		    "logins through sshd are refused; use %s",
		    c->match.match.where, c->match.match.text, sshd_finding_why(&c->match.match),
		    c->match.match.unknown[0] ? " (assumed for what alcovectl cannot know: " : "",
		    c->match.match.unknown, c->match.match.unknown[0] ? ")" : "",
		    sshd_sftp_advice(&c->match.match));
	else
		return false;
	return true;
}

bool sshd_check_warning(const SshdCheck *c, char *buf, size_t size)
{
	if (c->r < 0 || c->s.n_match == 0 || (c->match_checked && c->match.n_match > 0))
		return false;
	if (c->match_checked)
		snprintf(buf, size,
			 "%s: %s: %s, from a Match block that selects none of this user's "
			 "logins: they are not refused",
			 c->s.match.where, c->s.match.text, sshd_finding_why(&c->s.match));
	else
		snprintf(buf, size,
			 "%s: %s: %s, to the connections this Match block selects: contained "
			 "logins it selects are refused (alcovectl explain USER tells); use %s",
			 c->s.match.where, c->s.match.text, sshd_finding_why(&c->s.match),
			 sshd_sftp_advice(&c->s.match));
	return true;
}

void sshd_check_keys_run(SshdCheck *c, const LoginInfo *li, const char *typed)
{
	if (c->r < 0)
		return;
	if (c->s.n_match > 0) {
		SshdConn conn = {.user = li->user,
				 .typed_user = typed,
				 .host = li->rhost, /* --rhost: Host and Address */
				 .groups = (const char *const *)li->group_names,
				 .n_groups = li->n_group_names};

		c->match_checked = true;
		c->r = sshd_config_sftp_conn(c->path, &conn, &c->match, &c->err);
		if (c->r < 0)
			return;
	}
	c->keys_checked = true;
	c->keys_r = keys_check(&c->s, li, &c->keys, &c->keys_err);
}

bool sshd_check_keys(const SshdCheck *c, char *buf, size_t size)
{
	if (!c->keys_checked)
		return false;
	if (c->keys_r < 0)
		snprintf(buf, size,
			 "%s: logins through sshd are refused (alcove cannot tell whether a "
			 "key forces internal-sftp)",
			 c->keys_err.msg);
	else if (c->keys.verdict != AUTHKEYS_OK && c->keys.verdict != AUTHKEYS_CHANGED) {
		char reason[1024], remedy[256];

		authkeys_describe(&c->keys, reason, sizeof(reason), remedy, sizeof(remedy));
		snprintf(buf, size, "%s: logins through sshd are refused%s%s", reason,
			 remedy[0] ? "; " : "", remedy);
	} else
		return false;
	return true;
}

/*
 * A service's PAM stack as libpam reads it: its file, or "other" for a service without one,
 * then every file it includes (parse adds them to *include as it goes), until *found or none
 * is left. file names the file being read (PAMD_DIR before any); stack, the one the stack
 * starts from.
 */
typedef struct StackWalk {
	int (*parse)(const char *text, void *state);
	void *state;
	const PamdConfigs *include;
	const bool *found;
	char *file;
	size_t file_size;
	const char *stack;
} StackWalk;

static int stack_read(StackWalk *w, int dfd, const char *name)
{
	_cleanup_free_ char *text = NULL;
	int r = pamd_read(dfd, name, &text);

	snprintf(w->file, w->file_size, "%s/%s", PAMD_DIR, name);
	if (r >= 0 && text)
		r = w->parse(text, w->state);
	return r;
}

/* 0 once read, -errno (the directory's, or the file's named in w->file). */
static int stack_walk(StackWalk *w, const char *service)
{
	_cleanup_close_ int dfd = -EBADF;
	int r;

	snprintf(w->file, w->file_size, "%s", PAMD_DIR);
	dfd = open(PAMD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	w->stack = service;
	r = stack_read(w, dfd, service);
	if (r == -ENOENT) {
		w->stack = "other";
		r = stack_read(w, dfd, "other");
	}
	for (size_t i = 0; r >= 0 && !*w->found && i < w->include->n; i++)
		r = stack_read(w, dfd, w->include->path[i]);
	return r < 0 ? r : 0;
}

static int type_parse(const char *text, void *a)
{
	return pamd_stack_parse(text, a);
}

/* Whether the service's stack of that type names pam_alcove.so: 1, 0, or -errno reading the
 * file named in file. */
static int stack_names_alcove(const char *service, const char *type, char *file, size_t size,
			      const char **ret_stack)
{
	PamdStack a = {.type = type};
	StackWalk w = {.parse = type_parse,
		       .state = &a,
		       .include = &a.include,
		       .found = &a.alcove,
		       .file = file,
		       .file_size = size};
	int r = stack_walk(&w, service);

	*ret_stack = w.stack;
	r = r < 0 ? r : a.alcove;
	pamd_stack_clear(&a);
	return r;
}

void sshd_check_pam_run(SshdCheck *c, const char *service)
{
	if (!service || !*service || strchr(service, '/'))
		return;
	c->pam_checked = true;
	c->pam_service = service;
	c->pam_session_r =
	    stack_names_alcove(service, "session", c->pam_file, sizeof(c->pam_file), &c->pam_stack);
	if (c->pam_session_r > 0)
		c->pam_r = stack_names_alcove(service, "auth", c->pam_file, sizeof(c->pam_file),
					      &c->pam_stack);
}

bool sshd_check_pam(const SshdCheck *c, char *buf, size_t size)
{
	int r = c->pam_session_r > 0 ? c->pam_r : c->pam_session_r;
	const char *type = c->pam_session_r > 0 ? "auth" : "session";

	if (!c->pam_checked || r > 0)
		return false;
	if (r < 0)
		snprintf(buf, size,
			 "%s: %s: alcove cannot tell whether the %s stack of PAM service %s "
			 "names pam_alcove.so",
			 c->pam_file, strerror(-r), type, c->pam_service);
	else if (c->pam_session_r == 0)
		snprintf(
		    buf, size,
		    "PAM service %s names pam_alcove.so in no session line (%s/%s and what it "
		    "includes): its logins are not contained; `pam-auth-update --enable alcove` "
		    "puts it in common-session and common-auth (pam_alcove(8))",
		    c->pam_service, PAMD_DIR, c->pam_stack);
	else
		snprintf(buf, size,
			 "PAM service %s names pam_alcove.so in no auth line (%s/%s and what it "
			 "includes): sshd's session process, which serves the forwards, keeps the "
			 "user's host groups; `pam-auth-update --enable alcove` puts it in "
			 "common-auth, or add \"auth optional pam_alcove.so\" (pam_alcove(8))",
			 c->pam_service, PAMD_DIR, c->pam_stack);
	return true;
}

static int env_parse(const char *text, void *e)
{
	return pamd_env_parse(text, e);
}

/* 1 when the service's stack (its file, or "other", and what they include) has pam_env with
 * user_readenv=1, 0 when not (no stack at all included), -errno. */
static int pam_readenv(SshdCheck *c, const char *service)
{
	PamdEnv e = {0};
	StackWalk w = {.parse = env_parse,
		       .state = &e,
		       .include = &e.include,
		       .found = &e.user_readenv,
		       .file = c->readenv_file,
		       .file_size = sizeof(c->readenv_file)};
	int r = stack_walk(&w, service);

	r = r == -ENOENT ? 0 : r < 0 ? r : e.user_readenv;
	pamd_env_clear(&e);
	return r;
}

void sshd_check_env_run(SshdCheck *c, const char *service)
{
	_cleanup_free_ char *sh = realpath("/bin/sh", NULL);
	AlcError err = {0};

	if (!sh || !bash_env_is_bash(sh) || !service || !*service || strchr(service, '/'))
		return;
	c->env_checked = true;
	snprintf(c->sh, sizeof(c->sh), "%s", sh);
	c->env_r = sshd_config_env(c->path ? c->path : SSHD_CONFIG_DEFAULT, &c->env, &err);
	c->readenv_r = pam_readenv(c, service);
}

/* "; " and what fmt says, after what buf holds. */
static void append(char *buf, size_t size, const char *fmt, ...) _printf_(3, 4);
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strnlen(buf, size);
	va_list ap;

	if (n && n + 2 < size)
		n += (size_t)snprintf(buf + n, size - n, "; ");
	va_start(ap, fmt);
	if (n < size)
		vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* Each setting that lets the tenant's environment in, with what to do, into buf ("" none). */
static void env_routes(const SshdCheck *c, char *buf, size_t size)
{
	const char *accept[SSHD_ACCEPT_ENV_MAX];
	const SshdEnv *env = &c->env;
	BashEnvInput in = {.sh = c->sh,
			   .user_readenv = c->readenv_r > 0,
			   .permit_user_env = c->env_r < 0 ? NULL : env->permit_user_env,
			   .accept_env = accept,
			   .n_accept_env = c->env_r < 0 ? 0 : env->n_accept_env};
	BashEnvRoutes rt;

	buf[0] = '\0';
	for (size_t i = 0; i < in.n_accept_env; i++)
		accept[i] = env->accept_env[i];
	bash_env_routes(&in, &rt);
	if (rt.user_readenv)
		append(buf, size, "pam_env.so user_readenv=1 in %s (~/.pam_environment: drop it)",
		       c->readenv_file);
	else if (c->readenv_r < 0)
		append(buf, size,
		       "%s: %s (alcove cannot tell whether pam_env reads "
		       "~/.pam_environment)",
		       c->readenv_file, strerror(-c->readenv_r));
	if (rt.permit_name)
		append(buf, size, "%s: PermitUserEnvironment %s (~/.ssh/environment: set it to no)",
		       env->permit_user_env_where, env->permit_user_env);
	if (rt.accept)
		append(buf, size,
		       "%s: AcceptEnv %s (the client's %s: name only what you need, "
		       "such as LANG LC_*)",
		       env->accept_env_where[rt.accept_index], env->accept_env[rt.accept_index],
		       rt.accept_name);
	else if (c->env_r >= 0 && env->accept_env_overflow)
		append(buf, size,
		       "AcceptEnv patterns past the first %d, or longer than %zu "
		       "characters, not checked",
		       SSHD_ACCEPT_ENV_MAX, sizeof(env->accept_env[0]) - 1);
}

bool sshd_check_env(const SshdCheck *c, char *buf, size_t size)
{
	char routes[768];

	if (!c->env_checked)
		return false;
	env_routes(c, routes, sizeof(routes));
	if (!routes[0])
		return false;
	snprintf(buf, size,
		 "/bin/sh is bash (%s), which runs code from variables (" BASH_ENV_NAMES "), and "
		 "sshd runs it on the host, outside the alcove, for /etc/ssh/sshrc and "
		 "X11's xauth, with an environment the tenant sets through: %s; or point /bin/sh "
		 "at dash",
		 c->sh, routes);
	return true;
}

bool sshd_check_xauth(const SshdCheck *c, char *buf, size_t size)
{
	return c->r >= 0 && sshd_xauth_warning(&c->s, LOBBY_XAUTH_PATH, buf, size);
}
