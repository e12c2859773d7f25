/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The policies a PAM stack names: every config=FILE of a pam_alcove.so line in the text of one
 * /etc/pam.d file, read the way libpam reads it. Pure, unit-tested; `alcovectl user-manager`
 * decides against each of them as well as the default policy, because a user contained only
 * by such a policy writes the home that systemd --user would run units from.
 *
 * libpam's syntax: '#' starts a comment anywhere on a line and ends it; a line whose last
 * character before blanks is '\' goes on with the next line that is not blank or only a
 * comment; a logical line is read in 1023 bytes; keywords have no case; fields are TYPE (a leading
 * '-' only silences a missing module), CONTROL (a word or "[value=action ...]"), MODULE (a path or
 * a name), then ARGS, where "[...]" is one argument that may hold spaces ("\]" for a ']' inside).
 * "@include FILE" and the include / substack controls name other files of /etc/pam.d, which are
 * scanned on their own.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct PamdConfigs {
	char **path; /* malloc'd, in order of appearance, each once */
	size_t n;
} PamdConfigs;

/* Adds to c each config= of a pam_alcove.so line of text (NUL-terminated). An empty
 * config= ("config=") is returned as "" so that the caller refuses it. -ENOMEM; -EXDEV for a
 * file taken in from outside the directory's own names ("@include /x", "include ../x",
 * "substack sub/x", ".hidden"): libpam reads it, and a pam_alcove.so line there is one the
 * caller would not see; -E2BIG for a line longer than libpam reads whole or of more than 64
 * fields: what libpam makes of it cannot be told. */
int pamd_configs_parse(const char *text, PamdConfigs *c);
void pamd_configs_clear(PamdConfigs *c);

/* The stack of one type (auth, session) of one /etc/pam.d file: whether a pam_alcove.so line
 * is in it (in auth, its setcred gives sshd's session process the alcove's groups; in session,
 * it contains the login), and the files it takes that type's lines from ("@include FILE",
 * "TYPE include FILE", "TYPE substack FILE"), each once, to be read next. */
#define PAMD_AUTH_INCLUDES_MAX 16
typedef struct PamdStack {
	const char *type; /* "auth" or "session"; NULL reads as "auth" */
	bool alcove;
	PamdConfigs include; /* the file names, in order, each once */
} PamdStack;

/* Adds what text (NUL-terminated) says to a. -ENOMEM; -E2BIG past PAMD_AUTH_INCLUDES_MAX. */
int pamd_stack_parse(const char *text, PamdStack *a);
void pamd_stack_clear(PamdStack *a);

/* Whether the stack lets the user set the environment of sshd's session process: a pam_env.so
 * line of type auth (its setcred) or session with user_readenv= not 0 (the last one on the
 * line wins, as pam_env reads it: ~/.pam_environment), and the files to read next: "@include
 * FILE" and the include / substack of auth and session lines. A file taken in for one type
 * is read for both: a warning too many at most, never one missed. */
typedef struct PamdEnv {
	bool user_readenv;
	PamdConfigs include; /* the file names, in order, each once */
} PamdEnv;

/* Adds what text (NUL-terminated) says to e. -ENOMEM; -E2BIG past PAMD_AUTH_INCLUDES_MAX. */
int pamd_env_parse(const char *text, PamdEnv *e);
void pamd_env_clear(PamdEnv *e);
