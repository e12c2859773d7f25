/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Whether one of sshd's `Match` lines selects this connection, as sshd decides it (OpenSSH
 * servconf.c match_cfg_line(), match.c): criterion-pattern pairs, all of which must match, or
 * the single `All`. A pattern is a comma list of `*`/`?` wildcards, each may be negated with
 * `!` (a negated one that matches rejects the list); User and Group compare case-sensitively,
 * Host case-insensitively, Address and LocalAddress take CIDR too (addr_match_list()).
 *
 * What PAM cannot tell (LocalAddress, LocalPort, RDomain, Exec, any criterion this does not
 * know, an Address when PAM_RHOST is a name or absent) is assumed to match: a block that might
 * serve this login in-process outside the alcove counts as one that does. Those criteria are
 * named in `unknown`, for the log line. Pure: the caller gives the user's groups.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct SshdConn {
	const char *user; /* the account's name (pw_name) */
	/* The name the client typed (PAM_USER as sshd set it), or NULL: sshd matches User against
	 * it (auth.c getpwnamallow()), which a case-insensitive NSS answers with another pw_name.
	 * A line selects the connection when it selects it with either name: fail closed. */
	const char *typed_user;
	const char *host; /* PAM_RHOST (sshd's canonical host name, or its address), or NULL */
	const char *const *groups; /* every group the user is in, by name */
	size_t n_groups;
} SshdConn;

/* The next token of *s as sshd's strdelim() cuts it (servconf.c's keywords, 9.2's Match
 * words): split at blanks or one '=', and a '"' anywhere drops out and makes the token run to
 * the next '"' (`a"lice"` is alice, `"User"` is User); *s moves past it and the blanks after
 * (NULL at the end). NULL for an unmatched quote. Modifies the string in place. */
char *sshd_strdelim(char **s);

/* 1 when the Match line's arguments (after the keyword, modified in place) select conn, 0 when
 * they provably do not; unknown gets the criteria assumed to match ("" when none). */
int sshd_match_line(const SshdConn *conn, char *args, char *unknown, size_t unknownsize);

/* sshd's match_pattern(): `*` any run, `?` one character, anything else itself (no classes,
 * no escapes); fold_case for host names. */
bool sshd_match_pattern(const char *s, const char *p, bool fold_case);
/* sshd's match_pattern_list(): 1 a pattern matches, 0 none, -1 a negated one matches. */
int sshd_match_pattern_list(const char *s, const char *list, bool fold_case);

/* sshd's addr_match_list(): 1 match, 0 none, -1 negated match, -2 a malformed entry or addr. */
int sshd_addr_match_list(const char *addr, const char *list);
