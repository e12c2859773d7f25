#!/bin/bash
# The policy as shipped, and `make demo`:
# - config/alcove.conf loads and contains nobody; with its one example rule uncommented, a
#   member of alcove-users who logs in through sshd (PAM service "sshd" itself, bound in this
#   test's private mount namespace) is contained, a non-member is not;
# - appending profiles/rules to it (the README's old advice) names the duplicate and both lines;
# - `make demo </dev/null` prints the tour and leaves no user, process, mount or file behind;
#   on a terminal (tmux) it logs in and cleans up after `exit`, and after an INT or a TERM
#   while logged in; a refused login and a failing ss each end it with one line; a symlink at
#   its lock and a home of a demo user that does not exist are refused, neither touched; a
#   lock whose file is gone once locked is not used.
#   (56-demo-systemd.sh runs it under systemd.)
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

CTL=$BUILD/alcovectl
export ALCOVE_HELPER=$BUILD/alcove-helper
WORK=$ALCOVE_TEST_CONFDIR

# --- make demo's install: its own short list, and no service the install brings may start
# (policy-rc.d answers 101 during its apt run) or stay enabled. Asserted on the mechanism: the
# test machine has every package already, so the demo installs nothing here.
deps=$ALCOVE_SRC/tests/install-deps.sh
demo_list=$("$deps" --list --demo | tr '\n' ' ')
assert_contains " $demo_list" " openssh-server " "the demo's packages: sshd's binary"
assert_contains " $demo_list" " iproute2 " "the demo's packages: ss, for a free port"
for p in docker-registry qemu-system-x86 skopeo mmdebstrap lintian clang; do
	assert_not_contains " $demo_list" " $p " "the demo's packages: no $p"
done
assert_contains "$(make -n -C "$ALCOVE_SRC" demo)" "install-deps.sh --demo" \
	"make demo installs the demo's list only"
rc_d=$WORK/policy-rc.d
assert_eq "$rc_d" "$(ALCOVE_DEPS_LIB=1 POLICY_RC_D=$rc_d sh -c ". $deps; deny_service_starts")" \
	"a policy-rc.d is written where there is none"
"$rc_d" ssh start; assert_eq 101 $? "policy-rc.d: a service start is forbidden (101)"
echo '#!/bin/sh' >"$rc_d"
assert_eq "" "$(ALCOVE_DEPS_LIB=1 POLICY_RC_D=$rc_d sh -c ". $deps; deny_service_starts")" \
	"the host's own policy-rc.d is left as it is"
assert_eq '#!/bin/sh' "$(cat "$rc_d")" "... unchanged"
rm -f "$rc_d"
assert_contains "$(ALCOVE_DEPS_LIB=1 sh -c ". $deps; new_services openssh-server")" \
	"unit ssh.service" "a newly installed openssh-server's service is found (to disable)"

# --- make demo: what it may leave (tests/lib/demo_leftovers.sh), before and after; with the
# uid its banner gave the demo's user, also that uid's run directory, /run/user/UID, processes.
. "$ALCOVE_SRC/tests/lib/demo_leftovers.sh"
demo_uid() { sed -n 's/^   user: *alcove-demo (uid \([0-9]*\),.*/\1/p' <<<"$1"; }
assert_eq "" "$(demo_leftovers)" "nothing of the demo's before it runs"

# What the demo did not make, it neither opens nor deletes (an eighth review): a symlink at its
# lock's name (once in the world-writable /run/lock, where a user's symlink made root create
# its target), and the home of a demo user that does not exist (cleanup's userdel -r deleted it).
lock_target=$WORK/demo-lock-target
setup "plant a symlink at the lock" ln -s "$lock_target" /run/alcove-demo.lock
on_exit "[ -L /run/alcove-demo.lock ] && rm -f /run/alcove-demo.lock"
assert_fails_with 1 "alcove demo: /run/alcove-demo.lock is not a regular file of root's" \
	"a symlink at the demo's lock: the demo refuses it" "$ALCOVE_SRC/demo/demo.sh" </dev/null
assert_eq absent "$(test -e "$lock_target" && echo created || echo absent)" "... and creates nothing through it"
rm -f /run/alcove-demo.lock
setup "a home without its user" mkdir /home/alcove-demo2
on_exit "getent passwd alcove-demo2 || rm -rf /home/alcove-demo2"
echo mine >/home/alcove-demo2/file || setup_fail "a file in /home/alcove-demo2"
assert_fails_with 1 "alcove demo: /home/alcove-demo2 exists and the user alcove-demo2 does not" \
	"a home of no user's at the demo's name: the demo refuses, naming it" "$ALCOVE_SRC/demo/demo.sh" </dev/null
assert_eq mine "$(cat /home/alcove-demo2/file 2>&1)" "... and leaves it with its file"
rm -rf /home/alcove-demo2
assert_eq "" "$(demo_leftovers)" "... and leaves nothing of its own"
# A demo that ends between another's open of the lock and its flock removes the file the other
# then locks, and a lock on a deleted file excludes no demo started after: the lock is checked
# again once held, and the name opened again. A flock that removes the lock's file first plays
# that demo here, at every try.
setup "a flock that removes the lock's file first" mkdir "$WORK/flock-bin"
printf '#!/bin/sh\nrm -f /run/alcove-demo.lock\nexec %s "$@"\n' "$(command -v flock)" >"$WORK/flock-bin/flock"
chmod 755 "$WORK/flock-bin/flock"
assert_fails_with 1 "alcove demo: /run/alcove-demo.lock was replaced each time it was locked" \
	"the lock's file removed before each flock: the demo refuses (it held a deleted file's lock)" \
	env PATH="$WORK/flock-bin:$PATH" "$ALCOVE_SRC/demo/demo.sh" </dev/null
assert_eq "" "$(demo_leftovers)" "... and leaves nothing of its own"

out=$(ALCOVE_DEMO_PORT=2402 make -s -C "$ALCOVE_SRC" demo </dev/null 2>&1) ||
	fail "make demo </dev/null exits $?: $out"
pass "make demo </dev/null exits 0"
uid=$(demo_uid "$out")
[ -n "$uid" ] || fail "the demo's banner gives no uid: $out"
tour_value() { sed -n "s|^   $1: *\([^ ]*\).*|\1|p" <<<"$out"; }
assert_eq alcove-init "$(tour_value 'PID 1 (/proc/1/comm)')" "the tour: PID 1 is alcove-init"
assert_eq alcove-demo-alcove "$(tour_value hostname)" "the tour: the alcove's hostname"
assert_contains "$(tour_value id)" "(alcove-demo)" "the tour: id is the demo user's"
assert_eq alcove-demo "$(tour_value 'ls /home')" "the tour: /home holds only the user's home"
assert_eq absent "$(tour_value /home/alcove-demo2)" "the tour: another user's home is absent"
assert_contains "$(sed -n 's|^   /home/alcove-demo2: *||p' <<<"$out")" "(on the host: visible)" \
	"the tour: ... though it is there on the host"
grep -qE '^   alcove-demo +[0-9]+ +user +[0-9]+ +1 ' <<<"$out" ||
	fail "the tour: alcovectl list shows no alcove-demo with 1 session: $out"
pass "the tour: alcovectl list, from outside, shows the alcove and its session"
if [ -d /run/systemd/system ] && [ -S /run/dbus/system_bus_socket ]; then
	assert_contains "$out" "cgroup:  a scope alcove-alcove\\x2ddemo.scope" "the tour: a scope"
else
	assert_contains "$out" "cgroup:  none: no systemd on the system bus" \
		"the tour says why it runs without a scope"
fi
assert_contains "$out" "== Removed:" "the demo says what it removed"
assert_eq "" "$(demo_leftovers "$uid")" "make demo left no user, process, mount or file"

# On a terminal: the login itself. Its banner, then the alcove's prompt.
tmux -L alcdm15 kill-server 2>/dev/null
on_exit "tmux -L alcdm15 kill-server"
pane_has() { tmux -L alcdm15 capture-pane -p -t "$1" | grep -q -- "$2"; }
pane_dead() { [ "$(tmux -L alcdm15 display -p -t "$1" '#{pane_dead}')" = 1 ]; }
tmux -L alcdm15 new-session -d -s demo -x 150 -y 40 \
	"ALCOVE_DEMO_PORT=2403 make -s -C $ALCOVE_SRC demo; echo \$? >$WORK/rc" \; \
	set remain-on-exit on || fail "tmux new-session"
wait_until 300 pane_has demo 'alcove-demo@alcove-demo-alcove' ||
	fail "make demo on a terminal: no prompt of the alcove: $(tmux -L alcdm15 capture-pane -p -t demo)"
assert_contains "$(tmux -L alcdm15 capture-pane -p -t demo)" "Leave with: exit" \
	"on a terminal: the banner says how to leave"
tmux -L alcdm15 send-keys -t demo 'cat /proc/1/comm' Enter
wait_until 100 pane_has demo '^alcove-init$' || fail "on a terminal: PID 1 is not alcove-init"
pass "on a terminal: the shell runs in the alcove (cat /proc/1/comm: alcove-init)"
tmux -L alcdm15 send-keys -t demo 'exit' Enter
wait_until 300 test -s "$WORK/rc" || fail "make demo did not end after exit"
assert_eq 0 "$(cat "$WORK/rc")" "on a terminal: make demo exits 0 after the login's exit"
uid=$(demo_uid "$(tmux -L alcdm15 capture-pane -p -S - -t demo)")
assert_eq "" "$(demo_leftovers "$uid")" "on a terminal: nothing left after exit"

# A signal while the user is logged in (INT: the Ctrl-C of a terminal that is not in the
# login; TERM; the terminal's HUP takes the same trap): the script is in a wait, not blocked
# behind its ssh child, so it cleans up at once.
port=2404
for sig in INT TERM; do
	tmux -L alcdm15 new-session -d -s "$sig" -x 150 -y 40 \
		"exec env ALCOVE_DEMO_PORT=$port $ALCOVE_SRC/demo/demo.sh" \; set remain-on-exit on ||
		fail "tmux new-session"
	wait_until 300 pane_has "$sig" 'alcove-demo@alcove-demo-alcove' ||
		fail "demo.sh on a terminal: no prompt of the alcove: $(tmux -L alcdm15 capture-pane -p -t "$sig")"
	uid=$(demo_uid "$(tmux -L alcdm15 capture-pane -p -S - -t "$sig")")
	kill -"$sig" "$(tmux -L alcdm15 display -p -t "$sig" '#{pane_pid}')"
	wait_until 300 pane_dead "$sig" || fail "demo.sh did not end on $sig"
	assert_eq "" "$(demo_leftovers "$uid")" "SIG$sig while logged in: nothing is left"
	port=$((port + 1))
done

# (a zombie is not running: the host's PID 1 reaps an orphan when it gets to it)
running() { ps -o stat= -p "$1" | grep -qv '^Z'; }
# SIGKILL: no trap runs. The next demo removes what the killed one left: its users and alcove,
# and its sshd, which runs in a session of its own and so outlives it, its PAM file, directory.
tmux -L alcdm15 new-session -d -s KILL -x 150 -y 40 \
	"exec env ALCOVE_DEMO_PORT=$port $ALCOVE_SRC/demo/demo.sh" \; set remain-on-exit on ||
	fail "tmux new-session"
wait_until 300 pane_has KILL 'alcove-demo@alcove-demo-alcove' ||
	fail "demo.sh on a terminal: no prompt of the alcove: $(tmux -L alcdm15 capture-pane -p -t KILL)"
stale=$(cat /run/alcove-demo/sshd.pid) || fail "the demo's sshd wrote no /run/alcove-demo/sshd.pid"
kill -KILL "$(tmux -L alcdm15 display -p -t KILL '#{pane_pid}')"
wait_until 300 pane_dead KILL || fail "demo.sh did not end on KILL"
running "$stale" || fail "setup: the killed demo's sshd ($stale) ended by itself"
out=$(ALCOVE_DEMO_PORT=$((port + 1)) make -s -C "$ALCOVE_SRC" demo </dev/null 2>&1) ||
	fail "make demo after a demo killed with SIGKILL exits $?: $out"
assert_contains "$out" "(removing what an interrupted demo left: /run/alcove-demo)" \
	"after a SIGKILL, the next demo removes the killed one's directory"
assert_contains "$out" "(removing what an interrupted demo left: the users alcove-demo alcove-demo2)" \
	"... and its users"
wait_until 50 eval '! running $stale' || fail "the killed demo's sshd $stale still runs"
pass "... and stops its sshd"
assert_eq "" "$(demo_leftovers "$(demo_uid "$out")")" "... and leaves nothing after itself"

# --- the shipped file, as installed
SHIPPED=$WORK/alcove.conf
install -m 0644 "$ALCOVE_SRC/config/alcove.conf" "$SHIPPED"
# (but for the note of a host whose /var/lib/alcove cannot enforce the builtin layer_quota,
# which the shipped file leaves as it is: the logins go on quietly, so no warning per login)
assert_eq "$SHIPPED: OK" \
	"$("$CTL" --config "$SHIPPED" check-config 2>&1 |
		grep -v "^$SHIPPED: note: the builtin layer_quota 10G is not enforced on /var/lib/alcove ")" \
	"the shipped alcove.conf loads, without a warning"
if ! getent group alcove-users >/dev/null; then
	groupadd alcove-users || fail "groupadd alcove-users"
	on_exit "groupdel alcove-users"
fi
pam_user alcdm1 -G alcove-users
make_user alcdm2
assert_contains "$("$CTL" --config "$SHIPPED" explain alcdm1 --service sshd)" \
	"decision  not contained: no rule matched" "as shipped, a member of alcove-users is not contained"

# --- one rule uncommented. The test machines have no systemd: the shipped cgroup = "systemd"
# would refuse the login there, so that default (and only it) is switched off for them.
USERS=$WORK/users.conf
sed 's/^\t# \({ group = "alcove-users"; .*}\)$/\t\1/' "$SHIPPED" >"$USERS"
assert_eq 1 "$(diff "$SHIPPED" "$USERS" | grep -c '^> ')" "sed uncommented the one example rule"
[ -d /run/systemd/system ] || sed -i 's/^\tcgroup = "systemd";/\tcgroup = "none";/' "$USERS"
# (the example profiles' limits then draw warnings: not enforced with cgroup = "none")
assert_eq "$USERS: OK" "$("$CTL" --config "$USERS" check-config 2>/dev/null)" "with the rule, it loads"
assert_contains "$("$CTL" --config "$USERS" explain alcdm1 --service sshd)" "profile   users" \
	"explain: the member gets the profile users"
SSHD_SERVICE_NAME=sshd sshd_start 2401 \
	"session required $BUILD/pam_alcove.so config=$USERS helper=$BUILD/alcove-helper"
sshd_authorize alcdm1
sshd_authorize alcdm2
out=$(ssh_to alcdm1 -- 'cat /proc/1/comm; hostname; ls /home | xargs')
assert_eq 0 $? "ssh alcdm1 (member, PAM service sshd) logs in"
assert_eq "alcove-init
alcdm1-alcove
alcdm1" "$out" "the member is contained on image \"/\": alcove-init, its hostname, only its home"
out=$(ssh_to alcdm2 -- 'cat /proc/1/comm')
assert_eq "$(cat /proc/1/comm)" "$out" "a non-member is not contained"

# --- the append mistake: a second profiles and rules at the end of the shipped file
APPENDED=$WORK/appended.conf
cp "$SHIPPED" "$APPENDED"
printf '%s\n' 'profiles = { students = { image = "/"; }; };' \
	'rules = ( { group = "students"; service = "sshd"; profile = "students"; } );' >>"$APPENDED"
first=$(grep -n '^profiles = {' "$SHIPPED" | cut -d: -f1)
out=$("$CTL" --config "$APPENDED" check-config 2>&1)
assert_eq 1 $? "check-config refuses the appended file"
assert_eq "$APPENDED:$(($(wc -l <"$SHIPPED") + 1)): duplicate setting 'profiles' (first set at line $first)" \
	"$out" "the duplicate is named, with both lines"

# --- make demo when the login does not happen: one line naming what failed and alcove's own
# journal line, exit 1, nothing left. The login is refused for real (PAM session not opened):
# the demo runs on a build whose alcove-helper exits without an answer, so pam_alcove refuses
# the session and sshd's session child exits 254. The demo reads the journal with journalctl;
# this test's journal is journal.sh's listener, which a journalctl first in PATH prints from
# (the entries of pam_alcove and alcove-helper at err or worse, as -o cat does).
journal_start
STUB=$WORK/demo-stub
mkdir -p "$STUB/build" "$STUB/bin"
chmod 755 "$STUB" "$STUB/build"
for p in alcove-init alcove-enter alcovectl pam_alcove.so; do ln -s "$BUILD/$p" "$STUB/build/$p"; done
printf '#!/bin/sh\nexit 1\n' >"$STUB/build/alcove-helper"
printf '#!/bin/sh\nsed -n -E "s/^p=[0-3] id=(pam_alcove|alcove-helper) .* msg=//p" %s\n' \
	"$JOURNAL" >"$STUB/bin/journalctl"
chmod 755 "$STUB/build/alcove-helper" "$STUB/bin/journalctl"
refused="failed (ssh exit 254: sshd refused the login, its PAM session did not open); journal: Refusing session: Failed to run $STUB/build/alcove-helper open"
out=$(env BUILD="$STUB/build" PATH="$STUB/bin:$PATH" ALCOVE_DEMO_PORT=2406 \
	"$ALCOVE_SRC/demo/demo.sh" </dev/null 2>&1)
assert_eq 1 $? "a refused login: the demo exits 1"
assert_eq 1 "$(grep -c '^alcove demo: ' <<<"$out")" "a refused login: one line of the demo's says so"
assert_contains "$(grep '^alcove demo: ' <<<"$out")" "alcove demo: the ssh login as alcove-demo $refused" \
	"... naming ssh's failure and pam_alcove's journal line"
assert_eq "" "$(demo_leftovers)" "a refused login: nothing is left"

# The same on a terminal: an exit 254 there is a refused login, not the shell's last status.
journal_clear
tmux -L alcdm15 new-session -d -s refused -x 250 -y 40 \
	"env BUILD=$STUB/build PATH=$STUB/bin:\$PATH ALCOVE_DEMO_PORT=2407 $ALCOVE_SRC/demo/demo.sh; echo \$? >$WORK/rc-refused" \; \
	set remain-on-exit on || fail "tmux new-session"
wait_until 300 test -s "$WORK/rc-refused" || fail "the demo on a terminal did not end after a refused login"
assert_eq 1 "$(cat "$WORK/rc-refused")" "on a terminal, a refused login: the demo exits 1"
assert_contains "$(tmux -L alcdm15 capture-pane -p -J -t refused | grep '^alcove demo: ')" \
	"$refused" "on a terminal, a refused login: the demo's line names it and the journal's"
assert_eq "" "$(demo_leftovers)" "on a terminal, a refused login: nothing is left"

# --- ss failing (a kernel without its netlink diagnostics, say): the demo stops with one line
# naming it, before sshd, rather than start sshd on a port it could not check.
mkdir -p "$WORK/demo-ss"
printf '#!/bin/sh\necho "Cannot open netlink socket: Protocol not supported" >&2\nexit 1\n' \
	>"$WORK/demo-ss/ss"
chmod 755 "$WORK/demo-ss/ss"
out=$(env PATH="$WORK/demo-ss:$PATH" ALCOVE_DEMO_PORT=2408 "$ALCOVE_SRC/demo/demo.sh" </dev/null 2>&1)
assert_eq 1 $? "ss failing: the demo exits 1"
assert_eq "alcove demo: ss -Htln failed, so no port can be checked: Cannot open netlink socket: Protocol not supported" \
	"$(grep '^alcove demo: ' <<<"$out")" "ss failing: one line of the demo's says so, with ss's"
assert_not_contains "$out" "sshd:    127.0.0.1" "ss failing: ... before sshd starts"
assert_eq "" "$(demo_leftovers)" "ss failing: nothing is left"
