/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One alcove build, helper side: prepare on the host, clone the child into its namespaces,
 * write its id maps, record the state, hand it the idmapped image layers (and the scope), and
 * wait until it has exec'd alcove-init or told us why not. A failing child is killed; its
 * mounts vanish with its mount namespace, so the host never holds a mount of ours.
 */
#include "stage.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dirs.h"
#include "fdpass.h"
#include "fdwait.h"
#include "macro.h"
#include "quota.h"
#include "scope.h"
#include "lib/fault.h"
#include "lib/mountapi.h"
#include "lib/state.h"

#define CHILD_TIMEOUT_MS 30000

_Static_assert(POLICY_MAX_LAYERS <= FDPASS_MAX_FDS, "the GO message carries every layer");

void build_ctx_done(BuildCtx *c)
{
	/* first, while the layer lock is held: no other build of the user lifts the limit */
	quota_restore_after_failure(c);
	for (size_t i = 0; i < c->n_layers; i++)
		closep(&c->layer_fds[i]);
	for (size_t i = 0; i < c->n_bind_fds; i++)
		closep(&c->bind_fds[i]);
	closep(&c->cs.init_fd);
	closep(&c->cs.control_fd);
	closep(&c->cs.admin_fd);
	closep(&c->cs.null_fd);
	closep(&c->cs.persist_fd);
	closep(&c->cs.layer_lock_fd);
	closep(&c->cs.sys_fd);
	closep(&c->oci_lock_fd);
	closep(&c->cs.sync_fd);
	closep(&c->sync_fd);
	closep(&c->quota_fd);
}

static int prepare_all(BuildCtx *c)
{
	static const struct {
		int (*run)(BuildCtx *);
		const char *stage;
	} steps[] = {
	    {prepare_ids, "ids"},
	    {prepare_layers, "layers"},
	    {prepare_persist, "persistent layer"},
	    {prepare_home, "home"},
	    {prepare_profile_mounts, "mounts"},
	    {prepare_tmp, "tmp"},
	    {prepare_init, "init"},
	    {prepare_control, "control sockets"},
	    {prepare_plan, "rootfs plan"},
	};
	int fds[2];

	for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
		int r;

		c->stage = steps[i].stage;
		r = steps[i].run(c);
		if (r < 0)
			return r;
	}
	c->stage = "clone";
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return build_error(c, negative_errno(), "sync socketpair: %m");
	c->sync_fd = fds[0];
	c->cs.sync_fd = fds[1];
	c->cs.n_layers = c->n_layers;
	return 0;
}

static int record_state(BuildCtx *c, pid_t pid, AlcoveState *st)
{
	const BuildSpec *s = c->spec;
	int r;

	*st = (AlcoveState){.pid = pid, .uid = s->login->uid, .created = (int64_t)time(NULL)};
	if ((r = proc_starttime(pid, &st->starttime)) < 0 ||
	    (r = proc_ns_inode(pid, "user", &st->userns)) < 0 ||
	    (r = proc_ns_inode(pid, "mnt", &st->mntns)) < 0 ||
	    (r = proc_ns_inode(pid, "pid", &st->pidns)) < 0)
		return build_error(c, r, "read /proc/%d of the new alcove: %m", (int)pid);
	snprintf(st->user, sizeof(st->user), "%s", s->login->user);
	snprintf(st->profile, sizeof(st->profile), "%s", s->profile->name);
	snprintf(st->mode, sizeof(st->mode), "%s",
		 policy_choice_name(PKEY_MODE, (int)s->profile->mode));
	snprintf(st->share, sizeof(st->share), "%s",
		 policy_choice_name(PKEY_SHARE, (int)s->profile->share));
	r = state_write(s->rundirfd, st);
	if (r < 0)
		return build_error(c, r, "write %s/%s/state: %m", ALCOVE_RUN_DIR, s->name);
	return 0;
}

/* Detached clones of the image layers, idmapped with the alcove's user namespace so that
 * on-disk uid 0 is ns 0 inside (DESIGN §3), read-only. */
static int idmap_layers(BuildCtx *c, pid_t pid, int *mnt_fds)
{
	_cleanup_close_ int userns = -1;
	char path[64], fs[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return build_error(c, negative_errno(), "open %s: %m", path);
	for (size_t i = 0; i < c->n_layers; i++) {
		const char *name = c->layer_label[i];
		int r, mfd;

		mfd = mnt_open_tree(c->layer_fds[i], "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
		if (mfd < 0)
			return build_error(c, mfd, "clone image '%s': %m", name);
		mnt_fds[i] = mfd;
		r = mnt_setattr(mfd, "", AT_EMPTY_PATH,
				MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV, 0, userns);
		if (r == -EINVAL) {
			fs_describe(c->layer_fds[i], fs, sizeof(fs));
			return build_error(c, r,
					   "image '%s' is on %s, which does not support idmapped "
					   "mounts",
					   name, fs);
		}
		if (r < 0)
			return build_error(c, r, "idmap image '%s': %m", name);
	}
	return 0;
}

static int send_go(BuildCtx *c, bool cgroup, const int *fds, size_t n)
{
	ChildGo go = {.magic = CHILD_GO_MAGIC, .cgroup = cgroup, .n_fds = (uint32_t)n};
	int r;

	r = fdpass_send(c->sync_fd, &go, sizeof(go), fds, n, 0);
	if (r < 0)
		return build_error(c, r, "send GO to the alcove's first process: %m");
	return 0;
}

/* One message from the child within the deadline: its size, 0 on EOF. */
static int recv_child(BuildCtx *c, uint64_t start, uint64_t deadline, ChildError *e,
		      ssize_t *ret_n)
{
	struct pollfd p = {.fd = c->sync_fd, .events = POLLIN};
	uint64_t now;
	int r;

	do {
		now = monotonic_us();
		r = now >= deadline ? 0 : poll(&p, 1, (int)((deadline - now + 999) / 1000));
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return build_error(c, negative_errno(), "wait for the alcove's first process: %m");
	if (r == 0)
		return build_error(c, -ETIMEDOUT,
				   "the alcove's first process did not start "
				   "alcove-init within %.1f s",
				   (double)(deadline - start) / 1e6);
	*ret_n = recv(c->sync_fd, e, sizeof(*e), 0);
	if (*ret_n < 0)
		return build_error(c, negative_errno(), "read from the alcove's first process: %m");
	return 0;
}

/* EOF on the sync socket: the child exec'd alcove-init (the socket is close-on-exec) — or died
 * without a word, which waitid tells apart. Notes (err = 0) may come first. */
static int wait_child(BuildCtx *c, int pidfd)
{
	uint64_t start = monotonic_us(), deadline = start + (uint64_t)CHILD_TIMEOUT_MS * 1000u;
	ChildError e;
	siginfo_t si = {0};
	ssize_t n;
	int r;

	/* the open's budget (build.h), in the same clock: CLOCK_MONOTONIC */
	if (c->spec->deadline_ms > 0 && (uint64_t)c->spec->deadline_ms * 1000u < deadline)
		deadline = (uint64_t)c->spec->deadline_ms * 1000u;
	for (;;) {
		r = recv_child(c, start, deadline, &e, &n);
		if (r < 0)
			return r;
		if (n != (ssize_t)sizeof(e))
			break;
		e.step[sizeof(e.step) - 1] = '\0';
		e.message[sizeof(e.message) - 1] = '\0';
		if (e.err != 0 && e.tenant)
			return build_error_tenant(c, -(e.err > 0 ? e.err : EIO), "%s (step %s)",
						  e.message, e.step);
		if (e.err != 0)
			return build_error(c, -(e.err > 0 ? e.err : EIO), "%s (step %s)", e.message,
					   e.step);
		if (c->spec->note)
			c->spec->note(e.message, c->spec->note_userdata);
	}
	if (n != 0)
		return build_error(c, -EBADMSG, "malformed report from the alcove's first process");
	if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid != 0)
		return build_error(c, -ECHILD,
				   "the alcove's first process died during setup "
				   "(status %d)",
				   si.si_status);
	return 0;
}

static void kill_child(int pidfd)
{
	siginfo_t si;

	if (pidfd < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
		;
}

static int start_scope(BuildCtx *c, pid_t pid, AlcoveState *st)
{
	const BuildSpec *s = c->spec;
	ScopeRequest req = {
	    .user = s->login->user,
	    .uid = s->login->uid,
	    .profile = s->profile->name,
	    .name = s->profile->share == SHARE_SESSION ? s->name : s->login->user,
	    .pid = pid,
	    .limits = &s->profile->limits,
	    .owner_uid = idmap_nsroot_uid(&c->ids),
	    .owner_gid = idmap_nsroot_gid(&c->ids),
	};
	ScopeResult res;
	AlcError e = {0};
	int r;

	r = scope_start(&req, &res, &e);
	if (r < 0)
		return build_error(c, r, "start the systemd scope for %s: %s", s->name, e.msg);
	snprintf(st->scope, sizeof(st->scope), "%s", res.unit);
	snprintf(st->cgroup, sizeof(st->cgroup), "%s", res.cgroup_path);
	r = state_write(s->rundirfd, st);
	if (r < 0)
		return build_error(c, r, "write %s/%s/state: %m", ALCOVE_RUN_DIR, s->name);
	return 0;
}

/* After the clone: maps, state, layers, scope, GO, wait. */
static int run_parent(BuildCtx *c, pid_t pid, int pidfd, BuildResult *ret)
{
	int mnt_fds[POLICY_MAX_LAYERS];
	size_t n = 0;
	uint64_t t0, t1;
	bool cgroup = c->spec->profile->cgroup == CGROUP_SYSTEMD;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(mnt_fds); i++)
		mnt_fds[i] = -1;
	t0 = monotonic_us();
	c->stage = "id maps";
	r = userns_write_maps(pid, c->uid_map, c->gid_map, c->cs.keep_groups);
	if (r < 0)
		return build_error(c, r, "write the id maps of %s (uid_map \"%s\"): %m",
				   c->spec->name, c->uid_map);
	/* recorded before the child can exec init: a helper killed from here on leaves a state
	 * that the next login recognises (alive: reuse; dead: clean up), never a nameless init */
	c->stage = "state";
	r = record_state(c, pid, &ret->state);
	if (r < 0)
		return r;
	FAULT_POINT("userns");
	t1 = monotonic_us();
	ret->t.userns_us = t1 - t0;
	c->stage = "idmapped layers";
	r = idmap_layers(c, pid, mnt_fds);
	n = c->n_layers;
	if (r >= 0 && cgroup) {
		uint64_t ts = monotonic_us();

		c->stage = "scope";
		r = start_scope(c, pid, &ret->state);
		ret->t.scope_us = monotonic_us() - ts;
	}
	c->stage = "quota";
	if (r >= 0)
		r = quota_lift(c);  /* for the child's overlay mount only: layer_quota.c */
	c->stage = "first process"; /* the child's own steps name themselves: "(step ...)" */
	if (r >= 0)
		r = send_go(c, cgroup, mnt_fds, n);
	for (size_t i = 0; i < c->n_layers; i++)
		closep(&mnt_fds[i]);
	if (r < 0)
		return r;
	FAULT_POINT("mounts");
	r = wait_child(c, pidfd);
	ret->t.mounts_us = monotonic_us() - t1 - ret->t.scope_us;
	c->stage = "quota";
	if (r >= 0)
		r = quota_restore(c);
	return r;
}

int build_alcove(const BuildSpec *spec, BuildResult *ret, AlcError *error)
{
	BuildCtx *c;
	BuildResult res = {.pidfd = -1};
	pid_t pid = 0;
	int pidfd = -1, r;

	*error = (AlcError){0};
	c = calloc(1, sizeof(*c));
	if (!c)
		return alc_error(error, -ENOMEM, "build", "allocate the build context: %m");
	*c = (BuildCtx){.spec = spec, .error = error, .sync_fd = -1, .quota_fd = -1};
	c->cs = (ChildSetup){.sync_fd = -1,
			     .init_fd = -1,
			     .control_fd = -1,
			     .admin_fd = -1,
			     .null_fd = -1,
			     .persist_fd = -1,
			     .layer_lock_fd = -1,
			     .sys_fd = -1};
	for (size_t i = 0; i < ELEMENTSOF(c->layer_fds); i++)
		c->layer_fds[i] = -1;
	c->oci_lock_fd = -1;
	for (size_t i = 0; i < ELEMENTSOF(c->bind_fds); i++)
		c->bind_fds[i] = -1;

	r = prepare_all(c);
	if (r < 0)
		goto out;
	r = userns_clone(&c->cs, c->bind_fds, spec->pass_gids, spec->n_pass, &pidfd, &pid);
	if (r == -EAGAIN)
		/* out of pids: with cgroup = "none" the user's own processes may be what fills
		 * the PAM application's cgroup */
		build_error_tenant(c, r, "clone into new namespaces: %m");
	else if (r < 0)
		build_error(c, r, "clone into new namespaces: %m");
	if (r < 0)
		goto out;
	if (pid == 0)
		child_main(&c->cs); /* never returns */
	closep(&c->cs.sync_fd);
	r = run_parent(c, pid, pidfd, &res);
	if (r < 0) {
		kill_child(pidfd);
		if (res.state.scope[0])
			(void)scope_stop(res.state.scope, NULL); /* the build's error is the one told */
		(void)state_remove_leftovers(spec->rundirfd, spec->name);
		goto out;
	}
	res.pid = pid;
	res.pidfd = TAKE_FD(pidfd);
	*ret = res;
out:
	closep(&pidfd);
	build_ctx_done(c);
	free(c);
	return r;
}
