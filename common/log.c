/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A process has exactly one log configuration; set once at start-up. */
static struct {
	const char *ident;
	int targets;
	bool debug;
} log_config = {"alcove", LOG_TARGET_SYSTEM, false};

void log_setup(const char *ident, int targets, bool debug)
{
	log_config.ident = ident;
	log_config.targets = targets;
	log_config.debug = debug;
}

bool log_debug_enabled(void)
{
	return log_config.debug;
}

/* The first error line, when the program asked for it (log.h): one per process, as its log. A
 * line of stderr's length, cut at this size (the cause is in its first words). */
static struct {
	bool on;
	char line[1024];
} first_error;

void log_remember_errors(bool on)
{
	first_error.on = on;
	first_error.line[0] = '\0';
}

const char *log_first_error(void)
{
	return first_error.on && first_error.line[0] ? first_error.line : NULL;
}

/* "prefix: msg", or line alone (prefix NULL), if it is the first; a longer one is cut */
static void remember_error(const char *prefix, const char *msg)
{
	int n;

	if (!first_error.on || first_error.line[0])
		return;
	n = snprintf(first_error.line, sizeof(first_error.line), "%s%s%s", prefix ? prefix : "",
		     prefix ? ": " : "", msg);
	if (n < 0)
		first_error.line[0] = '\0';
}

void log_remember_error_line(const char *line)
{
	remember_error(NULL, line);
}

/*
 * journald's native protocol, written here rather than through sd_journal_send(): loading
 * libsystemd and what it pulls in (libgcrypt, liblzma, libzstd, liblz4, libcap) costs ~0.4 ms
 * at every exec, and the helper is exec'd twice per login. One datagram on the socket holds
 * the entry: "KEY=value\n" per field, or, for a value with a newline, "KEY\n", its length as
 * 64-bit little endian, the bytes and "\n".
 */
#define JOURNAL_SOCKET "/run/systemd/journal/socket"
#define JOURNAL_STDOUT "/run/systemd/journal/stdout"

typedef struct JournalEntry {
	char buf[8192];
	size_t len;
	bool overflow;
} JournalEntry;

static void journal_add(JournalEntry *e, const char *key, const char *value)
{
	size_t k = strlen(key), v = strlen(value);

	if (e->overflow || k + v + 10 > sizeof(e->buf) - e->len) {
		e->overflow = true;
		return;
	}
	memcpy(e->buf + e->len, key, k);
	e->len += k;
	if (!strchr(value, '\n')) {
		e->buf[e->len++] = '=';
	} else {
		uint64_t le = v; /* the hosts we build for are little endian; checked below */

		_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "journal length is LE");
		e->buf[e->len++] = '\n';
		memcpy(e->buf + e->len, &le, sizeof(le));
		e->len += sizeof(le);
	}
	memcpy(e->buf + e->len, value, v);
	e->len += v;
	e->buf[e->len++] = '\n';
}

static int journal_send(const JournalEntry *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET};
	int fd, r = 0;

	if (e->overflow)
		return -E2BIG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, e->buf, e->len, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void log_to_system(int prio, int err, const LogFields *f, const char *msg)
{
	JournalEntry e = {.len = 0};
	char num[16];

	journal_add(&e, "MESSAGE", msg);
	snprintf(num, sizeof(num), "%d", prio);
	journal_add(&e, "PRIORITY", num);
	journal_add(&e, "SYSLOG_IDENTIFIER", log_config.ident);
	journal_add(&e, "ALCOVE_USER", f && f->user ? f->user : "");
	journal_add(&e, "ALCOVE_PROFILE", f && f->profile ? f->profile : "");
	journal_add(&e, "ALCOVE_SERVICE", f && f->service ? f->service : "");
	journal_add(&e, "ALCOVE_STAGE", f && f->stage ? f->stage : "");
	journal_add(&e, "ALCOVE_SCOPE", f && f->scope ? f->scope : "");
	snprintf(num, sizeof(num), "%d", err);
	journal_add(&e, "ALCOVE_ERRNO", err ? num : "");
	if (journal_send(&e) >= 0)
		return;
	/*
	 * No journal (or it refused): classic syslog keeps the one line. No openlog()/closelog():
	 * inside a PAM application (sshd, su) they would replace the application's own ident and
	 * facility and close its syslog connection; the ident goes into the message instead.
	 */
	syslog(LOG_AUTHPRIV | prio, "%s: %s", log_config.ident, msg);
}

int log_journal_stream_fd(const char *ident, int prio)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX, .sun_path = JOURNAL_STDOUT};
	char header[256];
	int fd, n;

	/* journald's stream protocol: after connecting, a header of newline-terminated lines
	 * (identifier, unit id, priority, level prefix, forward to syslog, kmsg, console), then
	 * the text itself, one entry per line */
	n = snprintf(header, sizeof(header), "%s\n\n%d\n0\n0\n0\n0\n", ident, prio);
	if (n < 0 || (size_t)n >= sizeof(header))
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || shutdown(fd, SHUT_RD) < 0 ||
	    write(fd, header, (size_t)n) != n) {
		int r = errno ? -errno : -EIO;

		close(fd);
		return r;
	}
	return fd;
}

static int log_va(int targets, int prio, int err, const LogFields *fields, const char *fmt,
		  va_list ap) _printf_(5, 0);
static int log_va(int targets, int prio, int err, const LogFields *fields, const char *fmt,
		  va_list ap)
{
	char msg[2048];
	int saved = errno;

	if (err < 0)
		err = -err;
	/* %m in fmt means the error we were given, not whatever errno happens to hold; without
	 * one (log_error()), errno as the caller left it, never "Success" */
	if (err)
		errno = err;
	vsnprintf(msg, sizeof(msg), fmt, ap);

	if (targets & LOG_TARGET_SYSTEM)
		log_to_system(prio, err, fields, msg);
	if (targets & LOG_TARGET_STDERR)
		fprintf(stderr, "%s: %s\n", log_config.ident, msg);
	if (prio <= LOG_ERR)
		remember_error(log_config.ident, msg);

	errno = saved;
	return err ? -err : 0;
}

int log_full(int prio, int err, const LogFields *fields, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = log_va(log_config.targets, prio, err, fields, fmt, ap);
	va_end(ap);
	return r;
}

void log_system(int prio, const LogFields *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)log_va(log_config.targets & LOG_TARGET_SYSTEM, prio, 0, fields, fmt, ap);
	va_end(ap);
}
