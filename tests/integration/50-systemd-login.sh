#!/bin/bash
# Real ssh logins into alcoves with a real systemd 252 PID 1 and logind (TESTING.md layer 3):
# alcove installed into a booted bookworm container, pam_alcove enabled for the container's
# own sshd with pam-auth-update, cgroup = "systemd" with limits, image = "/" (the container's
# root is a plain ext4 directory). Asserts the scope (Delegate, limits, the shell's cgroup),
# the delegated subtree inside, logind's view of the ssh session, alcovectl show, logout with
# on_last_logout = "stop", a second user's scope, and the ways an admin ends an alcove:
# alcovectl stop, loginctl terminate-user, systemctl stop user-<uid>.slice.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

[ -x "$BUILD/alcove-helper" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"

# A failure comes with the end of the container's journal (pam_alcove, the helper, init).
ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q 2>&1 | grep -v -e 'run-u[0-9]*.service' | tail -60 |
		sed 's/^/#   /'
	fail "$@"
}

nspawn_boot
for u in alce1 alce2 alce3 alce4; do ct_user $u; done
uid1=$(ct_run id -u alce1) uid2=$(ct_run id -u alce2) uid3=$(ct_run id -u alce3)
uid4=$(ct_run id -u alce4)
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = false;
             limits = { MemoryMax = "256M"; TasksMax = 200; CPUWeight = 50; }; };
profiles = { stop = { on_last_logout = "stop"; };
             keep = { on_last_logout = "keep"; limits = { TasksMax = 300; }; };
             apart = { on_last_logout = "stop"; share = "session"; }; };
rules = ( { user = "alce1"; profile = "stop"; },
          { user = "alce2"; profile = "stop"; },
          { user = "alce3"; profile = "keep"; },
          { user = "alce4"; profile = "apart"; } );
CONF
out=$(ct_run alcovectl check-config) || fail "check-config: $out"
out=$(ct_sh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "pam-auth-update: $out"
assert_contains "$(ct_run cat /etc/pam.d/common-session)" pam_alcove.so "pam_alcove enabled for sshd"

end_login() { pkill -TERM -P "$1"; kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
scope_state() { ct_run systemctl show "alcove-$1.scope" -p ActiveState --value; }
scope_active() { [ "$(scope_state "$1")" = active ]; }
scope_gone() { [ "$(ct_run systemctl show "alcove-$1.scope" -p LoadState --value)" = not-found ]; }
# ssh -tt USER 'sleep 600' in the background: a login that stays open until end_login
# HOLD_PID ends the ssh client (the subshell's child); sshd then closes the PTY and the
# login's shell gets SIGHUP, as on any host (without a PTY the command would go on running).
hold_login() { # user
	ct_ssh -tt "$1" 'sleep 600' </dev/null >/dev/null 2>&1 &
	HOLD_PID=$!
	on_exit "end_login $HOLD_PID"
	wait_until 100 scope_active "$1" || ct_fail "no active alcove-$1.scope for a login of $1"
	wait_until 100 ct_run pgrep -u "$1" -x sleep || ct_fail "$1's sleep not seen"
}

# --- one login: the shell's view ---
out=$(ct_ssh alce1 'grep ^0:: /proc/self/cgroup; echo ---; ls /sys/fs/cgroup; echo ---;
	cat /sys/fs/cgroup/init/cgroup.procs; echo ---; cat /proc/1/comm' 2>/dev/null) ||
	ct_fail "ssh alce1: $out"
cg_self=$(echo "$out" | sed -n 1p)
echo "$cg_self" | grep -qxE '0::/login-[0-9]+' || fail "shell's /proc/self/cgroup: '$cg_self'"
pass "the shell's cgroup is its login's, at the root of the alcove's cgroup namespace ($cg_self)"
ls_cg=$(echo "$out" | awk '/^---$/{n++; next} n==1')
assert_contains "$ls_cg" "init" "inside, /sys/fs/cgroup is the delegated subtree: init/"
assert_contains "$ls_cg" "${cg_self#0::/}" "inside, /sys/fs/cgroup has the login's ${cg_self#0::/}/"
assert_eq "1" "$(echo "$out" | awk '/^---$/{n++; next} n==2')" "init (pid 1) lives in init/"
assert_eq "alcove-init" "$(echo "$out" | awk '/^---$/{n++; next} n==3')" "PID 1 is alcove-init"
wait_until 100 scope_gone alce1 || ct_fail "on_last_logout=stop: alcove-alce1.scope still there after logout"
pass "logout with on_last_logout=stop removes the scope"

# --- a login that stays open: the scope from systemd's side ---
hold_login alce1
p1=$HOLD_PID
show() { ct_run systemctl show alcove-alce1.scope -p "$1" --value; }
assert_eq "yes" "$(show Delegate)" "Delegate=yes"
assert_eq "268435456" "$(show MemoryMax)" "MemoryMax from the profile (256M)"
assert_eq "200" "$(show TasksMax)" "TasksMax from the profile"
assert_eq "50" "$(show CPUWeight)" "CPUWeight from the profile"
assert_eq "user-$uid1.slice" "$(show Slice)" "in user-$uid1.slice"
assert_contains "$(show Description)" "alce1" "Description names the user"
scg=/user.slice/user-$uid1.slice/alcove-alce1.scope
assert_eq "$scg" "$(show ControlGroup)" "ControlGroup"
shell_cg=$(ct_sh "pgrep -u alce1 -x sleep | xargs -I{} grep ^0:: /proc/{}/cgroup")
echo "$shell_cg" | grep -qxE "0::$scg/login-[0-9]+" || fail "the login's process is not in the scope: '$shell_cg'"
pass "the login's processes are in $scg/login-N"

# logind still sees the ssh session, with sshd (and only sshd) in session-N.scope
sid=$(ct_run loginctl list-sessions --no-legend | awk '$3 == "alce1" {print $1}')
[ -n "$sid" ] || ct_fail "loginctl lists no session of alce1: $(ct_run loginctl list-sessions)"
pass "loginctl lists alce1's ssh session $sid"
leader=$(ct_run loginctl show-session "$sid" -p Leader --value)
assert_eq "sshd" "$(ct_run cat /proc/$leader/comm)" "the session's leader is sshd"
assert_eq "0::/user.slice/user-$uid1.slice/session-$sid.scope" \
	"$(ct_run grep ^0:: /proc/$leader/cgroup)" "sshd stays in session-$sid.scope"
# Besides sshd, the session scope holds only alcove-enter: the login's "shell" in the lobby
# (named after the shell path it is bound over), which relays to init and waits.
enter_ino=$(ct_run stat -c %i /usr/libexec/alcove/alcove-enter)
procs=$(ct_sh "cat /sys/fs/cgroup/user.slice/user-$uid1.slice/session-$sid.scope/cgroup.procs |
	xargs -I{} stat -L -c '%i {}' /proc/{}/exe")
others=$(echo "$procs" | while read -r ino pid; do
	[ "$ino" = "$enter_ino" ] || ct_run cat "/proc/$pid/comm"; done | sort -u)
assert_eq "sshd" "$others" "session-$sid.scope holds sshd and alcove-enter only"


# alcovectl show, text and JSON
out=$(ct_run alcovectl show alce1) || ct_fail "alcovectl show alce1: $out"
assert_contains "$out" "scope:      alcove-alce1.scope" "show: the scope"
assert_contains "$out" "cgroup:     /sys/fs/cgroup$scg" "show: the cgroup path"
assert_contains "$out" "profile:    stop" "show: the profile"
assert_contains "$out" "  login-" "show: the login's sub-cgroup"
json=$(ct_run alcovectl show alce1 --json) || ct_fail "alcovectl show --json: $json"
check=$(echo "$json" | python3 -c '
import json, sys
a = json.load(sys.stdin)["alcoves"][0]
print(a["scope"], a["alive"], a["sessions"], sorted(a["namespaces"]) == sorted(["user", "mnt", "pid", "ipc", "uts", "cgroup", "net"]),
      "init" in a["cgroups"], any(k.startswith("login-") for k in a["cgroups"]), a["usage"]["cpu_usage_usec"] > 0)')
assert_eq "alcove-alce1.scope True 1 True True True True" "$check" "show --json: scope, alive, 1 session, namespaces, cgroups, cpu usage"
ns_inode=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["alcoves"][0]["namespaces"]["cgroup"])')
init_pid=$(echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["alcoves"][0]["pid"])')
assert_eq "cgroup:[$ns_inode]" "$(ct_run readlink /proc/$init_pid/ns/cgroup)" "show --json: the cgroup ns inode is init's"

# --- a second user gets a second scope ---
hold_login alce2
p2=$HOLD_PID
assert_eq "active" "$(scope_state alce1)" "alce1's scope is still active"
assert_eq "user-$uid2.slice" "$(ct_run systemctl show alcove-alce2.scope -p Slice --value)" "alce2's scope in user-$uid2.slice"

# --- logout with on_last_logout = "stop": the scope goes ---
end_login $p1
wait_until 100 scope_gone alce1 || ct_fail "alcove-alce1.scope still there after the logout"
pass "the last logout of alce1 removed alcove-alce1.scope"
# (systemd --user of user@UID.service runs outside the alcove by design and ends on its own
# UserStopDelaySec later: not counted)
user_procs() { ct_run ps -o pid=,cgroup=,args= -u "$1" | grep -v 'user@[0-9]*\.service'; }
no_procs() { [ -z "$(user_procs "$1")" ]; }
wait_until 100 no_procs alce1 || ct_fail "processes of alce1 left: $(user_procs alce1)"
pass "no process of alce1 left"

# --- alcovectl stop goes through systemd ---
out=$(ct_run alcovectl stop alce2) || ct_fail "alcovectl stop alce2: $out"
wait_until 100 scope_gone alce2 || ct_fail "alcovectl stop left alcove-alce2.scope"
assert_contains "$(ct_run journalctl -b -q --no-pager -u alcove-alce2.scope)" "Stopped alcove-alce2.scope" \
	"alcovectl stop: systemd stopped the scope"
end_login $p2

# --- share = "session": each login its own alcove and scope, named after the alcove ---
alcove_scopes() { ct_run systemctl list-units --plain --no-legend --all 'alcove-*.scope' | awk '{print $1}' |
	grep -F "alcove-$uid4\x2d"; }
two_scopes() { [ "$(alcove_scopes | wc -l)" = 2 ]; }
ct_ssh -tt alce4 'sleep 600' </dev/null >/dev/null 2>&1 &
p4a=$!
on_exit "end_login $p4a"
ct_ssh -tt alce4 'sleep 600' </dev/null >/dev/null 2>&1 &
p4b=$!
on_exit "end_login $p4b"
wait_until 100 two_scopes || ct_fail "share=session: not two scopes for alce4: $(alcove_scopes)"
for u in $(alcove_scopes); do
	[[ $u == "alcove-$uid4\\x2d"*.scope ]] || fail "scope name $u"
	assert_eq "yes" "$(ct_run systemctl show "$u" -p Delegate --value)" "share=session: $u has Delegate=yes"
done
end_login $p4a
end_login $p4b
no_alcove4() { [ -z "$(alcove_scopes)" ]; }
wait_until 100 no_alcove4 || ct_fail "share=session scopes left after logout: $(alcove_scopes)"
pass "share=session: both scopes gone after the logouts"

# --- loginctl terminate-user ends the user's sessions and so the alcove ---
hold_login alce3
p3=$HOLD_PID
ct_run loginctl terminate-user alce3 || ct_fail "loginctl terminate-user alce3"
wait_until 100 scope_gone alce3 || ct_fail "terminate-user alce3 left alcove-alce3.scope"
pass "loginctl terminate-user ends alce3's alcove"
wait_until 100 no_procs alce3 || ct_fail "processes of alce3 left: $(user_procs alce3)"
pass "no process of alce3 left"
wait "$p3" 2>/dev/null

# --- systemctl stop user-<uid>.slice ends it even with a process detached from every login
# (on_last_logout = "keep" keeps the alcove for that process after logout) ---
out=$(ct_ssh alce3 'setsid -f sleep 600 </dev/null >/dev/null 2>&1; echo detached' 2>/dev/null) ||
	ct_fail "ssh alce3: $out"
no_session() { ! ct_run loginctl list-sessions --no-legend | grep -q "$1"; }
wait_until 100 no_session alce3 || ct_fail "alce3's session did not end"
assert_eq "active" "$(scope_state alce3)" "keep: the alcove outlives the logout for its detached process"
ct_run systemctl stop "user-$uid3.slice" || ct_fail "systemctl stop user-$uid3.slice"
wait_until 100 scope_gone alce3 || ct_fail "stopping user-$uid3.slice left alcove-alce3.scope"
pass "systemctl stop user-$uid3.slice ends alce3's alcove"
wait_until 100 no_procs alce3 || ct_fail "processes of alce3 left: $(user_procs alce3)"
pass "the detached process is gone too"

# --- root mode: a frozen init (SECURITY.md, "A frozen init") ---
# ns root owns the delegated subtree: it can freeze init's cgroup (and park a process in a
# cgroup of its own). A frozen init answers no HOLD or RELEASE and acts on no SIGTERM.
ct_user alce5
uid5=$(ct_run id -u alce5)
# root mode refuses the host's root as image: the test image, hard-linked in (same ext4)
. "$ALCOVE_SRC/tests/lib/image.sh"
cp -al "$(test_image bookworm-login)" "$NSPAWN_DIR/srv/alce5-img" || fail "alce5's image"
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/srv/alce5-img"; cgroup = "systemd"; persist = false; };
profiles = { lab = { mode = "root"; on_last_logout = "stop"; }; };
rules = ( { user = "alce5"; profile = "lab"; } );
CONF
scg5=/sys/fs/cgroup/user.slice/user-$uid5.slice/alcove-alce5.scope
FREEZE='mkdir -p /sys/fs/cgroup/d
(echo $BASHPID > /sys/fs/cgroup/d/cgroup.procs; exec setsid sleep 1002 </dev/null >/dev/null 2>&1) &
echo 1 > /sys/fs/cgroup/init/cgroup.freeze'
init_frozen() { ct_run grep -qx 'frozen 1' "$scg5/init/cgroup.events"; }
no_1002() { ! ct_run pgrep -f -x 'sleep 1002'; }
# a login that freezes its init and stays (-tt: its sleep holds the tty)
ct_ssh -tt alce5 "$FREEZE; exec sleep 600" </dev/null >/dev/null 2>&1 &
p5=$!
on_exit "end_login $p5"
wait_until 100 init_frozen || ct_fail "alce5 could not freeze init/ (the route is gone?)"
wait_until 100 ct_run pgrep -f -x 'sleep 1002' || ct_fail "alce5's sleep 1002 not seen"
assert_eq "5s" "$(ct_run systemctl show alcove-alce5.scope -p TimeoutStopUSec --value)" \
	"the scope's stop timeout is 5 s, not systemd's 90 s"
# the next login: HOLD times out, the frozen init is ended, the alcove built anew
out=$(ct_ssh alce5 'cat /proc/1/comm; cat /sys/fs/cgroup/init/cgroup.events' 2>&1) ||
	ct_fail "a login after init was frozen: $out"
assert_contains "$out" "alcove-init" "a login after init was frozen gets a shell"
assert_contains "$out" "frozen 0" "... in an alcove built anew, its init not frozen"
assert_contains "$(ct_run journalctl -b -q --no-pager -t alcove-helper)" \
	"alcove $uid5: its init is frozen (cgroup.freeze written inside the alcove); stopped it" \
	"the journal says why the alcove was stopped"
wait_until 100 no_1002 || ct_fail "the process in ns root's cgroup outlived the frozen init"
pass "the frozen alcove's processes are gone"
end_login $p5
wait_until 100 scope_gone alce5 || ct_fail "alcove-alce5.scope left after the logins"

# the last logout of a frozen alcove: close ends it (on_last_logout = "stop" holds)
ct_ssh alce5 "$FREEZE" </dev/null >/dev/null 2>&1 &
p5=$!
on_exit "end_login $p5"
wait_until 100 init_frozen || ct_fail "alce5 could not freeze init/ a second time"
end_login $p5 # the client hangs (init sends no EXITED): the user disconnects
wait_until 200 no_1002 || ct_fail "the last logout of a frozen alcove left its sleep 1002"
wait_until 100 scope_gone alce5 || ct_fail "the last logout of a frozen alcove left its scope"
frozen_lines() { ct_run journalctl -b -q --no-pager -t alcove-helper | grep -c 'its init is frozen'; }
assert_eq 2 "$(frozen_lines)" "the last logout of a frozen alcove ends it (close, not something else)"

# alcovectl stop of a frozen alcove: straight to SIGKILL, no StopUnit left to time out
ct_ssh -tt alce5 "$FREEZE; exec sleep 600" </dev/null >/dev/null 2>&1 &
p5=$!
on_exit "end_login $p5"
wait_until 100 init_frozen || ct_fail "alce5 could not freeze init/ for alcovectl stop"
# list and show do not ask a frozen init (it answers nothing, after 5 s each): they say it
out=$(ct_run alcovectl list) || ct_fail "alcovectl list with a frozen alcove: $out"
grep -Eq "^alce5 +$uid5 +root +[0-9]+ +frozen " <<<"$out" ||
	ct_fail "alcovectl list: SESSIONS of a frozen init is not 'frozen': $out"
out=$(ct_run alcovectl show --json alce5) || ct_fail "alcovectl show of a frozen alcove: $out"
assert_contains "$out" '"sessions": null, "holds": null, "processes": null, "uptime_sec": null, "frozen": true' \
	"alcovectl show --json: a frozen init"
out=$(ct_run alcovectl stop alce5 2>&1) || ct_fail "alcovectl stop of a frozen alcove: $out"
wait_until 100 no_1002 || ct_fail "alcovectl stop of a frozen alcove left its sleep 1002"
assert_eq 3 "$(frozen_lines)" "alcovectl stop tells a frozen init"
assert_not_contains "$(ct_run journalctl -b -q --no-pager -t alcove-helper)" "Connection timed out" \
	"alcovectl stop of a frozen alcove: no StopUnit that timed out"
end_login $p5

# systemctl stop of a frozen alcove: SIGKILL after the scope's 5 s, not 90 s
ct_ssh -tt alce5 "$FREEZE; exec sleep 600" </dev/null >/dev/null 2>&1 &
p5=$!
on_exit "end_login $p5"
wait_until 100 init_frozen || ct_fail "alce5 could not freeze init/ a third time"
timeout 30 nsenter -t "$NSPAWN_LEADER" -a systemctl stop alcove-alce5.scope ||
	ct_fail "systemctl stop of a frozen alcove did not finish within 30 s"
wait_until 100 no_1002 || ct_fail "systemctl stop of a frozen alcove left its sleep 1002"
pass "systemctl stop ends a frozen alcove within seconds"
