/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../helper/build/account_merge.h"
#include "../../helper/build/rootfs_plan.h"

static const MountStep *find(const RootfsPlan *p, const char *target, size_t *ret_index)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->step[i].target, target) == 0) {
			if (ret_index)
				*ret_index = i;
			return &p->step[i];
		}
	return NULL;
}

static RootfsInput base(void)
{
	return (RootfsInput){.home = "/home/alice",
			     .passwd = "P",
			     .group = "G",
			     .tmp_size = {.percent = 10},
			     .tmp_inodes = 262144};
}

static void test_image_plan(void **state)
{
	RootfsInput in = base();
	RootfsPlan p;
	const MountStep *s;

	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	s = find(&p, "/proc", NULL);
	assert_non_null(s);
	assert_int_equal(s->kind, STEP_PROC);
	s = find(&p, "/sys", NULL);
	assert_int_equal(s->kind, STEP_SYSFS_HOST);
	/* the helper sets these on its clone, and the child's copy has them locked */
	assert_int_equal(s->attrs,
			 STEP_ATTR_RDONLY | STEP_ATTR_NOSUID | STEP_ATTR_NODEV | STEP_ATTR_NOEXEC);
	/* one: the helper mounts one (child.h) */
	for (size_t i = 0; i < p.n; i++)
		assert_true(p.step[i].kind != STEP_SYSFS_HOST || &p.step[i] == s);
	s = find(&p, "/dev/pts", NULL);
	assert_int_equal(s->kind, STEP_DEVPTS);
	assert_string_equal(s->data, "newinstance,ptmxmode=0666,mode=0620,gid=5,max=1024");
	s = find(&p, "/dev/ptmx", NULL);
	assert_int_equal(s->kind, STEP_SYMLINK);
	assert_string_equal(s->data, "pts/ptmx");
	for (const char *const *n =
		 (const char *const[]){"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
				       "/dev/urandom", "/dev/tty", NULL};
	     *n; n++) {
		s = find(&p, *n, NULL);
		assert_non_null(s);
		assert_int_equal(s->kind, STEP_BIND_HOST);
		assert_true(s->file);
		/* device nodes must keep working: no nodev on their binds */
		assert_false(s->attrs & STEP_ATTR_NODEV);
	}
	s = find(&p, "/dev/shm", NULL);
	assert_int_equal(s->kind, STEP_TMPFS);
	assert_string_equal(s->data, "mode=1777,size=10%,nr_inodes=262144");
	s = find(&p, "/run", NULL);
	assert_int_equal(s->kind, STEP_TMPFS);
	assert_string_equal(s->data, "mode=0755,size=10%,nr_inodes=262144");
	s = find(&p, "/home/alice", NULL);
	assert_int_equal(s->kind, STEP_BIND_FD);
	assert_int_equal(s->fd_index, ROOTFS_FD_HOME);
	assert_true(s->attrs & STEP_ATTR_NOSUID);
	s = find(&p, "/etc/passwd", NULL);
	assert_int_equal(s->kind, STEP_FILE);
	assert_string_equal(s->data, "P");
	assert_true(s->attrs & STEP_ATTR_RDONLY);
	assert_string_equal(find(&p, "/etc/group", NULL)->data, "G");
	assert_true(find(&p, "/etc/resolv.conf", NULL)->optional);
	/* no masks when the image is not the host's root */
	assert_null(find(&p, "/etc/shadow", NULL));
	assert_null(find(&p, "/root", NULL));
	assert_null(find(&p, "/home", NULL));
}

/* Root mode: the account files are the alcove's own, no mount; never with image = "/". */
static void test_tenant_accounts(void **state)
{
	RootfsInput in = base();
	RootfsPlan p;
	const MountStep *s;

	in.tenant_accounts = true;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	s = find(&p, "/etc/passwd", NULL);
	assert_int_equal(s->kind, STEP_ACCOUNTS);
	assert_string_equal(s->data, "P");
	assert_int_equal(s->mode, 0644);
	s = find(&p, "/etc/group", NULL);
	assert_int_equal(s->kind, STEP_ACCOUNTS);
	assert_string_equal(s->data, "G");
	/* the host's files stay read-only binds */
	assert_int_equal(find(&p, "/etc/resolv.conf", NULL)->kind, STEP_BIND_HOST);
	in.host_root_image = true;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	s = find(&p, "/etc/passwd", NULL);
	assert_int_equal(s->kind, STEP_FILE);
	assert_true(s->attrs & STEP_ATTR_RDONLY);
	assert_int_equal(find(&p, "/etc/group", NULL)->kind, STEP_FILE);
}

static void test_host_root_masks(void **state)
{
	const char *keys[] = {"/etc/ssh/ssh_host_rsa_key", "/etc/ssh/ssh_host_ed25519_key"};
	RootfsInput in = base();
	RootfsPlan p;
	const MountStep *s;
	size_t home_mask, home_bind, home_ro;

	in.host_root_image = true;
	in.ssh_keys = keys;
	in.n_ssh_keys = 2;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	for (const char *const *n =
		 (const char *const[]){"/etc/shadow", "/etc/gshadow", keys[0], keys[1], NULL};
	     *n; n++) {
		s = find(&p, *n, NULL);
		assert_non_null(s);
		assert_int_equal(s->kind, STEP_MASK_FILE);
		assert_true(s->attrs & STEP_ATTR_RDONLY);
	}
	s = find(&p, "/root", NULL);
	assert_int_equal(s->kind, STEP_TMPFS);
	assert_true(s->attrs & STEP_ATTR_RDONLY);
	assert_int_equal(find(&p, "/var/lib/alcove", NULL)->kind, STEP_TMPFS);
	/* /home: masked, then the user's home mounted into it, then made read-only */
	s = find(&p, "/home", &home_mask);
	assert_int_equal(s->kind, STEP_TMPFS);
	assert_false(s->attrs & STEP_ATTR_RDONLY);
	assert_non_null(find(&p, "/home/alice", &home_bind));
	for (home_ro = home_mask + 1; home_ro < p.n; home_ro++)
		if (p.step[home_ro].kind == STEP_REMOUNT_RO)
			break;
	assert_true(home_ro < p.n);
	assert_string_equal(p.step[home_ro].target, "/home");
	assert_true(home_mask < home_bind && home_bind < home_ro);
}

/* A home not under /home: its parent holds the other homes, masked like /home (then read-only
 * once the home's mount point is in it); one right in a system directory is not. */
static void test_host_root_home_parent(void **state)
{
	RootfsInput in = base();
	RootfsPlan p;
	size_t mask, bind, ro = 0;

	in.host_root_image = true;
	in.home = "/srv/home/alice";
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_int_equal(find(&p, "/srv/home", &mask)->kind, STEP_TMPFS);
	assert_non_null(find(&p, "/srv/home/alice", &bind));
	for (size_t i = bind; i < p.n; i++)
		if (p.step[i].kind == STEP_REMOUNT_RO && strcmp(p.step[i].target, "/srv/home") == 0)
			ro = i;
	assert_true(mask < bind && bind < ro);
	in.home = "/var/lib/alice"; /* never /var/lib */
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_null(find(&p, "/var/lib", NULL));
	in.home = "/home/x/alice"; /* inside /home's mask already */
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_null(find(&p, "/home/x", NULL));
}

static void test_network_none_and_setuid(void **state)
{
	RootfsInput in = base();
	RootfsPlan p;

	in.network_none = true;
	in.setuid = true;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_int_equal(find(&p, "/sys", NULL)->kind, STEP_SYSFS);
	assert_false(find(&p, "/home/alice", NULL)->attrs & STEP_ATTR_NOSUID);
}

static void test_profile_mounts(void **state)
{
	ProfileMount m[] = {{.source = "/srv/data", .target = "/data", .writable = false},
			    {.source = "/srv/scratch", .target = NULL, .writable = true}};
	RootfsInput in = base();
	RootfsPlan p;
	const MountStep *s;

	in.mounts = m;
	in.n_mounts = 2;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	s = find(&p, "/data", NULL);
	assert_int_equal(s->kind, STEP_BIND_FD);
	assert_int_equal(s->fd_index, 1);
	assert_true(s->attrs & STEP_ATTR_RDONLY);
	s = find(&p, "/srv/scratch", NULL);
	assert_int_equal(s->fd_index, 2);
	assert_false(s->attrs & STEP_ATTR_RDONLY);
	m[0].target = "/data/../etc";
	assert_int_equal(rootfs_plan_build(&in, &p), -EINVAL);
	m[0].target = "relative";
	assert_int_equal(rootfs_plan_build(&in, &p), -EINVAL);
	in.n_mounts = 0;
	in.home = "/home//alice";
	assert_int_equal(rootfs_plan_build(&in, &p), -EINVAL);
}

/* /tmp is the helper's tmpfs (the fd after the profile mounts), attached as is */
static void test_tmp_from_helper(void **state)
{
	ProfileMount m[] = {{.source = "/srv/data", .target = "/data"}};
	RootfsInput in = base();
	RootfsPlan p;
	const MountStep *s;

	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	s = find(&p, "/tmp", NULL);
	assert_int_equal(s->kind, STEP_BIND_FD);
	assert_int_equal(s->fd_index, 1);
	assert_true(s->fresh);
	assert_true((s->attrs & (STEP_ATTR_NOSUID | STEP_ATTR_NODEV)) ==
		    (STEP_ATTR_NOSUID | STEP_ATTR_NODEV));
	assert_false(find(&p, "/home/alice", NULL)->fresh);
	in.mounts = m;
	in.n_mounts = 1;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_int_equal(find(&p, "/tmp", NULL)->fd_index, 2);
	assert_int_equal(find(&p, "/data", NULL)->fd_index, 1);
}

/* The plan's targets rootfs_apply.c makes in the overlay, joined with ' ', in plan order. */
static void on_overlay(const RootfsPlan *p, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < p->n; i++)
		if (rootfs_step_on_overlay(p, i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s%s", o ? " " : "",
					      p->step[i].target, p->step[i].file ? "(f)" : "");
	assert_true(o < len);
}

/* The mount points made in the overlay (what `layer diff` tells from the user's changes):
 * not those on another mount (/dev's nodes, /dev/pts, a profile mount in the home, the home on
 * image = "/"'s /home tmpfs), nor a mask (only over a file the image has), nor a symlink. */
static void test_on_overlay(void **state)
{
	ProfileMount m[] = {{.source = "/srv/data", .target = "/srv/data/in"},
			    {.source = "/srv/x", .target = "/home/alice/x"},
			    {.source = "/srv/t", .target = "/tmp/t"}};
	RootfsInput in = base();
	RootfsPlan p;
	char buf[1024];

	in.mounts = m;
	in.n_mounts = 3;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	on_overlay(&p, buf, sizeof(buf));
	assert_string_equal(buf,
			    "/proc /sys /dev /tmp /run /home/alice /srv/data/in /etc/passwd(f) "
			    "/etc/group(f) /etc/resolv.conf(f) /etc/hosts(f)");
	assert_false(rootfs_step_on_overlay(&p, p.n));
	in.host_root_image = true;
	in.n_mounts = 0;
	in.home = "/srv/home/alice";
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	on_overlay(&p, buf, sizeof(buf));
	assert_string_equal(buf, "/proc /sys /dev /tmp /run /home /srv/home /root /var/lib/alcove "
				 "/etc/passwd(f) /etc/group(f) /etc/resolv.conf(f) /etc/hosts(f)");
	/* root mode: the account files are the user's, no mount points */
	in = base();
	in.tenant_accounts = true;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	on_overlay(&p, buf, sizeof(buf));
	assert_string_equal(buf, "/proc /sys /dev /tmp /run /home/alice /etc/resolv.conf(f) "
				 "/etc/hosts(f)");
}

/* size= and nr_inodes= always: without them a tmpfs takes half the RAM */
static void test_tmpfs_options(void **state)
{
	RootfsInput in = base();
	RootfsPlan p;
	char buf[ROOTFS_TMPFS_OPTIONS_MAX];

	assert_int_equal(
	    rootfs_tmpfs_options("1777", &(TmpfsSize){.bytes = 8u << 20}, 100, buf, sizeof(buf)),
	    (int)strlen("mode=1777,size=8388608,nr_inodes=100"));
	assert_string_equal(buf, "mode=1777,size=8388608,nr_inodes=100");
	assert_int_equal(rootfs_tmpfs_options("1777", &(TmpfsSize){.percent = 5}, 64, buf, 8),
			 -E2BIG);
	assert_int_equal(rootfs_tmpfs_options("1777", &(TmpfsSize){0}, 64, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(rootfs_tmpfs_options("1777", &(TmpfsSize){.percent = 5, .bytes = 1}, 64,
					      buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(
	    rootfs_tmpfs_options("1777", &(TmpfsSize){.percent = 5}, 0, buf, sizeof(buf)), -EINVAL);
	in.tmp_size = (TmpfsSize){.bytes = 8u << 20};
	in.tmp_inodes = 100;
	assert_int_equal(rootfs_plan_build(&in, &p), 0);
	assert_string_equal(find(&p, "/run", NULL)->data, "mode=0755,size=8388608,nr_inodes=100");
	in.tmp_inodes = 0;
	assert_int_equal(rootfs_plan_build(&in, &p), -EINVAL);
}

/* The tmpfs upper: the smaller of layer_quota and tmp_size, a percentage taken of the RAM */
static void test_upper_size(void **state)
{
	const TmpfsSize pct = {.percent = 10}, mb8 = {.bytes = 8u << 20};
	TmpfsSize r;

	(void)state;
	r = rootfs_upper_size(&pct, 10ull << 30, 4ull << 30); /* 10% of 4G < 10G */
	assert_int_equal(r.percent, 10);
	assert_int_equal(r.bytes, 0);
	r = rootfs_upper_size(&pct, 100u << 20, 4ull << 30); /* 100M < 10% of 4G */
	assert_int_equal(r.percent, 0);
	assert_int_equal(r.bytes, 100u << 20);
	r = rootfs_upper_size(&mb8, 20u << 20, 0);
	assert_int_equal(r.bytes, 8u << 20);
	r = rootfs_upper_size(&mb8, 0, 0); /* no layer_quota */
	assert_int_equal(r.bytes, 8u << 20);
	r = rootfs_upper_size(&pct, 1u << 20, 0); /* RAM unknown: the quota bounds it */
	assert_int_equal(r.bytes, 1u << 20);
	assert_int_equal(rootfs_upper_inodes(262144, 1000), 1000);
	assert_int_equal(rootfs_upper_inodes(100, 1000), 100);
	assert_int_equal(rootfs_upper_inodes(100, 0), 100);
}

static void test_path_ok(void **state)
{
	assert_true(rootfs_path_ok("/"));
	assert_true(rootfs_path_ok("/home/alice"));
	assert_true(rootfs_path_ok("/a/.hidden/..x"));
	assert_false(rootfs_path_ok(""));
	assert_false(rootfs_path_ok("home"));
	assert_false(rootfs_path_ok("/home/"));
	assert_false(rootfs_path_ok("//home"));
	assert_false(rootfs_path_ok("/a/./b"));
	assert_false(rootfs_path_ok("/a/../b"));
	assert_false(rootfs_path_ok("/.."));
	assert_false(rootfs_path_ok(NULL));
}

static void test_file_type(void **state)
{
	assert_string_equal(rootfs_file_type(S_IFLNK | 0777), "a symlink");
	assert_string_equal(rootfs_file_type(S_IFREG | 0644), "a file");
	assert_string_equal(rootfs_file_type(S_IFDIR | 0755), "a directory");
	assert_string_equal(rootfs_file_type(S_IFSOCK | 0600), "a socket");
	assert_string_equal(rootfs_file_type(S_IFIFO | 0600), "a fifo");
	assert_string_equal(rootfs_file_type(S_IFCHR | 0666), "a device node");
	assert_string_equal(rootfs_file_type(S_IFBLK | 0660), "a device node");
	assert_string_equal(rootfs_file_type(0), "of unknown type");
}

static void test_overlay_escape(void **state)
{
	const char *paths[] = {"/run/alcove/1001/l0", "/srv/a,b:c\\d", "/x"};
	char buf[128];

	assert_int_equal(overlay_escape("/srv/a,b:c\\d", buf, sizeof(buf)), 15);
	assert_string_equal(buf, "/srv/a\\,b\\:c\\\\d");
	assert_true(overlay_lowerdir(paths, 3, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "/run/alcove/1001/l0:/srv/a\\,b\\:c\\\\d:/x");
	assert_int_equal(overlay_lowerdir(paths, 3, buf, 20), -E2BIG);
	assert_int_equal(overlay_lowerdir(paths, 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(overlay_escape(":", buf, 2), -E2BIG);
	assert_int_equal(overlay_escape("ab", buf, 3), 2);
}

static const AccountsInput accounts = {
    .mode = ALCOVE_MODE_USER,
    .user = "alice",
    .uid = 1001,
    .gid = 1001,
    .gecos = "Alice: Liddell\nX",
    .home = "/home/alice",
    .shell = "/bin/bash",
    .group = "alice",
    .pass_names = (const char *const[]){"audio", "video"},
    .pass_gids = (const gid_t[]){29, 44},
    .n_pass = 2,
};

static void test_passwd_group_user_mode(void **state)
{
	char buf[1024];

	assert_true(rootfs_format_passwd(&accounts, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "root:x:0:0:root:/root:/bin/sh\n"
				 "alice:x:1001:1001:Alice  Liddell X:/home/alice:/bin/bash\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	assert_true(rootfs_format_group(&accounts, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "root:x:0:\n"
				 "tty:x:5:alice\n"
				 "alice:x:1001:alice\n"
				 "audio:x:29:alice\n"
				 "video:x:44:alice\n"
				 "nogroup:x:65534:\n");
}

static void test_passwd_group_root_mode(void **state)
{
	AccountsInput in = accounts;
	char buf[1024];

	in.mode = ALCOVE_MODE_ROOT;
	in.gecos = "";
	assert_true(rootfs_format_passwd(&in, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "root:x:0:0:root:/root:/bin/sh\n"
				 "alice:x:0:0::/home/alice:/bin/bash\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	assert_true(rootfs_format_group(&in, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "root:x:0:alice\n"
				 "tty:x:5:alice\n"
				 "audio:x:29:alice\n"
				 "video:x:44:alice\n"
				 "nogroup:x:65534:\n");
}

static void test_passwd_refuses_bad_fields(void **state)
{
	AccountsInput in = accounts;
	char buf[1024];

	in.home = "/home/a:b";
	assert_int_equal(rootfs_format_passwd(&in, buf, sizeof(buf)), -EINVAL);
	in = accounts;
	in.pass_names = (const char *const[]){"au\ndio", "video"};
	assert_int_equal(rootfs_format_group(&in, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(rootfs_format_passwd(&accounts, buf, 10), -E2BIG);
}

static const char ours[] = "root:x:0:0:root:/root:/bin/sh\n"
			   "alice:x:0:0::/home/alice:/bin/bash\n"
			   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";

static int merge(const char *theirs, size_t n, char *buf, size_t len)
{
	int r = account_merge(ours, theirs, n, false, buf, len);

	if (r >= 0 && (size_t)r < len)
		buf[r] = '\0';
	return r;
}

/* The helper's lines first, by name; the image's and the tenant's others kept in order. */
static void test_account_merge(void **state)
{
	const char theirs[] = "root:x:0:0:root:/root:/bin/bash\n"
			      "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
			      "alice:x:77:77::/nowhere:/bin/false\n"
			      "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
			      "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
			      "svc1:x:999:999::/home/svc1:/usr/sbin/nologin\n"
			      "alice2:x:1000:1000::/home/alice2:/bin/sh\n"
			      "# alice:x:0:0\n"
			      "\n"
			      "rootless\n"
			      "svc2:x:998:998::/:/bin/sh";
	char buf[1024];
	int r;

	r = merge(theirs, strlen(theirs), buf, sizeof(buf));
	assert_int_equal(r, (int)strlen(buf));
	assert_string_equal(buf, "root:x:0:0:root:/root:/bin/sh\n"
				 "alice:x:0:0::/home/alice:/bin/bash\n"
				 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
				 "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
				 "_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"
				 "svc1:x:999:999::/home/svc1:/usr/sbin/nologin\n"
				 "alice2:x:1000:1000::/home/alice2:/bin/sh\n"
				 "# alice:x:0:0\n"
				 "\n"
				 "rootless\n"
				 "svc2:x:998:998::/:/bin/sh\n");
	/* merged again: the same bytes (the child then writes nothing) */
	{
		char again[1024];

		assert_int_equal(merge(buf, (size_t)r, again, sizeof(again)), r);
		assert_string_equal(again, buf);
	}
	/* no file: the helper's lines alone */
	assert_int_equal(merge("", 0, buf, sizeof(buf)), (int)strlen(ours));
	assert_string_equal(buf, ours);
}

/* Bytes ns root wrote: a NUL, no newline at all, a name holding ours as a prefix. */
static void test_account_merge_hostile(void **state)
{
	const char theirs[] = "al\0ice:x:1:1::/:/bin/sh\nalic:x:2:2::/:/bin/sh\nalice:";
	char buf[1024];
	int r;

	r = merge(theirs, sizeof(theirs) - 1, buf, sizeof(buf));
	assert_int_equal(r, (int)strlen(ours) + 24 + 22);
	assert_memory_equal(buf + strlen(ours), "al\0ice:x:1:1::/:/bin/sh\nalic:x:2:2::/:/bin/sh\n",
			    46);
	/* too small, for ours or for theirs */
	assert_int_equal(account_merge(ours, "", 0, false, buf, 10), -E2BIG);
	assert_int_equal(
	    account_merge(ours, theirs, sizeof(theirs) - 1, false, buf, strlen(ours) + 30), -E2BIG);
	assert_int_equal(account_merge("root:x:0:0", "", 0, false, buf, sizeof(buf)), -EINVAL);
}

/* /etc/group: the members ns root added to a group of ours (usermod -aG) stay, once each
 * against ours, none that would break the line; passwd lines get none. */
static void test_account_merge_members(void **state)
{
	const char ours_g[] = "root:x:0:alice\ntty:x:5:alice\naudio:x:29:alice\nnogroup:x:65534:\n";
	const char theirs[] = "tty:x:5:alice,svc1,,svc2\n"
			      "audio:x:99:svc\0x,a:b\n"
			      "nogroup:x:65534:svc1\n"
			      "tty:x:5:svc3\n"
			      "root:x:0\n"
			      "svc1:x:999:\n";
	const char want[] = "root:x:0:alice\ntty:x:5:alice,svc1,svc2,svc3\naudio:x:29:alice\n"
			    "nogroup:x:65534:svc1\nsvc1:x:999:\n";
	char buf[512], again[512];
	int r;

	r = account_merge(ours_g, theirs, sizeof(theirs) - 1, true, buf, sizeof(buf));
	assert_int_equal(r, (int)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
	/* merged again: the same bytes, no member twice */
	assert_int_equal(account_merge(ours_g, buf, (size_t)r, true, again, sizeof(again)), r);
	assert_memory_equal(again, want, strlen(want));
	/* passwd: ours whole */
	r = account_merge("a:x:0:0::/:/bin/sh\n", "a:x:1:1::/:/bin/sh,b\n", 21, false, buf,
			  sizeof(buf));
	assert_int_equal(r, 19);
	/* the members count against the buffer */
	assert_int_equal(
	    account_merge(ours_g, theirs, sizeof(theirs) - 1, true, buf, strlen(ours_g) + 4),
	    -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_image_plan),
	    cmocka_unit_test(test_host_root_masks),
	    cmocka_unit_test(test_host_root_home_parent),
	    cmocka_unit_test(test_network_none_and_setuid),
	    cmocka_unit_test(test_profile_mounts),
	    cmocka_unit_test(test_tmp_from_helper),
	    cmocka_unit_test(test_on_overlay),
	    cmocka_unit_test(test_tmpfs_options),
	    cmocka_unit_test(test_path_ok),
	    cmocka_unit_test(test_file_type),
	    cmocka_unit_test(test_overlay_escape),
	    cmocka_unit_test(test_upper_size),
	    cmocka_unit_test(test_passwd_group_user_mode),
	    cmocka_unit_test(test_passwd_group_root_mode),
	    cmocka_unit_test(test_passwd_refuses_bad_fields),
	    cmocka_unit_test(test_tenant_accounts),
	    cmocka_unit_test(test_account_merge),
	    cmocka_unit_test(test_account_merge_hostile),
	    cmocka_unit_test(test_account_merge_members),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
