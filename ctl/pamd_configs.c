/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config= of pam_alcove.so lines of a pam.d file (pamd_configs.h). Pure. */
#include "pamd_configs.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64

/* The next logical line of *p into a malloc'd string: comments cut, "\\\n" joined with a
 * space (libpam's _pam_assemble_line). NULL at the end of the text; -ENOMEM as *err. */
static char *next_line(const char **p, int *err)
{
	const char *s = *p;
	size_t cap = strlen(s) + 1, n = 0;
	char *out;
	bool comment = false;

	if (!*s)
		return NULL;
	out = malloc(cap);
	if (!out) {
		*err = -ENOMEM;
		return NULL;
	}
	for (; *s; s++) {
		if (*s == '\\' && s[1] == '\n' && !comment) {
			out[n++] = ' ';
			s++;
			continue;
		}
		if (*s == '\n')
			break;
		if (*s == '#')
			comment = true;
		if (!comment)
			out[n++] = *s;
	}
	/* A comment ending in '\' continues too in libpam (it strips '#' first, per physical
	 * line); a rarity that only adds a line to read, not one to miss, when not joined. */
	out[n] = '\0';
	*p = *s ? s + 1 : s;
	return out;
}

/* Splits line in place into whitespace-separated fields; "[...]" is one field without its
 * brackets when it opens a field ("\]" inside is a ']'). Returns the count. */
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
	return n;
}

static bool is_alcove_module(const char *module)
{
	const char *base = strrchr(module, '/');

	return strcmp(base ? base + 1 : module, "pam_alcove.so") == 0;
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

	/* TYPE CONTROL MODULE ARGS...; "@include FILE" has two fields and no module. */
	if ((n >= 2 && strcmp(f[0], "@include") == 0 && f[1][0] == '/') ||
	    (n >= 3 && (strcmp(f[1], "include") == 0 || strcmp(f[1], "substack") == 0) &&
	     f[2][0] == '/'))
		return -EXDEV;
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
static int add_include(PamdAuth *a, const char *name)
{
	int r = add_path(&a->include, name);

	return r < 0 ? r : a->include.n > PAMD_AUTH_INCLUDES_MAX ? -E2BIG : 0;
}

static int auth_line(char *line, void *userdata)
{
	PamdAuth *a = userdata;
	char *f[MAX_FIELDS];
	size_t n = split_fields(line, f, MAX_FIELDS);
	const char *type;

	if (n >= 2 && strcmp(f[0], "@include") == 0)
		return add_include(a, f[1]);
	if (n < 3)
		return 0;
	type = f[0][0] == '-' ? f[0] + 1 : f[0];
	if (strcmp(type, "auth") != 0)
		return 0;
	if (strcmp(f[1], "include") == 0 || strcmp(f[1], "substack") == 0)
		return add_include(a, f[2]);
	if (is_alcove_module(f[2]))
		a->alcove = true;
	return 0;
}

int pamd_auth_parse(const char *text, PamdAuth *a)
{
	return each_line(text, auth_line, a);
}

void pamd_auth_clear(PamdAuth *a)
{
	pamd_configs_clear(&a->include);
	*a = (PamdAuth){0};
}
