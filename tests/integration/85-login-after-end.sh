#!/bin/bash
# A login that comes while the user's alcove is ending gets a new alcove, not an error.
# Under on_last_logout = "keep" the alcove ends when its last process ends; its init closes
# the control socket a few milliseconds before it exits, and stays a zombie until the host's
# PID 1 reaps it (about 2 s on the test machines), all the while its state reads alive. Under
# "stop" an init that is stopping answers a HOLD with ESHUTDOWN for up to 3 s. Found by the
# benchmark (tests/bench), whose back-to-back logins failed 9 times out of 10.
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

# --- keep: twenty sessions back to back, each one ends its alcove ---
pids=()
for i in $(seq 1 20); do
	out=$("${CTL[@]}" enter $U -- /bin/sh -c 'echo $$' 2>&1) || fail "session $i after a finished one: $out"
	pids+=("$(sed -n 's/^pid=//p' /run/alcove/$UID_U/state)")
done
pass "20 back-to-back sessions under keep all ran"
[ "$(printf '%s\n' "${pids[@]}" | sort -u | wc -l)" -gt 1 ] || fail "every session found the same init"
pass "each session after an ended one got a new alcove"

# --- stop: a session while init is stopping (a process ignores SIGTERM: 3 s until SIGKILL) ---
sed -i 's/profile = "defaults"/profile = "stopper"/' "$CONF"
"${CTL[@]}" enter $U -- /bin/sh -c "trap '' TERM; setsid -f /bin/sh -c \"trap '' TERM; sleep 60\" </dev/null >/dev/null 2>&1" ||
	fail "session leaving a TERM-proof process"
old=$(sed -n 's/^pid=//p' /run/alcove/$UID_U/state)
# the session has ended: init is stopping now (SIGTERM sent, SIGKILL after 3 s)
sleep 0.5
kill -0 "$old" 2>/dev/null || fail "init $old ended before the SIGKILL delay: nothing to test"
out=$("${CTL[@]}" enter $U -- /bin/true 2>&1) || fail "session while the alcove was stopping: $out"
new=$(sed -n 's/^pid=//p' /run/alcove/$UID_U/state)
[ -n "$new" ] && [ "$new" != "$old" ] || fail "the session did not get a new alcove (init $old, now '$new')"
pass "a session while the alcove is stopping waits for it and gets a new one"
