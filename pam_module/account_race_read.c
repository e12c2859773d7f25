/* SPDX-License-Identifier: GPL-2.0-or-later */
/* account_race_check(): the syscalls behind account_race.h's comparison. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account_race.h"
#include "macro.h"
#include "statefile.h"

int account_race_check(struct timespec *ret_changed, int64_t *ret_start_ns)
{
	_cleanup_close_ int fd = -1;
	AccountClock clk = {.hz = sysconf(_SC_CLK_TCK)};
	struct timespec changed;
	struct stat st;
	int r;

	if (clk.hz <= 0)
		return -EINVAL;
	/* getpid(): the application, whose lookup of the account came after its start */
	r = proc_starttime(getpid(), &clk.start_ticks);
	if (r < 0)
		return r;
	if (clock_gettime(CLOCK_BOOTTIME, &clk.boot) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &clk.real) < 0)
		return negative_errno();
	/* Only the times are read. Whoever could set them (the owner, by utimensat) could
	 * write any account into the file anyway: no owner check adds anything. */
	fd = open(ACCOUNT_RACE_PASSWD, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	changed = account_race_last_change(&st.st_mtim, &st.st_ctim);
	if (!account_race_changed(&clk, &changed))
		return 0;
	*ret_changed = changed;
	*ret_start_ns = account_race_start_ns(&clk);
	return 1;
}
