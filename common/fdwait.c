/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fdwait.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "macro.h"

uint64_t monotonic_us(void)
{
	struct timespec ts;

	/* fails only for an unknown clock or a bad pointer: neither here */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

long long monotonic_ms(void)
{
	return (long long)(monotonic_us() / 1000u);
}

static int remaining_ms(long long deadline_ms)
{
	long long left = deadline_ms - monotonic_ms();

	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

int fd_wait_readable(int fd, long long deadline_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	for (;;) {
		int n = poll(&p, 1, remaining_ms(deadline_ms));

		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return negative_errno();
	}
}
