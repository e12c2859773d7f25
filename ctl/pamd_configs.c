/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config= of pam_alcove.so lines of a pam.d file (pamd_configs.h). Pure. */
#include "pamd_configs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"

#define MAX_FIELDS 64
/* libpam assembles a logical line in a buffer of 1024 bytes (BUF_SIZE), with fgets(): a longer
 * physical line is read as two lines, and the part after the cut may be a line of its own. */
#define PAMD_LINE_MAX 1023

/* One physical line at *p (without its '\n'); false at the end of the text. */
static bool physical_line(const char **p, const char **ret, size_t *ret_len)
{
	const char *s = *p, *nl;

	if (!*s)
		return false;
	nl = strchr(s, '\n');
	*ret = s;
	*ret_len = nl ? (size_t)(nl - s) : strlen(s);
	*p = nl ? nl + 1 : s + *ret_len;
	return true;
}

/* Of a physical line with something before any '#': the end of what counts (the first '#',
 * which ends the logical line, or the end), and whether a '\' last before trailing blanks
 * continues it (the '\' then left out). */
static size_t line_part(const char *s, size_t len, bool *ret_more)
{
	const char *hash = memchr(s, '#', len);
	size_t end = hash ? (size_t)(hash - s) : len;

	*ret_more = false;
	if (hash)
		return end;
	while (end > 0 && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	if (end > 0 && s[end - 1] == '\\') {
		*ret_more = true;
		end--;
	}
	return end;
}

/*
 * The next logical line of *p into a malloc'd string, as libpam's _pam_assemble_line makes it:
 * physical lines that are blank or only a comment are skipped, also between the parts of a
 * continued line; a part ends at its first '#', which ends the line; a '\' last before
 * trailing blanks joins the next part in its place. NULL at the end of the text, or with
 * *err: -ENOMEM, or -E2BIG for a line libpam would not read whole (PAMD_LINE_MAX): what it
 * reads of such a line cannot be told here, so the caller refuses.
 */
static char *next_line(const char **p, int *err)
{
	_cleanup_free_ char *out = NULL;
	size_t n = 0, kept = 0, len, lead, end;
	const char *s;
	bool more = true;

	while (more && physical_line(p, &s, &len)) {
		if (kept + len + 1 > PAMD_LINE_MAX) {
			*err = -E2BIG;
			return NULL;
		}
		lead = 0;
		while (lead < len && (s[lead] == ' ' || s[lead] == '\t'))
			lead++;
		if (lead == len || s[lead] == '#')
			continue;
		end = line_part(s, len, &more);
		kept += end + 1;
		char *grown = realloc(out, n + (end - lead) + 2);
		if (!grown) {
			*err = -ENOMEM;
			return NULL;
		}
		out = grown;
		memcpy(out + n, s + lead, end - lead);
		n += end - lead;
		out[n++] = ' ';
		out[n] = '\0';
	}
	return TAKE_PTR(out);
}

/* Splits line in place into whitespace-separated fields; "[...]" is one field without its
 * brackets when it opens a field ("\]" inside is a ']'). Returns the count, max + 1 when
 * there are more than max (libpam passes them all: a config= past them would be missed). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *s = line;

	while (n < max) {
		s += strspn(s, " \t\r\f\v");
		if (!*s)
			break;
		if (*s == '[') {
			char *w = ++s;
			f[n++] = w;
			while (*s && *s != ']') {
				if (*s == '\\' && s[1] == ']')
					s++;
				*w++ = *s++;
			}
			if (*s)
				s++;
			*w = '\0';
			continue;
		}
		f[n++] = s;
		s += strcspn(s, " \t\r\f\v");
		if (*s)
			*s++ = '\0';
	}
	return n == max && s[strspn(s, " \t\r\f\v")] ? max + 1 : n;
}

/* The file an include names, as libpam opens it: a name of PAMD_DIR's own is scanned with
 * the rest; an absolute path, or one with a '/' or a leading '.' (a subdirectory, "../x",
 * a hidden name), is not, so a pam_alcove.so line there would go unseen. */
static bool include_outside(const char *name)
{
	return name[0] == '.' || strchr(name, '/') != NULL;
}

/* libpam compares keywords without case ("INCLUDE", "@Include"). */
static bool is_include(char **f, size_t n)
{
	return (n >= 2 && strcasecmp(f[0], "@include") == 0) ||
	       (n >= 3 && (strcasecmp(f[1], "include") == 0 || strcasecmp(f[1], "substack") == 0));
}

static bool is_module(const char *module, const char *name)
{
	const char *base = strrchr(module, '/');

	return strcmp(base ? base + 1 : module, name) == 0;
}

static bool is_alcove_module(const char *module)
{
	return is_module(module, "pam_alcove.so");
}

static int add_path(PamdConfigs *c, const char *path)
{
	char **grown;

	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->path[i], path) == 0)
			return 0;
	grown = realloc(c->path, (c->n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	c->path = grown;
	c->path[c->n] = strdup(path);
	if (!c->path[c->n])
		return -ENOMEM;
	c->n++;
	return 0;
}

static int parse_line(char *line, void *userdata)
{
	PamdConfigs *c = userdata;
	char *f[MAX_FIELDS];
	size_t n = split_fields(line, f, MAX_FIELDS);

	if (n > MAX_FIELDS)
		return -E2BIG;
	/* TYPE CONTROL MODULE ARGS...; "@include FILE" has two fields and no module. */
	if (is_include(f, n))
		return include_outside(f[0][0] == '@' ? f[1] : f[2]) ? -EXDEV : 0;
	if (n < 3 || f[0][0] == '@' || !is_alcove_module(f[2]))
		return 0;
	for (size_t i = 3; i < n; i++) {
		if (strncmp(f[i], "config=", 7) != 0)
			continue;
		int r = add_path(c, f[i] + 7);
		if (r < 0)
			return r;
	}
	return 0;
}

/* fn on each logical line of text, until it fails. */
static int each_line(const char *text, int (*fn)(char *line, void *userdata), void *userdata)
{
	const char *p = text;
	char *line;
	int r = 0;

	while (r >= 0 && (line = next_line(&p, &r))) {
		r = fn(line, userdata);
		free(line);
	}
	return r;
}

int pamd_configs_parse(const char *text, PamdConfigs *c)
{
	return each_line(text, parse_line, c);
}

void pamd_configs_clear(PamdConfigs *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->path[i]);
	free(c->path);
	*c = (PamdConfigs){0};
}

/* add_path() keeps each name once: a name past the bound is -E2BIG, a repeat costs nothing */
static int add_include(PamdConfigs *include, const char *name)
{
	int r = add_path(include, name);

	return r < 0 ? r : include->n > PAMD_AUTH_INCLUDES_MAX ? -E2BIG : 0;
}

/* Whether the line's type (without the leading '-' of a module PAM may skip) is one of
 * types (NULL-terminated). */
static bool type_in(const char *field, const char *const *types)
{
	const char *type = field[0] == '-' ? field + 1 : field;

	for (; *types; types++)
		if (strcasecmp(type, *types) == 0)
			return true;
	return false;
}

/* A line of a stack whose includes are followed, for the lines of the given types: -E2BIG; 0
 * when it is done with (an "@include", or an include / substack of those types, added to
 * include; a line too short for a module line, or of another type); else 1, a module line of
 * those types, with its fields in f (*ret_n of them). */
static int module_line(char *line, char **f, size_t *ret_n, PamdConfigs *include,
		       const char *const *types)
{
	size_t n = split_fields(line, f, MAX_FIELDS);

	if (n > MAX_FIELDS)
		return -E2BIG;
	if (n >= 2 && strcasecmp(f[0], "@include") == 0)
		return add_include(include, f[1]);
	if (n < 3 || !type_in(f[0], types))
		return 0;
	if (is_include(f, n))
		return add_include(include, f[2]);
	*ret_n = n;
	return 1;
}

static int type_line(char *line, void *userdata)
{
	PamdStack *a = userdata;
	const char *const types[] = {a->type ? a->type : "auth", NULL};
	char *f[MAX_FIELDS];
	size_t n;
	int r = module_line(line, f, &n, &a->include, types);

	if (r > 0 && is_alcove_module(f[2]))
		a->alcove = true;
	return r < 0 ? r : 0;
}

int pamd_stack_parse(const char *text, PamdStack *a)
{
	return each_line(text, type_line, a);
}

void pamd_stack_clear(PamdStack *a)
{
	pamd_configs_clear(&a->include);
	*a = (PamdStack){.type = a->type};
}

/* pam_env's user_readenv=N, as it reads its arguments (atoi(), the last one wins). */
static bool env_user_readenv(char **f, size_t n)
{
	bool on = false;

	for (size_t i = 3; i < n; i++)
		if (strncmp(f[i], "user_readenv=", 13) == 0)
			on = atoi(f[i] + 13) != 0;
	return on;
}

static int env_line(char *line, void *userdata)
{
	static const char *const types[] = {"auth", "session", NULL};
	PamdEnv *e = userdata;
	char *f[MAX_FIELDS];
	size_t n;
	int r = module_line(line, f, &n, &e->include, types);

	if (r > 0 && is_module(f[2], "pam_env.so") && env_user_readenv(f, n))
		e->user_readenv = true;
	return r < 0 ? r : 0;
}

int pamd_env_parse(const char *text, PamdEnv *e)
{
	return each_line(text, env_line, e);
}

void pamd_env_clear(PamdEnv *e)
{
	pamd_configs_clear(&e->include);
	*e = (PamdEnv){0};
}
