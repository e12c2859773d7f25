#!/bin/bash
# The lobby never hands its user an uncontained shell: a login whose alcove has ended (its init
# killed) while sshd keeps the connection open gets an error on a new session channel (ssh
# ControlMaster), not the host's shell; root running the shell path in the lobby still gets the
# real shell. alcovectl stop, and the next login after such an end, end such connections.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcr1
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcr*\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
sshd_start 2290 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alcr1
WORK=$(mktemp -d /var/tmp/alcr-fc.XXXXXX)
on_exit "rm -rf $WORK"
HOST_INIT=$(cat /proc/1/comm)

# --- a ControlMaster connection: its PAM session (and lobby) stays while the alcove ends
CTL=$WORK/ctl
ssh_to alcr1 -M -S "$CTL" -o ControlPersist=no -f -N || fail "ssh ControlMaster"
on_exit "ssh -S $CTL -O exit x"
out=$(ssh_to alcr1 -S "$CTL" -- 'cat /proc/1/comm')
assert_eq alcove-init "$out" "a session channel of the master runs in the alcove"

monitor=$(pgrep -u 0 -f "^$SSHD_SERVICE: alcr1 \[priv\]" | head -1)
[ -n "$monitor" ] || fail "no sshd monitor of alcr1's connection"
[ "$(readlink /proc/$monitor/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
	fail "sshd's monitor is not in a lobby"
out=$(nsenter -t "$monitor" -m -- /bin/bash -c 'echo "real=$BASH_VERSION"; cat /proc/1/comm')
assert_eq "real=$(bash -c 'echo $BASH_VERSION')"$'\n'"$HOST_INIT" "$out" \
	"root running the shell path in the lobby gets the real shell"

# alcovectl stop ends the connections held on the alcove with it (their lobbies would keep
# its /tmp): the master connection is gone.
actl --config "$conf" stop alcr1 || fail "alcovectl stop alcr1"
[ ! -e "/run/alcove/$(id -u alcr1)" ] || fail "alcovectl stop left /run/alcove/$(id -u alcr1)"
wait_until 100 sh -c "! ssh -S '$CTL' -O check x 2>/dev/null" ||
	fail "the master connection outlived the alcove alcovectl stop ended"
pass "alcovectl stop ended the master connection held on the alcove"

# An alcove whose init dies with no helper run after it (killed; in root mode ns root may end
# it) leaves the connection and its lobby: a new session channel fails closed.
ssh_to alcr1 -M -S "$CTL" -o ControlPersist=no -f -N || fail "ssh ControlMaster (again)"
out=$(ssh_to alcr1 -S "$CTL" -- 'cat /proc/1/comm')
assert_eq alcove-init "$out" "a session channel of the new master runs in the alcove"
monitor=$(pgrep -u 0 -f "^$SSHD_SERVICE: alcr1 \[priv\]" | head -1)
[ -n "$monitor" ] || fail "no sshd monitor of alcr1's new connection"
pid=$(alcove_pid alcr1)
[ -n "$pid" ] || fail "no state of the alcove"
kill -KILL "$pid"
wait_until 100 test ! -e "/proc/$pid" || fail "init $pid did not die"
ssh -S "$CTL" -O check x 2>/dev/null || fail "the master connection ended with its init"
out=$(ssh_to alcr1 -S "$CTL" -- 'cat /proc/1/comm' 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a session after init was killed succeeded: $out"
assert_not_contains "$out" "$HOST_INIT" "no host shell after init was killed (exit $rc)"
assert_contains "$out" "alcove-enter: your alcove is not running (/run/alcove/$(id -u alcr1)/control" \
	"the session fails with one clear line"
assert_contains "$out" "log in again" "... saying what to do"
uid=$(id -u alcr1)
out=$(nsenter -t "$monitor" -m -S "$uid" -G "$(id -g alcr1)" -- env -u ALCOVE_NAME \
	/bin/bash -c 'cat /proc/1/comm' 2>&1)
assert_not_contains "$out" "$HOST_INIT" "alcr1 without ALCOVE_NAME gets no host shell either"
assert_contains "$out" "your alcove is not running" "... but the same error"

# The next login removes the dead alcove's leftovers, and ends the connection held on it.
ssh_bg alcr1 -tt -- 'exec sleep 4790'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcr1 "sleep 4790" || fail "second login did not start"
wait_until 100 sh -c "! ssh -S '$CTL' -O check x 2>/dev/null" ||
	fail "the master connection outlived its dead alcove past the next login"
pass "the next login ended the connection held on the dead alcove"

# --- a login shell under a directory the user can write (~/bin/myshell) is refused: the user
# could swap it for a symlink to /bin/sh while root code in the lobby resolves it
pam_user alcr2 -s /home/alcr2/bin/myshell
install -d -o alcr2 -g alcr2 /home/alcr2/bin
install -o alcr2 -g alcr2 -m 0755 /bin/bash /home/alcr2/bin/myshell
sshd_authorize alcr2
out=$(ssh_to alcr2 -- 'echo "S:$(cat /proc/1/comm):S"' 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "the login of a user whose shell is under its home succeeded: $out"
assert_not_contains "$out" "S:" "the shell under the home never runs (exit $rc)"
line=$(journal_wait "login shell '/home/alcr2/bin/myshell'") ||
	fail "no message naming the shell in the journal"
assert_contains "$line" "'/home/alcr2': not owned by root, or writable by group or others" \
	"the refusal names the shell and the directory the user owns"
assert_contains "$line" "user=alcr2" "... for user alcr2"
