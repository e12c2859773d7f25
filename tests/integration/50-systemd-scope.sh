#!/bin/bash
# helper/build/scope.c against a real systemd 252 (TESTING.md layer 3), driven by tests/tools/
# scope-probe: the transient scope, its properties, the chowned delegated cgroup, stopping it
# (directly and through the user's slice), systemd's error text, and the no-bus refusal.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

PROBE=/usr/local/libexec/alcove-tests/scope-probe
[ -x "$BUILD/tests/scope-probe" ] || setup_fail "build/tests/scope-probe missing (make check-integration builds it)"

# On this host no systemd is on the system bus (TESTING.md): fail closed with the message.
out=$("$BUILD/tests/scope-probe" start alce1 1000 1000 1000 2>&1 </dev/null) &&
	fail "scope_start succeeded without systemd: $out"
assert_contains "$out" "EHOSTDOWN: systemd not reachable on the system bus" "no system bus: refused"

nspawn_boot

show() { ct_run systemctl show "$1" -p "$2" --value; }

# --- a scope with limits, owned by "ns root" 1234567:1234568 ---
out=$(ct_run $PROBE start alce1 1000 1234567 1234568 MemoryMax=67108864 TasksMax=64 \
	CPUWeight=50 CPUQuotaPerSecUSec=500000) || fail "scope_start: $out"
unit=$(echo "$out" | sed -n 's/^unit=//p')
cg=$(echo "$out" | sed -n 's/^cgroup=//p')
pid=$(echo "$out" | sed -n 's/^pid=//p')
echo "# scope_start took $(echo "$out" | sed -n 's/^usec=//p') µs"
assert_eq "alcove-alce1.scope" "$unit" "unit name"
assert_eq "active" "$(show "$unit" ActiveState)" "scope is active"
assert_eq "yes" "$(show "$unit" Delegate)" "Delegate=yes"
assert_eq "67108864" "$(show "$unit" MemoryMax)" "MemoryMax"
assert_eq "64" "$(show "$unit" TasksMax)" "TasksMax"
assert_eq "50" "$(show "$unit" CPUWeight)" "CPUWeight"
assert_eq "500ms" "$(show "$unit" CPUQuotaPerSecUSec)" "CPUQuotaPerSecUSec"
assert_eq "user-1000.slice" "$(show "$unit" Slice)" "in the user's slice"
assert_eq "inactive-or-failed" "$(show "$unit" CollectMode)" "CollectMode"
assert_contains "$(show "$unit" Description)" "alce1" "Description names the user"
assert_eq "/sys/fs/cgroup$(show "$unit" ControlGroup)" "$cg" "cgroup path = mount + ControlGroup"
assert_eq "0::/user.slice/user-1000.slice/alcove-alce1.scope" \
	"$(ct_run grep '^0::' /proc/$pid/cgroup)" "the pid was moved into the scope"
for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads; do
	assert_eq "1234567:1234568" "$(ct_run stat -c %u:%g "$cg$f")" "chowned: scope dir$f"
done
assert_eq "0:0" "$(ct_run stat -c %u:%g "$cg/cgroup.type")" "other files stay root's"
# The owner can build its own tree in the delegated subtree, as init does (init/, login-N/).
ct_run setpriv --reuid=1234567 --regid=1234568 --clear-groups mkdir "$cg/init" ||
	fail "ns root cannot mkdir in the delegated cgroup"
pass "the owner creates sub-cgroups"
ct_run rmdir "$cg/init"

# --- a second alcove: escaped name, its own scope ---
out=$(ct_run $PROBE start alce-2 1001 1300000 1300000) || fail "second scope: $out"
unit2=$(echo "$out" | sed -n 's/^unit=//p')
pid2=$(echo "$out" | sed -n 's/^pid=//p')
assert_eq 'alcove-alce\x2d2.scope' "$unit2" "'-' escaped in the unit name"
assert_eq "active" "$(show "$unit2" ActiveState)" "second scope active"
assert_eq "active" "$(show "$unit" ActiveState)" "first scope still active"

# --- systemd's own error text: the unit exists already ---
out=$(ct_run $PROBE start alce1 1000 0 0 2>&1) && fail "a second alcove-alce1.scope started: $out"
assert_contains "$out" "alcove-alce1.scope" "systemd's error names the unit"
assert_contains "$out" "EEXIST" "an existing unit is -EEXIST"
echo "# systemd said: $out"

# --- scope_stop: systemd kills what is in the scope, the unit is collected ---
# (kill -0 through ct_run works on the live process: its ESRCH below is the process's end)
ct_run kill -0 "$pid" || fail "kill -0 $pid of the live scope failed"
ct_run $PROBE stop "$unit" || fail "scope_stop $unit"
assert_eq "inactive" "$(show "$unit" ActiveState)" "stopped scope is inactive"
assert_eq "not-found" "$(show "$unit" LoadState)" "stopped scope is collected"
ct_dead() { ! ct_run kill -0 "$1" 2>/dev/null; }
wait_until 50 ct_dead "$pid"
assert_fails_with 1 "No such process" "the scope's process is dead" ct_run kill -0 "$pid"
out=$(ct_run $PROBE stop "$unit" 2>&1) && fail "stopping a gone unit succeeded"
assert_contains "$out" "ENOENT" "stopping an unknown unit is -ENOENT"

# --- stopping the user's slice ends the alcove's scope too ---
ct_run kill -0 "$pid2" || fail "kill -0 $pid2 of the second live scope failed"
ct_run systemctl stop user-1001.slice || fail "systemctl stop user-1001.slice"
assert_eq "inactive" "$(show "$unit2" ActiveState)" "slice stop stops the scope"
assert_fails_with 1 "No such process" "slice stop killed the scope's process" \
	ct_run kill -0 "$pid2"

# --- informational: scope_start times (µs, includes bus connect, GetUnit, chown) ---
times=$(ct_run $PROBE bench 20 1002) || fail "bench: $times"
echo "# scope_start µs over 20 runs, sorted: $(echo $times | tr ' ' '\n' | sort -n | tr '\n' ' ')"
