/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The clone of the alcove's first process into its new namespaces, and the id maps the root
 * helper writes for it. The user namespace is owned by S, the first subordinate uid (ns root's
 * host id in user mode; in root mode, where ns root is U, an id left unmapped; DESIGN §2, §3),
 * which the helper takes as its effective uid for the clone: the kernel charges what is made
 * in a user namespace to its owner's counts too.
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "lib/mountapi.h"

/*
 * clone3 without a stack behaves like fork: the child continues here with a copy of our
 * memory and fd table. CLONE_NEWPID makes it PID 1 of the new PID namespace: it later execs
 * alcove-init itself, so the alcove's PID 1 never forks before the scope has it (DESIGN §6).
 */
static int clone_child(const ChildSetup *cs, int *ret_pidfd, pid_t *ret_pid)
{
	int pidfd = -1;
	struct clone_args args = {
	    .flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_PIDFD |
		     (cs->network_none ? CLONE_NEWNET : 0),
	    .pidfd = (uint64_t)(uintptr_t)&pidfd,
	    .exit_signal = SIGCHLD,
	};
	long pid;

	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return negative_errno();
	/* the pidfd of clone3 is close-on-exec already */
	*ret_pidfd = pid == 0 ? -1 : pidfd;
	*ret_pid = (pid_t)pid;
	return 0;
}

/* The effective capabilities raised to the permitted ones, which a change of the effective uid
 * alone leaves (capabilities(7): only the effective set is cleared while the real or saved uid
 * stays 0). */
static int caps_raise_effective(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d) < 0)
		return negative_errno();
	for (size_t i = 0; i < ELEMENTSOF(d); i++)
		d[i].effective = d[i].permitted;
	return syscall(SYS_capset, &h, d) < 0 ? negative_errno() : 0;
}

/*
 * The kernel charges the namespaces and inotify instances made in a user namespace to the
 * per-user counts of each ancestor namespace's owner as well (kernel/ucount.c): one created
 * by host root would put every alcove's on host root's counts, where one tenant holding 128
 * inotify instances (the default fs.inotify.max_user_instances) leaves none to the host's
 * services. So it is created with S as our effective uid, and the counts are S's, an id no
 * host process holds: in user mode ns root's host id, in root mode unmapped (U, ns root there,
 * must not own it: the owner's host processes, U's in the lobby, would hold every capability
 * over the alcove, /proc/PID/root of its processes included). Capabilities stay raised for
 * the clone (a kernel that restricts user namespaces to privileged creators asks
 * CAP_SYS_ADMIN); euid 0 again raises them as before. The child keeps euid S until
 * become_root() sets all its ids.
 */
static int clone_as_owner(const ChildSetup *cs, int *ret_pidfd, pid_t *ret_pid)
{
	int r;

	if (setresuid((uid_t)-1, cs->owner_uid, (uid_t)-1) < 0)
		return negative_errno();
	r = caps_raise_effective();
	/* the UTS namespace the clone inherits (userns_clone()), made here so that it counts
	 * against that id too; its owner is our user namespace, the host's, whatever our uid */
	if (r >= 0 && unshare(CLONE_NEWUTS) < 0)
		r = negative_errno();
	if (r >= 0 && sethostname(cs->hostname, strlen(cs->hostname)) < 0)
		r = negative_errno();
	if (r >= 0)
		r = clone_child(cs, ret_pidfd, ret_pid);
	if (r >= 0 && *ret_pid == 0)
		return 0;
	if (setresuid((uid_t)-1, 0, (uid_t)-1) < 0) {
		/* not euid 0 again, with every capability raised: whatever this helper did next
		 * (cleanup, state files) would be owned by that id. End here; the caller's helper
		 * client refuses an open that got no answer. */
		if (r >= 0)
			(void)syscall(SYS_pidfd_send_signal, *ret_pidfd, SIGKILL, NULL, 0);
		_exit(EXIT_FAILURE);
	}
	return r;
}

/*
 * User mode: the child's supplementary groups are the passed-through ones, which it can only
 * get from us at the clone: setgroups is "deny" in its user ns (written before the gid map,
 * and for good), so nobody inside, init included, can ever drop or change groups. We take
 * them for the moment of the clone and take our own back; the child keeps them (ns gid ==
 * host gid for each: identity entries of the gid map).
 */
static int clone_with_groups(const ChildSetup *cs, const gid_t *groups, size_t n_groups,
			     int *ret_pidfd, pid_t *ret_pid)
{
	_cleanup_free_ gid_t *saved = NULL;
	int n_saved, r;

	if (!cs->keep_groups)
		return clone_as_owner(cs, ret_pidfd, ret_pid);
	n_saved = getgroups(0, NULL);
	if (n_saved < 0)
		return negative_errno();
	saved = calloc((size_t)n_saved + 1, sizeof(gid_t));
	if (!saved)
		return -ENOMEM;
	n_saved = getgroups(n_saved, saved);
	if (n_saved < 0)
		return negative_errno();
	if (setgroups(n_groups, groups) < 0)
		return negative_errno();
	r = clone_as_owner(cs, ret_pidfd, ret_pid);
	if (r < 0 || *ret_pid == 0) {
		/* the helper goes on to answer and clean up: not with the user's groups */
		if (r < 0 && setgroups((size_t)n_saved, saved) < 0)
			return negative_errno();
		return r;
	}
	if (setgroups((size_t)n_saved, saved) < 0) {
		r = negative_errno();
		(void)syscall(SYS_pidfd_send_signal, *ret_pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)*ret_pidfd, NULL, WEXITED);
		closep(ret_pidfd);
		return r;
	}
	return 0;
}

/* What the helper goes back to after the clone: its UTS namespace, and its mount namespace
 * and working directory when it left them (mnt = -1: it did not). */
typedef struct HelperHome {
	int uts, mnt, cwd;
} HelperHome;

/* A directory "name" of the helper's staging tmpfs (dirfd) with the detached mount mntfd on
 * it. */
static int attach_named(int mntfd, int dirfd, const char *name)
{
	_cleanup_close_ int target = -1;

	if (mkdirat(dirfd, name, 0700) < 0)
		return negative_errno();
	target = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return negative_errno();
	return mnt_attach(mntfd, target);
}

/*
 * The helper's detached mounts (the home, the profile's mounts, /tmp: bind_fds; the sysfs for
 * network != "none"), each on a directory of a tmpfs of ours on the staging dir (child.h:
 * "sys", "b<i>"), in a mount namespace of our own, from which the clone copies the child's.
 * The kernel locks the flags of every mount copied into a mount ns of a less privileged user
 * ns (copy_mnt_ns -> lock_mnt_tree: MNT_LOCK_READONLY, _NOSUID, _NODEV, _NOEXEC), and a clone
 * of a locked mount keeps them: ns root can then neither make its read-only profile mounts
 * or /sys writable nor clear nosuid or nodev on the home or /tmp. A detached mount passed in
 * and attached by the child would keep them unlocked (measured on 6.18). Ours is a copy of
 * the host's in our own user ns, peer of its shared mounts: made private before anything is
 * attached, nothing reaches the host's /run, and the namespace ends with our return.
 */
static int stage_mounts(const ChildSetup *cs, const int *bind_fds, HelperHome *home)
{
	_cleanup_close_ int target = -1, tmp = -1;
	char name[24];
	int r;

	home->mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (home->mnt < 0)
		return negative_errno();
	home->cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (home->cwd < 0)
		return negative_errno();
	if (unshare(CLONE_NEWNS) < 0)
		return negative_errno();
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return negative_errno();
	target = open(cs->staging, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return negative_errno();
	/* 0711: the child, ns root of a user ns where host root is unmapped, looks names up */
	tmp = mnt_new_fs("tmpfs", "mode=0711,nr_inodes=256",
			 MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (tmp < 0)
		return tmp;
	r = mnt_attach(tmp, target);
	if (r >= 0 && cs->sys_fd >= 0)
		r = attach_named(cs->sys_fd, tmp, CHILD_STAGED_SYS);
	for (size_t i = 0; r >= 0 && i < cs->n_bind_fds; i++) {
		snprintf(name, sizeof(name), CHILD_STAGED_BIND, i);
		r = attach_named(bind_fds[i], tmp, name);
	}
	return r;
}

static int go_home(const HelperHome *home)
{
	if (setns(home->uts, CLONE_NEWUTS) < 0)
		return negative_errno();
	if (home->mnt < 0)
		return 0;
	/* setns() of a mount ns moves cwd and root to its root */
	if (setns(home->mnt, CLONE_NEWNS) < 0 || fchdir(home->cwd) < 0)
		return negative_errno();
	return 0;
}

/*
 * The alcove's UTS namespace is made by the helper, in the host's user namespace, and the
 * clone inherits it, rather than with CLONE_NEWUTS in the alcove's user namespace, where ns
 * root (the tenant, in root mode) could sethostname(): root code shares the namespace in the
 * lobby (DESIGN §2), and Debian's pam_motd runs update-motd.d's `uname -snrvm` into the
 * host's one /run/motd.dynamic, which every user's login then shows on its terminal (and a
 * concurrent login shows another's: 80-load saw one). Owned by the host's user namespace, the
 * name stays the policy's: changing it takes CAP_SYS_ADMIN there. The helper goes back to its
 * own UTS (and mount) namespace after the clone; the child stays.
 */
int userns_clone(const ChildSetup *cs, const int *bind_fds, const gid_t *groups, size_t n_groups,
		 int *ret_pidfd, pid_t *ret_pid)
{
	HelperHome home = {
	    .uts = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC), .mnt = -1, .cwd = -1};
	int r = home.uts < 0 ? negative_errno() : 0, h = 0;

	if (r >= 0)
		r = stage_mounts(cs, bind_fds, &home);
	if (r >= 0)
		r = clone_with_groups(cs, groups, n_groups, ret_pidfd, ret_pid);
	if (home.uts >= 0 && !(r >= 0 && *ret_pid == 0))
		h = go_home(&home);
	if (h < 0 && r >= 0) {
		/* nothing the helper does next reads its name, but it does not go on in the
		 * alcove's namespace, nor in its own with its mounts on the staging dir: the
		 * clone's error is told, or this one */
		r = h;
		(void)syscall(SYS_pidfd_send_signal, *ret_pidfd, SIGKILL, NULL, 0);
		(void)waitid(P_PIDFD, (id_t)*ret_pidfd, NULL, WEXITED);
		closep(ret_pidfd);
	}
	closep(&home.uts);
	closep(&home.mnt);
	closep(&home.cwd);
	return r;
}

static int write_map(pid_t pid, const char *file, const char *text)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	size_t len = strlen(text);
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	/* the kernel takes a map once and in one write(): no partial retry is possible */
	n = write(fd, text, len);
	if (n < 0)
		return negative_errno();
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

/* deny_setgroups (user mode): "deny" must be written before the gid map; after it no process
 * of the user ns can call setgroups(2), whatever its capabilities there. */
int userns_write_maps(pid_t pid, const char *uid_map, const char *gid_map, bool deny_setgroups)
{
	int r;

	/* root mode keeps "allow": root writes the maps, and init sets a session's groups (and
	 * apt's sandbox inside calls setgroups) */
	r = write_map(pid, "uid_map", uid_map);
	if (r < 0)
		return r;
	if (deny_setgroups) {
		r = write_map(pid, "setgroups", "deny");
		if (r < 0)
			return r;
	}
	return write_map(pid, "gid_map", gid_map);
}
