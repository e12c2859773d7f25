/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rootfs_plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

bool rootfs_path_ok(const char *path)
{
	const char *p = path;

	if (!path || path[0] != '/')
		return false;
	while (*p) {
		size_t n;

		if (*p != '/')
			return false;
		p++;
		n = strcspn(p, "/");
		if (n == 0) /* "//" or a trailing '/' */
			return p[0] == '\0' && p - 1 == path;
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	return true;
}

const char *rootfs_file_type(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK:
		return "a symlink";
	case S_IFREG:
		return "a file";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	case S_IFIFO:
		return "a fifo";
	case S_IFCHR:
	case S_IFBLK:
		return "a device node";
	default:
		return "of unknown type";
	}
}

static MountStep *add(RootfsPlan *p, StepKind kind, const char *target, uint32_t attrs)
{
	MountStep *s;

	if (p->n >= ROOTFS_MAX_STEPS)
		return NULL;
	s = &p->step[p->n++];
	*s = (MountStep){.kind = kind, .target = target, .attrs = attrs};
	return s;
}

#define ADD(p, kind, target, attrs)                                                                \
	({                                                                                         \
		MountStep *_s_ = add((p), (kind), (target), (attrs));                              \
		if (!_s_)                                                                          \
			return -E2BIG;                                                             \
		_s_;                                                                               \
	})

static const char *const dev_nodes[] = {"/dev/null",   "/dev/zero",    "/dev/full",
					"/dev/random", "/dev/urandom", "/dev/tty"};

static const struct {
	const char *target, *data;
} dev_links[] = {
    {"/dev/ptmx", "pts/ptmx"},		{"/dev/fd", "/proc/self/fd"},
    {"/dev/stdin", "/proc/self/fd/0"},	{"/dev/stdout", "/proc/self/fd/1"},
    {"/dev/stderr", "/proc/self/fd/2"},
};

int rootfs_tmpfs_options(const char *mode, const TmpfsSize *size, uint64_t inodes, char *buf,
			 size_t len)
{
	int n;

	/* size=0 or nr_inodes=0 would mean no limit at all */
	if ((size->percent == 0) == (size->bytes == 0) || size->percent > 100 || inodes == 0)
		return -EINVAL;
	if (size->percent > 0)
		n = snprintf(buf, len, "mode=%s,size=%u%%,nr_inodes=%" PRIu64, mode, size->percent,
			     inodes);
	else
		n = snprintf(buf, len, "mode=%s,size=%" PRIu64 ",nr_inodes=%" PRIu64, mode,
			     size->bytes, inodes);
	return n < 0 || (size_t)n >= len ? -E2BIG : n;
}

TmpfsSize rootfs_upper_size(const TmpfsSize *tmp_size, uint64_t layer_quota, uint64_t ram)
{
	uint64_t tmp_bytes = tmp_size->bytes;

	if (tmp_size->percent > 0)
		tmp_bytes = ram / 100 * tmp_size->percent;
	if (layer_quota == 0 || (tmp_bytes > 0 && tmp_bytes <= layer_quota))
		return *tmp_size;
	return (TmpfsSize){.bytes = layer_quota};
}

uint64_t rootfs_upper_inodes(uint64_t tmp_inodes, uint64_t layer_inodes)
{
	return layer_inodes > 0 && layer_inodes < tmp_inodes ? layer_inodes : tmp_inodes;
}

/* /proc, /sys, /dev with its nodes and own devpts, /dev/shm. */
static int plan_kernel_fs(const RootfsInput *in, RootfsPlan *p)
{
	const uint32_t safe = STEP_ATTR_NOSUID | STEP_ATTR_NODEV | STEP_ATTR_NOEXEC;
	MountStep *s;

	ADD(p, STEP_PROC, "/proc", safe);
	/* a sysfs needs a network ns of the mounter's own: the helper mounts the host's */
	ADD(p, in->network_none ? STEP_SYSFS : STEP_SYSFS_HOST, "/sys", safe | STEP_ATTR_RDONLY);
	s = ADD(p, STEP_TMPFS, "/dev", STEP_ATTR_NOSUID | STEP_ATTR_NOEXEC);
	/* nr_inodes too: a tmpfs's inodes are kernel memory, size= does not bound them */
	s->data = "mode=0755,size=64k,nr_inodes=256";
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		/* a device node works only as a bind of the host's node (tmpfs in a user ns is
		 * nodev) */
		s = ADD(p, STEP_BIND_HOST, dev_nodes[i], STEP_ATTR_NOSUID | STEP_ATTR_NOEXEC);
		s->source = dev_nodes[i];
		s->file = true;
	}
	s = ADD(p, STEP_DEVPTS, "/dev/pts", STEP_ATTR_NOSUID | STEP_ATTR_NOEXEC);
	/* gid=5: sshd's chown(pty, U, tty) must show group tty inside (tty is identity-mapped);
	 * max=: every instance draws on the host's one kernel.pty.max (4096 by default), so one
	 * tenant opening ptys without end would leave none for the other logins */
	s->data = "newinstance,ptmxmode=0666,mode=0620,gid=5,max=1024";
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		s = ADD(p, STEP_SYMLINK, dev_links[i].target, 0);
		s->data = dev_links[i].data;
	}
	s = ADD(p, STEP_TMPFS, "/dev/shm", safe);
	s->data = p->shm_options;
	return 0;
}

/* Directories a home may sit right in that hold the system's own files: never masked. */
static const char *const SYSTEM_DIRS[] = {
    "/var",	"/var/lib", "/usr",   "/usr/local", "/opt",  "/srv", "/etc", "/run", "/tmp",
    "/var/tmp", "/mnt",	    "/media", "/boot",	    "/root", "/lib", "/bin", "/sbin"};

/* The parent of a home not under /home (/srv/home/alice: /srv/home, which holds the other
 * homes) into p->home_parent, masked like /home; "" when there is none to mask (under /home,
 * right below /, or right in a system directory). */
static int plan_home_parent(const char *home, RootfsPlan *p)
{
	const char *slash = strrchr(home, '/');
	size_t n = slash ? (size_t)(slash - home) : 0;

	p->home_parent[0] = '\0';
	if (n == 0 || strncmp(home, "/home/", 6) == 0)
		return 0;
	if (n >= sizeof(p->home_parent))
		return -ENAMETOOLONG;
	memcpy(p->home_parent, home, n);
	p->home_parent[n] = '\0';
	for (size_t i = 0; i < sizeof(SYSTEM_DIRS) / sizeof(SYSTEM_DIRS[0]); i++)
		if (strcmp(p->home_parent, SYSTEM_DIRS[i]) == 0)
			p->home_parent[0] = '\0';
	return 0;
}

/* image = "/": nothing of other users or host secrets may be readable inside. */
static int plan_masks(const RootfsInput *in, RootfsPlan *p)
{
	const uint32_t safe = STEP_ATTR_NOSUID | STEP_ATTR_NODEV | STEP_ATTR_NOEXEC;
	static const char *const files[] = {"/etc/shadow", "/etc/gshadow", "/etc/shadow-",
					    "/etc/gshadow-"};
	MountStep *s;

	/* /home stays writable until the home volume's mount point exists, then read-only */
	s = ADD(p, STEP_TMPFS, "/home", safe);
	s->data = "mode=0755,size=16k";
	if (plan_home_parent(in->home, p) < 0)
		return -ENAMETOOLONG;
	if (p->home_parent[0]) {
		s = ADD(p, STEP_TMPFS, p->home_parent, safe);
		s->data = "mode=0755,size=16k";
	}
	s = ADD(p, STEP_TMPFS, "/root", safe | STEP_ATTR_RDONLY);
	s->data = "mode=0700,size=4k";
	s = ADD(p, STEP_TMPFS, "/var/lib/alcove", safe | STEP_ATTR_RDONLY);
	s->data = "mode=0700,size=4k";
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		s = ADD(p, STEP_MASK_FILE, files[i], safe | STEP_ATTR_RDONLY);
		s->file = true;
		s->optional = true;
	}
	if (in->n_ssh_keys > ROOTFS_MAX_SSH_KEYS)
		return -E2BIG;
	for (size_t i = 0; i < in->n_ssh_keys; i++) {
		if (!rootfs_path_ok(in->ssh_keys[i]))
			return -EINVAL;
		s = ADD(p, STEP_MASK_FILE, in->ssh_keys[i], safe | STEP_ATTR_RDONLY);
		s->file = true;
		s->optional = true;
	}
	return 0;
}

/* The home volume and the profile's mounts: the helper's detached mounts, by fd index. */
static int plan_volumes(const RootfsInput *in, RootfsPlan *p)
{
	const uint32_t nosuid = in->setuid ? 0 : STEP_ATTR_NOSUID;
	MountStep *s;

	s = ADD(p, STEP_BIND_FD, in->home, STEP_ATTR_NODEV | nosuid);
	s->fd_index = ROOTFS_FD_HOME;
	if (in->host_root_image)
		ADD(p, STEP_REMOUNT_RO, "/home", 0);
	if (in->host_root_image && p->home_parent[0])
		ADD(p, STEP_REMOUNT_RO, p->home_parent, 0);
	for (size_t i = 0; i < in->n_mounts; i++) {
		const char *t = in->mounts[i].target ? in->mounts[i].target : in->mounts[i].source;

		if (!rootfs_path_ok(t))
			return -EINVAL;
		s = ADD(p, STEP_BIND_FD, t,
			STEP_ATTR_NODEV | nosuid | (in->mounts[i].writable ? 0 : STEP_ATTR_RDONLY));
		s->fd_index = 1 + (unsigned)i;
	}
	return 0;
}

/*
 * /etc/passwd and /etc/group made for the alcove; the host's resolv.conf and hosts. In root
 * mode the two are the alcove's own files, which its root must be able to replace (useradd
 * renames passwd+ over passwd: EBUSY on a mount point; a read-only bind is EROFS), never with
 * image = "/" (refused in root mode, layers.c; the host's passwd names other tenants).
 */
static int plan_etc(const RootfsInput *in, RootfsPlan *p)
{
	static const char *const host_files[] = {"/etc/resolv.conf", "/etc/hosts"};
	const uint32_t ro = STEP_ATTR_NOSUID | STEP_ATTR_NODEV | STEP_ATTR_NOEXEC | STEP_ATTR_RDONLY;
	const StepKind kind =
	    in->tenant_accounts && !in->host_root_image ? STEP_ACCOUNTS : STEP_FILE;
	MountStep *s;

	s = ADD(p, kind, "/etc/passwd", kind == STEP_FILE ? ro : 0);
	s->data = in->passwd;
	s->mode = 0644;
	s->file = true;
	s = ADD(p, kind, "/etc/group", kind == STEP_FILE ? ro : 0);
	s->data = in->group;
	s->mode = 0644;
	s->file = true;
	s->members = true;
	for (size_t i = 0; i < sizeof(host_files) / sizeof(host_files[0]); i++) {
		s = ADD(p, STEP_BIND_HOST, host_files[i], ro);
		s->source = host_files[i];
		s->file = true;
		s->optional = true;
	}
	return 0;
}

int rootfs_plan_build(const RootfsInput *in, RootfsPlan *ret)
{
	const uint32_t safe = STEP_ATTR_NOSUID | STEP_ATTR_NODEV;
	RootfsPlan *p = ret;
	MountStep *s;
	int r;

	p->n = 0;
	p->home_parent[0] = '\0';
	if (!rootfs_path_ok(in->home))
		return -EINVAL;
	r = rootfs_tmpfs_options("0755", &in->tmp_size, in->tmp_inodes, p->run_options,
				 sizeof(p->run_options));
	if (r >= 0)
		r = rootfs_tmpfs_options("1777", &in->tmp_size, in->tmp_inodes, p->shm_options,
					 sizeof(p->shm_options));
	if (r >= 0)
		r = plan_kernel_fs(in, p);
	if (r < 0)
		return r;
	/* The lobby imports /tmp for root code (sshd, PAM): a tmpfs the alcove's ns root mounted
	 * would be an id of the user's range, one the user may chmod (no sticky bit) or fill with
	 * symlinks for root to follow. The helper's is host root's, 1777, and nothing inside maps
	 * to host root. */
	s = ADD(p, STEP_BIND_FD, "/tmp", safe);
	s->fd_index = ROOTFS_FD_HOME + 1 + (unsigned)in->n_mounts;
	s->fresh = true;
	s = ADD(p, STEP_TMPFS, "/run", safe);
	s->data = p->run_options;
	if (in->host_root_image) {
		r = plan_masks(in, p);
		if (r < 0)
			return r;
	}
	r = plan_volumes(in, p);
	return r < 0 ? r : plan_etc(in, p);
}

/* A symlink is made, not mounted; a remount changes a mount an earlier step made; an accounts
 * step writes a file. */
static bool step_attaches(StepKind kind)
{
	return kind != STEP_SYMLINK && kind != STEP_REMOUNT_RO && kind != STEP_ACCOUNTS;
}

/* path is top or below it. */
static bool path_at_or_below(const char *path, const char *top)
{
	size_t n = strlen(top);

	return strncmp(path, top, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

bool rootfs_step_on_overlay(const RootfsPlan *p, size_t i)
{
	const MountStep *s;

	if (i >= p->n)
		return false;
	s = &p->step[i];
	if (!step_attaches(s->kind) || s->kind == STEP_MASK_FILE)
		return false;
	for (size_t j = 0; j < i; j++)
		if (step_attaches(p->step[j].kind) &&
		    path_at_or_below(s->target, p->step[j].target))
			return false;
	return true;
}

int overlay_escape(const char *path, char *buf, size_t len)
{
	size_t o = 0;

	for (const char *c = path; *c; c++) {
		if (*c == '\\' || *c == ':' || *c == ',') {
			if (o + 1 >= len)
				return -E2BIG;
			buf[o++] = '\\';
		}
		if (o + 1 >= len)
			return -E2BIG;
		buf[o++] = *c;
	}
	if (len == 0)
		return -E2BIG;
	buf[o] = '\0';
	return (int)o;
}

int overlay_lowerdir(const char *const *paths, size_t n, char *buf, size_t len)
{
	size_t o = 0;

	if (n == 0 || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int r;

		if (i > 0) {
			if (o + 1 >= len)
				return -E2BIG;
			buf[o++] = ':';
		}
		r = overlay_escape(paths[i], buf + o, len - o);
		if (r < 0)
			return r;
		o += (size_t)r;
	}
	return (int)o;
}

static bool field_ok(const char *s)
{
	return s && !strpbrk(s, ":\n");
}

typedef struct Out {
	char *buf;
	size_t len, off;
	int error;
} Out;

static void out(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(Out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->error)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->off)
		o->error = -E2BIG;
	else
		o->off += (size_t)n;
}

static bool accounts_ok(const AccountsInput *in)
{
	if (!field_ok(in->user) || !field_ok(in->home) || !field_ok(in->shell) ||
	    !field_ok(in->group))
		return false;
	for (size_t i = 0; i < in->n_pass; i++)
		if (!field_ok(in->pass_names[i]))
			return false;
	return true;
}

int rootfs_format_passwd(const AccountsInput *in, char *buf, size_t len)
{
	Out o = {buf, len, 0, 0};
	char gecos[256];
	size_t i;

	if (!accounts_ok(in) || len == 0)
		return -EINVAL;
	/* gecos is free text the user may have set with chfn: flatten rather than refuse */
	for (i = 0; in->gecos && in->gecos[i] && i < sizeof(gecos) - 1; i++)
		gecos[i] = strchr(":\n", in->gecos[i]) ? ' ' : in->gecos[i];
	gecos[i] = '\0';
	out(&o, "root:x:0:0:root:/root:/bin/sh\n");
	if (in->mode == ALCOVE_MODE_ROOT)
		/* root mode: U is the alcove's root; the name still resolves for ~U and ls -l */
		out(&o, "%s:x:0:0:%s:%s:%s\n", in->user, gecos, in->home, in->shell);
	else
		out(&o, "%s:x:%u:%u:%s:%s:%s\n", in->user, (unsigned)in->uid, (unsigned)in->gid,
		    gecos, in->home, in->shell);
	out(&o, "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	return o.error ? o.error : (int)o.off;
}

int rootfs_format_group(const AccountsInput *in, char *buf, size_t len)
{
	Out o = {buf, len, 0, 0};
	bool root = in->mode == ALCOVE_MODE_ROOT;

	if (!accounts_ok(in) || len == 0)
		return -EINVAL;
	out(&o, "root:x:0:%s\n", root ? in->user : "");
	if (root || in->gid != 5)
		out(&o, "tty:x:5:%s\n", in->user);
	if (!root)
		out(&o, "%s:x:%u:%s\n", in->group, (unsigned)in->gid, in->user);
	for (size_t i = 0; i < in->n_pass; i++) {
		if (in->pass_gids[i] == 5 || in->pass_gids[i] == in->gid)
			continue;
		out(&o, "%s:x:%u:%s\n", in->pass_names[i], (unsigned)in->pass_gids[i], in->user);
	}
	out(&o, "nogroup:x:65534:\n");
	return o.error ? o.error : (int)o.off;
}
