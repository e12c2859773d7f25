#!/bin/bash
# Escape battery, host side (issue 7): another host user cannot reach a running alcove's
# control socket, state or layer, and running alcove-helper as a non-root user (plainly,
# setuid-root, with a hostile environment) does nothing. Also: with cgroup = "none" the
# profile's limits are not enforced, as alcove.conf(5) and explain say (the enforced fork bomb and memory
# test is tests/vm/20-limits-login.sh, on a cgroup2 VM).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@" # (also: one copy of this test at a time on a shared machine)
. "$ALCOVE_SRC/tests/lib/alcove.sh"

alcove_user alcx6
make_user alcx7
conf=$(make_config 'defaults = { cgroup = "none"; image = "/"; persist = true; on_last_logout = "keep";
	limits = { TasksMax = 2; MemoryMax = "64M"; }; };
rules = ( { user = "alcx6"; profile = "lab"; } );
profiles = { lab = { }; };')
u6=$(id -u alcx6)
as7() { su -s /bin/bash alcx7 -c "$1" 2>&1; }

# A running alcove of alcx6 (a process left inside keeps it, on_last_logout = keep).
out=$(in_alcove "$conf" alcx6 'sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait; echo ran; sleep 600 >/dev/null 2>&1 &')
assert_eq ran "$out" "cgroup = \"none\": TasksMax = 2 is not enforced (5 processes ran), as documented"
[ -S /run/alcove/$u6/control ] || fail "alcx6's alcove has no control socket"
grep -q 'runs without a scope and without limits (weaker' "$ALCOVE_SRC/man/alcove.conf.5" ||
	fail "alcove.conf(5) does not say cgroup = \"none\" is weaker"
pass "alcove.conf(5) documents cgroup = \"none\" as weaker (no limits)"
assert_contains "$(actl --config "$conf" explain alcx6)" \
	"warning   limits.TasksMax is not enforced: cgroup = \"none\"" "and explain warns about it"

# --- another host user against alcx6's alcove
out=$(as7 "python3 -c '
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(\"/run/alcove/$u6/control\")
    print(\"connected\")
except OSError as e:
    print(__import__(\"errno\").errorcode[e.errno])
'")
assert_eq EACCES "$out" "alcx7 connecting to alcx6's control socket: EACCES"
out=$(as7 "cat /run/alcove/$u6/state; ls /var/lib/alcove/alcx6; ALCOVE_NAME=$u6 $BUILD/alcove-enter -c id")
assert_contains "$out" "cat: /run/alcove/$u6/state: Permission denied" "alcx7 cannot read alcx6's state"
assert_contains "$out" "ls: cannot open directory '/var/lib/alcove/alcx6': Permission denied" \
	"alcx7 cannot reach alcx6's layer"
# (outside a lobby the real shell at /run/alcove/shell is an empty file)
assert_contains "$out" "alcove-enter: no alcove session and no real shell" \
	"alcove-enter run by alcx7 with ALCOVE_NAME of alcx6: not alcx6's alcove"
assert_not_contains "$out" "uid=" "... nothing ran"

# --- the kernel's protected_hardlinks on the host (what keeps a home from linking root's files)
assert_eq 1 "$(sysctl -n fs.protected_hardlinks)" "fs.protected_hardlinks = 1"
assert_contains "$(as7 'ln /etc/shadow ~/x')" "Operation not permitted" \
	"alcx7: ln /etc/shadow ~/x is refused (EPERM)"

# --- alcove-helper run by a non-root user: refuses before anything, whatever the environment
mounts0=$(host_alcove_mounts)
runs0=$(ls /run/alcove | sort | xargs)
out=$(as7 "$BUILD/alcove-helper open 3</dev/null; echo rc=\$?")
assert_contains "$out" "Refusing to run: not root (euid $(id -u alcx7))" "alcx7 runs the helper: refused"
assert_contains "$out" "rc=1" "... exit 1"
out=$(as7 "env -i LD_PRELOAD=/home/alcx7/evil.so LD_LIBRARY_PATH=/home/alcx7 PATH=/home/alcx7 \
	ALCOVE_FAULT=after-clone ALCOVE_HELPER=/home/alcx7/h IFS=/ $BUILD/alcove-helper open 3</dev/null; echo rc=\$?")
assert_contains "$out" "Refusing to run: not root" "with a hostile environment: refused the same"
assert_contains "$out" "rc=1" "... exit 1"
# setuid-root: euid 0, but AT_SECURE says the caller is not root; the message says so (it is
# checked before the uids, which would only say "not root (euid 0)")
SUIDDIR=$(mktemp -d /run/alcove-tests/suid.XXXXXX)
on_exit "rm -rf $SUIDDIR"
chmod 0755 "$SUIDDIR"
install -m 4755 -o root "$BUILD/alcove-helper" "$SUIDDIR/alcove-helper"
install -m 0755 "$BUILD/alcove-init" "$BUILD/alcove-enter" "$SUIDDIR/"
out=$(as7 "LD_PRELOAD=/home/alcx7/evil.so $SUIDDIR/alcove-helper open 3</dev/null; echo rc=\$?")
assert_contains "$out" "Refusing to run: started setuid or with file capabilities (AT_SECURE)" \
	"a setuid-root copy run by alcx7: refused as setuid (AT_SECURE)"
assert_contains "$out" "rc=1" "... exit 1"
# file capabilities (no setuid bit): AT_SECURE too
CAPDIR=$(mktemp -d /run/alcove-tests/cap.XXXXXX)
on_exit "rm -rf $CAPDIR"
chmod 0755 "$CAPDIR"
install -m 0755 -o root "$BUILD/alcove-helper" "$CAPDIR/alcove-helper"
install -m 0755 "$BUILD/alcove-init" "$BUILD/alcove-enter" "$CAPDIR/"
setcap cap_sys_admin+ep "$CAPDIR/alcove-helper" || fail "setcap on a copy of the helper"
out=$(as7 "$CAPDIR/alcove-helper open 3</dev/null; echo rc=\$?")
assert_contains "$out" "Refusing to run: started setuid or with file capabilities (AT_SECURE)" \
	"a copy with file capabilities run by alcx7: refused as such"
assert_contains "$out" "rc=1" "... exit 1"
out=$(as7 "$SUIDDIR/alcove-helper stop 3<>/run/alcove/$u6/control; echo rc=\$?")
assert_contains "$out" "Permission denied" "alcx7 cannot even open alcx6's socket as fd 3"
assert_eq "$mounts0 $runs0" "$(host_alcove_mounts) $(ls /run/alcove | sort | xargs)" \
	"no mount, no /run/alcove entry appeared"
[ -S /run/alcove/$u6/control ] && [ -n "$(alcove_pid alcx6)" ] && kill -0 "$(alcove_pid alcx6)" ||
	fail "alcx6's alcove did not survive"
pass "alcx6's alcove still runs"
