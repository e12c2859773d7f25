/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host_limits.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#define INOTIFY_INSTANCES "/proc/sys/fs/inotify/max_user_instances"

void host_limits_print(const char *config)
{
	char buf[32], *end = NULL;
	size_t len = 0;
	long long v;
	int r;

	r = read_file_at(AT_FDCWD, INOTIFY_INSTANCES, 0, buf, sizeof(buf), &len);
	if (r < 0) {
		fprintf(stderr, "%s: warning: host limits not checked: Failed to read %s: %s\n",
			config, INOTIFY_INSTANCES, strerror(-r));
		return;
	}
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || end == buf || (*end && *end != '\n')) {
		fprintf(stderr, "%s: warning: host limits not checked: %s holds '%.*s'\n", config,
			INOTIFY_INSTANCES, (int)strcspn(buf, "\n"), buf);
		return;
	}
	if (v >= HOST_INOTIFY_INSTANCES_MIN)
		return;
	fprintf(stderr,
		"%s: warning: fs.inotify.max_user_instances is %lld: the inotify instances made in "
		"every alcove count against host root's too (root creates the alcoves' user "
		"namespaces), so the tenants, or one of them alone, can use up root's and break "
		"inotify for the host's services; set it to %d (pam_alcove(8), HOST SETTINGS)\n",
		config, v, HOST_INOTIFY_INSTANCES_ADVISED);
}
