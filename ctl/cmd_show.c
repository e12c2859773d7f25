/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alcovectl show USER [--json]: every alcove of USER (its own, "<uid>", and with
 * share = "session" the "<uid>-<hex>" ones) from /run/alcove/<name>/state, checked against
 * the live process, with the namespaces' inode numbers, the scope's cgroup usage and each
 * login's sub-cgroup, and the session count init reports over its control socket.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd_show.h"
#include "control_client.h"
#include "macro.h"
#include "show_pure.h"

#define RUN_DIR "/run/alcove"
#define SHOW_MAX_ALCOVES 32

typedef struct ShowSlot {
	ShowInfo info;
	char name[64];
	char state_text[4096];
} ShowSlot;

/* Reads a small file below dfd (no symlinks followed) into buf, NUL-terminated. */
static int read_small_at(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	return 0;
}

static void usage_read(int dfd, ShowUsage *u)
{
	char buf[1024];

	u->has_memory = read_small_at(dfd, "memory.current", buf, sizeof(buf)) >= 0 &&
			show_parse_u64(buf, &u->memory_bytes) >= 0;
	u->has_pids = read_small_at(dfd, "pids.current", buf, sizeof(buf)) >= 0 &&
		      show_parse_u64(buf, &u->pids) >= 0;
	u->has_cpu = read_small_at(dfd, "cpu.stat", buf, sizeof(buf)) >= 0 &&
		     show_parse_cpu_stat(buf, &u->cpu_usec) >= 0;
}

/* The scope's usage and that of its first-level sub-cgroups (init/, login-<n>/). */
static void cgroup_read(ShowInfo *a)
{
	_cleanup_close_ int dfd = -1;
	DIR *d;
	struct dirent *de;

	if (!a->state.cgroup || a->state.cgroup[0] != '/')
		return;
	dfd = open(a->state.cgroup, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	usage_read(dfd, &a->usage);
	d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return;
	while ((de = readdir(d)) && a->n_cgroups < SHOW_MAX_CGROUPS) {
		ShowCgroup *c = &a->cgroups[a->n_cgroups];
		_cleanup_close_ int sub = -1;

		if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
		    strlen(de->d_name) >= sizeof(c->name))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		strcpy(c->name, de->d_name);
		usage_read(sub, &c->usage);
		a->n_cgroups++;
	}
	closedir(d);
}

/* Alive = the pid's start time and user namespace are the ones recorded (pid reuse). */
static void process_read(ShowInfo *a)
{
	static const char *const files[_SHOW_NS_MAX] = {"user", "mnt",	  "pid", "ipc",
							"uts",	"cgroup", "net"};
	char path[64], line[1024], *p;
	struct stat st;
	long pid;

	if (!a->state.pid || (pid = strtol(a->state.pid, NULL, 10)) <= 0)
		return;
	for (int k = 0; k < _SHOW_NS_MAX; k++) {
		snprintf(path, sizeof(path), "/proc/%ld/ns/%s", pid, files[k]);
		if (stat(path, &st) == 0)
			a->ns[k] = (uint64_t)st.st_ino;
	}
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_small_at(AT_FDCWD, path, line, sizeof(line)) < 0 || !(p = strrchr(line, ')')))
		return;
	/* field 22 (starttime); p is at the end of field 2 */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	a->alive = p && a->state.starttime && a->state.userns &&
		   strtoull(p + 1, NULL, 10) == strtoull(a->state.starttime, NULL, 10) &&
		   a->ns[SHOW_NS_USER] == strtoull(a->state.userns, NULL, 10);
	if (!a->alive)
		memset(a->ns, 0, sizeof(a->ns)); /* those of whatever process has the pid now */
}

static void status_read(ShowInfo *a)
{
	char path[128];
	ProtoStatus st;
	struct timespec now;

	if (!a->alive)
		return;
	snprintf(path, sizeof(path), RUN_DIR "/%s/control", a->name);
	if (control_status(path, &st) < 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	a->has_status = true;
	a->sessions = st.sessions;
	a->holds = st.holds;
	a->processes = st.processes;
	a->uptime_sec =
	    ((uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000 - st.start_usec) /
	    1000000;
}

static int slot_load(int rundir, const char *name, ShowSlot *s)
{
	_cleanup_close_ int dfd = -1;
	int r;

	dfd = openat(rundir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return negative_errno();
	r = read_small_at(dfd, "state", s->state_text, sizeof(s->state_text));
	if (r < 0)
		return r;
	r = show_parse_state(s->state_text, &s->info.state);
	if (r < 0)
		return r;
	if (strlen(name) >= sizeof(s->name))
		return -ENAMETOOLONG;
	strcpy(s->name, name);
	s->info.name = s->name;
	process_read(&s->info);
	cgroup_read(&s->info);
	status_read(&s->info);
	return 0;
}

/* The alcove names of uid: "<uid>" and "<uid>-<hex>". */
static bool name_is_users(const char *name, const char *uidstr)
{
	size_t n = strlen(uidstr);

	return strncmp(name, uidstr, n) == 0 && (name[n] == '\0' || name[n] == '-');
}

static int alcoves_load(uid_t uid, ShowSlot *slots, size_t max, size_t *ret_n)
{
	_cleanup_close_ int rundir = -1;
	char uidstr[16];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	rundir = open(RUN_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rundir < 0)
		return errno == ENOENT ? (*ret_n = 0, 0) : negative_errno();
	d = fdopendir(fcntl(rundir, F_DUPFD_CLOEXEC, 3));
	if (!d)
		return negative_errno();
	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	while ((de = readdir(d)) && n < max) {
		if (de->d_type != DT_DIR || !name_is_users(de->d_name, uidstr))
			continue;
		memset(&slots[n], 0, sizeof(slots[n]));
		if (slot_load(rundir, de->d_name, &slots[n]) >= 0)
			n++;
	}
	closedir(d);
	*ret_n = n;
	return 0;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {}};
	_cleanup_free_ ShowSlot *slots = NULL;
	ShowInfo infos[SHOW_MAX_ALCOVES];
	bool json = false;
	struct passwd *pw;
	size_t n;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
		if (c != 'j') {
			fprintf(stderr, "usage: alcovectl show USER [--json]\n");
			return 2;
		}
		json = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: alcovectl show USER [--json]\n");
		return 2;
	}
	pw = getpwnam(argv[optind]);
	if (!pw) {
		fprintf(stderr, "alcovectl: no such user '%s'\n", argv[optind]);
		return 1;
	}
	slots = calloc(SHOW_MAX_ALCOVES, sizeof(*slots));
	if (!slots)
		return 1;
	r = alcoves_load(pw->pw_uid, slots, SHOW_MAX_ALCOVES, &n);
	if (r < 0) {
		fprintf(stderr, "alcovectl: cannot read %s: %s\n", RUN_DIR, strerror(-r));
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		infos[i] = slots[i].info;
	if (json)
		show_format_json(pw->pw_name, infos, n, stdout);
	else if (n > 0)
		show_format_text(infos, n, stdout);
	if (n == 0 && !json)
		fprintf(stderr, "alcovectl: %s has no alcove\n", pw->pw_name);
	return n > 0 ? 0 : 1;
}
