/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lobby.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lobby_marker.h"
#include "lobby_mask.h"
#include "macro.h"
#include "lib/mountapi.h"
#include "lib/shell_path.h"

/* A path inside a tree someone else controls (the alcove's, in root mode its ns root can
 * rearrange it): no symlink, no magic link, never above dirfd. */
#define RESOLVE_STRICT (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS)

/* the stage of lobby_build()'s failures (lobby.h) */
#define LOBBY_STAGE "lobby"

static int openat_strict(int dirfd, const char *path, int flags)
{
	struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_STRICT};

	return RET_NERRNO(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

/* A detached private copy of the mount at dirfd/path (not recursive: sub-mounts stay behind;
 * private, whatever propagation ns root set on the original: mountapi.c). */
static int clone_strict(int dirfd, const char *path)
{
	_cleanup_close_ int fd = openat_strict(dirfd, path, O_PATH);

	if (fd < 0)
		return fd;
	return mnt_open_tree(fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
}

static int tree_setattr(int tree, uint64_t attr)
{
	struct mount_attr ma = {.attr_set = attr};

	return RET_NERRNO(mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)));
}

/* The root-owned file a lobby binds the real shell onto. On the host it stays an empty file.
 * Each component is checked: a root process is about to mount onto it. */
static int check_root_owned(int fd, mode_t type)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((st.st_mode & S_IFMT) != type)
		return type == S_IFDIR ? -ENOTDIR : -EBADFD;
	if (st.st_uid != 0 || (st.st_mode & 0022))
		return -EPERM;
	return 0;
}

/* An empty root-owned directory in /run/alcove a lobby mounts onto: the marker's
 * (LOBBY_MARKER_DIR), the alcove's home's (LOBBY_HOME_ANCHOR). 0755: U passes it in the lobby. */
static int anchor_dir_ensure(int dir, const char *name)
{
	_cleanup_close_ int fd = -1;

	if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat_strict(dir, name, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	return check_root_owned(fd, S_IFDIR);
}

/* An anchor in /run/alcove: an empty root-owned file a lobby binds a real program onto
 * (LOBBY_SHELL_ANCHOR, LOBBY_XAUTH_ANCHOR). Made O_EXCL, or checked when it is there. */
static int anchor_file_ensure(int dir, const char *name)
{
	_cleanup_close_ int file =
	    openat_strict(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);

	if (file >= 0)
		/* umask may have narrowed it; 0755 so any login's exec of the bind works. */
		return RET_NERRNO(fchmod(file, 0755));
	if (file != -EEXIST)
		return file;
	file = openat_strict(dir, name, O_PATH | O_NOFOLLOW);
	if (file < 0)
		return file;
	return check_root_owned(file, S_IFREG);
}

static int anchors_ensure(void)
{
	_cleanup_close_ int run = open("/run", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int dir = -1;
	int r;

	if (run < 0)
		return negative_errno();
	if (mkdirat(run, "alcove", 0755) < 0 && errno != EEXIST)
		return negative_errno();
	dir = openat_strict(run, "alcove", O_PATH | O_DIRECTORY);
	if (dir < 0)
		return dir;
	r = check_root_owned(dir, S_IFDIR);
	if (r < 0)
		return r;
	r = anchor_dir_ensure(dir, "lobby");
	if (r < 0)
		return r;
	r = anchor_dir_ensure(dir, "home");
	if (r < 0)
		return r;
	r = anchor_file_ensure(dir, "shell");
	if (r < 0)
		return r;
	return anchor_file_ensure(dir, "xauth");
}

/* The alcove's /tmp and devpts, as detached mounts, taken from inside the alcove's
 * mount ns. Host root may setns() there: it holds CAP_SYS_ADMIN over every user ns below the
 * initial one, the alcove's (owned by ns root's host id) among them. Everything is checked,
 * because in root mode U's ns root arranges that tree. */
typedef struct AlcoveMounts {
	int tmp, pts;
} AlcoveMounts;

static void alcove_mounts_close(AlcoveMounts *m)
{
	closep(&m->tmp);
	closep(&m->pts);
}

/* The alcove's /tmp is the helper's tmpfs (prepare_tmp()): host root's, 1777, in both modes. A
 * tmpfs ns root mounted would belong to an id of U's range (U itself in root mode), one U may
 * hold; a bind of anything else is not a tmpfs root owned by host root either: no id of an
 * alcove maps to host 0. */
static int check_tmp_is_helpers(int tmp, const struct stat *st, AlcError *e)
{
	struct statfs sfs;

	if (fstatfs(tmp, &sfs) < 0)
		return negative_errno();
	if (sfs.f_type == TMPFS_MAGIC && st->st_uid == 0 && (st->st_mode & 07777) == 01777)
		return 0;
	return alc_error(
	    e, -EPERM, LOBBY_STAGE,
	    "the alcove's /tmp is not the one it was built with (owner %u, mode %04o%s): "
	    "its root replaced it; stop the alcove to log in again",
	    (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777),
	    sfs.f_type == TMPFS_MAGIC ? "" : ", not a tmpfs");
}

static int alcove_mounts_take(AlcoveMounts *m, AlcError *e)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;
	int r;

	if (root < 0)
		return negative_errno();
	m->tmp = clone_strict(root, "tmp");
	if (m->tmp < 0)
		return m->tmp;
	if (fstat(m->tmp, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	r = check_tmp_is_helpers(m->tmp, &st, e);
	if (r < 0)
		return r;
	m->pts = clone_strict(root, "dev/pts");
	if (m->pts < 0)
		return m->pts;
	if (fstatfs(m->pts, &sfs) < 0)
		return negative_errno();
	/* Its ptmx is what alcove-enter opens through it, and checks (alcove_pty.h): in root mode
	 * ns root may bind anything over it later. */
	if (sfs.f_type != DEVPTS_SUPER_MAGIC)
		return -EMEDIUMTYPE;
	/* Root processes run in the lobby: nothing of U's /tmp may act as a device or setuid
	 * program there, nor be executed, nor redirect a path: the tenant swaps a directory there
	 * for a symlink to a host directory (renameat2 RENAME_EXCHANGE) while a lobby process
	 * writes below it, and the write lands on the host. sshd's child only makes its agent and
	 * -R sockets there (mkdtemp, bind), which follow no symlink. The alcove's own mounts keep
	 * their flags. */
	r = tree_setattr(m->tmp, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
				     MOUNT_ATTR_NOSYMFOLLOW);
	if (r < 0)
		return r;
	return tree_setattr(m->pts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
}

static int attach(int tree, const char *target, unsigned flags)
{
	return RET_NERRNO(move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | flags));
}

/* tree moved onto path (absolute), a directory of root's reached without a symlink: an anchor
 * the helper made on the host (anchors_ensure()), which nothing but root may have replaced. */
static int attach_on_anchor(int tree, const char *path)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), target = -1;
	int r;

	if (root < 0)
		return negative_errno();
	target = openat_strict(root, path + 1, O_PATH | O_DIRECTORY);
	if (target < 0)
		return target;
	r = check_root_owned(target, S_IFDIR);
	if (r < 0)
		return r;
	return RET_NERRNO(
	    move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

/*
 * The home volume as the host has it (LobbySpec.home_source): the root of the clone the lobby
 * takes from the alcove must be this very directory. A tree's identity is its root's inode on
 * its filesystem: no mount of another filesystem has the same device, and overlayfs reports
 * its own device for a directory, so a directory of the alcove's overlay never passes.
 */
typedef struct HomeVolume {
	dev_t dev;
	ino_t ino;
	__fsword_t type;
} HomeVolume;

/* The host's, by the admin's path (the build reached it through root's directories only). */
static int home_volume_identify(const char *path, HomeVolume *ret)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sfs;
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return negative_errno();
	*ret = (HomeVolume){.dev = st.st_dev, .ino = st.st_ino, .type = sfs.f_type};
	return 0;
}

/*
 * The lobby is made in a child so the helper's own namespaces never change, whatever fails.
 * The child is vfork-like: CLONE_VM (no page-table copy: this is most of a fork's cost),
 * CLONE_VFORK (we sleep until it exits, so it may use our memory and a stack in our frame),
 * CLONE_FILES (the lobby ns fd it opens is already ours). Not CLONE_FS: unshare(CLONE_NEWNS)
 * and setns() of a mount ns need a private fs_struct (setns fails with EINVAL otherwise).
 */
typedef struct LobbyJob {
	const LobbySpec *spec;
	int enter;	 /* detached read-only clone of alcove-enter, made in the host ns */
	int enter_xauth; /* another, for xauth (a detached mount is attached once) */
	AlcError *error; /* the caller's: what failed, when a message can say more than the errno */
	HomeVolume home; /* what the alcove's home must be (home_volume_identify()) */
	int result;	 /* the lobby ns fd (in the shared fd table) or -errno */
	int netns;	 /* the alcove's network ns fd (in the shared fd table), or -1 */
	int utsns;	 /* the alcove's UTS ns fd (in the shared fd table), or -1 */
	bool tenant;	 /* it failed in the alcove's own tree */
	pid_t parent;	 /* the helper, which the child must not outlive */
} LobbyJob;

static int lobby_job_error(const LobbyJob *job, int r, const char *fmt, ...) _printf_(3, 4);
static int lobby_job_error(const LobbyJob *job, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r = alc_verror(job->error, r, LOBBY_STAGE, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * A real program covered with alcove-enter, its real file kept on an anchor. file is the
 * program, resolved once through root's directories only (shell_path.c), and everything works
 * on that one fd: the real file is cloned from it onto the anchor (run/alcove/...), and
 * alcove-enter (the detached clone enter) covers the very inode it names. A second lookup of
 * the path could meet something else (a user-writable directory swapped for a symlink to
 * /bin/sh). Order matters: the real file is cloned before alcove-enter covers it.
 */
static int lobby_bind_over(int file, const char *anchor_path, int enter)
{
	_cleanup_close_ int real = -1, anchor = -1, root = -1;
	struct stat st;
	int r;

	real = mnt_open_tree(file, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
	if (real < 0)
		return real;
	if (fstat(real, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	r = tree_setattr(real, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (r < 0)
		return r;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return negative_errno();
	anchor = openat_strict(root, anchor_path, O_PATH | O_NOFOLLOW);
	if (anchor < 0)
		return anchor;
	r = check_root_owned(anchor, S_IFREG);
	if (r < 0)
		return r;
	r = RET_NERRNO(
	    move_mount(real, "", anchor, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
	if (r < 0)
		return r;
	return RET_NERRNO(
	    move_mount(enter, "", file, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
}

/* U's login shell: alcove-enter takes the login into the alcove; the real shell is for any
 * other caller (root code of the login). */
static int lobby_bind_shell(const LobbyJob *job)
{
	_cleanup_close_ int shell = -1;
	AlcError why = {0};
	int r;

	r = shell_open_trusted(job->spec->shell, &shell, &why);
	if (r < 0)
		return lobby_job_error(job, r, "login shell '%s': %s%s", job->spec->shell, why.msg,
				       r == -EPERM ? " (a user who can replace the shell must "
						     "not have root in the lobby run it)"
						   : "");
	return lobby_bind_over(shell, LOBBY_SHELL_ANCHOR + 1 /* from "/" */, job->enter);
}

/*
 * sshd's X11 forwarding runs xauth (its XAuthLocation, by default LOBBY_XAUTH_PATH) through
 * popen() in its session child: here in the lobby, as U, on the host, outside the alcove's
 * cgroup and pid namespace. xauth reads all of ~/.Xauthority first, and the tenant writes that
 * from inside: a symlink to /dev/zero grew one xauth per login without end, a FIFO held it
 * (and with it the lobby and the ended alcove's tmpfs) for good. alcove-enter covers it and
 * runs the real one, kept on LOBBY_XAUTH_ANCHOR, under limits and an alarm. No xauth on the
 * host: nothing to cover (sshd then refuses X11 forwarding itself).
 */
static int lobby_bind_xauth(const LobbyJob *job)
{
	_cleanup_close_ int xauth = -1;
	AlcError why = {0};
	int r;

	r = shell_open_trusted(LOBBY_XAUTH_PATH, &xauth, &why);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return lobby_job_error(job, r, "X11's xauth '%s': %s", LOBBY_XAUTH_PATH, why.msg);
	return lobby_bind_over(xauth, LOBBY_XAUTH_ANCHOR + 1 /* from "/" */, job->enter_xauth);
}

/*
 * The marker that tells alcove-enter whose lobby this is, whatever became of the alcove
 * (lobby_marker.h): a small tmpfs of host root's (this process is in the initial user ns, so
 * nobody inside an alcove owns it), written, made read-only, and mounted on /run/alcove/lobby;
 * with the empty directory the alcove's devpts is mounted on (LOBBY_PTS_DIR).
 */
static int lobby_mount_marker(const LobbySpec *spec)
{
	LobbyMarker lm = {.uid = spec->uid};
	_cleanup_close_ int fs = -1, mnt = -1, file = -1;
	char text[LOBBY_MARKER_MAX];
	int n, r;

	if (snprintf(lm.name, sizeof(lm.name), "%s", spec->name) >= (int)sizeof(lm.name) ||
	    snprintf(lm.shell, sizeof(lm.shell), "%s", spec->shell) >= (int)sizeof(lm.shell))
		return -EINVAL;
	n = lobby_marker_format(&lm, text, sizeof(text));
	if (n < 0)
		return n;
	fs = RET_NERRNO(fsopen("tmpfs", FSOPEN_CLOEXEC));
	if (fs < 0)
		return fs;
	if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0755", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_SET_STRING, "size", "4k", 0) < 0 ||
	    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	mnt = RET_NERRNO(
	    fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
	if (mnt < 0)
		return mnt;
	file = openat_strict(mnt, LOBBY_MARKER_FILE, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW);
	if (file < 0)
		return file;
	errno = 0; /* a short write sets none: -EIO then, not an earlier call's errno */
	if (write(file, text, (size_t)n) != n || fchmod(file, 0444) < 0)
		return errno ? negative_errno() : -EIO;
	closep(&file); /* a mount with a file open for writing cannot be made read-only */
	if (mkdirat(mnt, LOBBY_PTS_NAME, 0755) < 0)
		return negative_errno();
	r = tree_setattr(mnt, MOUNT_ATTR_RDONLY);
	if (r < 0)
		return r;
	return attach_on_anchor(mnt, LOBBY_MARKER_DIR);
}

/* dirfd/path when it is a directory (not reached through a symlink), else -errno; a missing
 * one (-ENOENT) is the caller's to allow. Open for reading: a mask reads its entries. */
static int open_dir_strict(int dirfd, const char *path)
{
	return openat_strict(dirfd, path, O_RDONLY | O_DIRECTORY);
}

/*
 * U's home, as root code and U see it in the lobby: an empty read-only directory, root 0755
 * (sshd's child chdirs there). Root code of the login and sshd's child read files of the home
 * by its path: pam_env's ~/.pam_environment (Debian's sshd stack) as U with U's host groups
 * (initgroups: not the alcove's), sshd's ~/.ssh/environment, ~/.ssh/rc and ~/.hushlogin in its
 * child, on the host. The tenant writes the home from inside: a symlink there to a host file
 * put that file into the login's environment, a FIFO held sshd's root monitor in fopen() for
 * good, /dev/zero grew sshd's child without end. The alcove's home is on LOBBY_HOME_ANCHOR, for
 * xauth (lobby_attach_home()). The other homes go for root too: no root code of a login needs
 * another home, and linking thousands of them would cost each login.
 */
#define LOBBY_HOME_EMPTY "mode=0755,size=4k"

/* A home with no parent of its own to mask: right below / (/alice), or in /run, which the lobby
 * masks after this, linking every entry for root (who would reach the host's directory): the
 * home itself covered with an empty read-only tmpfs. Not a directory of its own on the host (a
 * symlink): refused, there is nothing to mount over; none: nothing of U's there to read. */
static int lobby_cover_home(const LobbyJob *job, int parent, const char *name)
{
	_cleanup_close_ int target = openat_strict(parent, name, O_PATH | O_DIRECTORY);
	int r;

	if (target == -ENOENT)
		return 0;
	if (target < 0)
		return lobby_job_error(job, target,
				       "the home %s: not a directory (a symlink?), so the lobby "
				       "cannot cover it",
				       job->spec->home);
	r = lobby_mask_empty(target, LOBBY_HOME_EMPTY, MOUNT_ATTR_RDONLY);
	return r < 0 ? lobby_job_error(job, r, "the home %s covered: %m", job->spec->home) : 0;
}

/*
 * The parent of U's passwd home (/home) covered, holding only an empty directory for U's home
 * (above). The parent is the admin's, so its path may go through symlinks (/home -> /srv/home),
 * but it must be root's and writable by root only: the tenant must not choose what is covered.
 * A home right below / or in /run is covered itself (lobby_cover_home()). Before the mask of
 * /run, whose hidden tree then holds the cover.
 */
static int lobby_hide_homes(const LobbyJob *job)
{
	const char *home = job->spec->home, *slash;
	_cleanup_close_ int parent = -1;
	char path[PATH_MAX];
	int r;

	slash = home ? strrchr(home, '/') : NULL;
	if (!slash || home[0] != '/' || !slash[1])
		return 0;
	if ((size_t)(slash - home) >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, home, (size_t)(slash - home));
	path[slash - home] = '\0';
	parent = open(slash == home ? "/" : path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0 && errno == ENOENT)
		return 0; /* no such directory on the host: no homes in it either */
	if (parent < 0)
		return negative_errno();
	r = check_root_owned(parent, S_IFDIR);
	if (r < 0)
		return lobby_job_error(job, r,
				       "'%s', the parent of %s's home: not root's, or writable by "
				       "group or others (the homes it holds cannot be hidden)",
				       slash == home ? "/" : path, home);
	if (slash == home || strncmp(home, "/run/", 5) == 0)
		return lobby_cover_home(job, parent, slash + 1);
	return lobby_mask_dir(parent, slash + 1, -1, LOBBY_MASK_KEEP_EMPTY, NULL);
}

/*
 * The alcove's home (the home volume, alcove_home_take()) on LOBBY_HOME_ANCHOR, for sshd's
 * xauth only: alcove-enter points XAUTHORITY there, so X11's cookie lands in the alcove's
 * ~/.Xauthority. nosymfollow: xauth opens that file and its lock and temporary files by name,
 * as U; a symlink the tenant put there fails (ELOOP) instead of leading the write to the host.
 * Before the mask of /run, which binds /run/alcove back with what is mounted below it: U
 * passes /run (0711) and /run/alcove (0755) to it.
 */
static int lobby_attach_home(int home_tree)
{
	int r;

	if (home_tree < 0)
		return 0;
	r = tree_setattr(home_tree, MOUNT_ATTR_NOSYMFOLLOW);
	if (r < 0)
		return r;
	return attach_on_anchor(home_tree, LOBBY_HOME_ANCHOR);
}

/* dirfd/path covered with an empty tmpfs, when it exists. */
static int lobby_hide_empty(int dirfd, const char *path, const char *options, uint64_t attrs)
{
	_cleanup_close_ int dir = open_dir_strict(dirfd, path);

	if (dir == -ENOENT)
		return 0;
	if (dir < 0)
		return dir;
	return lobby_mask_empty(dir, options, attrs);
}

/*
 * Host directories that hold host services' state and sockets (sssd's /var/lib/sss/pipes,
 * incus's /var/lib/incus/unix.socket, anything an admin puts under /srv or /opt) and that an
 * image alcove does not show. sshd's child would serve -L/-R with unix sockets in them with
 * all of U's host groups (initgroups; PAM cannot drop them). Hidden as /run is: root code of
 * the login (sshd's monitor, PAM close, NSS) resolves every old path through a 0700 directory,
 * U gets EACCES whatever groups it holds. The ones in /var go behind one mask of /var
 * (lobby_mask_listed(): one tmpfs and a symlink each, not a tmpfs and a symlink per entry of
 * each), which leaves the rest of /var as it was: /var/log (wtmp, btmp and lastlog, written
 * by root; U needs nothing of it), /var/tmp (the lobby's own), the symlinks /var/run and
 * /var/lock; a name the host adds to /var after the lobby was built is not in it. A symlink
 * (/var/mail -> spool/mail) is left as it is: its target is in the list or is not a directory
 * of host services. The masks share one tmpfs (lobby_mask.h).
 */
static const char *const VAR_SERVICE_DIRS[] = {
    "lib", "spool", "mail", "cache", "opt", "local", "crash", "www", "backups", NULL,
};
static const char *const ROOT_SERVICE_DIRS[] = {"srv", "opt", "mnt", "media", "snap"};

/* The entry of dir (a path below /) on the way to U's home, which must stay (the parent of
 * the home is masked already and holds only U's home): "home" for dir "srv" and a home in
 * /srv/home/U; NULL when the home is elsewhere. realhome is the home with its parent's path
 * resolved (/home -> /srv/home). */
static const char *home_keep(const char *realhome, const char *dir, char *buf, size_t len)
{
	size_t n = strlen(dir);
	const char *rest, *slash;

	if (!realhome || strncmp(realhome + 1, dir, n) != 0 || realhome[n + 1] != '/')
		return NULL;
	rest = realhome + n + 2;
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, rest, n);
	buf[n] = '\0';
	return buf;
}

/* U's home with the parent's symlinks resolved into realhome, or NULL (no home, no parent). */
static const char *home_real(const char *home, char *realhome, size_t len)
{
	char parent[PATH_MAX], resolved[PATH_MAX];
	const char *slash = home ? strrchr(home, '/') : NULL;

	if (!slash || home[0] != '/' || slash == home || (size_t)(slash - home) >= sizeof(parent))
		return NULL;
	memcpy(parent, home, (size_t)(slash - home));
	parent[slash - home] = '\0';
	if (!realpath(parent, resolved))
		return NULL;
	if ((size_t)snprintf(realhome, len, "%s%s", resolved, slash) >= len)
		return NULL;
	return realhome;
}

/* root/path (below /) masked whole but for the entry on the way to U's home (home_keep()). */
static int lobby_hide_service_dir(int root, const char *path, const char *home, LobbyMaskFs *sh)
{
	_cleanup_close_ int dir = open_dir_strict(root, path);
	char keep[NAME_MAX + 1];

	if (dir == -ENOENT || dir == -ELOOP || dir == -ENOTDIR)
		return 0;
	if (dir < 0)
		return dir;
	return lobby_mask_dir(dir, home_keep(home, path, keep, sizeof(keep)), -1,
			      LOBBY_MASK_LINK_OTHERS, sh);
}

/* /var's service directories behind one mask; the one on the way to U's home (/var/lib/U)
 * stays in it, and is masked itself as the others below / are. */
static int lobby_hide_var(int root, const char *home, LobbyMaskFs *sh)
{
	_cleanup_close_ int var = open_dir_strict(root, "var");
	char keep[NAME_MAX + 1], path[PATH_MAX];
	const char *k;
	int r;

	if (var == -ENOENT || var == -ELOOP || var == -ENOTDIR)
		return 0;
	if (var < 0)
		return var;
	k = home_keep(home, "var", keep, sizeof(keep));
	r = lobby_mask_listed(var, VAR_SERVICE_DIRS, k, sh);
	if (r < 0 || !k)
		return r;
	for (size_t i = 0; VAR_SERVICE_DIRS[i]; i++)
		if (strcmp(k, VAR_SERVICE_DIRS[i]) == 0) {
			snprintf(path, sizeof(path), "var/%s", k);
			return lobby_hide_service_dir(root, path, home, sh);
		}
	return 0;
}

static int lobby_hide_services(const LobbyJob *job, int root)
{
	char realhome[PATH_MAX];
	const char *home = home_real(job->spec->home, realhome, sizeof(realhome));
	LobbyMaskFs sh = {.fs = -1};
	int r, q;

	r = lobby_hide_var(root, home, &sh);
	for (size_t i = 0; r >= 0 && i < ELEMENTSOF(ROOT_SERVICE_DIRS); i++)
		r = lobby_hide_service_dir(root, ROOT_SERVICE_DIRS[i], home, &sh);
	q = lobby_mask_fs_done(&sh);
	return r < 0 ? r : q;
}

/*
 * Host directories the tenant writes from inside the alcove (a `home` pattern's directory,
 * writable profile mounts' sources) show in the lobby where the host has them, with the host's
 * flags: a copy of each mount over itself, noexec, nosuid, nodev, so that no program of the
 * lobby (the host's /bin/sh that sshd runs for ~/.ssh/rc, with the tenant's LD_PRELOAD from
 * ~/.pam_environment) maps a file the tenant wrote there. After the masks: a directory they
 * hid is gone (ENOENT) and needs nothing. Its path is the admin's (symlinks of theirs
 * followed), the last component never a symlink.
 */
static int lobby_noexec_writable(const LobbyJob *job)
{
	const uint64_t attrs = MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

	for (size_t i = 0; i < job->spec->n_writable; i++) {
		const char *path = job->spec->writable[i];
		_cleanup_close_ int fd = -1, tree = -1;
		int r;

		fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			continue;
		r = fd < 0 ? negative_errno()
			   : (tree = mnt_open_tree(fd, "",
						   OPEN_TREE_CLONE | AT_EMPTY_PATH | AT_RECURSIVE));
		if (r >= 0)
			r = mnt_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, attrs, 0, -1);
		if (r >= 0)
			r = mnt_attach(tree, fd);
		if (r < 0)
			return lobby_job_error(
			    job, r, "'%s', which the alcove writes, made noexec: %m", path);
	}
	return 0;
}

/*
 * What the alcove hides, hidden from U in the lobby too (lobby_mask.h): /run but /run/alcove,
 * the other homes, /var/lib/alcove, and for an image alcove the host services' directories
 * (*_SERVICE_DIRS); U's home is empty, for root too (lobby_hide_homes()); /var/tmp and /dev/shm
 * become empty ones of the lobby's own (sticky, like /tmp); /dev/net (tun) goes unless the
 * policy allows tunnels. Last, so that the shell is resolved by its own path, and the marker,
 * the anchors and the alcove's home travel with the recursive clones of /run and /run/alcove.
 */
static int lobby_hide(const LobbyJob *job)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), run = -1;
	const char *shared_tmp = "mode=1777,size=1m,nr_inodes=1024";
	int r;

	if (root < 0)
		return negative_errno();
	r = lobby_hide_homes(job);
	if (r < 0)
		return r;
	run = open_dir_strict(root, "run");
	if (run < 0)
		return run;
	/* writable for root: pam_motd, after us in sshd's stack, writes /run/motd.dynamic */
	r = lobby_mask_dir(run, "alcove", -1, LOBBY_MASK_LINK_OTHERS | LOBBY_MASK_WRITABLE, NULL);
	if (r < 0)
		return r;
	r = lobby_hide_empty(root, "var/lib/alcove", "mode=0700,size=4k", MOUNT_ATTR_RDONLY);
	if (r < 0)
		return r;
	r = lobby_hide_empty(root, "var/tmp", shared_tmp, 0);
	if (r < 0)
		return r;
	r = lobby_hide_empty(root, "dev/shm", shared_tmp, 0);
	if (r >= 0 && !job->spec->host_image)
		r = lobby_hide_services(job, root);
	if (r >= 0)
		r = lobby_noexec_writable(job);
	if (r < 0 || job->spec->tun)
		return r;
	return lobby_hide_empty(root, "dev/net", "mode=0700,size=4k", MOUNT_ATTR_RDONLY);
}

/* U's home as the alcove has it (the home volume), a detached clone from inside init's mount
 * ns; nothing of it may act as a device, a setuid program or a program at all for root code in
 * the lobby. In root mode ns root may mount anything on that path: -EXDEV unless the clone is
 * the home volume (want), or the lobby would hold it, for as long as sshd's connection lives.
 * A directory of the alcove's overlay held so would outlive the alcove, and the next build
 * would mount a second overlay on the same upper dir (docs/SECURITY.md, "What remains"). */
static int alcove_home_take(const char *home, const HomeVolume *want)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), tree = -1;
	struct statfs sfs;
	struct stat st;
	int r;

	if (root < 0)
		return negative_errno();
	tree = clone_strict(root, home + 1);
	if (tree < 0)
		return tree;
	if (fstat(tree, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* removed while the alcove ran: on the host (userdel -r -f), or in root mode a directory
	 * ns root bound there and removed; a mount of an unlinked directory cannot be moved into
	 * the lobby (ENOENT), and it is not the login's home */
	if (st.st_nlink == 0)
		return -ESTALE;
	if (fstatfs(tree, &sfs) < 0)
		return negative_errno();
	if (st.st_dev != want->dev || st.st_ino != want->ino || sfs.f_type != want->type)
		return -EXDEV;
	r = tree_setattr(tree, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	if (r < 0)
		return r;
	return TAKE_FD(tree);
}

/* The home volume, and the path the alcove has it at, are known (LobbySpec.home). */
static bool lobby_has_home(const LobbySpec *spec)
{
	return spec->home && spec->home[0] == '/' && spec->home[1];
}

static int lobby_home_removed(const LobbyJob *job, int r)
{
	return lobby_job_error(job, r,
			       "the alcove's home %s was removed after the alcove started (the "
			       "account deleted on the host, or made anew?); stop the alcove "
			       "(alcovectl stop)",
			       job->spec->home);
}

/* alcove_home_take() in init's mount ns, its failures said. */
static int lobby_take_home(const LobbyJob *job)
{
	const char *home = job->spec->home;
	int tree = alcove_home_take(home, &job->home);

	if (tree == -ESTALE)
		return lobby_home_removed(job, tree);
	if (tree == -EXDEV)
		return lobby_job_error(
		    job, -EPERM,
		    "the alcove's home %s is not its home volume %s: its root mounted something "
		    "else there, which this login's lobby would hold (a directory of the alcove's "
		    "own tree outlives the alcove so); `umount %s` inside, or stop the alcove "
		    "(alcovectl stop), to log in again",
		    home, job->spec->home_source, home);
	if (tree < 0)
		return lobby_job_error(job, tree, "the alcove's home %s: %m", home);
	return tree;
}

/*
 * From init (by the pidfd the helper verified in statefile_alive or got from clone3: never a
 * pid that could have been recycled; an exiting init has no namespaces left: ESRCH): its /tmp
 * and devpts as detached mounts, its network and UTS ns as fds. All three namespaces in one
 * setns(), so all are init's; back in the lobby afterwards. A failure in between is in what
 * the user's alcove holds.
 */
static int lobby_take_from_alcove(LobbyJob *job, int lobby, AlcoveMounts *m, int *ret_home)
{
	int r;

	job->tenant = true;
	if (setns(job->spec->init_pidfd, CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS) < 0)
		return negative_errno();
	r = alcove_mounts_take(m, job->error);
	if (r < 0)
		return r;
	if (lobby_has_home(job->spec)) {
		*ret_home = lobby_take_home(job);
		if (*ret_home < 0)
			return *ret_home;
	}
	job->tenant = false;
	/* Back home; setns() also resets root and cwd to the lobby's root. */
	if (setns(lobby, CLONE_NEWNS) < 0)
		return negative_errno();
	/* The lobby's /proc is the host's, where this thread is itself; its net and UTS ns are
	 * init's. */
	job->netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (job->netns < 0)
		return negative_errno();
	job->utsns = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	return job->utsns < 0 ? negative_errno() : 0;
}

/* The shell's path, once the masks are in place: root resolves a masked entry through its
 * symlink into the mask's 0700 directory (lobby_mask.h), where the user, who execs the path in
 * sshd's child, gets EACCES. Refused here with the reason, not as a login that fails without a
 * word (a NixOS shell in /run/current-system, one in /opt with an image). The shell itself was
 * vetted as root's (shell_open_trusted()), so resolving its path follows root's links only. */
static int lobby_shell_reachable(const LobbyJob *job)
{
	char real[PATH_MAX];

	if (!realpath(job->spec->shell, real))
		return lobby_job_error(job, negative_errno(), "login shell '%s': %m",
				       job->spec->shell);
	if (strstr(real, "/" LOBBY_HIDDEN_DIR "/"))
		return lobby_job_error(
		    job, -EACCES,
		    "login shell '%s' lies under a directory the lobby hides from "
		    "the user, as the alcove does (/run, and with an image /opt, "
		    "/srv, /var/lib...): give the user a shell outside them",
		    job->spec->shell);
	return 0;
}

/* The child's work; returns the lobby ns fd or -errno. */
static int lobby_make(LobbyJob *job)
{
	const LobbySpec *spec = job->spec;
	_cleanup_(alcove_mounts_close) AlcoveMounts m = {-1, -1};
	_cleanup_close_ int lobby = -1, home = -1;
	int r;

	/* A copy of the host tree; slave so nothing done here propagates back to the host,
	 * while host mounts made later still show up in the lobby. */
	if (unshare(CLONE_NEWNS) < 0)
		return negative_errno();
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return negative_errno();
	lobby = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (lobby < 0)
		return negative_errno();
	r = lobby_take_from_alcove(job, lobby, &m, &home);
	if (r < 0)
		return r;

	r = attach(m.tmp, "/tmp", 0);
	if (r < 0)
		return r;
	r = lobby_mount_marker(spec);
	if (r < 0)
		return r;
	/* /dev/pts stays the host's: sshd's pty is a host terminal, named in utmp as on any login;
	 * alcove-enter relays it through a pty of the alcove's devpts (lobby_marker.h). */
	r = attach(m.pts, LOBBY_PTS_DIR, 0);
	if (r < 0)
		return r;
	r = lobby_bind_shell(job);
	if (r < 0)
		return r;
	r = lobby_bind_xauth(job);
	if (r < 0)
		return r;
	r = lobby_attach_home(home);
	if (r < 0)
		return r;
	r = lobby_hide(job);
	if (r < 0)
		return r;
	r = lobby_shell_reachable(job);
	if (r < 0)
		return r;
	return TAKE_FD(lobby);
}

static int lobby_child(void *arg)
{
	LobbyJob *job = arg;

	/* Killed with the helper: pam_alcove kills a helper that has not answered in time, and
	 * this child, which shares its fd table (the alcove's lock among them), must not live on
	 * stuck in init's tree (a FUSE daemon under an overlay there that never answers, which
	 * only a fatal signal interrupts): the user's logins and alcovectl stop would wait for
	 * that lock for good. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != job->parent) {
		job->result = -ECHILD;
		return 0;
	}
	job->result = lobby_make(job);
	return 0;
}

/* alcove-enter, found by the helper's directory fd (not by a path), root's and writable by root
 * only, as a detached read-only clone: made here, in the host ns, attached in the lobby. */
static int enter_clone(const LobbySpec *spec)
{
	_cleanup_close_ int fd = -1, tree = -1;
	struct stat st;
	int r;

	fd = RET_NERRNO(
	    openat(spec->enter_dirfd, spec->enter_name, O_PATH | O_NOFOLLOW | O_CLOEXEC));
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	if (st.st_uid != 0 || (st.st_mode & 0022))
		return -EPERM;
	tree = mnt_open_tree(fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
	if (tree < 0)
		return tree;
	r = tree_setattr(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
	if (r < 0)
		return r;
	return TAKE_FD(tree);
}

/* *fd: a namespace of init's of the given type (/proc/self/ns/<type>). Closed and -1 when it
 * is the one this process is in (the alcove shares it: nothing to join). */
static int ns_keep_if_other(int *fd, int nstype, const char *type)
{
	struct stat ours, theirs;
	char path[64];

	if (ioctl(*fd, NS_GET_NSTYPE) != nstype)
		return -EBADMSG;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", type);
	if (stat(path, &ours) < 0 || fstat(*fd, &theirs) < 0)
		return negative_errno();
	if (ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino) {
		closep(fd);
	}
	return 0;
}

/*
 * Whether a namespace belongs to the host's user namespace (ours). The alcove's UTS namespace
 * does (userns.c), so ns root cannot name it, and with network = "host" its network namespace
 * is the builder's, the host's too. But a root-mode ns root that ptraces init can make it
 * unshare one of its own, which the alcove's user namespace owns, and the lobby joins init's
 * at each login: root code there would print that name (pam_motd, into the host's
 * /run/motd.dynamic) or do its network there (the monitor, PAM's close).
 */
static int ns_owned_by_host(int nsfd)
{
	_cleanup_close_ int owner = ioctl(nsfd, NS_GET_USERNS);
	struct stat ours, theirs;

	if (owner < 0)
		return negative_errno();
	if (stat("/proc/self/ns/user", &ours) < 0 || fstat(owner, &theirs) < 0)
		return negative_errno();
	return ours.st_dev == theirs.st_dev && ours.st_ino == theirs.st_ino;
}

/* The network and UTS namespaces the application is to join, read back: only others than
 * ours are kept (a network = "host" alcove built from another host namespace, `ip netns
 * exec`, is joined as before), and none may be the alcove's user namespace's unless the
 * alcove was built so (network = "none"). */
static int lobby_ns_check(const LobbySpec *spec, const LobbyJob *job, int *netns, int *utsns)
{
	const char *why = NULL;
	int r = ns_keep_if_other(netns, CLONE_NEWNET, "net");

	if (r >= 0)
		r = ns_keep_if_other(utsns, CLONE_NEWUTS, "uts");
	if (r < 0)
		return r;
	r = spec->network_host && *netns >= 0 ? ns_owned_by_host(*netns) : 1;
	if (r == 0)
		why = "network namespace is not one of the host's, as network = \"host\" has it "
		      "(its init made one of its own, or the policy changed since the alcove "
		      "started)";
	/* network = "none" now, but the alcove was built with the host's (or another of the
	 * host's): the lobby (sshd's forwards) and every session would keep it */
	if (r > 0 && !spec->network_host) {
		int host = *netns >= 0 ? ns_owned_by_host(*netns) : 1; /* -1: ours */

		r = host > 0 ? 0 : host < 0 ? host : 1;
		if (r == 0)
			why = "network namespace is the host's, and its profile now says network = "
			      "\"none\" (the policy changed since the alcove started)";
	}
	r = r > 0 && *utsns >= 0 ? ns_owned_by_host(*utsns) : r;
	if (r == 0 && !why)
		why = "UTS namespace is not the one it was built with (its init made one of its "
		      "own, or an older alcove-helper built it)";
	if (r == 0) {
		job->error->tenant = true;
		return lobby_job_error(job, -EPERM,
				       "the alcove's %s; stop the alcove (alcovectl stop)", why);
	}
	return r < 0 ? r : 0;
}

/* The home volume on the host, before the alcove's is taken (alcove_home_take()). */
static int lobby_home_identify(LobbyJob *job)
{
	const char *source = job->spec->home_source;
	int r;

	if (!source || source[0] != '/')
		return -EINVAL;
	r = home_volume_identify(source, &job->home);
	if (r == -ENOENT)
		return lobby_home_removed(job, r);
	if (r < 0)
		return lobby_job_error(job, r, "the home volume %s: %m", source);
	return 0;
}

static int lobby_run(const LobbySpec *spec, LobbyNs *ret, AlcError *e)
{
	_cleanup_close_ int lobby = -1, enter = -1, enter_xauth = -1, netns = -1, utsns = -1;
	_Alignas(16) char stack[64 * 1024];
	LobbyJob job = {.spec = spec,
			.error = e,
			.result = -ECHILD,
			.netns = -1,
			.utsns = -1,
			.parent = getpid()};
	int r, status;
	pid_t pid;

	if (!spec || spec->init_pidfd < 0 || !spec->name || !spec->shell || spec->shell[0] != '/' ||
	    spec->enter_dirfd < 0 || !spec->enter_name || strchr(spec->enter_name, '/'))
		return -EINVAL;
	r = anchors_ensure();
	if (r < 0)
		return r;
	enter = enter_clone(spec);
	if (enter < 0)
		return lobby_job_error(&job, enter, "%s: %m", spec->enter_name);
	enter_xauth = enter_clone(spec);
	if (enter_xauth < 0)
		return lobby_job_error(&job, enter_xauth, "%s: %m", spec->enter_name);
	job.enter = enter;
	job.enter_xauth = enter_xauth;
	r = lobby_has_home(spec) ? lobby_home_identify(&job) : 0;
	if (r < 0)
		return r;

	pid = clone(lobby_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &job);
	if (pid < 0 && errno == EAGAIN)
		e->tenant = true;
	if (pid < 0)
		return negative_errno();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (job.result >= 0)
		lobby = job.result;
	netns = job.netns;
	utsns = job.utsns;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD; /* killed half-way: whatever it left open is closed with us */
	if (job.result < 0) {
		e->tenant = job.tenant;
		return job.result;
	}
	/* Read back what we hand to the caller: a mount ns, and not the one we live in. */
	if (ioctl(lobby, NS_GET_NSTYPE) != CLONE_NEWNS)
		return -EBADMSG;
	r = lobby_ns_check(spec, &job, &netns, &utsns);
	if (r < 0)
		return r;
	ret->mnt = TAKE_FD(lobby);
	ret->net = TAKE_FD(netns);
	ret->uts = TAKE_FD(utsns);
	return 0;
}

int lobby_build(const LobbySpec *spec, LobbyNs *ret, AlcError *e)
{
	AlcError ignored;
	int r;

	if (!e)
		e = &ignored;
	*e = (AlcError){0};
	r = lobby_run(spec, ret, e);
	/* a failure with nothing more to say than its errno says that */
	if (r < 0 && !e->err)
		alc_error(e, r, LOBBY_STAGE, "%m");
	return r;
}
