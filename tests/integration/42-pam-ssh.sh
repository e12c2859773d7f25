#!/bin/bash
# Real logins through OpenSSH's sshd on 127.0.0.1 with the build's pam_alcove.so: commands,
# exit status, binary data, scp/sftp, agent forwarding, shared and separate alcoves,
# unselected users and root, and nothing left after the last logout (on_last_logout = stop).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcd1
pam_user alcd2
make_user alcd3
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	hostname = \"%u-box\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcd3\"; action = \"skip\"; },
	  { user = \"alcd*\"; service = \"sshd-alcovetest-*\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
sshd_start 2240 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
for u in alcd1 alcd2 alcd3 root; do sshd_authorize $u; done

# A login that stays (a terminal session: it ends with a hangup when its client goes), so the
# alcove lives on between the commands below; the last section checks a second login shares it.
ssh_bg alcd1 -tt -- 'exec sleep 4711'
bg1=$SSH_BG_PID
on_exit "kill $bg1"
wait_until 100 alcove_has alcd1 "sleep 4711" || fail "the background login did not start"

# --- the alcove, seen from a remote command
out=$(ssh_to alcd1 -- 'cat /proc/1/comm; hostname; id -un; echo "home=$HOME pwd=$(pwd)"
	echo "name=$ALCOVE_NAME"; echo "-- map"; cat /proc/self/uid_map; echo "-- ps"
	ps -e -o pid=,comm=')
assert_eq 0 $? "ssh alcd1 runs a command"
assert_eq alcove-init "$(sed -n 1p <<<"$out")" "PID 1 is alcove-init"
assert_eq alcd1-box "$(sed -n 2p <<<"$out")" "the policy's hostname"
assert_eq alcd1 "$(sed -n 3p <<<"$out")" "the command runs as alcd1"
assert_contains "$out" "home=/home/alcd1 pwd=/home/alcd1" "in the home"
assert_contains "$out" "name=$(id -u alcd1)" "ALCOVE_NAME reaches the login"
assert_eq "$(expected_user_uid_map alcd1)" "$(sed -n '/^-- map/,/^-- ps/p' <<<"$out" |
	grep -v '^--' | normalise_map)" \
	"user mode's uid_map: 0 and the rest from the subuid range, alcd1 as itself"
procs=$(sed -n '/^-- ps/,$p' <<<"$out" | grep -v '^--')
assert_eq "1 alcove-init" "$(head -1 <<<"$procs" | xargs)" "ps: PID 1 is alcove-init"
assert_not_contains "$procs" sshd "ps shows no host process (no sshd)"
[ "$(wc -l <<<"$procs")" -le 4 ] || fail "ps shows more than the login's processes: $procs"
pass "ps shows only the alcove's few processes"
journal_wait "Contained in alcove $(id -u alcd1)" >/dev/null || fail "no 'Contained' log line"
line=$(grep "Contained in alcove $(id -u alcd1)" "$JOURNAL" | tail -1)
assert_contains "$line" "user=alcd1 service=sshd-alcovetest-2240 profile=lab stage=open" \
	"the log line carries ALCOVE_USER, _SERVICE, _PROFILE, _STAGE"

# --- exit status and data
ssh_to alcd1 -- 'exit 7'
assert_eq 7 $? "ssh 'exit 7' exits 7"
WORK=$(mktemp -d /var/tmp/alcd-ssh.XXXXXX)
on_exit "rm -rf $WORK"
head -c 10M /dev/urandom >"$WORK/blob"
sum=$(sha256sum <"$WORK/blob" | cut -d' ' -f1)
assert_eq "$sum" "$(ssh_to alcd1 -- cat <"$WORK/blob" | sha256sum | cut -d' ' -f1)" \
	"10 MiB through stdin/stdout unchanged"
ssh_to alcd1 -- 'cat >&2' <"$WORK/blob" 2>"$WORK/err" >/dev/null
assert_eq "$sum" "$(sha256sum <"$WORK/err" | cut -d' ' -f1)" "10 MiB through stderr unchanged"

# --- scp both ways and sftp (sftp-server runs through the shell, inside the alcove)
mapfile -t sopts < <(scp_opts)
scp -q "${sopts[@]}" "$WORK/blob" alcd1@127.0.0.1:up.bin || fail "scp to the alcove"
assert_eq "$sum" "$(sha256sum </home/alcd1/up.bin | cut -d' ' -f1)" "scp lands in the home"
scp -q "${sopts[@]}" alcd1@127.0.0.1:up.bin "$WORK/down.bin" || fail "scp from the alcove"
assert_eq "$sum" "$(sha256sum <"$WORK/down.bin" | cut -d' ' -f1)" "scp back unchanged"
printf 'put %s sftp.bin\nget sftp.bin %s\nget /proc/1/comm %s\n' "$WORK/blob" "$WORK/sftp.bin" \
	"$WORK/comm" >"$WORK/batch"
sftp -q "${sopts[@]}" -b "$WORK/batch" alcd1@127.0.0.1 >/dev/null || fail "sftp session"
assert_eq "$sum" "$(sha256sum </home/alcd1/sftp.bin | cut -d' ' -f1)" "sftp put lands in the home"
assert_eq "$sum" "$(sha256sum <"$WORK/sftp.bin" | cut -d' ' -f1)" "sftp get unchanged"
assert_eq alcove-init "$(cat "$WORK/comm")" "sftp-server runs in the alcove (its /proc/1/comm)"

# --- agent forwarding: the socket sshd makes in the lobby's /tmp is the alcove's /tmp
eval "$(ssh-agent -s -a "$WORK/agent.sock")" >/dev/null
on_exit "kill $SSH_AGENT_PID"
ssh-add -q "$SSHD_KEY" 2>/dev/null || fail "ssh-add"
out=$(ssh_to alcd1 -A -- 'echo "sock=$SSH_AUTH_SOCK"; ssh-add -l; cat /proc/1/comm')
assert_contains "$out" "alcove-test (ED25519)" "ssh -A: ssh-add -l inside lists the key"
assert_contains "$out" "sock=/tmp/ssh-" "the agent socket is in the alcove's /tmp"
assert_contains "$out" "alcove-init" "... and that ssh-add ran inside"

# --- two logins of one user share one alcove; two users get two
ssh_bg alcd2 -tt -- 'exec sleep 4712'
bg2=$SSH_BG_PID
on_exit "kill $bg2"
wait_until 100 alcove_has alcd2 "sleep 4712" || fail "alcd2's background login did not start"
wait_until 100 ssh_to alcd1 -- 'ps -e -o args= | grep -qx "sleep 4711"' ||
	fail "a second login of alcd1 does not see the first one's sleep"
pass "two logins of alcd1 share one alcove"
out=$(ssh_to alcd1 -- 'ps -e -o args=; readlink /proc/self/ns/pid')
assert_not_contains "$out" "sleep 4712" "alcd1 does not see alcd2's processes"
out2=$(ssh_to alcd2 -- 'ps -e -o args=; readlink /proc/self/ns/pid; hostname')
assert_contains "$out2" "sleep 4712" "alcd2 sees its own"
assert_not_contains "$out2" "sleep 4711" "alcd2 does not see alcd1's"
assert_contains "$out2" "alcd2-box" "alcd2's alcove has its own hostname"
[ "$(tail -1 <<<"$out")" != "$(sed -n '$p' <<<"$(grep pid: <<<"$out2")")" ] ||
	fail "alcd1 and alcd2 share a PID namespace"
pass "two users, two PID namespaces"

# What the module costs, measured on a running alcove (printed, not asserted): pam-session
# times pam_open_session/pam_close_session of a stack holding only pam_permit and ours.
costconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	hostname = \"%u-box\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcd1\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
printf 'session required pam_permit.so\nsession required %s config=%s helper=%s\n' \
	"$BUILD/pam_alcove.so" "$costconf" "$BUILD/alcove-helper" >/etc/pam.d/alcd-cost
on_exit "rm -f /etc/pam.d/alcd-cost"
out=$("$BUILD/tests/pam-session" --repeat 20 alcd-cost alcd1) || fail "pam-session: $out"
echo "# PAM open+close of a login joining a running alcove, medians in us: $out"

# --- not selected: the host login
out=$(ssh_to alcd3 -- 'cat /proc/1/comm; echo "name=${ALCOVE_NAME:-}"')
assert_eq "$(cat /proc/1/comm)" "$(head -1 <<<"$out")" "an unselected user logs in on the host"
assert_eq "name=" "$(sed -n 2p <<<"$out")" "and has no ALCOVE_NAME"
journal_wait "user=alcd3 service=sshd-alcovetest-2240 profile= stage=policy" >/dev/null ||
	fail "no decision logged for alcd3"
pass "the skip decision is logged"
out=$(ssh_to root -- 'cat /proc/1/comm; id -u')
assert_eq "$(cat /proc/1/comm)"$'\n'0 "$out" "root logs in on the host, as uid 0"

# --- after the last logout (on_last_logout = stop): nothing left
kill $bg1 $bg2 2>/dev/null
wait $bg1 $bg2 2>/dev/null
for u in alcd1 alcd2; do
	uid=$(id -u $u)
	wait_until 100 alcove_gone $u || fail "alcove of $u still there: $(alcove_leftovers $u)"
	pass "$u: no alcove process, no mount, no state after the last logout"
	journal_wait "of alcove $uid" >/dev/null || fail "no 'Closed session' line for $u"
done

# --- back to back: each login ends the alcove (stop), the next one starts while it is ending
for i in 1 2 3; do
	out=$(ssh_to alcd1 -- 'cat /proc/1/comm')
	assert_eq alcove-init "$out" "login $i right after the previous one ended its alcove"
done
wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 still there: $(alcove_leftovers alcd1)"
pass "and nothing is left after the last"

# --- A lobby outliving its alcove (SECURITY.md, tenth review), user mode: alcovectl stop also
# ends a connection held on the alcove that has no channel (ssh -N), which would keep the old
# /tmp. A record whose process is not the one it names (a recycled pid: another start time)
# is not acted on, nor is one that cannot be read.
uid1=$(id -u alcd1)
ssh_bg alcd1 -N
idle=$SSH_BG_PID
on_exit "kill $idle"
wait_until 100 eval 'alcove_state_pid /run/alcove/$uid1/state >/dev/null' ||
	fail "the ssh -N login built no alcove"
sleep 4713 &
victim=$!
on_exit "kill $victim"
vstart=$(awk '{print $22}' /proc/$victim/stat)
printf 'pid=%d\nstarttime=%d\nuser=alcd1\n' $victim $((vstart + 1)) \
	>/run/alcove/$uid1/hold.00000000000000000000000000000000
printf 'pid=%d\n' $victim >/run/alcove/$uid1/hold.ffffffffffffffffffffffffffffffff
ALCOVE_HELPER=$BUILD/alcove-helper "$BUILD/alcovectl" stop alcd1 >/dev/null ||
	fail "alcovectl stop alcd1"
wait_until 100 eval "! kill -0 $idle 2>/dev/null" ||
	fail "the ssh -N connection outlived the alcove alcovectl stop ended"
pass "alcovectl stop ends the ssh -N connection held on the alcove"
journal_wait "of alcd1 held on the ended alcove $uid1" >/dev/null ||
	fail "no 'Ended the login' line in the journal"
kill -0 $victim 2>/dev/null || fail "a process whose start time did not match was signalled"
pass "a record whose start time does not match: its pid is not signalled"
assert_not_contains "$(cat "$JOURNAL")" "(pid $victim)" "nor named as ended"
[ ! -e /run/alcove/$uid1 ] || fail "/run/alcove/$uid1 stays: $(ls -A /run/alcove/$uid1)"
pass "the records went with the run directory"

# --- A caller gone before its helper started (SECURITY.md, eleventh review): the helper is
# reparented to a reaper (a subreaper here, PID 1 on a host), which opened no session. No hold
# may name the reaper, or the end of the alcove would SIGTERM it as root.
uid2=$(id -u alcd2)
"$BUILD/tests/helper-orphan" "$BUILD/alcove-helper" "$conf" alcd2 sshd-alcovetest-orphan \
	>"$WORK/orphan" 2>&1 &
orphan=$!
on_exit "kill $orphan 2>/dev/null"
wait_until 300 grep -q '^orphan ' "$WORK/orphan" || fail "helper-orphan: $(cat "$WORK/orphan")"
caller=$(sed -n 's/^orphan .* caller=\([0-9]*\) .*/\1/p' "$WORK/orphan")
rec=$(grep -lx "pid=$orphan" /run/alcove/$uid2/hold.* 2>/dev/null)
ALCOVE_HELPER=$BUILD/alcove-helper "$BUILD/alcovectl" stop alcd2 >/dev/null 2>&1
alive=$(kill -0 $orphan 2>/dev/null && echo alive || echo signalled)
assert_eq alive "$alive" "the end of the alcove does not signal the orphaned helper's reaper"
assert_eq "" "$rec" "no hold record names the reaper of an orphaned helper"
assert_contains "$(cat "$WORK/orphan")" \
	"Failed to open a pidfd of the caller (pid $caller) at start: No such process" \
	"the helper names its caller, gone, not the reaper"
