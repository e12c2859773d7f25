/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>

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

static bool journal_available(void)
{
	struct stat st;

	return stat("/run/systemd/journal/socket", &st) == 0 && S_ISSOCK(st.st_mode);
}

static void log_to_system(int prio, int err, const LogFields *f, const char *msg)
{
	char errbuf[16];

	if (journal_available()) {
		snprintf(errbuf, sizeof(errbuf), "%d", err);
		int r = sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio,
					"SYSLOG_IDENTIFIER=%s", log_config.ident,
					"ALCOVE_USER=%s", f && f->user ? f->user : "",
					"ALCOVE_PROFILE=%s", f && f->profile ? f->profile : "",
					"ALCOVE_SERVICE=%s", f && f->service ? f->service : "",
					"ALCOVE_STAGE=%s", f && f->stage ? f->stage : "",
					"ALCOVE_SCOPE=%s", f && f->scope ? f->scope : "",
					"ALCOVE_ERRNO=%s", err ? errbuf : "", NULL);
		if (r >= 0)
			return;
	}
	/*
	 * No journal (or it refused): classic syslog keeps the one line. No openlog()/closelog():
	 * inside a PAM application (sshd, su) they would replace the application's own ident and
	 * facility and close its syslog connection; the ident goes into the message instead.
	 */
	syslog(LOG_AUTHPRIV | prio, "%s: %s", log_config.ident, msg);
}

int log_full(int prio, int err, const LogFields *fields, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	if (err < 0)
		err = -err;
	/* %m in fmt means the error we were given, not whatever errno happens to hold. */
	errno = err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (log_config.targets & LOG_TARGET_SYSTEM)
		log_to_system(prio, err, fields, msg);
	if (log_config.targets & LOG_TARGET_STDERR)
		fprintf(stderr, "%s: %s\n", log_config.ident, msg);

	errno = saved;
	return err ? -err : 0;
}
