/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once
/*
 * Did the account's passwd data change after the PAM application looked it up? sshd looks the
 * account up once, in its monitor, at the client's first userauth request (getpwnamallow),
 * and later runs that copy's shell as that copy's uid; this module and the helper look it up
 * again when the session opens, and the lobby binds alcove-enter over the later shell path
 * only. Between the two lookups a client can hold the login open up to LoginGraceTime: an
 * admin's usermod -s or -u in that window ran the login on the host.
 *
 * The check: the application process (for sshd the monitor, which made its lookup after it
 * started) started before /etc/passwd's last change: the later of its mtime and its ctime.
 * The mtime alone is not enough: tools that keep a file's times set an old one on the new
 * file (cp -p, rsync -a, a restore; vipw renames at quit with the save's mtime); the kernel
 * sets the ctime to now on every write, chmod, utimensat and rename of the inode, and no call
 * sets it back. Only the files backend can be told
 * this way; for any other NSS source the admin must not change a contained user's shell or
 * uid while they log in. A false positive costs one refused login: one that raced any edit of
 * /etc/passwd (useradd of another account too), or one whose application process waited in
 * it while the file was edited: agetty execs login, whose process keeps agetty's start, so the
 * first contained console login after an edit made while agetty waited is refused (getty
 * starts again, and the next one passes). Only contained logins are checked (session.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define ACCOUNT_RACE_PASSWD "/etc/passwd"

/* The clocks read for one check: the process's start in clock ticks since boot (field 22 of
 * /proc/self/stat), the tick rate, and CLOCK_BOOTTIME and CLOCK_REALTIME read together. */
typedef struct AccountClock {
	uint64_t start_ticks;
	long hz;
	struct timespec boot, real;
} AccountClock;

/* Pure: true when changed (CLOCK_REALTIME) is more than one clock tick after the process's
 * start (start is truncated to ticks, so the real start may be up to one tick later). */
bool account_race_changed(const AccountClock *clk, const struct timespec *changed);

/* Pure: the file's last change, the later of its mtime and ctime (a clock set back may leave
 * the ctime before the mtime). */
struct timespec account_race_last_change(const struct timespec *mtime,
					 const struct timespec *ctime);

/* The start as CLOCK_REALTIME nanoseconds (for log lines). */
int64_t account_race_start_ns(const AccountClock *clk);

/* Reads the clocks and /etc/passwd's times: 1 when the file changed after this process
 * started, 0 when not (or there is no /etc/passwd: no files backend), -errno. *ret_changed
 * and *ret_start are filled for a 1, for the log line. */
int account_race_check(struct timespec *ret_changed, int64_t *ret_start_ns);
