/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One system call an escape attempt needs, with its exact result, for the escape battery
 * (tests/integration/75-escape-*.sh). Runs inside an alcove as the logged-in user, so it is
 * linked statically: the image's libc is not ours to assume.
 *
 *   escape-probe handle PATH                    name_to_handle_at: prints "TYPE HEX"
 *   escape-probe open-handle MOUNTDIR TYPE HEX  open_by_handle_at(fd of MOUNTDIR), O_RDONLY
 *   escape-probe tiocsti FD TEXT                 ioctl(FD, TIOCSTI) for each byte of TEXT
 *   escape-probe ptrace PID                      PTRACE_ATTACH (and detach on success)
 *   escape-probe ptrace-stop PID                 PTRACE_SEIZE, PTRACE_INTERRUPT, prints "ok"
 *                                                and stays: PID is stopped while we live
 *   escape-probe inject-unshare PID uts NAME     makes PID (blocked in a system call, as an
 *   escape-probe inject-unshare PID net|user     idle alcove-init is) unshare its UTS
 *                                                namespace and sethostname(NAME), or its
 *                                                network or user namespace: ptrace
 *                                                injection, x86_64
 *   escape-probe setns PATH                      open PATH, setns(fd, 0)
 *   escape-probe mount SRC TARGET FSTYPE         mount(2) without flags or data
 *   escape-probe bind SRC TARGET                 mount(2) MS_BIND
 *   escape-probe umount TARGET                   umount2(TARGET, MNT_DETACH)
 *   escape-probe setattr-rw TARGET               mount_setattr(TARGET) clearing
 *                                                MOUNT_ATTR_RDONLY
 *   escape-probe setattr-suid TARGET             mount_setattr(TARGET) clearing
 *                                                MOUNT_ATTR_NOSUID
 *   escape-probe pivot NEW PUT_OLD               pivot_root(2)
 *   escape-probe mknod PATH                      mknod(PATH, S_IFCHR|0666, makedev(1, 3))
 *   escape-probe open PATH                       open O_RDONLY and read one byte
 *   escape-probe write PATH TEXT                 open O_WRONLY, write TEXT
 *
 * Prints "ok" (plus what was reached) and exits 0, or prints the errno name (EPERM, ...) of
 * the call that failed and exits 1; 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int failed(void)
{
	const char *name = strerrorname_np(errno);

	printf("%s\n", name ? name : "EUNKNOWN");
	return 1;
}

static int done(int r)
{
	if (r < 0)
		return failed();
	printf("ok\n");
	return 0;
}

static int do_handle(const char *path)
{
	struct file_handle *fh = malloc(sizeof(*fh) + MAX_HANDLE_SZ);
	int mnt_id;

	if (!fh)
		return failed();
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mnt_id, 0) < 0)
		return failed();
	printf("%d ", fh->handle_type);
	for (unsigned i = 0; i < fh->handle_bytes; i++)
		printf("%02x", fh->f_handle[i]);
	printf("\n");
	return 0;
}

static int do_open_handle(const char *mountdir, const char *type, const char *hex)
{
	size_t n = strlen(hex) / 2;
	struct file_handle *fh = malloc(sizeof(*fh) + n + 1);
	struct stat st;
	int mfd, fd;

	if (!fh || n > MAX_HANDLE_SZ)
		return 2;
	fh->handle_bytes = n;
	fh->handle_type = atoi(type);
	for (size_t i = 0; i < n; i++)
		if (sscanf(hex + 2 * i, "%2hhx", &fh->f_handle[i]) != 1)
			return 2;
	mfd = open(mountdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return failed();
	fd = open_by_handle_at(mfd, fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return failed();
	printf("ok inode %lu\n", (unsigned long)st.st_ino);
	return 0;
}

static int do_tiocsti(const char *fdtext, const char *text)
{
	int fd = atoi(fdtext);

	for (const char *p = text; *p; p++)
		if (ioctl(fd, TIOCSTI, p) < 0)
			return failed();
	return done(0);
}

static int do_ptrace(const char *pidtext)
{
	pid_t pid = atoi(pidtext);

	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return failed();
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return done(0);
}

static int do_ptrace_stop(const char *pidtext)
{
	pid_t pid = atoi(pidtext);

	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 ||
	    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, NULL, __WALL) < 0)
		return failed();
	printf("ok\n");
	for (;;)
		pause();
}

#ifdef __x86_64__
/* One system call run by the tracee, stopped just after a `syscall` instruction (interrupted
 * in a blocking call): its registers set for the call, one step, the result read back. The
 * caller restores the registers; the interrupted call restarts (orig_rax is -1 for ours). */
static long inject(pid_t pid, const struct user_regs_struct *at, long nr, long a1, long a2)
{
	struct user_regs_struct r = *at;
	int status;

	r.rax = (unsigned long)nr;
	r.orig_rax = (unsigned long)-1;
	r.rdi = (unsigned long)a1;
	r.rsi = (unsigned long)a2;
	r.rip = at->rip - 2;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &r) < 0 ||
	    ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &r) < 0)
		return -errno;
	return (long)r.rax;
}

static int do_inject_unshare(const char *pidtext, const char *ns, const char *name)
{
	pid_t pid = atoi(pidtext);
	struct user_regs_struct at;
	char buf[64] = {0};
	unsigned long addr;
	long word, r;
	int status;

	if (strcmp(ns, "uts") != 0 && strcmp(ns, "net") != 0 && strcmp(ns, "user") != 0)
		return errno = EINVAL, failed();
	if (strlen(name) >= sizeof(buf) - 8)
		return errno = ENAMETOOLONG, failed();
	strcpy(buf, name);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 ||
	    ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0 || waitpid(pid, &status, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &at) < 0)
		return failed();
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(at.rip - 2), NULL);
	if (errno || (word & 0xffff) != 0x050f) /* not just after a syscall instruction */
		return errno = errno ? errno : EINVAL, failed();
	addr = (at.rsp - 1024) & ~15UL; /* below the red zone, on the tracee's stack */
	for (size_t i = 0; i < sizeof(buf); i += sizeof(long)) {
		memcpy(&word, buf + i, sizeof(long));
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(addr + i), (void *)word) < 0)
			return failed();
	}
	r = inject(pid, &at, SYS_unshare,
		   !strcmp(ns, "uts")	? CLONE_NEWUTS
		   : !strcmp(ns, "net") ? CLONE_NEWNET
					: CLONE_NEWUSER,
		   0);
	if (r == 0 && !strcmp(ns, "uts"))
		r = inject(pid, &at, SYS_sethostname, (long)addr, (long)strlen(name));
	if (ptrace(PTRACE_SETREGS, pid, NULL, &at) < 0 ||
	    ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
		return failed();
	if (r < 0)
		return errno = (int)-r, failed();
	return done(0);
}
#else
static int do_inject_unshare(const char *pidtext, const char *ns, const char *name)
{
	(void)pidtext;
	(void)ns;
	(void)name;
	fprintf(stderr, "escape-probe: inject-unshare is written for x86_64 only\n");
	return 2;
}
#endif

static int do_setns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return failed();
	return done(setns(fd, 0));
}

static int do_setattr_clr(const char *path, uint64_t clr)
{
	struct mount_attr attr = {.attr_clr = clr};

	return done((int)syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof(attr)));
}

static int do_open(const char *path)
{
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, &c, 1) < 0)
		return failed();
	return done(0);
}

static int do_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		return failed();
	return done(0);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "handle") && argc == 3)
		return do_handle(argv[2]);
	if (!strcmp(op, "open-handle") && argc == 5)
		return do_open_handle(argv[2], argv[3], argv[4]);
	if (!strcmp(op, "tiocsti") && argc == 4)
		return do_tiocsti(argv[2], argv[3]);
	if (!strcmp(op, "ptrace") && argc == 3)
		return do_ptrace(argv[2]);
	if (!strcmp(op, "ptrace-stop") && argc == 3)
		return do_ptrace_stop(argv[2]);
	if (!strcmp(op, "inject-unshare") && (argc == 4 || argc == 5))
		return do_inject_unshare(argv[2], argv[3], argc == 5 ? argv[4] : "");
	if (!strcmp(op, "setns") && argc == 3)
		return do_setns(argv[2]);
	if (!strcmp(op, "mount") && argc == 5)
		return done(mount(argv[2], argv[3], argv[4], 0, NULL));
	if (!strcmp(op, "bind") && argc == 4)
		return done(mount(argv[2], argv[3], NULL, MS_BIND, NULL));
	if (!strcmp(op, "umount") && argc == 3)
		return done(umount2(argv[2], MNT_DETACH));
	if (!strcmp(op, "setattr-rw") && argc == 3)
		return do_setattr_clr(argv[2], MOUNT_ATTR_RDONLY);
	if (!strcmp(op, "setattr-suid") && argc == 3)
		return do_setattr_clr(argv[2], MOUNT_ATTR_NOSUID);
	if (!strcmp(op, "pivot") && argc == 4)
		return done((int)syscall(SYS_pivot_root, argv[2], argv[3]));
	if (!strcmp(op, "mknod") && argc == 3)
		return done(mknod(argv[2], S_IFCHR | 0666, makedev(1, 3)));
	if (!strcmp(op, "open") && argc == 3)
		return do_open(argv[2]);
	if (!strcmp(op, "write") && argc == 4)
		return do_write(argv[2], argv[3]);
	fprintf(stderr, "usage: escape-probe OP ARGS... (see the source)\n");
	return 2;
}
