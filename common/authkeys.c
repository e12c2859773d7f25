/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "authkeys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "nsswrap.h"
#include "sshd_config.h"
#include "text_escape.h"

#define BLANKS " \t"
#define MAX_LINKS 40 /* the kernel's own bound on symlinks in one lookup */

static bool has_ci(const char *s, size_t n, const char *what)
{
	size_t w = strlen(what);

	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, what, w) == 0)
			return true;
	return false;
}

static bool starts_ci(const char *s, size_t n, const char *what)
{
	size_t w = strlen(what);

	return w <= n && strncasecmp(s, what, w) == 0;
}

typedef struct KeyOptions {
	bool cert_authority, command;
} KeyOptions;

/*
 * The options of a key line (s: the line from its first non-blank, n bytes). sshd takes the
 * first field for options when the line does not start with a key (auth2-pubkeyfile.c
 * auth_check_authkey_line()); the field ends at a blank outside "...", in which \" is a
 * quote (authfile.c sshkey_advance_past_options()). An option starts the field or follows a
 * ',' outside quotes; its name is compared case-insensitively, a flag by prefix (misc.c
 * opt_flag(), opt_match()): "cert-authority", "command=". A line that starts with a key has
 * no options, and its first field (the key type) holds neither name.
 */
static KeyOptions key_options(const char *s, size_t n)
{
	KeyOptions o = {0};
	bool quoted = false, start = true;

	for (size_t i = 0; i < n && s[i] && (quoted || !strchr(BLANKS, s[i])); i++) {
		if (start) {
			o.cert_authority |= starts_ci(s + i, n - i, "cert-authority");
			o.command |= starts_ci(s + i, n - i, "command=");
		}
		start = false;
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == '"')
			i++;
		else if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ',' && !quoted)
			start = true;
	}
	return o;
}

/* What one non-comment line (from its first non-blank) lets sshd serve: AUTHKEYS_SFTP for a
 * command= holding internal-sftp; AUTHKEYS_CA for a cert-authority line without command=. */
static AuthkeysVerdict line_verdict(const char *line, size_t n)
{
	KeyOptions o;

	if (memmem(line, n, "internal-sftp", 13) && has_ci(line, n, "command="))
		return AUTHKEYS_SFTP;
	/* A certificate signed by that CA key brings its own options, which sshd merges with the
	 * line's (auth-options.c sshauthopt_merge()): with no command= on the line the
	 * certificate's force-command is the forced command, and the CA key is the tenant's
	 * (ssh-keygen -s ca -O force-command=internal-sftp). A line with command= is safe: sshd
	 * refuses a certificate whose force-command differs from it. */
	o = key_options(line, n);
	return o.cert_authority && !o.command ? AUTHKEYS_CA : AUTHKEYS_OK;
}

unsigned authkeys_find_internal_sftp(const char *buf, size_t len, AuthkeysVerdict *ret_verdict)
{
	unsigned lineno = 0;

	*ret_verdict = AUTHKEYS_OK;
	for (size_t at = 0; at < len;) {
		const char *line = buf + at, *nl = memchr(line, '\n', len - at);
		size_t n = nl ? (size_t)(nl - line) : len - at;
		size_t skip = 0;

		lineno++;
		at += n + 1;
		while (skip < n && strchr(BLANKS, line[skip]) && line[skip])
			skip++;
		if (skip == n || line[skip] == '#')
			continue;
		*ret_verdict = line_verdict(line + skip, n - skip);
		if (*ret_verdict != AUTHKEYS_OK)
			return lineno;
	}
	return 0;
}

/* "~" or "~NAME" at the start of name: root's or NAME's home (sshd's tilde_expand_filename()
 * run as root when it reads its configuration); *ret_rest is what follows. */
static int tilde_home(const char *name, NssPasswd *ret, const char **ret_rest)
{
	const char *slash = strchr(name, '/');
	size_t n = slash ? (size_t)(slash - name) : strlen(name);
	char who[256];

	if (n - 1 >= sizeof(who))
		return -ENAMETOOLONG;
	snprintf(who, sizeof(who), "%.*s", (int)(n - 1), name + 1);
	*ret_rest = slash ? slash + 1 : "";
	return nss_getpwnam(who[0] ? who : "root", ret);
}

static int append(char *out, size_t size, size_t *at, const char *s, size_t n)
{
	if (*at + n >= size)
		return -ENAMETOOLONG;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
	return 0;
}

static int percent_expand(const char *s, const struct passwd *pw, char *out, size_t size,
			  size_t *at)
{
	char uid[24];
	int r = 0;

	snprintf(uid, sizeof(uid), "%u", (unsigned)pw->pw_uid);
	for (; *s && r >= 0; s++) {
		const char *v = NULL;

		if (*s != '%') {
			r = append(out, size, at, s, 1);
			continue;
		}
		s++;
		v = *s == 'h'	? pw->pw_dir
		    : *s == 'u' ? pw->pw_name
		    : *s == 'U' ? uid
		    : *s == '%' ? "%"
				: NULL;
		if (!v)
			return -EINVAL; /* sshd refuses to start with it */
		r = append(out, size, at, v, strlen(v));
	}
	return r;
}

int authkeys_expand(const char *name, const struct passwd *pw, char *out, size_t size)
{
	char expanded[AUTHKEYS_PATH_MAX];
	NssPasswd tilde = {0};
	size_t at = 0;
	int r = 0;

	if (size == 0)
		return -ENAMETOOLONG;
	out[0] = expanded[0] = '\0';
	if (name[0] == '~') { /* first, as sshd when it reads its configuration */
		r = tilde_home(name, &tilde, &name);
		if (r >= 0)
			r = append(expanded, sizeof(expanded), &at, tilde.pw.pw_dir,
				   strlen(tilde.pw.pw_dir));
		if (r >= 0)
			r = append(expanded, sizeof(expanded), &at, "/", 1);
		nss_passwd_done(&tilde);
	}
	if (r >= 0)
		r = percent_expand(name, pw, expanded, sizeof(expanded), &at);
	if (r < 0)
		return r;
	/* not absolute once expanded: below the home (expand_authorized_keys()) */
	if (snprintf(out, size, "%s%s%s", expanded[0] == '/' ? "" : pw->pw_dir,
		     expanded[0] == '/' ? "" : "/", expanded) >= (int)size)
		return -ENAMETOOLONG;
	return 0;
}

/* Changeable by someone else than root: not owned by root, or group- or world-writable. */
static bool not_roots_alone(const struct stat *st)
{
	return st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH));
}

/* A ctime with no nanoseconds comes from a filesystem that keeps seconds (ext4 with 128-byte
 * inodes) or two (FAT): the change may have been made up to 2 s after it says. */
bool authkeys_newer(const struct stat *st, const struct timespec *since)
{
	struct timespec c = st->st_ctim;

	if (c.tv_nsec == 0)
		c.tv_sec += 2;
	return c.tv_sec > since->tv_sec ||
	       (c.tv_sec == since->tv_sec && c.tv_nsec >= since->tv_nsec);
}

static int changed(AuthkeysFinding *f, const char *path)
{
	f->verdict = AUTHKEYS_CHANGED;
	snprintf(f->path, sizeof(f->path), "%s", path[0] ? path : "/");
	return 1;
}

/*
 * A directory of procfs: its magic links (/proc/PID/root, /proc/PID/cwd, /proc/PID/fd/N) are
 * not the text readlink() gives. The kernel follows them to the object itself, in the process's
 * own root (an alcove's, in another mount namespace), where this walk of the host's paths
 * cannot look: a key file reached through one cannot be checked. 1 on procfs, 0 not, -errno.
 */
static int on_procfs(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) < 0)
		return negative_errno();
	return sf.f_type == PROC_SUPER_MAGIC;
}

static int through_proc(AuthkeysFinding *f, const char *file)
{
	f->verdict = AUTHKEYS_PROC;
	snprintf(f->path, sizeof(f->path), "%s", file);
	return 1;
}

/* One lookup, component by component, as the kernel does it for the calling process. */
typedef struct Walk {
	const char *file;	     /* the key file, as named */
	char dir[AUTHKEYS_PATH_MAX]; /* resolved so far, no symlinks; "" is / */
	struct stat dir_st;
	char rest[2 * AUTHKEYS_PATH_MAX]; /* still to resolve */
	int links;
} Walk;

/* The next component of w->rest into name; false at the end. */
static bool next_name(Walk *w, char *name, size_t size)
{
	char *s = w->rest + strspn(w->rest, "/");
	size_t n = strcspn(s, "/");

	if (n == 0)
		return false;
	snprintf(name, size, "%.*s", (int)n, s);
	memmove(w->rest, s + n, strlen(s + n) + 1);
	return true;
}

static int walk_up(Walk *w)
{
	char *slash = strrchr(w->dir, '/');

	if (slash)
		*slash = '\0';
	return lstat(w->dir[0] ? w->dir : "/", &w->dir_st) < 0 ? negative_errno() : 0;
}

/* A symlink: its target goes before what is left, from / when absolute. */
static int walk_link(Walk *w, const char *path)
{
	char target[AUTHKEYS_PATH_MAX], rest[sizeof(w->rest)];
	ssize_t n;

	if (++w->links > MAX_LINKS)
		return 1; /* ELOOP for sshd too: nothing read through it */
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	if (snprintf(rest, sizeof(rest), "%s/%s", target, w->rest) >= (int)sizeof(rest))
		return -ENAMETOOLONG;
	memcpy(w->rest, rest, sizeof(rest));
	if (target[0] == '/') {
		w->dir[0] = '\0';
		if (lstat("/", &w->dir_st) < 0)
			return negative_errno();
	}
	return 0;
}

/* One step: 1 when the walk ends here (found a change, or nothing more sshd could read),
 * 0 to go on, -errno. */
static int walk_step(Walk *w, const char *name, const struct timespec *since, AuthkeysFinding *f)
{
	char path[AUTHKEYS_PATH_MAX];
	struct stat st;

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0)
		return walk_up(w);
	if (snprintf(path, sizeof(path), "%s/%s", w->dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if (lstat(path, &st) < 0) {
		/* gone: its directory's ctime tells when (a removal or a rename away) */
		if (errno == ENOENT && not_roots_alone(&w->dir_st) &&
		    authkeys_newer(&w->dir_st, since))
			return changed(f, w->dir);
		return 1;
	}
	if (not_roots_alone(&w->dir_st) && authkeys_newer(&st, since))
		return changed(f, path); /* renamed or made here, or written, since */
	if (S_ISLNK(st.st_mode))
		return walk_link(w, path);
	if (S_ISDIR(st.st_mode)) {
		int r = on_procfs(path); /* every way into procfs enters one of its directories */

		if (r != 0)
			return r < 0 ? r : through_proc(f, w->file);
		memcpy(w->dir, path, sizeof(w->dir));
		w->dir_st = st;
		return 0;
	}
	/* the file itself: its content is its own ctime's */
	if (not_roots_alone(&st) && authkeys_newer(&st, since))
		return changed(f, path);
	return 1;
}

static int walk_path(const char *path, const struct timespec *since, AuthkeysFinding *f)
{
	_cleanup_free_ Walk *w = calloc(1, sizeof(*w));
	char name[256];
	int r = 0;

	if (!w)
		return -ENOMEM;
	w->file = path;
	if (snprintf(w->rest, sizeof(w->rest), "%s", path) >= (int)sizeof(w->rest))
		return -ENAMETOOLONG;
	if (lstat("/", &w->dir_st) < 0)
		return negative_errno();
	while (r == 0 && next_name(w, name, sizeof(name)))
		r = walk_step(w, name, since, f);
	return r < 0 ? r : 0;
}

/* Whether an open_regular() failure is one sshd's auth_openfile() met too: it opens the file
 * as the user (O_RDONLY|O_NONBLOCK), skips it on an open error and on anything not a regular
 * file. These errors are the file's (missing, not the user's to read, a directory, a socket or
 * FIFO, a device without a driver), the same for sshd's open; any other (EMFILE, ENFILE,
 * ENOMEM, EIO, EINTR...) is this process's or transient, and sshd may have read the file. */
static bool sshd_reads_nothing(int r)
{
	switch (-r) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
	case ELOOP:
	case EACCES:
	case EPERM:
	case EISDIR:
	case EBADFD: /* open_regular(): not a regular file */
	case ENXIO:
	case ENODEV:
		return true;
	default:
		return false;
	}
}

/* What sshd's auth_openfile() would read: 0 with *ret_len, 1 when it reads nothing, or -errno
 * when it cannot be told (the caller refuses). */
static int read_keys(const char *path, char *buf, size_t size, size_t *ret_len)
{
	struct stat st;
	_cleanup_close_ int fd = open_regular(path, &st);

	if (fd < 0)
		return sshd_reads_nothing(fd) ? 1 : fd;
	return read_fd_whole(fd, buf, size, ret_len);
}

/* The first file with a line that forces internal-sftp (or lets a certificate force it), or
 * too large to tell. */
static int find_sftp(const char *const *paths, size_t n, char *buf, AuthkeysFinding *ret)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = 0;
		int r = read_keys(paths[i], buf, AUTHKEYS_FILE_MAX + 1, &len);

		if (r < 0 && r != -EFBIG)
			return r;
		snprintf(ret->path, sizeof(ret->path), "%s", paths[i]);
		if (r == -EFBIG) {
			ret->verdict = AUTHKEYS_TOO_LARGE;
			return 0;
		}
		ret->line = r == 0 ? authkeys_find_internal_sftp(buf, len, &ret->verdict) : 0;
		if (ret->line > 0)
			return 0;
	}
	return 0;
}

int authkeys_inspect(const char *const *paths, size_t n, const struct timespec *since,
		     AuthkeysFinding *ret)
{
	_cleanup_free_ char *buf = malloc(AUTHKEYS_FILE_MAX + 1);
	int r;

	*ret = (AuthkeysFinding){.verdict = AUTHKEYS_OK};
	if (!buf)
		return -ENOMEM;
	/* the lines first (what a user can act on), every walk after every read: a change made
	 * while a file was read shows in its walk */
	r = find_sftp(paths, n, buf, ret);
	if (r < 0 || ret->verdict != AUTHKEYS_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = walk_path(paths[i], since, ret);
		if (r < 0 || ret->verdict != AUTHKEYS_OK)
			return r;
	}
	ret->path[0] = '\0';
	return 0;
}

void authkeys_describe(const AuthkeysFinding *f, char *reason, size_t reason_size, char *remedy,
		       size_t remedy_size)
{
	static const char cannot[] = "the key options sshd took from it cannot be checked";
	char path[4 * AUTHKEYS_PATH_MAX]; /* every byte may become \xHH */

	/* The path a walk ends on names the tenant's symlink targets and directories: printed
	 * raw, a newline and terminal escapes in them would forge lines of alcovectl explain
	 * and of pam_alcove's journal entry. */
	(void)text_escape(f->path, path, sizeof(path));
	remedy[0] = '\0';
	if (f->verdict == AUTHKEYS_SFTP) {
		snprintf(reason, reason_size,
			 "%s:%u forces internal-sftp, which sshd serves in-process, outside the "
			 "alcove",
			 path, f->line);
		snprintf(remedy, remedy_size, "use command=\"%s\"", SSHD_SFTP_SERVER);
	} else if (f->verdict == AUTHKEYS_CA) {
		snprintf(reason, reason_size,
			 "%s:%u is cert-authority without command=: a certificate it signs may "
			 "force internal-sftp, which sshd serves in-process, outside the alcove",
			 path, f->line);
		snprintf(remedy, remedy_size, "give the line a command= option");
	} else if (f->verdict == AUTHKEYS_CHANGED) {
		snprintf(reason, reason_size,
			 "%s changed while this connection was being authenticated: %s", path,
			 cannot);
	} else if (f->verdict == AUTHKEYS_PROC) {
		snprintf(
		    reason, reason_size,
		    "%s goes through /proc, which sshd follows into another mount namespace: %s",
		    path, cannot);
	} else {
		snprintf(reason, reason_size,
			 "%s is larger than %d KiB: it cannot be checked for a key that forces "
			 "internal-sftp",
			 path, AUTHKEYS_FILE_MAX / 1024);
	}
}

/* Field 22 of /proc/self/stat: the start, in clock ticks since boot (CLOCK_BOOTTIME). */
static int start_ticks(unsigned long long *ret)
{
	char buf[1024], *p;
	size_t len;
	int r = read_file_at(AT_FDCWD, "/proc/self/stat", 0, buf, sizeof(buf), &len);

	if (r < 0)
		return r;
	buf[len] = '\0';
	p = strrchr(buf, ')'); /* the name may hold anything */
	if (!p)
		return -EBADMSG;
	/* field 3 follows ") "; 19 more to field 22 */
	for (int i = 0; i < 20 && p; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", ret) != 1)
		return -EBADMSG;
	return 0;
}

int authkeys_since(int slack_ms, struct timespec *ret)
{
	const long long sec = 1000000000LL;
	struct timespec boot, real;
	unsigned long long ticks;
	long hz = sysconf(_SC_CLK_TCK);
	long long age, start;
	int r = start_ticks(&ticks);

	if (r < 0)
		return r;
	if (hz <= 0)
		return -EINVAL;
	if (clock_gettime(CLOCK_BOOTTIME, &boot) < 0 || clock_gettime(CLOCK_REALTIME, &real) < 0)
		return negative_errno();
	/* ticks are truncated: the start it gives is never later than the real one */
	age = boot.tv_sec * sec + boot.tv_nsec - (long long)ticks * (sec / hz);
	start = real.tv_sec * sec + real.tv_nsec - (age > 0 ? age : 0) - slack_ms * 1000000LL;
	ret->tv_sec = start / sec;
	ret->tv_nsec = start % sec;
	return 0;
}
