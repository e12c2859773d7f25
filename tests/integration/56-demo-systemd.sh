#!/bin/bash
# `make demo` on a host that runs systemd (TESTING.md layer 3): demo/demo.sh </dev/null in a
# booted bookworm container (systemd 252, logind, the system bus), from a copy of the build
# tree's programs and the demo's files (the container has the demo's runtime packages; the
# build happens here). It takes its cgroup = "systemd" branch, which 15 never can: the tour
# runs in a scope alcove-alcove\x2ddemo.scope, and afterwards no user, unit, /run/user/UID,
# process, mount or file of the demo's is left. The demo's sshd gives its logins no logind
# session, so no systemd --user ever ran for the demo user on the (container's) host.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

for p in alcove-helper alcove-init alcove-enter alcovectl pam_alcove.so; do
	[ -x "$BUILD/$p" ] || fail "build alcove first (make): $BUILD/$p"
done

NSPAWN_INSTALL=none # the demo runs from its build tree, without the package
nspawn_boot
SRC=/opt/alcove-src # the build tree, as the container sees it
SCOPE='alcove-alcove\x2ddemo.scope' # (systemd escapes the "-" of a name in a unit's name)
install -d -m 0755 "$NSPAWN_DIR$SRC/build" "$NSPAWN_DIR$SRC/demo" "$NSPAWN_DIR$SRC/tests/lib" ||
	setup_fail "mkdir $SRC in the container"
for p in alcove-helper alcove-init alcove-enter alcovectl pam_alcove.so; do
	# (with their modes: the helper refuses an alcove-enter others may read)
	install -m "$(stat -c %a "$BUILD/$p")" "$BUILD/$p" "$NSPAWN_DIR$SRC/build/" ||
		setup_fail "install $p"
done
install -m 0755 "$ALCOVE_SRC/demo/demo.sh" "$NSPAWN_DIR$SRC/demo/" || setup_fail "install demo.sh"
install -m 0644 "$ALCOVE_SRC/tests/lib/sshd_conf.sh" "$ALCOVE_SRC/tests/lib/demo_leftovers.sh" \
	"$NSPAWN_DIR$SRC/tests/lib/" || setup_fail "install the demo's tests/lib files"
[ -e "$NSPAWN_DIR/run/alcove" ] && setup_fail "the fresh container has a /run/alcove"

out=$(ct_run "$SRC/demo/demo.sh" </dev/null 2>&1) || ct_fail "demo.sh </dev/null exits $?: $out"
pass "demo.sh </dev/null exits 0 under systemd"
tour_value() { sed -n "s|^   $1: *\([^ ]*\).*|\1|p" <<<"$out"; }
assert_contains "$out" "cgroup:  a scope $SCOPE (systemd is on the system bus)" \
	"the demo takes its cgroup = \"systemd\" branch"
assert_eq alcove-init "$(tour_value 'PID 1 (/proc/1/comm)')" "the tour: PID 1 is alcove-init"
assert_eq alcove-demo-alcove "$(tour_value hostname)" "the tour: the alcove's hostname"
assert_eq absent "$(tour_value /home/alcove-demo2)" "the tour: another user's home is absent"
grep -qE '^   alcove-demo +[0-9]+ +user +[0-9]+ +1 ' <<<"$out" ||
	fail "the tour: alcovectl list shows no alcove-demo with 1 session: $out"
pass "the tour: alcovectl list shows the alcove and its session"
assert_contains "$out" "== Removed:" "the demo says what it removed"
uid=$(sed -n 's/^   user: *alcove-demo (uid \([0-9]*\),.*/\1/p' <<<"$out")
[ -n "$uid" ] || fail "the demo's banner gives no uid: $out"

# The scope was systemd's for real, and the login never had a logind session or user manager.
journal() { ct_run journalctl -b -q --no-pager -o cat "$@"; }
assert_contains "$(journal -u "$SCOPE")" "Started $SCOPE" \
	"systemd started the alcove's scope"
assert_eq "" "$(journal -u "user@$uid.service" -u "user-runtime-dir@$uid.service")" \
	"no user manager or runtime dir was started for the demo user (no pam_systemd)"

# Nothing left, by the same check as 15's, run inside; then every alcove unit and the
# /run/alcove that the demo made (the fresh container had none).
leftovers() { ct_run /bin/bash -c ". $SRC/tests/lib/demo_leftovers.sh; demo_leftovers $uid"; }
assert_eq "" "$(leftovers)" "no user, process, mount, unit, /run/user/$uid or file of the demo's"
assert_eq "" "$(ct_run systemctl list-units --all --plain --no-legend 'alcove-*')" \
	"no alcove-* unit, loaded or not"
assert_eq "" "$(ct_sh 'ls -d /run/alcove 2>/dev/null; ls -A /run/user')" \
	"/run/alcove (the demo made it) is gone, /run/user is empty"
