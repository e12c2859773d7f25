#!/bin/bash
# Faults with a real systemd (a booted bookworm container, TESTING.md layer 3): the alcove's
# scope job fails (a unit of that name is already there), and alcovectl gc finds the orphaned
# scope that caused it. The login is refused and leaves nothing (no init, no live state, no
# mount, no second scope); gc stops the scope no live alcove owns, never one that is owned;
# the next login works and the user's layer and home are unchanged.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

[ -x "$BUILD/alcove-helper" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"
ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q 2>&1 | tail -40 | sed 's/^/#   /'
	fail "$@"
}

nspawn_boot
U=alcgs1
ct_user $U
uid=$(ct_run id -u $U)
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = true; on_last_logout = "stop"; };
rules = ( { user = "alcg*"; profile = "defaults"; } );
CONF
out=$(ct_sh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "pam-auth-update: $out"
scope=alcove-$U.scope
scope_state() { ct_run systemctl show "$scope" -p ActiveState --value; }
inits() { ct_sh "pgrep -f -x 'alcove-init .*--user=$U' | while read p; do grep -qE '^NSpid:.*[[:space:]]1\$' /proc/\$p/status && echo \$p; done; true"; }
sums() { ct_sh "cd / && find /var/lib/alcove/$U/layer/upper /home/$U -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum"; }
nothing_left() {
	[ -z "$(inits)" ] && [ "$(scope_state)" != active ] &&
		! ct_sh "grep -qE ' overlay |/var/lib/alcove/$U' /proc/self/mountinfo /proc/1/mountinfo"
}

out=$(ct_ssh $U 'echo persist > /var/tmp/alcg-persist; echo home > ~/alcg-home; cat /proc/1/comm') ||
	ct_fail "first login: $out"
assert_eq alcove-init "$out" "a first login runs in an alcove"
wait_until 150 nothing_left || ct_fail "the first login left: init $(inits), scope $(scope_state)"
SUMS=$(sums)

# A process of the user's in a scope named like the alcove's, as a crashed helper could leave
# one behind: the scope job of the next login fails.
ct_run systemd-run --unit=alcg-decoy --uid=$U sleep 600 || fail "decoy service"
decoy=$(ct_run systemctl show alcg-decoy.service -p MainPID --value)
out=$(ct_run busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
	org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' \
	"$scope" fail 1 PIDs au 1 "$decoy" 0) || fail "decoy scope: $out"
wait_until 50 eval '[ "$(scope_state)" = active ]' || fail "decoy scope not active"

rc=0
out=$(ct_ssh $U 'echo reached' 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "a login went through although its scope job failed: $out"
assert_not_contains "$out" reached "scope job failed: the login is refused (fail closed)"
log=$(ct_run journalctl -b --no-pager -q -t alcove-helper 2>&1 | tail -5)
assert_contains "$log" "systemd scope for $uid" "the helper's log names the scope's failure"
assert_eq "" "$(inits)" "scope job failed: no alcove-init left"
ct_sh "test -e /run/alcove/$uid/state" && fail "scope job failed: a state was left: $(ct_run cat /run/alcove/$uid/state)"
pass "scope job failed: no state left"
ct_sh "grep -qE ' overlay |/var/lib/alcove/$U' /proc/self/mountinfo /proc/1/mountinfo" &&
	fail "scope job failed: a mount was left"
pass "scope job failed: no mount left"
ct_sh "kill -0 $decoy" || fail "the failed login killed what was in the existing scope"
assert_eq active "$(scope_state)" "the failed login left the scope that was there alone"

out=$(ct_run alcovectl gc --dry-run $U)
assert_contains "$out" "would stop $scope (active): no live alcove owns it" "gc --dry-run names the orphaned scope"
assert_eq active "$(scope_state)" "dry-run leaves it running"
out=$(ct_run alcovectl gc $U)
assert_contains "$out" "stopped $scope (active): no live alcove owned it" "gc stops the orphaned scope"
wait_until 50 eval '! ct_sh "kill -0 $decoy" 2>/dev/null' || fail "the decoy process survived gc"
pass "what was in the orphaned scope has ended"

# A scope a live alcove owns is never gc's.
ct_ssh -tt $U 'sleep 600' </dev/null >/dev/null 2>&1 &
hold=$!
on_exit "pkill -TERM -P $hold; kill $hold"
wait_until 100 eval '[ "$(scope_state)" = active ] && [ -n "$(inits)" ]' || ct_fail "no alcove for the held login"
out=$(ct_run alcovectl gc $U)
assert_not_contains "$out" "$scope" "gc leaves the scope of a live alcove alone"
assert_eq active "$(scope_state)" "and it stays active"
# A live alcove gc cannot tell about counts as alive: its lock file replaced by a directory,
# the lock fails with EISDIR (not "missing"), and its scope and every process in it stay.
init=$(inits)
lock=/run/alcove/$uid/lock
ct_sh "mv $lock $lock.saved && mkdir $lock" || fail "replacing $lock with a directory"
out=$(ct_run alcovectl gc $U 2>&1)
assert_contains "$out" "failed to lock /run/alcove/$uid: Is a directory" "gc reports the lock it cannot take"
assert_not_contains "$out" "stopped $scope" "cannot tell: gc does not stop the scope"
assert_eq active "$(scope_state)" "cannot tell: the scope stays active"
assert_eq "$init" "$(inits)" "cannot tell: the alcove's init runs on"
ct_sh "rmdir $lock && mv $lock.saved $lock" || fail "restoring $lock"
out=$(ct_ssh $U 'cat /var/tmp/alcg-persist ~/alcg-home') || ct_fail "login after gc: $out"
assert_eq "persist
home" "$out" "the next login works and sees the user's files"
pkill -TERM -P $hold
kill $hold 2>/dev/null
wait $hold 2>/dev/null
wait_until 150 nothing_left || ct_fail "after the last logout: init $(inits), scope $(scope_state)"
pass "after the last logout: no init, no scope, no mount"
assert_eq "$SUMS" "$(sums)" "the user's layer and home are unchanged"
