/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Cleanup helpers in the style of systemd/crun: ownership is explicit, a
 * variable marked _cleanup_* is released on every return path, and
 * TAKE_FD/TAKE_PTR hand ownership on without releasing it.
 */

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

static inline void freep(void *p)
{
	free(*(void **)p);
}

/* close() that keeps errno, so a cleanup never clobbers the error being reported, and forgets
 * the number: a later closep() or the scope's cleanup must not close whatever file the kernel
 * gave that number to since (the lowest free number is reused at once), nor a poll() wait on
 * it. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
		*fd = -1;
	}
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_fd_;                                                                              \
	})

#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p_ = (p);                                                           \
		(p) = NULL;                                                                        \
		_p_;                                                                               \
	})

/* errno as a negative return value; never 0, even if a libc call forgot to set errno. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define RET_NERRNO(expr)                                                                           \
	({                                                                                         \
		long _r_ = (long)(expr);                                                           \
		_r_ < 0 ? negative_errno() : (int)_r_;                                             \
	})
