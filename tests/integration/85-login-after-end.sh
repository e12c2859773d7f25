#!/bin/bash
# A login that comes while the user's alcove is ending gets a new alcove, not an error.
# Under on_last_logout = "keep" the alcove ends when its last process ends; its init closes
# the control socket a few milliseconds before it exits, and stays a zombie until the host's
# PID 1 reaps it (about 2 s on the test machines), all the while its state reads alive. Under
# "stop" an init that is stopping answers a HOLD with ESHUTDOWN for up to 3 s. Found by the
# benchmark (tests/bench), whose back-to-back logins failed 9 times out of 10. (Since the
# helper's close waits for an alcove that ends with its session and removes its run dir,
# sequential logins rarely meet an ending alcove; the stop case below makes one meet it.)
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"

U=alch85
make_user $U
IMAGE=$(test_image bookworm) || exit 1
CONF=$(make_config "defaults = { image = \"$IMAGE\"; cgroup = \"none\"; persist = false; };
profiles = { stopper = { on_last_logout = \"stop\"; }; };
rules = ( { user = \"$U\"; profile = \"defaults\"; } );")
export ALCOVE_HELPER=$BUILD/alcove-helper
CTL=("$BUILD/alcovectl" --config "$CONF")
on_exit "${CTL[*]} stop $U"
UID_U=$(id -u $U)
PROTO=$ALCOVE_SRC/tests/lib/alcove_proto.py
# inside a session: its init's start time and PID namespace (its run dir may be gone by the
# time the session's alcovectl returns)
INIT_ID='read -r l </proc/1/stat; set -- $l; echo "${22} $(readlink /proc/self/ns/pid)"'

# --- keep: twenty sessions back to back, each one ends its alcove ---
pids=()
for i in $(seq 1 20); do
	out=$("${CTL[@]}" enter $U -- /bin/sh -c "$INIT_ID" 2>&1) || fail "session $i after a finished one: $out"
	pids+=("$out")
done
pass "20 back-to-back sessions under keep all ran"
[ "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" -gt 1 ] || fail "every session found the same init"
pass "each session after an ended one got a new alcove"

# --- stop: a session while init is stopping (a process ignores SIGTERM: 3 s until SIGKILL) ---
sed -i 's/profile = "defaults"/profile = "stopper"/' "$CONF"
# (in the background: its close waits for the stopping init)
"${CTL[@]}" enter $U -- /bin/sh -c "trap '' TERM; setsid -f /bin/sh -c \"trap '' TERM; sleep 60\" </dev/null >/dev/null 2>&1" &
first=$!
# the session has ended and released its hold: init is stopping (SIGTERM sent, SIGKILL after 3 s)
wait_until 100 eval 'python3 "$PROTO" /run/alcove/$UID_U/admin status 2>/dev/null | grep -q stopping' ||
	fail "the alcove did not start stopping"
old=$(sed -n 's/^pid=//p' /run/alcove/$UID_U/state)
old_id="$(awk '{print $22}' /proc/$old/stat) $(readlink /proc/$old/ns/pid)"
kill -0 "$old" 2>/dev/null || fail "init $old ended before the SIGKILL delay: nothing to test"
OUT=$ALCOVE_TEST_CONFDIR/second.out
"${CTL[@]}" enter $U -- /bin/sh -c "$INIT_ID; sleep 2" >"$OUT" 2>&1 &
second=$!
wait_until 200 test -s "$OUT" || fail "session while the alcove was stopping: no output"
out=$(head -1 "$OUT")
# the alcove built anew inside the open (rebuild_ended) is the user's to enter like any other:
# its control socket handed over (a login as the user failed there with EACCES: 60-deb)
assert_eq "$UID_U 600" "$(stat -c '%u %a' "/run/alcove/$UID_U/control" 2>&1)" \
	"the alcove built anew for a session while the old one stopped: control socket the user's"
wait "$second" || fail "session while the alcove was stopping: $(cat "$OUT")"
[ "$out" != "$old_id" ] || fail "the session did not get a new alcove (init $old: $old_id)"
wait "$first" || fail "the session that left the TERM-proof process failed"
pass "a session while the alcove is stopping waits for it and gets a new one"
