#!/bin/bash
# Run directories end with their alcove (issue 12, route 7): share = "session" makes a
# /run/alcove/<uid>-<hex> per login, and none may stay once its alcove is over, or a user
# fills the host's /run by logging in. Through real ssh logins: five logins under
# on_last_logout = stop and five under keep leave nothing; under keep a process left behind
# keeps its alcove's directory while it lives (another login's sweep included), and the next
# login after it ended removes it; share = "user" with stop leaves no /run/alcove/<uid>;
# max_sessions caps a user's session alcoves at once; share = "session" with idle stops at the
# last logout; a layer held by an alcove of the other share mode is named; list and show print
# every alcove, however many one user keeps.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

PROTO=$ALCOVE_SRC/tests/lib/alcove_proto.py
img=$(test_image bookworm-login)
pam_user alcca3
pam_user alcca4
pam_user alcca5
pam_user alcca6
pam_user alcca7
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	share = \"session\"; on_last_logout = \"stop\"; };
profiles = { keep = { on_last_logout = \"keep\"; max_sessions = 0; }; shared = { share = \"user\"; };
	few = { on_last_logout = \"keep\"; max_sessions = 2; };
	idler = { on_last_logout = \"idle\"; idle_timeout = 600; max_sessions = 2; }; };
rules = ( { user = \"alcca3\"; profile = \"defaults\"; },
	  { user = \"alcca4\"; profile = \"keep\"; },
	  { user = \"alcca5\"; profile = \"shared\"; },
	  { user = \"alcca6\"; profile = \"few\"; },
	  { user = \"alcca7\"; profile = \"idler\"; } );")
sshd_start 2342 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
for u in alcca3 alcca4 alcca5 alcca6 alcca7; do sshd_authorize $u; done

# The run directories of USER: /run/alcove/<uid> and /run/alcove/<uid>-*, one per line.
rundirs() { # user
	local u
	u=$(id -u "$1")
	for d in "/run/alcove/$u" "/run/alcove/$u"-*; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}
no_rundirs() { [ -z "$(rundirs "$1")" ]; }

# --- share = session, on_last_logout = stop: five logins, five alcoves, nothing stays
for i in 1 2 3 4 5; do
	assert_eq "login $i" "$(ssh_to alcca3 -- echo login $i)" "alcca3 (session, stop): login $i"
done
wait_until 200 no_rundirs alcca3 ||
	fail "session/stop: run directories stay after 5 logins: $(rundirs alcca3 | xargs)"
pass "session/stop: no /run/alcove/$(id -u alcca3)-* left after 5 logins"

# --- share = session, on_last_logout = keep: the same when nothing is left behind
for i in 1 2 3 4 5; do
	assert_eq "login $i" "$(ssh_to alcca4 -- echo login $i)" "alcca4 (session, keep): login $i"
done
wait_until 200 no_rundirs alcca4 ||
	fail "session/keep: run directories stay after 5 logins: $(rundirs alcca4 | xargs)"
pass "session/keep: no /run/alcove/$(id -u alcca4)-* left after 5 logins"

# A process left behind keeps its alcove, and with it the directory.
ssh_to alcca4 -- 'setsid sleep 4738 </dev/null >/dev/null 2>&1 & echo started' >/dev/null ||
	fail "alcca4: the login that leaves a process did not run"
wait_until 100 alcove_has alcca4 "sleep 4738" || fail "alcca4: the process left behind is not there"
kept=$(rundirs alcca4)
assert_eq 1 "$(wc -l <<<"$kept")" "keep: one run directory, of the alcove with the process left"
# its login's hold is released once the login's close has run; the alcove is still in use
wait_until 200 eval '[ "$(python3 "$PROTO" "$kept/admin" status | cut -d" " -f1-2)" = \
	"sessions=0 holds=0" ]' || fail "keep: the login's hold was not released"
[ -S "$kept/control" ] && [ -e "$kept/state" ] || fail "keep: $kept lost its socket or state"
pass "keep: $kept stays while its process lives"
assert_eq "again" "$(ssh_to alcca4 -- echo again)" "alcca4: another login meanwhile"
wait_until 200 eval '[ "$(rundirs alcca4)" = "$kept" ]' ||
	fail "keep: after another login, expected only $kept: $(rundirs alcca4 | xargs)"
pass "keep: another login's sweep leaves the live alcove's directory alone"

# The process ends, its alcove with it; the next login sweeps the directory.
pid=$(sed -n 's/^pid=//p' "$kept/state")
pkill -u "$(id -u alcca4)" -x -f "sleep 4738" || fail "alcca4: cannot end the process left behind"
wait_until 200 eval "! kill -0 $pid" || fail "keep: the alcove's init ($pid) did not end with its last process"
assert_eq "later" "$(ssh_to alcca4 -- echo later)" "alcca4: a login after that alcove ended"
wait_until 200 no_rundirs alcca4 ||
	fail "keep: run directories stay after the alcove ended: $(rundirs alcca4 | xargs)"
pass "keep: the ended alcove's directory goes with the next login"

# --- share = user, on_last_logout = stop: the alcove ends with the login, so does its directory
assert_eq "user" "$(ssh_to alcca5 -- echo user)" "alcca5 (user, stop): a login"
wait_until 200 no_rundirs alcca5 ||
	fail "user/stop: /run/alcove/$(id -u alcca5) stays after the last logout"
pass "user/stop: no /run/alcove/$(id -u alcca5) after the last logout"
wait_until 200 alcove_gone alcca5 || fail "user/stop: the alcove did not end: $(alcove_leftovers alcca5)"
pass "user/stop: the alcove ended"

# --- max_sessions = 2: each session alcove has the profile's limits, so a count bounds what
# one user holds; two alcoves kept by processes left behind, the third login is refused (the
# helper says why), and once one of them ended the next login goes through.
for i in 1 2; do
	ssh_to alcca6 -- "setsid sleep 475$i </dev/null >/dev/null 2>&1 & echo started" >/dev/null ||
		fail "alcca6: login $i that leaves a process did not run"
	wait_until 100 alcove_has alcca6 "sleep 475$i" || fail "alcca6: the process of login $i is not there"
done
rc=0
out=$(ssh_to alcca6 -- echo third 2>&1) || rc=$?
assert_eq 254 "$rc" "max_sessions: a third session alcove is refused by sshd (exit 254)"
assert_not_contains "$out" third "max_sessions: and its command did not run"
out=$("$BUILD/alcovectl" --config "$conf" enter alcca6 -- echo third 2>&1) &&
	fail "max_sessions: alcovectl enter got a third alcove: $out"
assert_contains "$out" "alcca6 already has 2 session alcoves running (max_sessions = 2 in profile few)" \
	"max_sessions: the helper names the count and the profile"
assert_eq 2 "$(rundirs alcca6 | wc -l)" "max_sessions: the refused logins left no directory"
pkill -u "$(id -u alcca6)" -x -f "sleep 4751" || fail "alcca6: cannot end a process left behind"
# (its init exits with its last process; until then it still counts)
wait_until 100 eval '[ "$(ssh_to alcca6 -- echo fourth 2>/dev/null)" = fourth ]' ||
	fail "max_sessions: no login after one of the two alcoves ended"
pass "max_sessions: a login after one of the two ended"
pkill -u "$(id -u alcca6)" -x -f "sleep 4752"
wait_until 200 alcove_gone alcca6 || fail "alcca6: alcoves left: $(alcove_leftovers alcca6)"
pass "alcca6: nothing left"

# --- share = session with on_last_logout = idle: no login can return to a session alcove, so
# it stops at its last logout (an idle one waited out idle_timeout unreachable, and counted
# against max_sessions: the third login within it was refused); check-config says so
assert_contains "$(actl check-config "$conf" 2>&1)" \
	"warning: idler: on_last_logout = \"idle\" has no effect with share = \"session\": no login can return to a session alcove; it stops at its last logout" \
	"check-config: idle with share = session is named"
for i in 1 2 3; do
	assert_eq "login $i" "$(ssh_to alcca7 -- echo login $i)" "alcca7 (session, idle, max_sessions = 2): login $i"
	wait_until 200 alcove_gone alcca7 ||
		fail "session/idle: the alcove of login $i lives on: $(alcove_leftovers alcca7)"
done
wait_until 200 no_rundirs alcca7 || fail "session/idle: run directories stay: $(rundirs alcca7 | xargs)"
pass "session/idle: each alcove ended with its login's logout, no run directory left"

# --- the layer locked by a tracked alcove of the other share mode (the profile's share switched
# from "session" to "user" while one ran): the refusal names it and `alcovectl stop`, which
# ends it (gc --force ends only untracked ones)
confs=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; share = \"session\";
	on_last_logout = \"keep\"; }; rules = ( { user = \"alcca7\"; profile = \"defaults\"; } );")
confu=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; };
	rules = ( { user = \"alcca7\"; profile = \"defaults\"; } );")
"$BUILD/alcovectl" --config "$confs" enter alcca7 -- sh -c 'setsid sleep 4790 </dev/null >/dev/null 2>&1 &' ||
	fail "alcca7: a session alcove that keeps a process"
wait_until 100 alcove_has alcca7 "sleep 4790" || fail "alcca7: the process left behind is not there"
name=$(basename "$(rundirs alcca7)")
out=$("$BUILD/alcovectl" --config "$confu" enter alcca7 -- echo user 2>&1) &&
	fail "share = user built beside a running session alcove on one layer: $out"
assert_contains "$out" "layer is in use by alcove $name of alcca7, which runs with share = \"session\"" \
	"a layer held by a tracked alcove: the refusal names it"
assert_contains "$out" "\`alcovectl stop alcca7\` ends it" "... and says stop ends it"
assert_not_contains "$out" "gc --force" "... not gc --force"
actl stop alcca7 >/dev/null || fail "stop alcca7"
assert_eq "user" "$("$BUILD/alcovectl" --config "$confu" enter alcca7 -- echo user 2>&1)" \
	"after stop, the share = user alcove builds"

# --- show and list have no fixed cap (show stopped at 32 alcoves of a user, list at 1024 in
# readdir order, so one tenant's could push others' out): alcca4 (session, keep,
# max_sessions = 0) keeps 40 alcoves, each by a process left behind; alcca3 gets 1100 more
# run directories with a state (copies of one of alcca4's). show alcca4 lists all 40, list all
# 1140.
u3=$(id -u alcca3) u4=$(id -u alcca4)
pids=()
for i in $(seq 1 40); do # (all at once: a few seconds, not twenty)
	"$BUILD/alcovectl" --config "$conf" enter alcca4 -- \
		sh -c 'setsid sleep 4800 </dev/null >/dev/null 2>&1 &' >"$ALCOVE_TEST_CONFDIR/enter.$i" 2>&1 &
	pids[i]=$!
done
for i in $(seq 1 40); do
	wait "${pids[i]}" ||
		setup_fail "alcca4: enter $i that leaves a process: $(<"$ALCOVE_TEST_CONFDIR/enter.$i")"
done
assert_eq 40 "$(rundirs alcca4 | wc -l)" "alcca4 keeps 40 session alcoves"
out=$(actl show alcca4) || fail "show alcca4: $out"
assert_eq 40 "$(grep -c '^alcove: .* (running)$' <<<"$out")" "show lists all 40 alcoves of one user"
out=$(actl --json show alcca4 | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["alcoves"]))')
assert_eq 40 "$out" "show --json lists all 40"
state=$(<"$(rundirs alcca4 | head -1)/state")
fakes=$(printf "/run/alcove/$u3-f%07x\n" $(seq 1 1100))
on_exit "rm -rf /run/alcove/$u3-f*"
mkdir -m 0711 $fakes || setup_fail "mkdir of 1100 run directories"
for d in $fakes; do printf '%s\n' "$state" >"$d/state" || setup_fail "$d/state"; done
out=$(actl list) || fail "list: $out"
assert_eq 1100 "$(awk -v p="$u3-f" 'index($2, p) == 1' <<<"$out" | wc -l)" "list shows all 1100 of alcca3's"
assert_eq 40 "$(awk -v p="$u4-" 'index($2, p) == 1' <<<"$out" | wc -l)" "and all 40 of alcca4's"
out=$(actl --json list | python3 -c 'import json, sys
names = [a["name"] for a in json.load(sys.stdin)["alcoves"]]
print(sum(n.startswith("'"$u3-f"'") for n in names), sum(n.startswith("'"$u4-"'") for n in names))')
assert_eq "1100 40" "$out" "list --json too"
rm -rf /run/alcove/"$u3"-f*
out=$(actl stop alcca4 2>&1) || fail "stop alcca4: $out"
wait_until 200 alcove_gone alcca4 || fail "alcca4: alcoves left: $(alcove_leftovers alcca4)"
pass "alcca4: nothing left"

# --- more alcoves than a fixed list held (256; max_sessions = 0 lets a tenant keep hundreds):
# stop and reset end every one rather than refuse for the number (here 300 ended ones)
u=$(id -u alcca3)
for i in $(seq 1 300); do mkdir -m 0711 "/run/alcove/$u-$(printf '%08x' "$i")" || setup_fail "mkdir"; done
on_exit "rm -rf /run/alcove/$u-*"
out=$(actl stop alcca3 2>&1) || fail "stop of a user with 300 alcoves: $out"
assert_eq 0 "$(ls /run/alcove | grep -c "^$u-")" "stop of a user with 300 alcoves ends every one"
for i in $(seq 1 300); do mkdir -m 0711 "/run/alcove/$u-$(printf '%08x' "$i")" || setup_fail "mkdir"; done
out=$(actl reset --yes alcca3 2>&1) || fail "reset of a user with 300 alcoves: $out"
assert_eq 0 "$(ls /run/alcove | grep -c "^$u-")" "reset of a user with 300 alcoves ends every one"
