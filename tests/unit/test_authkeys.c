/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A key's own command="internal-sftp" (common/authkeys.c, pam_module/keys_check.c): the line
 * scan, sshd's name expansion, and the walk that tells a key file changed since a time, on a
 * temp tree owned by an unprivileged uid (a tenant's), read as that uid. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir_testlib.h"

#include "authkeys.h"
#include "keys_check.h"

#define TENANT 65534 /* nobody: the tree is the tenant's */

/* a file of the tenant's */
static void put_t(const char *name, const char *text)
{
	put(name, text);
	assert_int_equal(lchown(path_of(name), TENANT, TENANT), 0);
}

static void mkdir_t(const char *name)
{
	assert_int_equal(mkdir(path_of(name), 0755), 0);
	assert_int_equal(chown(path_of(name), TENANT, TENANT), 0);
}

static void symlink_t(const char *target, const char *name)
{
	assert_int_equal(symlink(target, path_of(name)), 0);
	assert_int_equal(lchown(path_of(name), TENANT, TENANT), 0);
}

static int setup(void **state)
{
	if (tmpdir_make("/var/tmp/alcove-test-authkeys") < 0 || chmod(tmpdir, 0755) < 0)
		return -1;
	return chown(tmpdir, TENANT, TENANT);
}

static int teardown(void **state)
{
	return tmpdir_remove();
}

/* A time after everything made so far; what changes after it lands a jiffy later (ctime is
 * the kernel's coarse clock). */
static struct timespec mark(void)
{
	struct timespec now;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
	now.tv_nsec += 1;
	usleep(30 * 1000);
	return now;
}

static AuthkeysFinding inspect1(const char *name, const struct timespec *since)
{
	const char *paths[1] = {path_of(name)};
	AuthkeysFinding f;

	assert_int_equal(authkeys_inspect(paths, 1, since, &f), 0);
	return f;
}

/* the line authkeys_find_internal_sftp() names in t, and why */
static void assert_line(const char *t, unsigned want_line, AuthkeysVerdict want)
{
	AuthkeysVerdict v = AUTHKEYS_TOO_LARGE;

	assert_int_equal(authkeys_find_internal_sftp(t, strlen(t), &v), want_line);
	assert_int_equal(v, want);
}

static void test_find_line(void **state)
{
	const char *t = "# command=\"internal-sftp\" ssh-ed25519 AAAA commented\n"
			"\n"
			"ssh-ed25519 AAAA internal-sftp in the comment, no option\n"
			"command=\"/usr/lib/openssh/sftp-server\" ssh-ed25519 AAAA\n"
			"  restrict,COMMAND=\"internal-sftp -R\" ssh-ed25519 AAAA\n";
	AuthkeysVerdict v;

	assert_int_equal(authkeys_find_internal_sftp(t, strlen(t), &v), 5);
	assert_int_equal(v, AUTHKEYS_SFTP);
	assert_int_equal(authkeys_find_internal_sftp(t, strlen(t) - 30, &v), 0); /* cut before */
	assert_int_equal(v, AUTHKEYS_OK);
	assert_line("\t#x\ncommand=\"x\" internal-sftp", 2, AUTHKEYS_SFTP);
	assert_line("", 0, AUTHKEYS_OK);
}

/* A cert-authority line without command=: the tenant's own CA key signs a certificate with
 * force-command=internal-sftp, which sshd applies (sshauthopt_merge()). */
static void test_cert_authority(void **state)
{
	assert_line("cert-authority ssh-ed25519 AAAA ca\n", 1, AUTHKEYS_CA);
	assert_line("ssh-ed25519 AAAA a\n  Cert-Authority,no-pty ssh-ed25519 AAAA\n", 2,
		    AUTHKEYS_CA);
	assert_line("restrict,CERT-AUTHORITY ssh-ed25519 AAAA\n", 1, AUTHKEYS_CA);
	assert_line("from=\"10.0.0.0/8,192.0.2.0/24\",cert-authority ssh-ed25519 AAAA\n", 1,
		    AUTHKEYS_CA);
	/* a command= that is no option (in the comment, in a quoted value) leaves it forced */
	assert_line("cert-authority ssh-ed25519 AAAA command=\"x\"\n", 1, AUTHKEYS_CA);
	assert_line("cert-authority,environment=\"X=a b,command=y\" ssh-ed25519 AAAA\n", 1,
		    AUTHKEYS_CA);
	assert_line("environment=\"X=\\\",command=y\",cert-authority ssh-ed25519 AAAA\n", 1,
		    AUTHKEYS_CA); /* \" inside the value does not end it */
	/* the line's own command=: sshd refuses a certificate that forces another one */
	assert_line("cert-authority,command=\"/bin/menu\" ssh-ed25519 AAAA\n", 0, AUTHKEYS_OK);
	assert_line("COMMAND=\"/bin/menu, x\",Cert-Authority ssh-ed25519 AAAA\n", 0, AUTHKEYS_OK);
	/* no cert-authority option: in a quoted value, the comment, a comment line */
	assert_line("environment=\"A=1,cert-authority\" ssh-ed25519 AAAA\n", 0, AUTHKEYS_OK);
	assert_line("ssh-ed25519 AAAA cert-authority in the comment\n", 0, AUTHKEYS_OK);
	assert_line(" # cert-authority ssh-ed25519 AAAA\n", 0, AUTHKEYS_OK);
	/* the first line of either kind is the one named */
	assert_line("cert-authority ssh-ed25519 AAAA\ncommand=\"internal-sftp\" ssh-ed25519 AAAA\n",
		    1, AUTHKEYS_CA);
}

static void test_expand(void **state)
{
	struct passwd pw = {.pw_name = "alice", .pw_dir = "/home/alice", .pw_uid = 1234};
	char out[64];

	assert_int_equal(authkeys_expand(".ssh/authorized_keys", &pw, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/alice/.ssh/authorized_keys");
	assert_int_equal(authkeys_expand("%h/k/%u.%U%%", &pw, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/alice/k/alice.1234%");
	assert_int_equal(authkeys_expand("/etc/ssh/keys/%u", &pw, out, sizeof(out)), 0);
	assert_string_equal(out, "/etc/ssh/keys/alice");
	assert_int_equal(authkeys_expand("%u/keys", &pw, out, sizeof(out)), 0);
	assert_string_equal(out, "/home/alice/alice/keys"); /* relative once expanded */
	assert_int_equal(authkeys_expand("~/keys/%u", &pw, out, sizeof(out)), 0);
	assert_string_equal(out, "/root/keys/alice"); /* sshd reads its configuration as root */
	assert_int_equal(authkeys_expand("/k/%i", &pw, out, sizeof(out)), -EINVAL);
	assert_int_equal(authkeys_expand("%h/%h/%h/%h/%h/%h", &pw, out, sizeof(out)),
			 -ENAMETOOLONG);
}

static void test_sftp_and_size(void **state)
{
	static char big[AUTHKEYS_FILE_MAX + 2];
	struct timespec since;
	AuthkeysFinding f;

	put_t("k1", "ssh-ed25519 AAAA a\ncommand=\"internal-sftp\" ssh-ed25519 AAAA b\n");
	put_t("ca", "ssh-ed25519 AAAA a\n\ncert-authority ssh-ed25519 AAAA ca\n");
	memset(big, 'x', sizeof(big) - 1);
	put_t("big", big);
	assert_int_equal(mkfifo(path_of("fifo"), 0644), 0);
	since = mark();
	f = inspect1("k1", &since);
	assert_int_equal(f.verdict, AUTHKEYS_SFTP);
	assert_int_equal(f.line, 2);
	assert_string_equal(f.path, path_of("k1"));
	f = inspect1("ca", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CA);
	assert_int_equal(f.line, 3);
	assert_string_equal(f.path, path_of("ca"));
	assert_int_equal(inspect1("big", &since).verdict, AUTHKEYS_TOO_LARGE);
	/* what sshd cannot read as keys: a FIFO (no block), a missing file */
	assert_int_equal(inspect1("fifo", &since).verdict, AUTHKEYS_OK);
	assert_int_equal(inspect1("missing", &since).verdict, AUTHKEYS_OK);
}

/* An open that fails for this process (no fd left), not for the file: sshd may have read it,
 * so the answer is the error (the caller refuses), not "nothing read". */
static void test_open_error_is_not_nothing(void **state)
{
	const char *paths[1];
	struct rlimit old, low;
	struct timespec since;
	AuthkeysFinding f;
	int fds[64], n = 0, r;

	put_t("emfile", "ssh-ed25519 AAAA a\n");
	paths[0] = path_of("emfile");
	since = mark();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 64;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 64) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	assert_int_equal(errno, EMFILE);
	r = authkeys_inspect(paths, 1, &since, &f);
	while (n > 0)
		assert_int_equal(close(fds[--n]), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(r, -EMFILE);
	/* with fds again, the same file reads */
	assert_int_equal(inspect1("emfile", &since).verdict, AUTHKEYS_OK);
}

static void test_changed(void **state)
{
	struct timespec since;
	AuthkeysFinding f;

	mkdir_t("h");
	mkdir_t("h/.ssh");
	mkdir_t("h/real");
	put_t("h/real/keys", "ssh-ed25519 AAAA a\n");
	symlink_t("../real/keys", "h/.ssh/link2");
	symlink_t("link2", "h/.ssh/authorized_keys");
	mkdir_t("h/empty");
	since = mark();
	f = inspect1("h/.ssh/authorized_keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_OK);
	assert_int_equal(inspect1("h/empty/none", &since).verdict, AUTHKEYS_OK);
	/* a symlink in the middle of the chain replaced: its directory is the first newer
	 * entry on the way */
	since = mark();
	assert_int_equal(unlink(path_of("h/.ssh/link2")), 0);
	symlink_t("../real/keys", "h/.ssh/link2");
	f = inspect1("h/.ssh/authorized_keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	assert_string_equal(f.path, path_of("h/.ssh"));
	/* the file at the end of the chain written in place */
	since = mark();
	put_t("h/real/keys", "ssh-ed25519 AAAA b\n");
	f = inspect1("h/.ssh/authorized_keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	assert_string_equal(f.path, path_of("h/real/keys"));
	/* a file removed (or renamed away) since: its directory tells */
	put_t("h/empty/gone", "command=\"internal-sftp\" ssh-ed25519 AAAA\n");
	since = mark();
	assert_int_equal(unlink(path_of("h/empty/gone")), 0);
	f = inspect1("h/empty/gone", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	assert_string_equal(f.path, path_of("h/empty"));
	/* a directory on the way renamed: h (an entry of the tenant's tmpdir) is newer first */
	mkdir_t("h/.ssh2");
	put_t("h/.ssh2/authorized_keys", "ssh-ed25519 AAAA c\n");
	since = mark();
	assert_int_equal(rename(path_of("h/.ssh2"), path_of("h/.ssh3")), 0);
	f = inspect1("h/.ssh3/authorized_keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	assert_string_equal(f.path, path_of("h"));
}

/* A key file reached through /proc: the kernel follows /proc/PID/root into that process's own
 * root (an alcove's mount namespace), not the host path its text names. */
static void test_proc(void **state)
{
	char target[AUTHKEYS_PATH_MAX];
	struct timespec since;
	AuthkeysFinding f;

	put_t("pk", "ssh-ed25519 AAAA a\n");
	snprintf(target, sizeof(target), "/proc/self/root%s", path_of("pk"));
	symlink_t(target, "pl");
	mkdir_t("pd");
	symlink_t("/proc/self/cwd", "pd/.ssh"); /* a directory on the way */
	since = mark();
	f = inspect1("pl", &since);
	assert_int_equal(f.verdict, AUTHKEYS_PROC);
	assert_string_equal(f.path, path_of("pl"));
	f = inspect1("pd/.ssh/authorized_keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_PROC);
	assert_string_equal(f.path, path_of("pd/.ssh/authorized_keys"));
	assert_int_equal(inspect1("pk", &since).verdict, AUTHKEYS_OK); /* the file itself */
}

/* Entries of root's own directories are not the tenant's to change (/home's, useradd's) */
static void test_roots_own(void **state)
{
	struct timespec since;

	assert_int_equal(mkdir(path_of("r"), 0755), 0); /* root's, 0755 */
	assert_int_equal(mkdir(path_of("r/home"), 0755), 0);
	assert_int_equal(chown(path_of("r/home"), TENANT, TENANT), 0);
	put_t("r/home/keys", "ssh-ed25519 AAAA a\n");
	since = mark();
	assert_int_equal(chown(path_of("r/home"), TENANT, 0), 0); /* root changes the entry */
	assert_int_equal(inspect1("r/home/keys", &since).verdict, AUTHKEYS_OK);
	assert_int_equal(chmod(path_of("r"), 0775), 0); /* group-writable: not root's alone */
	assert_int_equal(inspect1("r/home/keys", &since).verdict, AUTHKEYS_CHANGED);
}

static void test_newer(void **state)
{
	struct timespec since = {.tv_sec = 1000, .tv_nsec = 500};
	struct stat st = {.st_ctim = {.tv_sec = 1000, .tv_nsec = 499}};

	assert_false(authkeys_newer(&st, &since));
	st.st_ctim.tv_nsec = 500;
	assert_true(authkeys_newer(&st, &since));
	/* stored to the second (or two): 999.0 may stand for a change at 1000.9 */
	st.st_ctim = (struct timespec){.tv_sec = 999, .tv_nsec = 0};
	assert_true(authkeys_newer(&st, &since));
	st.st_ctim.tv_sec = 998;
	assert_false(authkeys_newer(&st, &since));
}

static void test_since(void **state)
{
	struct timespec a, b, now;

	assert_int_equal(authkeys_since(0, &a), 0);
	assert_int_equal(authkeys_since(2000, &b), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
	assert_true(a.tv_sec <= now.tv_sec);
	assert_true(a.tv_sec - b.tv_sec >= 1 && a.tv_sec - b.tv_sec <= 3);
	assert_true(now.tv_sec - a.tv_sec < 600); /* this test started minutes ago at most */
}

static void put_at(const char *path, const char *text, uid_t owner)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chown(path, owner, owner), 0);
}

/* The one text of a finding, as pam_alcove's journal line and alcovectl explain say it: the
 * file (and line), why, and the user's remedy where there is one. */
static void test_describe(void **state)
{
	static const struct {
		AuthkeysVerdict verdict;
		const char *reason, *remedy;
	} want[] = {
	    {AUTHKEYS_SFTP,
	     "/h/.ssh/k:3 forces internal-sftp, which sshd serves in-process, outside the alcove",
	     "use command=\"/usr/lib/openssh/sftp-server\""},
	    {AUTHKEYS_CA,
	     "/h/.ssh/k:3 is cert-authority without command=: a certificate it signs may force "
	     "internal-sftp, which sshd serves in-process, outside the alcove",
	     "give the line a command= option"},
	    {AUTHKEYS_CHANGED,
	     "/h/.ssh/k changed while this connection was being authenticated: the key options "
	     "sshd took from it cannot be checked",
	     ""},
	    {AUTHKEYS_PROC,
	     "/h/.ssh/k goes through /proc, which sshd follows into another mount namespace: the "
	     "key options sshd took from it cannot be checked",
	     ""},
	    {AUTHKEYS_TOO_LARGE,
	     "/h/.ssh/k is larger than 1024 KiB: it cannot be checked for a key that forces "
	     "internal-sftp",
	     ""},
	};
	char reason[1024], remedy[256];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		AuthkeysFinding f = {.verdict = want[i].verdict, .line = 3, .path = "/h/.ssh/k"};

		authkeys_describe(&f, reason, sizeof(reason), remedy, sizeof(remedy));
		assert_string_equal(reason, want[i].reason);
		assert_string_equal(remedy, want[i].remedy);
	}
}

/* A walk that ends on a change names the path it walked, through the tenant's symlinks: a
 * directory named with a newline and a terminal escape must not reach explain's output or the
 * journal raw, where it would forge a line of its own. */
static void test_describe_escapes(void **state)
{
	static const char evil[] = "x\n\x1b[2Jdecision  skip: spoofed";
	char name[128], want[256], reason[2048], remedy[256];
	struct timespec since;
	AuthkeysFinding f;

	mkdir_t("e");
	snprintf(name, sizeof(name), "e/%s", evil);
	mkdir_t(name);
	snprintf(name, sizeof(name), "e/%s/keys", evil);
	put_t(name, "ssh-ed25519 AAAA a\n");
	symlink_t(evil, "e/.ssh");
	since = mark();
	put_t(name, "ssh-ed25519 AAAA b\n"); /* written after sshd read it */
	f = inspect1("e/.ssh/keys", &since);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	authkeys_describe(&f, reason, sizeof(reason), remedy, sizeof(remedy));
	assert_null(strchr(reason, '\n'));
	assert_null(strchr(reason, '\x1b'));
	snprintf(want, sizeof(want),
		 "/e/x\\x0a\\x1b[2Jdecision\\x20\\x20skip:\\x20spoofed/keys "
		 "changed while");
	assert_non_null(strstr(reason, want));
}

/* keys_check(): with the tenant's groups and file-system ids it reads what the tenant can read, and
 * "since" is this process's start. In root's own directories under /run (not the sticky
 * /var/tmp, whose entries anyone changes), so that only the tenant's own file counts. */
static void test_keys_check_as_user(void **state)
{
	char base[] = "/run/alcove-test-authkeys-XXXXXX", p[128], cmd[160];
	gid_t gids[1] = {TENANT};
	LoginInfo u = {.user = "nobody", .home = base, .uid = TENANT, .gids = gids, .n_gids = 1};
	SshdSftp s = {.n_key_files = 2};
	AuthkeysFinding f;
	AlcError e = {0};
	gid_t before[8], after[8];
	int n_before = getgroups(8, before);

	assert_true(n_before >= 0);

	assert_non_null(mkdtemp(base));
	assert_int_equal(chmod(base, 0755), 0);
	snprintf(s.key_files[0], sizeof(s.key_files[0]), "a");
	snprintf(s.key_files[1], sizeof(s.key_files[1]), "%%h/closed/b");
	snprintf(p, sizeof(p), "%s/a", base);
	put_at(p, "ssh-ed25519 AAAA a\n", 0);
	snprintf(p, sizeof(p), "%s/closed", base);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/closed/b", base);
	put_at(p, "command=\"internal-sftp\" ssh-ed25519 AAAA\n", 0);
	/* root could read closed/b; the tenant, like sshd reading as the tenant, cannot */
	assert_int_equal(keys_check(&s, &u, &f, &e), 0);
	assert_int_equal(f.verdict, AUTHKEYS_OK);
	snprintf(p, sizeof(p), "%s/closed", base);
	assert_int_equal(chmod(p, 0755), 0);
	assert_int_equal(keys_check(&s, &u, &f, &e), 0);
	assert_int_equal(f.verdict, AUTHKEYS_SFTP);
	assert_int_equal(f.line, 1);
	snprintf(p, sizeof(p), "%s/closed/b", base);
	assert_string_equal(f.path, p);
	/* the tenant's own file, written after this process started */
	snprintf(p, sizeof(p), "%s/closed", base);
	assert_int_equal(chmod(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/a", base);
	assert_int_equal(chown(p, TENANT, TENANT), 0);
	assert_int_equal(keys_check(&s, &u, &f, &e), 0);
	assert_int_equal(f.verdict, AUTHKEYS_CHANGED);
	assert_string_equal(f.path, p);
	/* and the caller is itself again: root's file-system ids and its own groups */
	assert_int_equal(setfsuid((uid_t)-1), 0);
	assert_int_equal(setfsgid((gid_t)-1), 0);
	assert_int_equal(getgroups(8, after), n_before);
	assert_memory_equal(after, before, (size_t)n_before * sizeof(gid_t));
	assert_int_equal(e.err, 0);
	/* a key file name that cannot be expanded: -errno, and the message names it */
	snprintf(s.key_files[1], sizeof(s.key_files[1]), "%%q/b");
	assert_int_equal(keys_check(&s, &u, &f, &e), -EINVAL);
	assert_string_equal(e.stage, KEYS_STAGE);
	assert_string_equal(e.msg, "Failed to expand key file name '%q/b': Invalid argument");
	/* no home: refused with a message, never an unset one */
	u.home = NULL;
	assert_int_equal(keys_check(&s, &u, &f, &e), -EINVAL);
	assert_string_equal(e.msg, "Failed to check the key files of nobody: no home directory");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_line),
	    cmocka_unit_test(test_cert_authority),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_proc),
	    cmocka_unit_test(test_sftp_and_size),
	    cmocka_unit_test(test_open_error_is_not_nothing),
	    cmocka_unit_test(test_changed),
	    cmocka_unit_test(test_roots_own),
	    cmocka_unit_test(test_since),
	    cmocka_unit_test(test_newer),
	    cmocka_unit_test(test_keys_check_as_user),
	    cmocka_unit_test(test_describe),
	    cmocka_unit_test(test_describe_escapes),

	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
