#!/bin/bash
# No systemd on the system bus (this host: TESTING.md): a login whose profile says
# cgroup = "systemd" is refused (fail closed) with "systemd not reachable on the system bus",
# through a real sshd and leaving nothing behind; cgroup = "none" logs in without a scope.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

[ ! -S /run/dbus/system_bus_socket ] || fail "this host has a system bus: the test needs one without"
journal_start
img=$(test_image bookworm-login)
pam_user alce4
conf=$(make_config "")
policy() { # cgroup
	printf 'defaults = { cgroup = "%s"; image = "%s"; persist = false; on_last_logout = "stop";
	limits = { TasksMax = 100; }; };
rules = ( { user = "alce4"; profile = "t"; } );
profiles = { t = { }; };\n' "$1" "$img" >"$conf"
}
sshd_start 2252 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alce4

# --- cgroup = "systemd" without systemd: refused, with the reason ---
policy systemd
out=$(ssh_to alce4 -- 'echo inside' 2>&1) && fail "login with cgroup=systemd and no bus succeeded: $out"
assert_not_contains "$out" inside "cgroup=systemd without a bus: no command ran"
line=$(journal_wait "systemd not reachable on the system bus") ||
	fail "no log line with the reason; log: $(cat "$JOURNAL")"
assert_contains "$line" "user=alce4" "the refusal is logged for alce4"
pass "the reason is logged: ${line#*msg=}"
wait_until 50 alcove_gone alce4 || fail "a refused login left: $(alcove_leftovers alce4)"
pass "the refused login left no alcove behind"

# --- cgroup = "none": the login works, without a scope ---
policy none
out=$(ssh_to alce4 -- 'cat /proc/1/comm; grep ^0:: /proc/self/cgroup') ||
	fail "login with cgroup=none failed: $out; log: $(tail -5 "$JOURNAL")"
assert_eq alcove-init "$(sed -n 1p <<<"$out")" "cgroup=none: the login runs in the alcove"
assert_not_contains "$out" "alcove-alce4.scope" "cgroup=none: no scope"
