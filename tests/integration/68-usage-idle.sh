#!/bin/bash
# Issue 15, what an admin and an external culler see of an alcove that outlives its logins
# (on_last_logout = "keep"), through the container's real sshd with cgroup = "systemd":
#  - a tenant's leftovers after logout (nohup, a double-forked daemon, setsid -f) stay in the
#    alcove's scope (below it, in their login's login-N), so the scope's MemoryMax and TasksMax
#    bind them as they bound the login, and `alcovectl list`/`show` count them. The container's
#    cgroup2 has no memory or pids controller on this hybrid host, so the limits biting a
#    leftover are shown in the VM (tests/vm/20-limits-login.sh);
#  - the last-activity stamp: a login and a logout move it forward, an idle alcove's stays
#    (what its leftovers do and other users' logins do not move it), `active` while a
#    session is open, idle_sec otherwise.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

[ -x "$BUILD/alcove-helper" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"

nspawn_boot
for u in alcus1 alcus2; do ct_user $u; done
uid1=$(ct_run id -u alcus1)
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = false; on_last_logout = "keep";
             limits = { MemoryMax = "256M"; TasksMax = 24; }; };
rules = ( { user = "alcus1"; profile = "defaults"; }, { user = "alcus2"; profile = "defaults"; } );
CONF
out=$(ct_sh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "pam-auth-update: $out"

# field USER PYTHON-EXPR: a value of USER's entry in `alcovectl list --json` (as `a`)
field() {
	ct_run alcovectl list --json | python3 -c "
import json, sys
a = [a for a in json.load(sys.stdin)['alcoves'] if a['user'] == '$1'][0]
print($2)"
}
idle() { [ "$(field "$1" 'a["active"]')" = False ]; }
active() { [ "$(field "$1" 'a["active"]')" = True ]; }

# --- a login that leaves three kinds of leftovers behind, and logs out ---
out=$(ct_ssh alcus1 'nohup sleep 4711 >/dev/null 2>&1 &
	( setsid sh -c "sleep 4712 &" </dev/null >/dev/null 2>&1 & )
	setsid -f sh -c "while [ ! -e /tmp/go ]; do sleep 0.1; done
		i=0; while [ \$i -lt 5 ]; do sleep 4713 & i=\$((i + 1)); done; echo forked \$i" \
		</dev/null >/tmp/daemon.log 2>&1
	echo started' 2>&1) || ct_fail "ssh alcus1: $out"
assert_eq started "$out" "the login started its leftovers and logged out"
wait_until 100 idle alcus1 || ct_fail "alcus1's alcove still has a session after the logout"
pass "list --json: active false once the login is gone; the alcove is kept"
stamp1=$(field alcus1 'a["last_activity_usec"]')

# The leftovers: in the alcove's scope (a login-N below it), under its limits.
scg=/user.slice/user-$uid1.slice/alcove-alcus1.scope
for s in 4711 4712; do
	cg=$(ct_sh "grep ^0:: /proc/\$(pgrep -x -f 'sleep $s')/cgroup")
	[[ $cg == "0::$scg/"* ]] || ct_fail "sleep $s left after the logout is not in $scg: '$cg'"
done
pass "nohup and the double-forked daemon stay in alcove-alcus1.scope after the logout"
show=$(ct_run alcovectl show alcus1) || ct_fail "alcovectl show alcus1: $show"
assert_eq MemoryMax=268435456 "$(ct_run systemctl show alcove-alcus1.scope -p MemoryMax)" \
	"the scope that holds them has the profile's MemoryMax"
assert_eq TasksMax=24 "$(ct_run systemctl show alcove-alcus1.scope -p TasksMax)" "and TasksMax"
assert_contains "$show" "activity:   " "show: the last activity"
assert_contains "$show" "(idle " "show: idle since the logout"
procs=$(field alcus1 'a["processes"]')
# init, the two sleeps, the daemon's shell and its sleep 0.1 (when caught): at least 4
[ "$procs" -ge 4 ] || fail "list --json: $procs processes; the leftovers are not counted"
pass "list --json counts the leftovers ($procs processes, no session)"
# (the daemon's sleep 0.1 comes and goes: the count itself may differ by one)
[[ $show =~ sessions:\ +0\ \(holds\ 0,\ processes\ ([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 4 ] ||
	fail "show: no session and at least 4 processes expected: $show"
pass "show counts them as well (${BASH_REMATCH[1]} processes)"

# Every sub-cgroup of the scope is shown, whatever its name (show stopped at 64 and skipped
# names of 64 bytes or more, and those with a leading dot): 70 more, one of 100 bytes with a
# space, shown escaped, and .hide. (Past 1024 show counts the rest instead: test_show.)
long="$(printf 'c%.0s' $(seq 98)) x"
cgdir=$(ct_run sed -n 's/^cgroup=//p' "/run/alcove/$uid1/state")
ct_sh "cd '$cgdir' && mkdir '$long' .hide \$(seq -f extra-%g 70)" || fail "mkdir in $cgdir"
show=$(ct_run alcovectl show alcus1) || ct_fail "alcovectl show alcus1: $show"
assert_eq 70 "$(grep -c '^  extra-[0-9]* ' <<<"$show")" "show: all of 70 more sub-cgroups"
assert_contains "$show" "  ${long% x}\\x20x " "show: a sub-cgroup of 100 bytes, escaped"
assert_eq 1 "$(grep -c '^  \.hide ' <<<"$show")" "show: a sub-cgroup named with a leading dot"
out=$(ct_run alcovectl --json show alcus1 | python3 -c 'import json, sys
cg = json.load(sys.stdin)["alcoves"][0]["cgroups"]
print(sum(k.startswith("extra-") for k in cg), sum(k.endswith("\\x20x") for k in cg))')
assert_eq "70 1" "$out" "show --json: all of them"
# --json when the verb fails: still one object on stdout, with stderr's line (it printed none)
out=$(ct_run alcovectl --json show alcus-none 2>/dev/null) && fail "show of no such user: $out"
python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert d == {"ok": False, "error": "alcovectl: No such user '"'alcus-none'"'"}, d' "$out" ||
	fail "show --json of no such user: '$out'"
pass "show --json of no such user: {\"ok\": false, \"error\": ...} on stdout"
# alcovectl's own usage error: the object too, with its line (it printed nothing on stdout)
out=$(ct_run alcovectl --json nosuchverb 2>/dev/null) && fail "--json nosuchverb: $out"
python3 -c 'import json, sys
d = json.loads(sys.argv[1])
assert d == {"ok": False, "error": "alcovectl: unknown verb '"'nosuchverb'"'"}, d' "$out" ||
	fail "--json nosuchverb: '$out'"
pass "--json nosuchverb: {\"ok\": false, \"error\": its usage line} on stdout"
# enter writes no JSON (it relays a session's output): --json adds nothing to stdout, a failure
# included
out=$(ct_run alcovectl --json enter alcus-none -- true </dev/null 2>/dev/null)
assert_eq "1 " "$? $out" "--json enter of no such user: status 1, nothing on stdout"
ct_sh "cd '$cgdir' && rmdir '$long' .hide \$(seq -f extra-%g 70)" || fail "rmdir in $cgdir"

# The daemon forks only now, with no session open (its trigger written from the host side).
pid1=$(field alcus1 'a["pid"]')
ct_run touch "/proc/$pid1/root/tmp/go" || ct_fail "touch the daemon's trigger"
forked() { ct_run cat "/proc/$pid1/root/tmp/daemon.log" | grep -q forked; }
wait_until 100 forked || ct_fail "the daemon did not run: $(ct_run cat /proc/$pid1/root/tmp/daemon.log)"
cg=$(ct_sh "grep ^0:: /proc/\$(pgrep -n -x -f 'sleep 4713')/cgroup")
[[ $cg == "0::$scg/"* ]] || ct_fail "what the daemon forked after the logout is not in $scg: '$cg'"
pass "what a leftover daemon forks after the logout lands in the scope too"

# --- idle: the leftovers' work and another user's login leave the stamp where it was ---
out=$(ct_ssh alcus2 'echo in' 2>&1) || ct_fail "ssh alcus2: $out"
assert_eq "$stamp1" "$(field alcus1 'a["last_activity_usec"]')" \
	"an idle alcove's last activity stays (its leftovers forked, another user logged in)"
assert_eq True "$(field alcus1 'isinstance(a["idle_sec"], int) and a["idle_sec"] >= 0')" \
	"idle_sec is a number while no session is open"

# (the subshell that runs ssh, and the ssh client in it: sshd then hangs up the login)
end_login() { pkill -TERM -P "$1"; kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# --- a login moves it forward, and is active; its logout moves it again ---
ct_ssh -tt alcus1 'sleep 600' </dev/null >/dev/null 2>&1 &
hold=$!
on_exit "end_login $hold"
wait_until 100 active alcus1 || ct_fail "list --json: alcus1 not active during a login"
stamp2=$(field alcus1 'a["last_activity_usec"]')
[ "$stamp2" -gt "$stamp1" ] || fail "a login did not move the stamp forward ($stamp1 -> $stamp2)"
pass "a login moves the last activity forward"
assert_eq None "$(field alcus1 'a["idle_sec"]')" "idle_sec is null while a session is open"
line=$(ct_run alcovectl list | awk '$1 == "alcus1"')
assert_contains "$line" " active " "list: IDLE says active during the login"
end_login $hold
wait_until 100 idle alcus1 || ct_fail "alcus1's session did not end"
stamp3=$(field alcus1 'a["last_activity_usec"]')
[ "$stamp3" -gt "$stamp2" ] || fail "the logout did not move the stamp forward ($stamp2 -> $stamp3)"
pass "the logout moves it forward again"
