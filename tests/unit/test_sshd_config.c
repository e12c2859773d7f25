/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where sshd_config serves sftp in-process (common/sshd_config.c), on files in a temp dir. */
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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmpdir_testlib.h"

#include "lobby_marker.h"
#include "sshd_config.h"

static int setup(void **state)
{
	if (tmpdir_make("/var/tmp/alcove-test-sshdconf") < 0)
		return -1;
	return mkdir(path_of("d"), 0700);
}

static int teardown(void **state)
{
	return tmpdir_remove();
}

static SshdSftp read_ok(const char *name)
{
	SshdSftp s;
	AlcError e = {0};

	assert_int_equal(sshd_config_sftp(path_of(name), &s, &e), 0);
	return s;
}

static void test_debian_stock_is_clean(void **state)
{
	put("stock", "Include /nonexistent.d/*.conf\n"
		     "KbdInteractiveAuthentication no\nUsePAM yes\n"
		     "# Subsystem sftp internal-sftp\n"
		     "Subsystem\tsftp\t/usr/lib/openssh/sftp-server\n");
	SshdSftp s = read_ok("stock");
	assert_int_equal(s.n_global + s.n_match, 0);
}

static void test_global_subsystem(void **state)
{
	char where[300];

	put("g", "Port 22\n\n  subsystem  sftp  internal-sftp -f AUTHPRIV   \n");
	SshdSftp s = read_ok("g");
	assert_int_equal(s.n_global, 1);
	snprintf(where, sizeof(where), "%s:3", path_of("g"));
	assert_string_equal(s.global.where, where);
	assert_string_equal(s.global.text, "Subsystem sftp internal-sftp");
	assert_false(s.global.forced);
	assert_string_equal(sshd_sftp_advice(&s.global),
			    "Subsystem sftp /usr/lib/openssh/sftp-server");
}

static void test_equals_and_quotes(void **state)
{
	put("eq", "SUBSYSTEM=sftp \"internal-sftp\"\nForceCommand = internal-sftp -R\n");
	SshdSftp s = read_ok("eq");
	assert_int_equal(s.n_global, 2);
	assert_string_equal(s.global.text, "Subsystem sftp internal-sftp");
	put("eq2", "ForceCommand=internal-sftp\n");
	s = read_ok("eq2");
	assert_int_equal(s.n_global, 1);
	assert_true(s.global.forced);
	assert_string_equal(s.global.text, "ForceCommand internal-sftp");
	assert_string_equal(sshd_sftp_advice(&s.global),
			    "ForceCommand /usr/lib/openssh/sftp-server");
	/* as sshd 9.2 reads them (sshd -T): a quoted keyword, a quote inside one, a backslash
	 * before a blank in a word */
	put("q1", "\"Subsystem\" sftp internal-sftp\n");
	assert_int_equal(read_ok("q1").n_global, 1);
	put("q2", "Sub\"system\" sftp internal-sftp\n");
	assert_int_equal(read_ok("q2").n_global, 1);
	put("q3", "Subsystem sftp\\ x internal-sftp\n");
	s = read_ok("q3");
	assert_int_equal(s.n_global, 1);
	assert_string_equal(s.global.text, "Subsystem sftp x internal-sftp");
	put("q4", "\"ForceCommand\" internal-sftp\n");
	assert_true(read_ok("q4").global.forced);
	put("q5", "Subsystem sftp internal\\-sftp\n"); /* an escape sshd does not know stays */
	assert_int_equal(read_ok("q5").n_global, 0);
}

/* The first global one wins, for each subsystem name and for ForceCommand; a command that
 * only starts with the word, or a quoted ForceCommand, is not internal-sftp. */
static void test_first_wins_and_near_misses(void **state)
{
	put("fw", "Subsystem sftp /usr/lib/openssh/sftp-server\nSubsystem sftp internal-sftp\n"
		  "ForceCommand /bin/true\nForceCommand internal-sftp\n"
		  "Subsystem other internal-sftpx\nSubsystem x \"internal-sftp \"\n"
		  "Subsystem # internal-sftp\n");
	SshdSftp s = read_ok("fw");
	assert_int_equal(s.n_global + s.n_match, 0);
	put("fw2", "ForceCommand \"internal-sftp\"\nSubsystem files internal-sftp\n");
	s = read_ok("fw2");
	assert_int_equal(s.n_global, 1);
	assert_string_equal(s.global.text, "Subsystem files internal-sftp");
}

static void test_match_block(void **state)
{
	char where[300];

	put("m", "Subsystem sftp /usr/lib/openssh/sftp-server\n"
		 "Match Group sftponly\n  ChrootDirectory %h\n  ForceCommand internal-sftp\n"
		 "Match all\nX11Forwarding no\n");
	SshdSftp s = read_ok("m");
	assert_int_equal(s.n_global, 0);
	assert_int_equal(s.n_match, 2); /* the jail, then internal-sftp: the first is named */
	snprintf(where, sizeof(where), "%s:3", path_of("m"));
	assert_string_equal(s.match.where, where);
	assert_true(s.match.in_match && s.match.chroot);
	/* after Match all, lines apply to every connection again */
	put("m2", "match user bob\nForceCommand internal-sftp\nMatch All\n"
		  "ForceCommand internal-sftp\n");
	s = read_ok("m2");
	assert_int_equal(s.n_match, 1);
	assert_int_equal(s.n_global, 1);
	assert_false(s.global.in_match);
}

/* Include: globs in order, a relative one under /etc/ssh; a Match begun in an included file
 * ends with it, one begun before the Include goes on through it. */
static void test_include(void **state)
{
	char text[1024], where[300];

	put("d/10-a.conf", "Match User alice\nForceCommand internal-sftp\n");
	put("d/20-b.conf", "Subsystem sftp internal-sftp\n");
	snprintf(text, sizeof(text), "Include %s/d/*.conf\nInclude sshd_config.d/nothing-*.x\n",
		 tmpdir);
	put("inc", text);
	SshdSftp s = read_ok("inc");
	assert_int_equal(s.n_match, 1);
	assert_int_equal(s.n_global, 1);
	snprintf(where, sizeof(where), "%s:1", path_of("d/20-b.conf"));
	assert_string_equal(s.global.where, where);
	snprintf(text, sizeof(text), "Match Group g\nInclude \"%s/d/20-b.conf\"\n", tmpdir);
	put("inc2", text);
	s = read_ok("inc2");
	assert_int_equal(s.n_global, 0);
	assert_int_equal(s.n_match, 1);
}

/* An Include of more patterns than are read here is refused: sshd reads them all, and the one
 * past the last read here (the 34th) serves sftp in-process. */
static void test_include_too_many_patterns(void **state)
{
	char text[4096], name[64];
	size_t len;
	AlcError e = {0};
	SshdSftp s;

	assert_int_equal(mkdir(path_of("many"), 0700), 0);
	len = (size_t)snprintf(text, sizeof(text), "Include");
	for (int i = 1; i <= 34; i++) {
		snprintf(name, sizeof(name), "many/%02d.conf", i);
		put(name, i == 34 ? "ForceCommand internal-sftp\n" : "Port 22\n");
		len += (size_t)snprintf(text + len, sizeof(text) - len, " %s", path_of(name));
		assert_true(len < sizeof(text));
	}
	snprintf(text + len, sizeof(text) - len, "\n");
	put("inc-many", text);
	assert_int_equal(sshd_config_sftp(path_of("inc-many"), &s, &e), -E2BIG);
	assert_non_null(strstr(e.msg, "more than 32 patterns"));
	assert_non_null(strstr(e.msg, path_of("inc-many")));
	/* 32 patterns and a comment are read, the 32nd file's finding too */
	snprintf(text, sizeof(text), "Include");
	len = strlen(text);
	for (int i = 3; i <= 34; i++) {
		snprintf(name, sizeof(name), "many/%02d.conf", i);
		len += (size_t)snprintf(text + len, sizeof(text) - len, " %s", path_of(name));
	}
	snprintf(text + len, sizeof(text) - len, " # more\n");
	put("inc-32", text);
	s = read_ok("inc-32");
	assert_int_equal(s.n_global, 1);
	assert_true(s.global.forced);
}

static void test_missing_and_errors(void **state)
{
	char text[512];
	AlcError e = {0};
	SshdSftp s;

	assert_int_equal(sshd_config_sftp(path_of("none"), &s, &e), 0);
	assert_int_equal(s.n_global + s.n_match, 0);
	/* a symlink is followed, as sshd does: what it points at counts */
	put("g2", "Subsystem sftp internal-sftp\n");
	assert_int_equal(symlink(path_of("g2"), path_of("link")), 0);
	assert_int_equal(sshd_config_sftp(path_of("link"), &s, &e), 0);
	assert_int_equal(s.n_global, 1);
	/* a FIFO would read as empty: refused, naming the file */
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	assert_int_equal(sshd_config_sftp(path_of("fifo"), &s, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "not a regular file"));
	assert_int_equal(e.err, EINVAL);
	assert_string_equal(e.stage, "sshd_config");
	/* an Include of itself: bounded */
	snprintf(text, sizeof(text), "Include %s\n", path_of("loop"));
	put("loop", text);
	assert_int_equal(sshd_config_sftp(path_of("loop"), &s, &e), -ELOOP);
	assert_non_null(strstr(e.msg, "Include nested"));
	/* an unreadable included file (a directory) */
	snprintf(text, sizeof(text), "Include %s\n", path_of("d"));
	put("incdir", text);
	assert_int_equal(sshd_config_sftp(path_of("incdir"), &s, &e), -EISDIR);
	assert_non_null(strstr(e.msg, path_of("d")));
}

static void assert_files(SshdSftp s, size_t n, const char *const *names)
{
	assert_int_equal(s.n_key_files, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(s.key_files[i], names[i]);
}

/* Every file a key line may come from: a key's command="internal-sftp" is in-process sftp too */
static void test_authorized_keys(void **state)
{
	SshdSftp s;
	char text[8192] = "AuthorizedKeysFile";

	put("k0", "Port 22\n");
	assert_files(read_ok("k0"), 2,
		     (const char *[]){".ssh/authorized_keys", ".ssh/authorized_keys2"}); /* default */
	put("k1", "AuthorizedKeysFile /etc/ssh/keys/%u\nAuthorizedKeysFile .ssh/authorized_keys\n");
	assert_files(read_ok("k1"), 1, (const char *[]){"/etc/ssh/keys/%u"}); /* the first wins */
	put("k3", "AuthorizedKeysFile none\n");
	assert_files(read_ok("k3"), 0, NULL);
	/* a Match block's and the principals file's come after, whatever their order */
	put("k4", "Match Group staff\n\tAuthorizedKeysFile /etc/ssh/k2/%u \"%h/my keys\"\n"
		  "Match all\nAuthorizedPrincipalsFile %h/.ssh/principals\n"
		  "AuthorizedKeysFile %h/.ssh/k\n");
	assert_files(read_ok("k4"), 4,
		     (const char *[]){"%h/.ssh/k", "/etc/ssh/k2/%u", "%h/my keys", "%h/.ssh/principals"});
	put("k5", "ForceCommand /usr/local/bin/menu\n");
	assert_files(read_ok("k5"), 0, NULL); /* it wins over a key's command= */
	/* none is no forced command (servconf.c, sshd 7.2+): the key files are read */
	const char *const dflt[] = {".ssh/authorized_keys", ".ssh/authorized_keys2"};
	put("k7", "ForceCommand NONE\n");
	assert_files(read_ok("k7"), 2, dflt);
	put("k8", "ForceCommand none\nForceCommand /usr/local/bin/menu\n"); /* the first wins */
	assert_files(read_ok("k8"), 2, dflt);
	put("k9", "ForceCommand \"none\"\n"); /* the quotes stay: a command named "none" */
	assert_files(read_ok("k9"), 0, NULL);
	/* a Match block's none clears the global one for whom it selects; any ForceCommand in
	 * a block keeps the files read (which blocks select a login is not known here) */
	put("k10", "ForceCommand /usr/local/bin/menu\nMatch User alice\n\tForceCommand none\n");
	assert_files(read_ok("k10"), 2, dflt);
	put("k11", "ForceCommand /usr/local/bin/menu\nMatch User bob\n\tForceCommand /bin/b\n");
	assert_files(read_ok("k11"), 2, dflt);
	for (int i = 0; i < SSHD_KEY_FILES_MAX + 1; i++)
		strcat(text, " k");
	strcat(text, "\n");
	put("k6", text);
	s = read_ok("k6");
	assert_true(s.key_files_overflow);
}

static SshdSftp read_conn(const char *name, const char *user, const char *group)
{
	const char *const groups[] = {user, group};
	SshdConn conn = {.user = user, .host = "192.0.2.7", .groups = groups, .n_groups = 2};
	SshdSftp s;
	AlcError e = {0};

	assert_int_equal(sshd_config_sftp_conn(path_of(name), &conn, &s, &e), 0);
	return s;
}

/* The shared host's setup for uncontained sftp-only users: only who the block selects counts;
 * sshd takes the first selecting block's ForceCommand. */
static void test_match_for_connection(void **state)
{
	char where[300];
	SshdSftp s;

	put("m1", "Subsystem sftp /usr/lib/openssh/sftp-server\n"
		  "Match Group sftponly\n\tChrootDirectory %h\n\tForceCommand internal-sftp\n");
	assert_int_equal(read_ok("m1").n_match, 2); /* the jail, then internal-sftp */
	assert_int_equal(read_conn("m1", "alice", "staff").n_match, 0);
	s = read_conn("m1", "bob", "sftponly");
	assert_int_equal(s.n_match, 2);
	snprintf(where, sizeof(where), "%s:3", path_of("m1"));
	assert_string_equal(s.match.where, where);
	assert_true(s.match.chroot && s.match.in_match);
	assert_string_equal(s.match.unknown, "");
	put("m1b", "Match Group sftponly\n\tForceCommand internal-sftp\n");
	s = read_conn("m1b", "bob", "sftponly");
	assert_int_equal(s.n_match, 1);
	assert_true(s.match.forced && !s.match.chroot);

	put("m2", "Match LocalPort 2222\nForceCommand internal-sftp\n");
	s = read_conn("m2", "alice", "staff");
	assert_int_equal(s.n_match, 1);
	assert_string_equal(s.match.unknown, "LocalPort");

	put("m3", "Match User alice\nForceCommand /usr/local/bin/menu\n"
		  "Match Group staff\nForceCommand internal-sftp\n"
		  "Match Address 10.0.0.0/8\nSubsystem sftp internal-sftp\n");
	assert_int_equal(read_conn("m3", "alice", "staff").n_match, 0); /* the menu wins */
	assert_int_equal(read_conn("m3", "carol", "staff").n_match, 1);
	assert_int_equal(read_conn("m3", "carol", "users").n_match, 0);

	put("m4", "Match User !alice,*\nSubsystem sftp internal-sftp\nMatch all\n"
		  "Match User carol\nSubsystem sftp internal-sftp\n");
	assert_int_equal(read_conn("m4", "alice", "staff").n_match, 0);
	assert_int_equal(read_conn("m4", "carol", "staff").n_match, 1);

	/* a Match in an included file ends with it; one around an Include goes through it */
	char text[1024];
	put("d/30-m.inc", "Match User carol\nPermitTunnel no\n");
	snprintf(text, sizeof(text),
		 "Match Group g\nInclude %s/d/30-m.inc\nForceCommand internal-sftp\n", tmpdir);
	put("m5", text);
	assert_int_equal(read_conn("m5", "carol", "users").n_match, 0);
	assert_int_equal(read_conn("m5", "carol", "g").n_match, 1);
	snprintf(text, sizeof(text), "Include %s/d/30-m.inc\nForceCommand internal-sftp\n",
		 tmpdir);
	put("m6", text);
	assert_int_equal(read_ok("m6").n_global, 1); /* global again after the Include */

	/* User is matched against the name typed too (sshd's): "Alice" for the account alice */
	SshdConn typed = {.user = "alice", .typed_user = "Alice", .host = "192.0.2.7"};
	AlcError e = {0};

	put("m7", "Match User Alice\nForceCommand internal-sftp\n");
	assert_int_equal(sshd_config_sftp_conn(path_of("m7"), &typed, &s, &e), 0);
	assert_int_equal(s.n_match, 1);
	assert_int_equal(read_conn("m7", "alice", "staff").n_match, 0);
}

/* ChrootDirectory: sshd runs the shell inside the jail, where alcove-enter is not: the first
 * global one (not none), and any of a selecting Match block. */
static void test_chroot(void **state)
{
	SshdSftp s;

	put("c1", "ChrootDirectory /srv/jail/%u\nChrootDirectory none\n");
	s = read_ok("c1");
	assert_int_equal(s.n_global, 1);
	assert_true(s.global.chroot && !s.global.forced);
	assert_string_equal(s.global.text, "ChrootDirectory /srv/jail/%u");
	assert_string_equal(sshd_finding_why(&s.global),
			    "sshd chroots the login and runs its shell in the jail, outside the "
			    "alcove");
	assert_string_equal(sshd_sftp_advice(&s.global),
			    "ChrootDirectory none for contained users (the alcove is their jail)");
	put("c2", "ChrootDirectory none\nChrootDirectory /srv/jail\n");
	assert_int_equal(read_ok("c2").n_global, 0); /* the first one wins: none */
	put("c3", "Match User bob\n\tChrootDirectory \"/srv/jail\"\n");
	assert_int_equal(read_conn("c3", "alice", "staff").n_match, 0);
	s = read_conn("c3", "bob", "staff");
	assert_int_equal(s.n_match, 1);
	assert_true(s.match.chroot);
	assert_string_equal(s.match.text, "ChrootDirectory /srv/jail");
	assert_string_equal(sshd_finding_why(&(SshdSftpFinding){0}),
			    "sshd serves sftp in-process, outside the alcove");
}

/* The PAM application is sshd by its executable, whatever its service is named. */
static void test_exe_is_sshd(void **state)
{
	assert_true(sshd_exe_is_sshd("/usr/sbin/sshd"));
	assert_true(sshd_exe_is_sshd("/usr/lib/openssh/sshd-session"));
	assert_true(sshd_exe_is_sshd("/usr/lib/openssh/sshd-auth"));
	assert_true(sshd_exe_is_sshd("/usr/sbin/sshd (deleted)"));
	assert_false(sshd_exe_is_sshd("/usr/sbin/sshdx"));
	assert_false(sshd_exe_is_sshd("/usr/libexec/cockpit-session"));
	assert_false(sshd_exe_is_sshd("/usr/bin/su"));
	assert_false(sshd_exe_is_sshd(" (deleted)"));
}

/* PermitTunnel as sshd applies it: the first global one, overridden by the first selecting
 * Match block's. */
static void test_permit_tunnel(void **state)
{
	SshdSftp s;

	put("t0", "Port 22\n");
	s = read_ok("t0");
	assert_false(s.tunnel); /* sshd's default: no */
	assert_string_equal(s.tunnel_where, "");
	put("t1", "PermitTunnel point-to-point\nPermitTunnel no\n");
	s = read_ok("t1");
	assert_true(s.tunnel);
	assert_string_equal(s.tunnel_value, "point-to-point");
	put("t2", "PermitTunnel no\nMatch Group vpn\n\tPermitTunnel yes\n"
		  "Match User alice\n\tPermitTunnel ethernet\n");
	s = read_ok("t2");
	assert_false(s.tunnel);
	assert_int_equal(s.n_match_tunnel, 2);
	assert_false(read_conn("t2", "bob", "staff").tunnel);
	s = read_conn("t2", "bob", "vpn");
	assert_true(s.tunnel);
	assert_string_equal(s.tunnel_value, "yes"); /* the first selecting block wins */
	assert_true(read_conn("t2", "alice", "staff").tunnel);
	put("t3", "PermitTunnel yes\nMatch User alice\n\tPermitTunnel no\n");
	assert_false(read_conn("t3", "alice", "staff").tunnel);
	assert_true(read_conn("t3", "bob", "staff").tunnel);
}

/* UseDNS: the first global one; sshd refuses it in a Match block. */
static void test_use_dns(void **state)
{
	SshdSftp s;

	put("u0", "Port 22\n");
	assert_false(read_ok("u0").use_dns); /* sshd's default: no */
	put("u1", "usedns=yes\nUseDNS no\n");
	s = read_ok("u1");
	assert_true(s.use_dns);
	assert_non_null(strstr(s.use_dns_where, "/u1:1"));
	put("u2", "UseDNS no\nUseDNS yes\nMatch User bob\n\tUseDNS yes\n");
	assert_false(read_ok("u2").use_dns);
}

/* PermitUserEnvironment (the first global one, as written) and every AcceptEnv pattern, with
 * its line: what ctl/bash_env.c decides on. */
static void test_env(void **state)
{
	SshdEnv *env = calloc(1, sizeof(*env));
	AlcError e = {0};

	assert_non_null(env);
	put("e0", "AcceptEnv LANG LC_*\n");
	assert_int_equal(sshd_config_env(path_of("e0"), env, &e), 0);
	assert_string_equal(env->permit_user_env, "");
	assert_int_equal(env->n_accept_env, 2);
	assert_string_equal(env->accept_env[1], "LC_*");
	put("e1", "permituserenvironment=yes\nPermitUserEnvironment no\nAcceptEnv LANG\n"
		  "Match User bob\n\tAcceptEnv \"BASH_FUNC_*\"\n\tPermitUserEnvironment no\n");
	assert_int_equal(sshd_config_env(path_of("e1"), env, &e), 0);
	assert_string_equal(env->permit_user_env, "yes");
	assert_non_null(strstr(env->permit_user_env_where, "/e1:1"));
	assert_int_equal(env->n_accept_env, 2);
	assert_string_equal(env->accept_env[1], "BASH_FUNC_*");
	assert_non_null(strstr(env->accept_env_where[1], "/e1:5"));
	assert_false(env->accept_env_overflow);
	free(env);
}

static bool xauth_warns(const char *name, char buf[1024])
{
	SshdSftp s = read_ok(name);

	return sshd_xauth_warning(&s, LOBBY_XAUTH_PATH, buf, 1024);
}

/* X11Forwarding and XAuthLocation: only an xauth other than the lobby's, which alcove-enter
 * bounds, with X11 forwarded, is warned about, naming its line. */
static void test_xauth(void **state)
{
	char buf[1024];

	put("x0", "X11Forwarding yes\n"); /* sshd's default XAuthLocation */
	assert_false(xauth_warns("x0", buf));
	put("x1", "X11Forwarding yes\nXAuthLocation /usr/bin/xauth\n");
	assert_false(xauth_warns("x1", buf));
	put("x2", "Port 22\nx11forwarding=Yes\nxauthlocation \"/opt/x/xauth\"\n"
		  "XAuthLocation /usr/bin/xauth\n");
	assert_true(xauth_warns("x2", buf));
	assert_int_equal(strncmp(buf, "sshd_config ", 12), 0);
	assert_non_null(strstr(buf, "/x2:3: XAuthLocation /opt/x/xauth: alcove bounds only "
				    "/usr/bin/xauth,"));
	assert_non_null(strstr(buf, "with /opt/x/xauth it runs unbounded (host memory)"));
	put("x3", "XAuthLocation /opt/x/xauth\n"); /* sshd's default: X11Forwarding no */
	assert_false(xauth_warns("x3", buf));
	put("x4", "X11Forwarding no\nX11Forwarding yes\nXAuthLocation /opt/x/xauth\n");
	assert_false(xauth_warns("x4", buf));
	put("x5", "XAuthLocation /opt/x/xauth\nMatch User bob\n\tX11Forwarding yes\n");
	assert_true(xauth_warns("x5", buf));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_stock_is_clean),
	    cmocka_unit_test(test_global_subsystem),
	    cmocka_unit_test(test_equals_and_quotes),
	    cmocka_unit_test(test_first_wins_and_near_misses),
	    cmocka_unit_test(test_match_block),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_include_too_many_patterns),
	    cmocka_unit_test(test_missing_and_errors),
	    cmocka_unit_test(test_authorized_keys),
	    cmocka_unit_test(test_match_for_connection),
	    cmocka_unit_test(test_chroot),
	    cmocka_unit_test(test_exe_is_sshd),
	    cmocka_unit_test(test_permit_tunnel),
	    cmocka_unit_test(test_use_dns),
	    cmocka_unit_test(test_env),
	    cmocka_unit_test(test_xauth),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
