#!/bin/bash
# The real thing in a VM (pure cgroup2, controllers enforced): ssh logins through the guest's
# own sshd with pam_alcove enabled by pam-auth-update land in alcove-USER.scope, and the
# profile's limits hold there: a fork loop stops at TasksMax = 64 with the machine responsive,
# an allocation beyond MemoryMax = 64M is OOM-killed inside the alcove only, a user whose
# profile has no such limit can allocate the same, and in root mode the user, root of the
# delegated subtree, creates sub-cgroups and enables the scope's controllers for them.
# A profile with no limits gets the builtin ones (issue 15): pids.max 2048 stops a fork loop
# and memory.max, 25% of the RAM, OOM-kills a hog in its alcove, while another user logs in.
# A tenant's leftovers (setsid + nohup, on_last_logout = "keep") stay under the same TasksMax:
# the next login can fork only what they left. alcovectl show and list (text and --json) give
# a running alcove's memory and tasks against the scope's memory.max and pids.max, the
# profile's 64M and 64. Then login-quota.sh: layer_quota as an ext4 and an xfs project quota,
# in the same VM.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"
. "$ALCOVE_SRC/tests/vm/vm.sh"

VM_IMAGE=bookworm
VM_LIB_DISK=prjquota # /var/lib/alcove on ext4 with project quotas, for login-quota.sh
vm_boot
# The users with root's test key, and the policy: image "/" (the guest's root is ext4).
vm_ssh root 'for u in alcevm alcevm2 alcevm3 alcevm4 alcvq1 alcvq2 alcvq3 alcvq4 alcvq5; do
	useradd -m -s /bin/bash $u && install -d -m 700 -o $u -g $u /home/$u/.ssh &&
	install -m 600 -o $u -g $u /root/.ssh/authorized_keys /home/$u/.ssh/ &&
	echo $u:$((200000 + $(wc -l </etc/subuid) * 65536)):65536 | tee -a /etc/subuid >>/etc/subgid ||
	exit 1; done' || fail "users in the VM"
vm_ssh root 'cat >/etc/alcove/alcove.conf' <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = false; on_last_logout = "stop"; };
profiles = { small = { limits = { TasksMax = 64; MemoryMax = "64M"; }; }; free = { };
             lingering = { limits = { TasksMax = 64; }; on_last_logout = "keep"; };
             builder = { mode = "root"; image = "/var/lib/alcove/images/bookworm"; };
             quota = { persist = true; layer_quota = "20M"; layer_quota_fallback = "refuse"; };
             spacious = { persist = true; layer_quota_fallback = "refuse"; };
             few = { persist = true; layer_inodes = 200; layer_quota_fallback = "refuse"; }; };
rules = ( { user = "alcevm"; profile = "small"; }, { user = "alcevm2"; profile = "free"; },
          { user = "alcevm3"; profile = "builder"; }, { user = "alcvq1"; profile = "quota"; },
          { user = "alcvq2"; profile = "spacious"; }, { user = "alcvq3"; profile = "few"; },
          { user = "alcvq4"; profile = "quota"; }, { user = "alcvq5"; profile = "quota"; },
          { user = "alcevm4"; profile = "lingering"; } );
CONF
out=$(vm_ssh root 'alcovectl check-config && DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "policy and pam-auth-update in the VM: $out"
uid=$(vm_ssh root id -u alcevm)
scope=/user.slice/user-$uid.slice/alcove-alcevm.scope

out=$(vm_ssh alcevm 'cat /proc/1/comm; grep ^0:: /proc/self/cgroup; cat /sys/fs/cgroup/pids.max 2>&1') ||
	fail "ssh alcevm: $out"
assert_eq alcove-init "$(sed -n 1p <<<"$out")" "the login runs in the alcove"
grep -qxE '0::/login-[0-9]+' <<<"$(sed -n 2p <<<"$out")" || fail "shell's cgroup: $out"
pass "the shell is in its login's sub-cgroup of the scope"

# --- TasksMax = 64: dash stops at its first failed fork (bash would retry for seconds) ---
vm_ssh alcevm "sh -c 'i=0; while [ \$i -lt 200 ]; do sleep 600 & i=\$((i+1)); echo \$i >/tmp/count; done' \
	>/dev/null 2>/tmp/err; cat /tmp/count; cat /tmp/err" >"$VM_DIR/fork.out" 2>&1
started=$(head -1 "$VM_DIR/fork.out")
echo "# in the alcove the fork loop started $started sleeps: $(tail -1 "$VM_DIR/fork.out")"
[ "$started" -lt 64 ] 2>/dev/null || fail "TasksMax=64 did not hold: '$(cat "$VM_DIR/fork.out")'"
pass "the fork loop stopped at TasksMax=64 (init, bash, sh and $started sleeps)"
assert_contains "$(cat "$VM_DIR/fork.out")" "fork" "the shell's fork failed"
assert_eq ok "$(vm_ssh root echo ok)" "the machine stays responsive"

# --- MemoryMax = 64M ---
# (the shell reports dd's status: had dd been the login's process itself, sshd would send
# exit-signal KILL and ssh exit 255, as on any host)
out=$(vm_ssh alcevm 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo status=$?' 2>&1)
assert_contains "$out" "status=137" "dd of 200M in the alcove is SIGKILLed"
kmsg=$(vm_ssh root "journalctl -k -q --no-pager | grep oom-kill | tail -1")
assert_contains "$kmsg" "oom_memcg=$scope," "the OOM kill was the alcove scope's"
assert_contains "$kmsg" "task=dd," "the OOM killer chose dd"
assert_eq ok "$(vm_ssh root echo ok)" "the machine stays responsive after the OOM kill"
out=$(vm_ssh alcevm2 'dd if=/dev/zero of=/dev/null bs=200M count=1 status=none && echo allocated') ||
	fail "alcevm2 (no MemoryMax) could not allocate 200M: $out"
assert_eq allocated "$out" "a profile without MemoryMax allocates the same 200M"

# --- the builtin limits bite where a profile sets none ("free"): TasksMax = 2048 ---
# The fork loop holds its 2000-odd sleeps (the login stays, exec sleep) while another user logs
# in; only then is it hung up, which stops the alcove (on_last_logout = "stop").
uid2=$(vm_ssh root id -u alcevm2)
scope2=/sys/fs/cgroup/user.slice/user-$uid2.slice/alcove-alcevm2.scope
vm_ssh alcevm2 "sh -c 'i=0; while [ \$i -lt 3000 ]; do sleep 600 & i=\$((i+1)); echo \$i >/tmp/count; done' \
	>/dev/null 2>/tmp/err; cat /tmp/count; cat /tmp/err; exec sleep 600" </dev/null >"$VM_DIR/bomb.out" 2>&1 &
bomb=$!
on_exit "kill $bomb"
wait_until 3000 grep -q fork "$VM_DIR/bomb.out" || fail "the fork loop did not stop: $(cat "$VM_DIR/bomb.out")"
started=$(head -1 "$VM_DIR/bomb.out")
echo "# with the builtin limits the fork loop started $started sleeps: $(tail -1 "$VM_DIR/bomb.out")"
[ "$started" -le 2045 ] 2>/dev/null || fail "more than TasksMax = 2048: $(cat "$VM_DIR/bomb.out")"
pass "the fork loop stopped at the builtin TasksMax (init, bash, sh and $started sleeps <= 2048)"
out=$(vm_ssh root "cat $scope2/pids.max $scope2/memory.max; grep ^MemTotal: /proc/meminfo")
assert_eq 2048 "$(sed -n 1p <<<"$out")" "the scope of a profile without limits has pids.max 2048"
# 25% of the RAM as systemd counts a share: whole pages, rounded down.
kb=$(awk '{print $2}' <<<"$(sed -n 3p <<<"$out")")
assert_eq $((kb / 4 / 4 * 4096)) "$(sed -n 2p <<<"$out")" \
	"memory.max is 25% of MemTotal ($kb kB), in whole pages"
assert_eq in "$(vm_ssh alcevm 'echo in')" "another user logs in while the fork loop holds its tasks"
kill -0 $bomb 2>/dev/null || fail "the fork loop's login ended before the other login"
kill $bomb
vm_ssh root alcovectl stop alcevm2 >/dev/null 2>&1

# --- MemoryMax = 25%: a hog that allocates past it, again and again, is OOM-killed in its alcove
# while another user logs in ---
hog=$((kb / 1024 / 4 + 128))
vm_ssh alcevm2 "for i in \$(seq 20); do dd if=/dev/zero of=/dev/null bs=${hog}M count=1 status=none; echo status=\$?; done" \
	</dev/null >"$VM_DIR/hog.out" 2>&1 &
hogpid=$!
on_exit "kill $hogpid"
wait_until 3000 grep -q status= "$VM_DIR/hog.out" || fail "the memory hog did not end: $(cat "$VM_DIR/hog.out")"
assert_eq status=137 "$(grep -m1 ^status= "$VM_DIR/hog.out")" "dd of ${hog}M (> 25% of RAM) is SIGKILLed"
assert_eq in "$(vm_ssh alcevm 'echo in')" "another user logs in while the hog runs"
kill -0 $hogpid 2>/dev/null || fail "the hog's login ended before the other login"
kill $hogpid
kmsg=$(vm_ssh root "journalctl -k -q --no-pager | grep oom-kill | tail -1")
assert_contains "$kmsg" "oom_memcg=/user.slice/user-$uid2.slice/alcove-alcevm2.scope," \
	"the OOM kill was the alcove's, under the builtin MemoryMax"
vm_ssh root alcovectl stop alcevm2 >/dev/null 2>&1

# --- leftovers count against the limits of the logins: 40 sleeps left behind by a login
# (setsid -f nohup: a new session, stdio off the channel) stay in the kept alcove's scope, and the
# next login's fork loop stops at TasksMax = 64 minus them ---
vm_ssh alcevm4 'for i in $(seq 40); do setsid -f nohup sleep 600 </dev/null >/dev/null 2>&1; done' ||
	fail "alcevm4 could not leave its sleeps behind"
uid4=$(vm_ssh root id -u alcevm4)
scope4=/sys/fs/cgroup/user.slice/user-$uid4.slice/alcove-alcevm4.scope
left=$(vm_ssh root "cat $scope4/pids.current")
[ "$left" -ge 41 ] 2>/dev/null || fail "the scope counts '$left' tasks after logout, not init and 40 sleeps"
pass "after logout the kept alcove's scope holds the 40 leftovers ($left tasks)"
vm_ssh alcevm4 "sh -c 'i=0; while [ \$i -lt 200 ]; do sleep 600 & i=\$((i+1)); echo \$i >/tmp/count; done' \
	>/dev/null 2>/tmp/err; cat /tmp/count; cat /tmp/err" >"$VM_DIR/fork4.out" 2>&1
started=$(head -1 "$VM_DIR/fork4.out")
echo "# with 40 leftovers the next login's fork loop started $started sleeps"
[ "$started" -lt $((64 - 40)) ] 2>/dev/null || fail "the leftovers did not count: '$(cat "$VM_DIR/fork4.out")'"
assert_contains "$(cat "$VM_DIR/fork4.out")" "fork" "the next login's fork failed at the scope's TasksMax"
vm_ssh root alcovectl stop alcevm4 >/dev/null 2>&1

# --- alcovectl show and list: the usage of a running alcove against its limits (issue 15),
# read from the scope: "small" sets MemoryMax = 64M and TasksMax = 64. The login is idle, so
# pids.current (init and the login's sleep) stays what show and list read ---
vm_ssh alcevm 'sleep 60' </dev/null >/dev/null 2>&1 &
bg=$!
on_exit "kill $bg"
wait_until 300 vm_ssh root pgrep -u alcevm -x sleep || fail "no login of alcevm for alcovectl show"
vm_ssh root "alcovectl show alcevm; echo ---; alcovectl list; echo ---; alcovectl show alcevm --json;
	echo ---; alcovectl list --json; echo ---; cat /sys/fs/cgroup$scope/pids.current" >"$VM_DIR/usage.out" ||
	fail "alcovectl show, list: $(cat "$VM_DIR/usage.out")"
part() { awk -v n="$1" '/^---$/ {i++; next} i == n' "$VM_DIR/usage.out"; }
part 0 | sed 's/^/#   /'
tasks=$(part 4)
[ "$tasks" -ge 2 ] 2>/dev/null || fail "pids.current of alcevm's scope: '$tasks'"
assert_contains "$(part 0)" "
limits:     memory.max=67108864 pids.max=64
" "show: the scope's memory.max and pids.max, the profile's"
part 0 | grep -qxE "usage:      memory=[1-9][0-9]* tasks=$tasks cpu=[0-9]+\.[0-9]{6}s" ||
	fail "show: no usage line with the scope's $tasks tasks: $(part 0 | grep ^usage:)"
pass "show: the scope's memory.current, its $tasks tasks and cpu usage"
cols=$(part 1 | awk 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i} $1 == "alcevm" {print $c["MEM"], $c["TASKS"]}')
[[ $cols =~ ^[0-9.]+[BKM]/64M\ $tasks/64$ ]] ||
	fail "list: MEM and TASKS of alcevm are not its usage against 64M and 64: '$cols'"$'\n'"$(part 1)"
pass "list: MEM and TASKS of alcevm against its limits ($cols)"
nums() { python3 -c '
import json, sys
a = [a for a in json.load(sys.stdin)["alcoves"] if a["user"] == "alcevm"][0]
u, l = a["usage"], a["limits"]
print(0 < u["memory_current"] < l["memory_max"], u["pids_current"], l["memory_max"], l["pids_max"])'; }
assert_eq "True $tasks 67108864 64" "$(part 2 | nums)" "show --json: memory and tasks used, their limits"
assert_eq "True $tasks 67108864 64" "$(part 3 | nums)" "list --json: memory and tasks used, their limits"

# --- root mode: the delegated subtree is the user's to divide ---
out=$(vm_ssh alcevm3 'id -u; cat /sys/fs/cgroup/cgroup.controllers; mkdir /sys/fs/cgroup/job &&
	echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control &&
	echo 1048576 >/sys/fs/cgroup/job/memory.max && cat /sys/fs/cgroup/job/memory.max &&
	echo $$ >/sys/fs/cgroup/job/cgroup.procs && grep ^0:: /proc/self/cgroup &&
	cat /sys/fs/cgroup/pids.max; echo 5 >/sys/fs/cgroup/pids.max' 2>&1)
echo "$out" | sed 's/^/#   /'
assert_eq 0 "$(sed -n 1p <<<"$out")" "root mode: the user is uid 0 in the alcove"
assert_contains "$(sed -n 2p <<<"$out")" "memory" "root mode: the scope's controllers are delegated"
assert_eq 1048576 "$(sed -n 3p <<<"$out")" "root mode: a sub-cgroup with its own memory.max"
assert_eq "0::/job" "$(sed -n 4p <<<"$out")" "root mode: the shell moved itself into it"
assert_contains "$out" "Permission denied" "the scope's own limit files stay root's"

. "$ALCOVE_SRC/tests/vm/login-quota.sh"
