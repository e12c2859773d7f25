/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gc of the directories a build makes whole under a temporary name before renaming them into
 * place (paths_temp_name(): "..alcove-new.<hex>"). A helper killed between the two steps
 * leaves one, empty, in /run/alcove, /var/lib/alcove, a user's directory or its layer/.
 * Nothing looks it up under that name, but a user's directory holding one is not a layer gc
 * knows: it was kept as "odd" for good. Only an old one goes: a build renames its own within
 * milliseconds, so a young one may be a build's at work right now.
 */
#include "gc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "lib/paths.h"

#define GC_TEMP_AGE_SEC 60

static void gc_temp_one(Gc *g, int dirfd, const char *where, const char *name, time_t now)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_mtime > now - GC_TEMP_AGE_SEC)
		return;
	if (g->dry_run) {
		gc_report_add(&g->report, "would remove %s/%s: a build's temporary directory",
			      where, name);
		return;
	}
	/* rmdir(2) only: what a killed build leaves is empty (a btrfs subvolume too); one with
	 * entries was filled by someone else, and is not gc's to judge */
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0) {
		g->failed++;
		gc_report_add(&g->report, "failed to remove %s/%s: %s", where, name,
			      strerror(errno));
		return;
	}
	g->removed++;
	gc_report_add(&g->report,
		      "removed %s/%s: a build's temporary directory, left by a "
		      "helper that was killed",
		      where, name);
}

void gc_temp_dirs(Gc *g, int dirfd, const char *where)
{
	time_t now = time(NULL);
	struct dirent *de;
	DIR *d;

	if (opendir_fd(dirfd, &d) < 0)
		return;
	while ((de = readdir(d)))
		if (paths_is_temp_name(de->d_name))
			gc_temp_one(g, dirfd, where, de->d_name, now);
	closedir(d);
}
