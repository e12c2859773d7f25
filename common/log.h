/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One log path for the module, the helper and alcovectl: structured journal
 * entries (ALCOVE_USER, ALCOVE_PROFILE, ALCOVE_SERVICE, ALCOVE_STAGE,
 * ALCOVE_SCOPE, ALCOVE_ERRNO) when journald's socket exists, syslog otherwise,
 * and stderr too for command-line tools.
 *
 * Library code does not log: it returns -errno. The entry point that owns a
 * decision logs once, naming the object ("Failed to mount overlay on '%s': %m").
 * log_*() return -|err| so a caller can write "return log_error_errno(r, ...)".
 *
 * alcove-init is static and links none of this (it has no journal socket
 * after pivot_root); it writes to the stream the helper gives it as stderr.
 */

#include <stdbool.h>
#include <syslog.h>

#include "macro.h"

typedef struct LogFields {
	const char *user;
	const char *profile;
	const char *service;
	const char *stage;
	const char *scope;
} LogFields;

enum {
	LOG_TARGET_STDERR = 1 << 0, /* also print "ident: message" on stderr */
	LOG_TARGET_SYSTEM = 1 << 1, /* journal, or syslog when there is no journal */
};

/* Process-wide settings (the one piece of global state here: a process has one log). */
void log_setup(const char *ident, int targets, bool debug);
bool log_debug_enabled(void);

/*
 * The first error (LOG_ERR or worse) the process said, as its stderr line "ident: message": a
 * tool that must answer with one line why it failed (alcovectl --json's failure object) asks
 * for it before anything is logged. Off by default, so that the PAM module, whose log is
 * inside the host's application (sshd, su, maybe threaded), keeps no state but log_config.
 * log_remember_errors() starts over, with none remembered; log_first_error() is NULL until an
 * error was said (or when not asked for).
 */
void log_remember_errors(bool on);
const char *log_first_error(void);
/* A line of the program's that says why it fails without going through log_full() (a usage
 * message): remembered as an error logged would be, when it is the first. */
void log_remember_error_line(const char *line);

/* A stream to journald for a child's stderr (what sd_journal_stream_fd() does, without
 * libsystemd); close-on-exec. -errno when there is no journal. */
int log_journal_stream_fd(const char *ident, int prio);

/* Logs fmt (with %m meaning strerror(|err|)); returns -|err|, or 0 when err == 0. */
int log_full(int prio, int err, const LogFields *fields, const char *fmt, ...) _printf_(4, 5);

/* The same line for the host's log only (journal or syslog), never the program's stderr: what
 * a program did beside what it was asked, which the command that asked does not answer with
 * (the helper ending a login held on an alcove that `alcovectl stop` ended). */
void log_system(int prio, const LogFields *fields, const char *fmt, ...) _printf_(3, 4);

#define log_error_errno(err, ...) log_full(LOG_ERR, (err), NULL, __VA_ARGS__)
#define log_warning_errno(err, ...) log_full(LOG_WARNING, (err), NULL, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, 0, NULL, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, NULL, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, 0, NULL, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, 0, NULL, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_debug_enabled())                                                           \
			log_full(LOG_DEBUG, 0, NULL, __VA_ARGS__);                                 \
	} while (0)
