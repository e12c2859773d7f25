#!/bin/bash
# In a VM (pure cgroup2 with controllers) the limits scope_start sets are enforced: a fork loop
# in a scope with TasksMax=64 stops at the limit while the machine stays responsive, and with
# MemoryMax=64M an allocation beyond it is OOM-killed inside that scope only.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"
. "$ALCOVE_SRC/tests/vm/vm.sh"

PROBE=/usr/local/libexec/alcove-tests/scope-probe
vm_boot
assert_contains "$(vm_ssh root cat /sys/fs/cgroup/cgroup.controllers)" "pids" "guest has the pids controller"

# --- TasksMax: dash exits at its first failed fork; it records how many sleeps it started ---
vm_ssh root 'cat >/run/alcevm1.sh' <<'SCRIPT'
i=0
while [ $i -lt 200 ]; do
	sleep 600 &
	i=$((i + 1))
	echo $i >/run/alcevm1.count
done
SCRIPT
# Detached (setsid -f, stdio not on the ssh channel) so the machine can be probed meanwhile.
vm_ssh root "setsid -f $PROBE run alcevm1 1000 TasksMax=64 -- sh /run/alcevm1.sh </dev/null >/run/alcevm1.out 2>&1"
wait_until 600 vm_ssh root "! pgrep -f '[s]cope-probe run alcevm1'" || fail "fork loop did not end"
started=$(vm_ssh root cat /run/alcevm1.count)
out=$(vm_ssh root cat /run/alcevm1.out)
echo "# fork loop started $started sleeps; output: $out"
[ "$started" -lt 200 ] || fail "TasksMax=64 did not stop the loop: $started sleeps"
[ "$started" -le 63 ] || fail "more tasks than TasksMax=64: sh + $started sleeps"
pass "fork loop stopped at the limit (sh + $started sleeps <= 64)"
assert_contains "$out" "fork" "the shell's fork failed"
assert_eq "ok" "$(vm_ssh root echo ok)" "machine responsive after the fork loop"
assert_eq "0" "$(vm_ssh root 'pgrep -c -x "sleep" || true')" "stopping the scope killed the sleeps"

# --- MemoryMax: dd's 200 MiB buffer is filled from /dev/zero: OOM-killed at 64 MiB ---
rc=0
vm_ssh root "$PROBE run alcevm2 1000 MemoryMax=67108864 -- dd if=/dev/zero of=/dev/null bs=200M count=1" || rc=$?
assert_eq "137" "$rc" "allocation beyond MemoryMax=64M is SIGKILLed"
kmsg=$(vm_ssh root "journalctl -k -q --no-pager | grep oom-kill")
assert_contains "$kmsg" "oom_memcg=/user.slice/user-1000.slice/alcove-alcevm2.scope" \
	"the OOM kill was the scope's own memcg"
assert_eq "ok" "$(vm_ssh root echo ok)" "machine responsive after the OOM kill"
# Control: without the limit the same allocation succeeds, so the kill came from MemoryMax.
vm_ssh root "$PROBE run alcevm3 1000 -- dd if=/dev/zero of=/dev/null bs=200M count=1 status=none" ||
	fail "dd of 200M without a limit failed"
pass "without MemoryMax the same allocation succeeds"
