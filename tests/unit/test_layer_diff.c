/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl/layer_diff.c and layer_merge.c on a temp tree: an upper dir against two lower layers,
 * merged as overlayfs merges them (whiteouts, opaque dirs, the topmost layer wins), against a
 * next version with the current one as base ("updated"), and the walk's bounds. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../ctl/layer_diff.h"
#include "macro.h"
#include "text_escape.h"

static char root[64];

static void put(const char *rel, const char *content, mode_t mode)
{
	char p[512], *slash;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (slash = strchr(p + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(p, 0755);
		*slash = '/';
	}
	if (!content) {
		assert_int_equal(mkdir(p, mode), 0);
		return;
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void put_link(const char *rel, const char *target)
{
	char p[512];

	put(rel, "", 0644); /* makes the parents */
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(target, p), 0);
}

/* An overlay whiteout: a character device 0:0 where we may make one (root), else the xattr
 * form overlayfs reads since Linux 6.7 (an empty file with user.overlay.whiteout). */
static void put_whiteout(const char *rel)
{
	char p[512];

	put(rel, "", 0644);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(unlink(p), 0);
	if (mknod(p, S_IFCHR | 0600, makedev(0, 0)) == 0)
		return;
	put(rel, "", 0644);
	assert_int_equal(setxattr(p, "user.overlay.whiteout", "", 0, 0), 0);
}

static void put_opaque(const char *rel)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(setxattr(p, "user.overlay.opaque", "y", 1, 0), 0);
}

typedef struct Seen {
	char lines[32][256];
	size_t n;
} Seen;

static int collect(const LayerChange *c, void *userdata)
{
	Seen *s = userdata;
	char esc[200];

	assert_true(s->n < 32);
	assert_int_equal(text_escape(c->path, esc, sizeof(esc)), 0);
	snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%c %s%s%s%s%s%s", c->kind, esc,
		 c->opaque ? " opaque" : "", c->shadows ? " shadows" : "",
		 c->updated ? " updated" : "", c->reason ? " " : "", c->reason ? c->reason : "");
	return 0;
}

static void assert_seen(const Seen *seen, const char *const *want, size_t n)
{
	for (size_t i = 0; seen->n != n && i < seen->n; i++)
		fprintf(stderr, "  got: %s\n", seen->lines[i]);
	assert_int_equal(seen->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(seen->lines[i], want[i]);
}

static int open_dir(const char *rel)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	fd = open(p, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	return fd;
}

static void make_tree(void)
{
	put("base/etc/motd", "hello\n", 0644);
	put("base/etc/keep", "keep\n", 0644);
	put("base/etc/same", "same\n", 0644);
	put("base/etc/chmod", "x\n", 0644);
	put("base/etc/gone", "gone\n", 0644);
	put("base/etc/lnk", "file\n", 0644);
	put("base/opt/d/old", "old\n", 0644);
	put("base/bin/tool", "tool\n", 0755);
	put("base/dir/sub/x", "x\n", 0644);
	put_link("base/link", "target");
	put_whiteout("top/etc/gone");	     /* the top layer already deletes it */
	put("top/opt/d/new", "new\n", 0644); /* and hides the base's opt/d */
	put_opaque("top/opt/d");
	put("up/etc/new", "new\n", 0644);
	put("up/etc/keep", "mine\n", 0644);
	put("up/etc/same", "same\n", 0644);
	put("up/etc/chmod", "x\n", 0600);
	put_whiteout("up/etc/motd");
	put_whiteout("up/etc/gone");
	put_link("up/etc/lnk", "/etc/shadow");
	put_whiteout("up/opt/d/old");
	put("up/bin/tool/a", "a\n", 0644);
	put("up/dir/sub/y", "y\n", 0644);
	put_opaque("up/dir/sub");
	put_link("up/link", "elsewhere");
	put("up/a\nb", "odd\n", 0644);
}

static void test_diff(void **state)
{
	static const char *const want[] = {
	    "A /a\\x0ab", /* "a\nb" sorts before "bin" */
	    "T /bin/tool shadows", "A /bin/tool/a",	   "M /dir/sub opaque shadows",
	    "A /dir/sub/y",	   "M /etc/chmod shadows", "M /etc/keep shadows",
	    "T /etc/lnk shadows",  "D /etc/motd shadows",  "A /etc/new",
	    "M /link shadows",
	};
	LayerDiffLimits lim = LAYER_DIFF_LIMITS;
	Seen seen = {.n = 0};
	AlcError e = {0};
	int up, lower[2];

	make_tree();
	up = open_dir("up");
	lower[0] = open_dir("top");
	lower[1] = open_dir("base");
	assert_int_equal(
	    layer_diff(up, &(LayerDiffImage){lower, 2}, NULL, NULL, &lim, collect, &seen, &e), 0);
	assert_seen(&seen, want, ELEMENTSOF(want));
	close(up);
	close(lower[0]);
	close(lower[1]);
}

/* Against the next version with the current one as base: "updated" marks what the user hides
 * that the next version adds or changes, not what it keeps. */
static void test_updated(void **state)
{
	static const char *const want[] = {
	    "M /etc/a shadows updated", /* the update changes it, the user's copy hides that */
	    "M /etc/b shadows",		/* the update keeps it (same bytes, another inode) */
	    "D /etc/c shadows",		/* the update keeps it */
	    "M /etc/d shadows updated", /* the update adds it where the user has their own */
	    "A /etc/e",
	};
	LayerDiffLimits lim = LAYER_DIFF_LIMITS;
	Seen seen = {.n = 0};
	AlcError e = {0};
	int up, cur, next;

	put("cur/etc/a", "1\n", 0644);
	put("cur/etc/b", "1\n", 0644);
	put("cur/etc/c", "1\n", 0644);
	put("next/etc/a", "2\n", 0644);
	put("next/etc/b", "1\n", 0644);
	put("next/etc/c", "1\n", 0644);
	put("next/etc/d", "new\n", 0644);
	put("u2/etc/a", "mine\n", 0644);
	put("u2/etc/b", "mine\n", 0644);
	put_whiteout("u2/etc/c");
	put("u2/etc/d", "mine\n", 0644);
	put("u2/etc/e", "mine\n", 0644);
	up = open_dir("u2");
	cur = open_dir("cur");
	next = open_dir("next");
	assert_int_equal(layer_diff(up, &(LayerDiffImage){&next, 1}, &(LayerDiffImage){&cur, 1},
				    NULL, &lim, collect, &seen, &e),
			 0);
	assert_seen(&seen, want, ELEMENTSOF(want));
	close(up);
	close(cur);
	close(next);
}

static void test_bounds(void **state)
{
	static const char *const want[] = {
	    "A /a", "A /a/b", "A /a/b/c", "A /a/b/c/d", "U /a/b/c/d deeper than 3 directory levels",
	};
	LayerDiffLimits lim = {.max_depth = 3, .max_entries = 1000};
	Seen seen = {.n = 0};
	AlcError e = {0};
	int up;

	put("deep/a/b/c/d/e/f", "deep\n", 0644);
	up = open_dir("deep");
	assert_int_equal(
	    layer_diff(up, &(LayerDiffImage){NULL, 0}, NULL, NULL, &lim, collect, &seen, &e), 0);
	assert_seen(&seen, want, ELEMENTSOF(want));
	lim = (LayerDiffLimits){.max_depth = 100, .max_entries = 4};
	seen.n = 0;
	assert_int_equal(
	    layer_diff(up, &(LayerDiffImage){NULL, 0}, NULL, NULL, &lim, collect, &seen, &e),
	    -E2BIG);
	assert_string_equal(e.msg, "more than 4 entries");
	assert_int_equal(e.err, E2BIG);
	close(up);
}

/*
 * The helper's mount points (rootfs_step_on_overlay()) are not the user's changes: left out
 * are an empty file at a file's, a directory at a directory's with nothing reported below it
 * (whatever the image has there: the mount covers it), and the directories on the way to one
 * the image lacks. Reported as before: a file with content at one (the tenant's, even where a
 * mount goes), a symlink at one, what is below one, and an opaque directory on the way to one
 * over the image's (it hides the image's entries, where no mount covers them).
 */
static void test_mount_points(void **state)
{
	static const LayerMountPoint pts[] = {
	    {"/home/u", false},	   {"/etc/hosts", true},
	    {"/etc/passwd", true}, {"/etc/resolv.conf", true},
	    {"/etc/group", true},  {"/tmp", false},
	    {"/run", false},	   {"/srv/data/in", false},
	    {"/var/lib/x", false},
	};
	static const char *const want[] = {
	    "A /etc/group",
	    "A /run",
	    "A /srv",
	    "A /srv/data",
	    "A /srv/data/in",
	    "A /srv/data/in/f",
	    "M /var/lib opaque shadows",
	};
	static const char *const all[] = {
	    "A /etc/group",
	    "M /etc/hosts shadows",
	    "A /etc/passwd",
	    "T /etc/resolv.conf shadows",
	    "A /home",
	    "A /home/u",
	    "A /run",
	    "A /srv",
	    "A /srv/data",
	    "A /srv/data/in",
	    "A /srv/data/in/f",
	    "M /tmp opaque shadows",
	    "M /var/lib opaque shadows",
	    "A /var/lib/x",
	};
	LayerDiffLimits lim = LAYER_DIFF_LIMITS;
	LayerMountPoints points = {pts, ELEMENTSOF(pts)};
	Seen seen = {.n = 0};
	AlcError e = {0};
	int up, img;

	put("img5/etc/hosts", "image\n", 0644);
	put_link("img5/etc/resolv.conf", "../run/resolv.conf");
	put("img5/tmp/.keep", "", 0644);
	put("img5/var/lib/keep", "keep\n", 0644);
	put("up5/home/u", NULL, 0700);		     /* and /home, which the image lacks */
	put("up5/etc/hosts", "", 0644);		     /* over the image's: the mount covers it */
	put("up5/etc/passwd", "", 0644);	     /* the image has none */
	put("up5/etc/resolv.conf", "", 0644);	     /* over the image's symlink, as the helper */
	put("up5/etc/group", "tenant:x:0:\n", 0644); /* content: the tenant's */
	put("up5/tmp", NULL, 0755);		     /* opaque over the image's /tmp */
	put_opaque("up5/tmp");
	put_link("up5/run", "/elsewhere");
	put("up5/srv/data/in/f", "mine\n", 0644);
	put("up5/var/lib/x", NULL, 0755);
	put_opaque("up5/var/lib");
	up = open_dir("up5");
	img = open_dir("img5");
	assert_int_equal(
	    layer_diff(up, &(LayerDiffImage){&img, 1}, NULL, &points, &lim, collect, &seen, &e), 0);
	assert_seen(&seen, want, ELEMENTSOF(want));
	/* without them, each is listed */
	seen.n = 0;
	assert_int_equal(
	    layer_diff(up, &(LayerDiffImage){&img, 1}, NULL, NULL, &lim, collect, &seen, &e), 0);
	assert_seen(&seen, all, ELEMENTSOF(all));
	close(up);
	close(img);
}

/* Runs layer_diff with the command's printer on a memory stream: its output, and in *ret_r
 * what layer_diff returned. */
static char *print_diff(int up, const LayerDiffImage *image, const LayerDiffLimits *lim, bool json,
			int *ret_r)
{
	char *buf = NULL;
	size_t size = 0;
	LayerDiffPrinter pr = {.f = open_memstream(&buf, &size), .json = json};
	AlcError e = {0};

	assert_non_null(pr.f);
	layer_diff_print_begin(&pr);
	*ret_r = layer_diff(up, image, NULL, NULL, lim, layer_diff_print_change, &pr, &e);
	layer_diff_print_end(&pr, *ret_r < 0 ? e.msg : NULL);
	assert_int_equal(fclose(pr.f), 0);
	return buf;
}

/* A tenant's subtree the walk cannot go into (130 levels, sorted first) is its own entry, and
 * the walk goes on: /aaa and the shadowed /etc/sudoers after it are still reported. */
static void test_deep_subtree_reported(void **state)
{
	LayerDiffLimits lim = LAYER_DIFF_LIMITS;
	char deep[512] = "up3/0", want[600];
	int up, lower, r;
	char *out;

	for (int i = 0; i < 130; i++)
		strcat(deep, "/d");
	put(deep, NULL, 0755);
	put("up3/aaa", "new\n", 0644);
	put("up3/etc/sudoers", "tenant ALL=(ALL) NOPASSWD: ALL\n", 0440);
	put("img3/etc/sudoers", "root ALL=(ALL) ALL\n", 0440);
	up = open_dir("up3");
	lower = open_dir("img3");
	out = print_diff(up, &(LayerDiffImage){&lower, 1}, &lim, false, &r);
	assert_int_equal(r, 0);
	/* the 129th level: /0 and 127 d's below it are walked, its own content is not */
	snprintf(want, sizeof(want), "\nU /%.*s (deeper than 128 directory levels)\n", 1 + 2 * 128,
		 deep + strlen("up3/"));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\nA /aaa\n"));
	assert_non_null(strstr(out, "\nM /etc/sudoers shadows\n"));
	assert_null(strstr(out, "incomplete"));
	free(out);
	out = print_diff(up, &(LayerDiffImage){&lower, 1}, &lim, true, &r);
	assert_non_null(strstr(out, "\"change\": \"unreadable\", \"type\": \"dir\", "));
	assert_non_null(strstr(out, "\"reason\": \"deeper than 128 directory levels\"}"));
	assert_non_null(strstr(out, "{\"path\": \"/etc/sudoers\", \"change\": \"modified\""));
	assert_non_null(strstr(out, "\n], \"complete\": true}\n"));
	free(out);
	close(up);
	close(lower);
}

/* The entry cap still stops the walk, and then the output says it is incomplete: a last
 * text line, a JSON document that does not read as complete. */
static void test_cap_incomplete(void **state)
{
	LayerDiffLimits lim = {.max_depth = 100, .max_entries = 2};
	char *out;
	int up, r;

	put("up4/a", "a\n", 0644);
	put("up4/b", "b\n", 0644);
	put("up4/c", "c\n", 0644);
	up = open_dir("up4");
	out = print_diff(up, &(LayerDiffImage){NULL, 0}, &lim, false, &r);
	assert_int_equal(r, -E2BIG);
	assert_string_equal(out, "incomplete: more than 2 entries: the walk stopped there, what it "
				 "did not reach is not listed\n");
	free(out);
	out = print_diff(up, &(LayerDiffImage){NULL, 0}, &lim, true, &r);
	assert_string_equal(
	    out, "{\"changes\": [], \"complete\": false, \"error\": \"more than 2 entries\"}\n");
	free(out);
	lim.max_entries = 3;
	out = print_diff(up, &(LayerDiffImage){NULL, 0}, &lim, true, &r);
	assert_int_equal(r, 0);
	assert_non_null(strstr(out,
			       "\"path\": \"/c\", \"change\": \"added\", \"type\": \"file\", "
			       "\"image_type\": \"none\", \"opaque\": false, \"shadows\": false, "
			       "\"updated\": false, \"reason\": null}\n], \"complete\": true}\n"));
	free(out);
	close(up);
}

static void test_escape(void **state)
{
	char out[32];

	assert_int_equal(text_escape("/a b\\\x1b[", out, sizeof(out)), 0);
	assert_string_equal(out, "/a\\x20b\\x5c\\x1b[");
	assert_int_equal(text_escape("/\xff\xfe\xfd\xfc", out, 8), -E2BIG);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/test_layer_diff.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	const char *argv[] = {"rm", "-rf", root, NULL};
	pid_t pid = fork();

	int status;

	if (pid == 0) {
		execv("/bin/rm", (char *const *)argv);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && status == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_diff),	   cmocka_unit_test(test_updated),
	    cmocka_unit_test(test_bounds),	   cmocka_unit_test(test_deep_subtree_reported),
	    cmocka_unit_test(test_cap_incomplete), cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_mount_points),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
