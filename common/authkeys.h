/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A key's own command="internal-sftp" (docs/DESIGN.md §11). sshd serves it in-process, in its
 * session child, which runs in the lobby on the host's view; the line is in an authorized_keys
 * file the tenant writes from inside the alcove, and sshd never tells PAM a key's options.
 * So at session open the PAM module reads the files itself, as the user (what sshd read them
 * as), and refuses the login when a line forces internal-sftp.
 *
 * Reading the file again is only worth something if it is what sshd read. sshd read it after
 * the connection's process started (`since`); every way to change what a path names or holds
 * afterwards (a write, a rename over it or over a directory on the way, a new symlink, a
 * removal) sets the changed inode's or its directory's ctime to the kernel's clock, which no
 * user can set back. So the walk looks at the ctime of every entry on the way to each file,
 * following symlinks, and calls the file changed when one that its user could have changed
 * (not root's alone) is newer than `since`. Entries in root's own directories are not looked
 * at: /home's entries change with useradd, not with the tenant. A ctime without nanoseconds
 * (a filesystem that stores seconds) counts as 2 s later than it says. A path through /proc
 * is not walked at all: a magic link there (/proc/PID/root of one of the tenant's processes)
 * leads into another mount namespace, the alcove's, which the walk cannot see; the file is
 * called unverifiable (AUTHKEYS_PROC), failing closed.
 */

#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define AUTHKEYS_FILE_MAX (1024 * 1024)
#define AUTHKEYS_PATH_MAX 512

typedef enum {
	AUTHKEYS_OK,	    /* no line forces internal-sftp, nothing changed */
	AUTHKEYS_SFTP,	    /* path:line forces internal-sftp */
	AUTHKEYS_CA,	    /* path:line is cert-authority without command= */
	AUTHKEYS_CHANGED,   /* path changed after `since` */
	AUTHKEYS_PROC,	    /* path goes through /proc: where it leads cannot be checked */
	AUTHKEYS_TOO_LARGE, /* path is larger than AUTHKEYS_FILE_MAX: not checked */
} AuthkeysVerdict;

typedef struct AuthkeysFinding {
	AuthkeysVerdict verdict;
	unsigned line;
	char path[AUTHKEYS_PATH_MAX];
} AuthkeysFinding;

/* The first line of buf (len bytes, need not end in NUL) that forces internal-sftp, or lets a
 * certificate force it, 1-based (0 when there is none), and why in *ret_verdict (AUTHKEYS_OK
 * when there is none). sshd skips blank and '#' lines. AUTHKEYS_SFTP: a command="..." option
 * forces it only by holding the word literally (sshd unquotes only \"): a line holding both
 * `command=` (any case) and `internal-sftp`. AUTHKEYS_CA: a `cert-authority` option (any case)
 * without a `command=` option: a certificate signed by that key, which the tenant may hold,
 * forces its own force-command (ssh-keygen -O force-command=internal-sftp). An
 * AuthorizedPrincipalsFile line (`[options] principal`) is read the same way: its command=
 * counts; cert-authority means nothing there (the CA is TrustedUserCAKeys', the admin's) and
 * such a line is refused too, failing closed. */
unsigned authkeys_find_internal_sftp(const char *buf, size_t len, AuthkeysVerdict *ret_verdict);

/* sshd's expand_authorized_keys() of a name from sshd_config: %h %u %U %%, relative to the
 * home; "~" and "~NAME" are root's and NAME's home (sshd expands them as root at start).
 * -ENAMETOOLONG, -EINVAL (an unknown %), -ENOENT (no such NAME). */
int authkeys_expand(const char *name, const struct passwd *pw, char *out, size_t size);

/* Whether st changed at or after since: a ctime without nanoseconds (a filesystem that stores
 * seconds, or two: ext4 with 128-byte inodes, FAT) may be up to 2 s earlier than the change. */
struct stat;
bool authkeys_newer(const struct stat *st, const struct timespec *since);

/* Reads each file as the calling process may (what is not a regular file, or cannot be
 * opened, sshd could not read either), then walks each path: a line that forces
 * internal-sftp (or a file too large) is reported before any change or path through /proc.
 * 0, or -errno of something else than the files' own state (out of memory, a directory on
 * the way whose filesystem cannot be asked). */
int authkeys_inspect(const char *const *paths, size_t n, const struct timespec *since,
		     AuthkeysFinding *ret);

/* Why finding f (not AUTHKEYS_OK) refuses logins through sshd, naming its file (and line),
 * into reason, and what the user can do about it into remedy ("" when nothing but to log in
 * again): the one text of pam_alcove's journal line and of alcovectl explain's warning. The
 * path is text_escape()d: it names the tenant's directories and symlink targets. */
void authkeys_describe(const AuthkeysFinding *f, char *reason, size_t reason_size, char *remedy,
		       size_t remedy_size);

/* The time before which a key file sshd read for this connection cannot have changed: the
 * start of the calling process (sshd's per-connection process; /proc/self/stat, in clock
 * ticks since boot), less slack_ms for the kernel's coarse clock that stamps ctime (a jiffy
 * behind at most). -errno. */
int authkeys_since(int slack_ms, struct timespec *ret);
