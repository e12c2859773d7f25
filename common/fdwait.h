/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Waiting on one fd against a deadline on CLOCK_MONOTONIC (milliseconds), as the two callers of
 * alcove-helper do (alcovectl and pam_alcove.so). Pure libc, no logging.
 */

#include <stdint.h>

/* Now on CLOCK_MONOTONIC, in milliseconds: deadlines are monotonic_ms() + a timeout. */
long long monotonic_ms(void);

/* The same in microseconds, for the stages' timings. */
uint64_t monotonic_us(void);

/*
 * Waits until fd is readable (or hung up) or deadline_ms passes: 0, -ETIMEDOUT, or poll's
 * -errno. A signal (EINTR: sshd's SIGCHLD handler in the PAM module) just resumes the wait
 * with what is left of it.
 */
int fd_wait_readable(int fd, long long deadline_ms);
