/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which setting libconfig found twice. libconfig 1.5 aborts the parse at a duplicate with
 * "duplicate setting name" and the line, but neither the name nor where it was first set (its
 * parser context is private). An admin who appended `rules = (...);` to a file that already
 * has `rules` needs both, so this scans the text the way libconfig's scanner reads it: names,
 * strings, comments, and the nesting of groups { }, lists ( ) and arrays [ ]. It runs only
 * after libconfig reported a duplicate, so the text before that line is valid libconfig.
 */
#include "policy_internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "macro.h"

typedef struct {
	const char *name; /* into the text, not NUL-terminated */
	size_t len;
	int line;
} Seen;

typedef struct {
	char kind;   /* '{' (or 0 for the top level), '(' or '[' */
	size_t seen; /* settings of this group start at this index of Scan.seen */
	int label;   /* the setting (an index of seen) whose value this is, or -1: a list element */
	int index;   /* a list element: its 1-based position */
	int commas;  /* a list or array: the commas so far */
} Frame;

typedef struct {
	const char *p;
	int line;
	Seen *seen;
	size_t n_seen, cap_seen;
	Frame *frames;
	size_t n_frames, cap_frames;
} Scan;

/* Skips to the end of the comment or string at s->p (libconfig's #, //, C comments, "..."). */
static void skip_token(Scan *s)
{
	const char *end = NULL;

	if (*s->p == '#' || (s->p[0] == '/' && s->p[1] == '/'))
		end = strchrnul(s->p, '\n');
	else if (s->p[0] == '/' && s->p[1] == '*') {
		end = strstr(s->p + 2, "*/");
		end = end ? end + 2 : s->p + strlen(s->p);
	} else if (*s->p == '"') {
		for (end = s->p + 1; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
		if (*end)
			end++;
	}
	for (; s->p < end; s->p++)
		s->line += *s->p == '\n';
}

static bool at_comment(const char *p)
{
	return *p == '#' || (p[0] == '/' && (p[1] == '/' || p[1] == '*'));
}

static void skip_blank(Scan *s)
{
	for (;;) {
		if (at_comment(s->p))
			skip_token(s);
		else if (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n' ||
			 *s->p == '\f')
			s->line += *s->p++ == '\n';
		else
			return;
	}
}

static Frame *top(Scan *s)
{
	return &s->frames[s->n_frames - 1];
}

static int push(Scan *s, char kind)
{
	Frame *f = top(s);
	bool element = f->kind != '{' && f->kind != 0;
	int r = array_grow((void **)&s->frames, &s->cap_frames, s->n_frames, sizeof(Frame));

	if (r < 0)
		return r;
	f = top(s);
	s->frames[s->n_frames++] = (Frame){
	    .kind = kind,
	    .seen = s->n_seen,
	    .label = element ? -1 : (int)s->n_seen - 1,
	    .index = element ? f->commas + 1 : 0,
	};
	return 0;
}

static void pop(Scan *s)
{
	if (s->n_frames <= 1)
		return; /* more closing than opening: libconfig would have said so first */
	s->n_seen = top(s)->seen;
	s->n_frames--;
}

/* "profiles.students.limits.MemoryMax", "rules #2.user": the names down to the duplicate. */
static int dup_path(const Scan *s, const Seen *dup, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return -ENOMEM;
	for (size_t i = 1; i < s->n_frames; i++) {
		const Frame *fr = &s->frames[i];
		if (fr->label >= 0)
			fprintf(f, "%s%.*s", size ? "." : "", (int)s->seen[fr->label].len,
				s->seen[fr->label].name);
		else
			fprintf(f, " #%d", fr->index);
		(void)fflush(f); /* size follows the text so far; fclose() reports any failure */
	}
	fprintf(f, "%s%.*s", size ? "." : "", (int)dup->len, dup->name);
	if (fclose(f) != 0)
		return -ENOMEM;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* A setting name at s->p (the caller saw [A-Za-z*]): recorded in its group; 1 and *ret when it
 * is on `line` and its group already has it. */
static int scan_name(Scan *s, int line, PolicyDuplicate *ret)
{
	Seen n = {s->p,
		  strspn(s->p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789-_*"),
		  s->line};
	int r;

	s->p += n.len;
	skip_blank(s);
	if ((*s->p != '=' && *s->p != ':') || (top(s)->kind != '{' && top(s)->kind != 0))
		return 0; /* a value such as true, or a name where libconfig takes none */
	for (size_t i = top(s)->seen; n.line == line && i < s->n_seen; i++) {
		if (s->seen[i].len != n.len || memcmp(s->seen[i].name, n.name, n.len) != 0)
			continue;
		ret->line = n.line;
		ret->first_line = s->seen[i].line;
		r = dup_path(s, &n, &ret->name);
		return r < 0 ? r : 1;
	}
	r = array_grow((void **)&s->seen, &s->cap_seen, s->n_seen, sizeof(Seen));
	if (r < 0)
		return r;
	s->seen[s->n_seen++] = n;
	return 0;
}

static int scan_one(Scan *s, int line, PolicyDuplicate *ret)
{
	char c = *s->p;

	if (at_comment(s->p) || c == '"') {
		skip_token(s);
		return 0;
	}
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*')
		return scan_name(s, line, ret);
	/* A number's digits are skipped one by one; 0x1F or 1e5 then read as a name that no '='
	 * follows, which is ignored. */
	s->p++;
	if (c == '{' || c == '(' || c == '[')
		return push(s, c);
	if (c == '}' || c == ')' || c == ']')
		pop(s);
	else if (c == ',')
		top(s)->commas++;
	else if (c == '\n')
		s->line++;
	return 0;
}

int policy_find_duplicate(const char *text, int line, PolicyDuplicate *ret)
{
	Scan s = {.p = text, .line = 1};
	int r = array_grow((void **)&s.frames, &s.cap_frames, 0, sizeof(Frame));

	if (r >= 0) {
		s.frames[s.n_frames++] = (Frame){.label = -1};
		while (*s.p && s.line <= line && r == 0)
			r = scan_one(&s, line, ret);
	}
	free(s.seen);
	free(s.frames);
	return r;
}
