#!/bin/bash
# The packaged install, as a new admin does it (issue 6), in a freshly booted bookworm
# container (TESTING.md layer 3): make check-deb (packages + lintian), `apt install` of the two
# .debs with their dependencies from Debian, the shipped policy selecting nobody,
# `pam-auth-update --enable alcove` and one rule for a group (debian/tests/login, the
# autopkgtest, run inside), ssh from the host side into the container's sshd: a member lands
# in an alcove with a delegated scope, a non-member on the host; `apt remove` takes the module
# out of PAM and logins keep working; purge keeps the users' data in /var/lib/alcove.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

IN=alcfin OUT=alcfout GROUP=alcfgrp

# A failure inside the container comes with the end of its journal (pam_alcove, the helper
# and sshd log there).
# alcove's own lines (module and helper) come last, next to the failure, so that an excerpt of
# the output that keeps only its end still shows why.
ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q -n 60 2>&1 | sed 's/^/#   /'
	echo "# alcove's lines in it:"
	ct_run journalctl -b --no-pager -q -t pam_alcove -t alcove-helper -t alcove-init -n 20 2>&1 |
		sed 's/^/#   /'
	fail "$@"
}

mkdir -p "$BUILD"
make -s -C "$ALCOVE_SRC" check-deb >"$BUILD/check-deb.log" 2>&1 ||
	fail "make check-deb: $(tail -20 "$BUILD/check-deb.log")"
pass "make check-deb: packages built, lintian clean"
debs=("$BUILD"/deb/libpam-alcove_*.deb "$BUILD"/deb/alcove_*.deb)
[ -e "${debs[0]}" ] && [ -e "${debs[1]}" ] || fail "no .debs in $BUILD/deb"
for d in "${debs[@]}"; do echo "# $(basename "$d"): $(stat -c %s "$d") bytes"; done

# The rootfs has none of alcove's own dependencies installed that the base system lacks:
# their .debs wait in the container's apt cache (with the package lists kept), so apt inside
# the offline container resolves them from Debian's metadata, as it would on a real host.
deps=$(for d in "${debs[@]}"; do dpkg-deb -f "$d" Depends; done |
	tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep -v -x -e alcove -e libpam-alcove -e '' | sort -u)
pkgs=$(echo "$NSPAWN_PACKAGES" | tr ',' '\n' | grep -v -x -F "$deps" | paste -sd,)
NSPAWN_INSTALL=none
# autopkgtest and dpkg-dev: debian/tests runs under the real autopkgtest runner (null testbed).
NSPAWN_ROOTFS_ARGS=("$pkgs,openssh-client,autopkgtest,dpkg-dev" --skip=cleanup/apt/lists --skip=cleanup/apt/cache
	--customize-hook="APT_CONFIG=\$MMDEBSTRAP_APT_CONFIG apt-get -q clean && APT_CONFIG=\$MMDEBSTRAP_APT_CONFIG apt-get -q -y --download-only install $(echo $deps)")
nspawn_boot

# (no ${...} in commands for ct_run: systemd-run expands them as environment variables)
missing=$(for p in $deps; do ct_run dpkg -s "$p" 2>/dev/null | grep -qx 'Status: install ok installed' || echo "$p"; done)
echo "# dependencies apt must install from Debian: ${missing:-none}"

# --- apt install ./libpam-alcove_*.deb ./alcove_*.deb ---
mkdir -p "$NSPAWN_DIR/var/tmp/debs"
cp "${debs[@]}" "$NSPAWN_DIR/var/tmp/debs/"
out=$(ct_sh "cd /var/tmp/debs && DEBIAN_FRONTEND=noninteractive apt install -y \
	./libpam-alcove_*.deb ./alcove_*.deb 2>&1") || fail "apt install of the .debs: $out"
pass "apt install ./libpam-alcove_*.deb ./alcove_*.deb"
for p in $missing; do
	assert_contains "$(ct_run dpkg -s "$p")" "Status: install ok installed" "dependency $p installed by apt"
done
for f in /usr/libexec/alcove/alcove-helper /usr/libexec/alcove/alcove-init \
	/usr/libexec/alcove/alcove-enter /usr/libexec/alcove/alcove-unpack /usr/sbin/alcovectl /usr/share/pam-configs/alcove \
	"/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/security/pam_alcove.so" \
	/usr/share/man/man5/alcove.conf.5.gz /usr/share/man/man8/alcovectl.8.gz \
	/usr/share/man/man8/pam_alcove.8.gz /lib/systemd/system/user@.service.d/alcove.conf; do
	[ -e "$NSPAWN_DIR$f" ] || fail "$f not installed"
done
pass "programs, module, profile, man pages and the user@.service drop-in installed"
# (postinst also reloads systemd, for the user@UID.service units it holds loaded)
assert_contains "$(ct_run systemctl show -p DropInPaths user@0.service)" user@.service.d/alcove.conf \
	"systemd sees the user@.service drop-in"
assert_eq "755 root root" "$(ct_run stat -c '%a %U %G' /run/alcove)" "/run/alcove from tmpfiles.d"
assert_eq "755 root root" "$(ct_run stat -c '%a %U %G' /var/lib/alcove)" "/var/lib/alcove from tmpfiles.d"
assert_contains "$(cat "$NSPAWN_DIR/var/lib/dpkg/info/alcove.conffiles")" /etc/alcove/alcove.conf "alcove.conf is a conffile"

# --- installing changed no login: module not enabled, and the policy selects nobody ---
# (each read checked: an empty output of a failed one would pass a 'does not contain')
out=$(ct_run cat /etc/pam.d/common-session) || ct_fail "read common-session: $out"
assert_not_contains "$out" pam_alcove "module not enabled by installing"
ct_user $IN
ct_user $OUT
out=$(ct_run alcovectl check-config) || fail "shipped config: $out"
pass "shipped config passes check-config"
for u in $IN $OUT root; do
	out=$(ct_run alcovectl explain $u --service sshd) || fail "explain $u: $out"
	assert_contains "$(echo "$out" | grep '^decision')" "not contained" "shipped config does not contain $u"
done

# --- the admin: pam-auth-update --enable alcove and one rule for a group: debian/tests/login,
# run by autopkgtest on the container itself (null testbed: the packages are installed) ---
mkdir -p "$NSPAWN_DIR/var/tmp/src"
cp -a "$ALCOVE_SRC/debian" "$NSPAWN_DIR/var/tmp/src/"
# (breaks-testbed and isolation-machine: this container is thrown away and is no VM, but has
# all a machine gives alcove here: root in the initial user namespace and a systemd PID 1)
out=$(ct_sh "autopkgtest --ignore-restrictions=breaks-testbed,isolation-machine \
	--no-built-binaries --env=ALCOVE_ADT_GROUP=$GROUP --env=ALCOVE_ADT_MEMBER=$IN \
	--env=ALCOVE_ADT_OTHER=$OUT /var/tmp/src -- null 2>&1") && rc=0 || rc=$?
echo "$out" | grep -E '^(ok|FAIL|login) ' | sed 's/^/#   /'
[ "$rc" = 0 ] || ct_fail "autopkgtest exited $rc: $(echo "$out" | grep -E '^FAIL' | head -3) (output: $(echo "$out" | tail -15))"
assert_contains "$(echo "$out" | grep -A5 '@@ summary')" "login                PASS" "autopkgtest: debian/tests/login PASS"
assert_not_contains "$out" "leaked background" "autopkgtest: the test leaves no process behind"

# --- ssh from the host side ---
# PID 1's argv[0], not /proc/1/exe: its exe link is not readable by an unprivileged user
out=$(ct_ssh $IN 'tr "\0" "\n" </proc/1/cmdline | head -1; hostname') || ct_fail "ssh $IN: $out"
assert_eq alcove-init "$(echo "$out" | head -1)" "member $IN: PID 1 is alcove-init"
assert_not_contains "$(echo "$out" | tail -1)" "$(ct_run hostname)" "member $IN: the alcove's hostname"
out=$(ct_ssh $OUT 'cat /proc/1/comm; hostname') || ct_fail "ssh $OUT: $out"
assert_eq systemd "$(echo "$out" | head -1)" "non-member $OUT: PID 1 is the host's systemd"

# --- apt remove: the module leaves PAM first, logins keep working, data stays ---
out=$(ct_sh "DEBIAN_FRONTEND=noninteractive apt-get remove -y libpam-alcove alcove 2>&1") ||
	fail "apt remove: $out"
pass "apt remove libpam-alcove alcove"
out=$(ct_run cat /etc/pam.d/common-session) || ct_fail "read common-session: $out"
assert_not_contains "$out" pam_alcove "module gone from common-session"
out=$(ct_run systemctl show -p DropInPaths user@0.service) || ct_fail "systemctl show: $out"
assert_not_contains "$out" alcove.conf "after remove, systemd forgot the user@.service drop-in"
assert_not_contains "$(ct_run grep -rl pam_alcove /etc/pam.d/ 2>&1)" common "no common-* file names pam_alcove"
out=$(ct_ssh $IN 'cat /proc/1/comm') || ct_fail "ssh $IN after remove: $out"
assert_eq systemd "$out" "after remove: $IN logs in to the host"
assert_eq yes "$(ct_sh "test -d /var/lib/alcove && echo yes")" "remove keeps /var/lib/alcove"
assert_eq yes "$(ct_sh "test -e /etc/alcove/alcove.conf && echo yes")" "remove keeps the conffile"
assert_eq gone "$(ct_sh "test -e /run/alcove || echo gone")" "remove takes the helper's anchors and /run/alcove"

out=$(ct_sh "DEBIAN_FRONTEND=noninteractive apt-get purge -y alcove 2>&1") || fail "apt purge: $out"
assert_contains "$out" "keeping /var/lib/alcove" "purge says what it keeps"
assert_eq gone "$(ct_sh "test -e /etc/alcove || echo gone")" "purge removes /etc/alcove"
assert_eq yes "$(ct_sh "test -d /var/lib/alcove && echo yes")" "purge keeps /var/lib/alcove"
out=$(ct_ssh $OUT 'echo still-ok') || fail "ssh $OUT after purge: $out"
assert_eq still-ok "$out" "logins work after purge"
