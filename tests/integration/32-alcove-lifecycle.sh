#!/bin/bash
# The life of alcoves: two concurrent first logins build one; a helper SIGKILLed at any stage
# of a build leaves nothing that breaks the next login (and no second init on one upper);
# share = "session" gives every login an alcove of its own.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

FAULT_HELPER=$BUILD/tests/fault/alcove-helper-fault
[ -x "$FAULT_HELPER" ] && [ -x "$BUILD/tests/fault/alcove-init" ] ||
	fail "$FAULT_HELPER (and its alcove-init) missing: make check-integration builds them"

alcove_user alcc5
alcove_user alcc6
alcove_user alcc9
uid5=$(id -u alcc5)
conf=$(make_config "
defaults = { mode = \"user\"; image = \"/\"; persist = true; cgroup = \"none\";
             on_last_logout = \"keep\"; };
profiles = { session = { share = \"session\"; persist = false; };
             session-persist = { share = \"session\"; }; };
rules = ( { user = \"alcc5\"; profile = \"defaults\"; },
          { user = \"alcc6\"; profile = \"session\"; },
          { user = \"alcc9\"; profile = \"session-persist\"; } );")

# Alcoves recorded for the user whose init is alive (not a zombie).
alive_alcoves() { # user
	local d n=0 pid u
	u=$(id -u "$1")
	for d in /run/alcove/"$u" /run/alcove/"$u"-*; do
		grep -qx "user=$1" "$d/state" 2>/dev/null || continue
		pid=$(sed -n 's/^pid=//p' "$d/state")
		case "$(ps -o stat= -p "$pid")" in Z* | "") continue ;; esac
		n=$((n + 1))
	done
	echo $n
}
# Live inits on the host (zombies not yet reaped by the host's PID 1 do not count) whose user
# namespace maps ns 0 to the user's subordinate range and the user's uid to itself (user mode)
# and whose --user is the user's name, whatever any state file says. (uid and range alone can
# be those of another test's user that was deleted while its alcove lived on.)
inits_of() { # user
	local p n=0 u s
	u=$(id -u "$1")
	s=$(awk -F: -v n="$1" '$1 == n {print $2; exit}' /etc/subuid)
	for p in $(pgrep -x alcove-init); do
		case "$(ps -o stat= -p "$p")" in Z* | "") continue ;; esac
		tr '\0' '\n' </proc/$p/cmdline 2>/dev/null | grep -qx -- "--user=$1" || continue
		awk -v u="$u" -v s="$s" '$1 == 0 && $2 == s {a=1} $1 == u && $2 == u {b=1}
			END {exit !(a && b)}' /proc/$p/uid_map 2>/dev/null && n=$((n + 1))
	done
	echo $n
}
list_inits() {
	local p
	for p in $(pgrep -x alcove-init); do
		echo "[$p $(ps -o stat=,lstart=,args= -p "$p") map: $(tr -s ' ' </proc/$p/uid_map | tr '\n' '|')]"
	done
}
no_inits() { [ "$(inits_of "$1")" = 0 ]; }

# A session that keeps the user's alcove in use (under on_last_logout = keep an alcove ends
# with its last process) until its fifo in the home, which host and alcove both see, is written.
# Prints the session's PID namespace into $tmp/NAME.
tmp=$(mktemp -d /var/tmp/alcc-XXXXXX)
on_exit "rm -rf $tmp"
open_session() { # user name [code to run first]
	local fifo=/home/$1/.alcc-$2
	rm -f "$fifo"
	mkfifo "$fifo" && chown "$1" "$fifo"
	in_alcove "$conf" "$1" "${3:-:}; readlink /proc/self/ns/pid; cat /proc/1/comm; read x < $fifo" \
		>"$tmp/$2" 2>&1 &
	echo $! >"$tmp/$2.pid"
	on_exit "kill $(cat "$tmp/$2.pid")"
}
session_started() { grep -q alcove-init "$tmp/$1"; }
close_session() { # user name
	echo x >"/home/$1/.alcc-$2"
	wait "$(cat "$tmp/$2.pid")"
	rm -f "/home/$1/.alcc-$2"
}

# --- two concurrent first enters build one alcove ---
open_session alcc5 c1
open_session alcc5 c2
wait_until 100 session_started c1 && wait_until 100 session_started c2 ||
	fail "concurrent enters failed: $(cat "$tmp/c1" "$tmp/c2")"
assert_eq "$(head -1 "$tmp/c1")" "$(head -1 "$tmp/c2")" \
	"two concurrent first enters share one PID namespace"
[ "$(inits_of alcc5)" = 1 ] || fail "two concurrent enters: $(inits_of alcc5) inits: $(list_inits)"
pass "one init for the user"
assert_eq 1 "$(alive_alcoves alcc5)" "one alcove recorded"
close_session alcc5 c1
close_session alcc5 c2
actl stop alcc5 || fail "stop"
wait_until 50 no_inits alcc5 || fail "an init survived stop"
out=$(actl stop alcc5 2>&1) || fail "a stop with nothing to stop failed: $out"
assert_eq "alcovectl: no alcove of alcc5 was running" "$out" "a stop that finds nothing says so"

# --- SIGKILL of the helper in every stage of a build ---
for stage in policy lock userns mounts hold; do
	mounts_before=$(host_alcove_mounts)
	out=$(ALCOVE_HELPER=$FAULT_HELPER ALCOVE_FAULT=$stage \
		"$ALCOVECTL" --config "$conf" enter alcc5 -- true 2>&1) &&
		fail "stage $stage: the enter succeeded although the helper was killed"
	assert_contains "$out" "killed by signal 9" "helper killed in stage $stage"
	open_session alcc5 "f-$stage"
	wait_until 100 session_started "f-$stage" ||
		fail "stage $stage: next enter failed: $(cat "$tmp/f-$stage")"
	pass "after a kill in stage $stage the next enter works"
	assert_eq 1 "$(alive_alcoves alcc5)" "stage $stage: one alcove recorded"
	assert_eq 1 "$(inits_of alcc5)" "stage $stage: one init on the user's layer"
	actl stop alcc5 || fail "stop after stage $stage"
	wait "$(cat "$tmp/f-$stage.pid")"
	rm -f "/home/alcc5/.alcc-f-$stage"
	wait_until 50 no_inits alcc5 || fail "stage $stage: an init survived stop"
	assert_eq "$mounts_before" "$(host_alcove_mounts)" "stage $stage: no mount left on the host"
	[ -e "/run/alcove/$uid5" ] && fail "stage $stage: /run/alcove/$uid5 left after stop"
done
pass "a killed helper leaves nothing behind"

# --- share = "session": an alcove per login ---
open_session alcc6 s1 'echo in-s1 > /tmp/alcc6-a; cat /tmp/alcc6-a'
wait_until 100 session_started s1 || fail "first session did not start: $(cat "$tmp/s1")"
assert_eq "in-s1" "$(head -1 "$tmp/s1")" "the first session writes its /tmp"
open_session alcc6 s2 'ls /tmp/alcc6-a 2>&1'
wait_until 100 session_started s2 || fail "second session did not start: $(cat "$tmp/s2")"
assert_contains "$(head -1 "$tmp/s2")" "No such file" "share = session: /tmp of one is not the other's"
ns1=$(sed -n 2p "$tmp/s1")
ns2=$(sed -n 2p "$tmp/s2")
[ -n "$ns1" ] && [ "$ns1" != "$ns2" ] || fail "share=session: same PID ns '$ns1' / '$ns2'"
pass "share = session: two enters, two PID 1s"
assert_eq 2 "$(inits_of alcc6)" "two session alcoves running"
ls -d /run/alcove/"$(id -u alcc6)"-* >/dev/null 2>&1 || fail "no <uid>-<hex> alcove directory"
pass "session alcoves are named <uid>-<hex>"
out=$(actl stop alcc6 2>&1) || fail "stop alcc6: $out"
assert_eq "" "$out" "a stop of running alcoves prints nothing"
wait "$(cat "$tmp/s1.pid")" "$(cat "$tmp/s2.pid")"
wait_until 50 no_inits alcc6 || fail "session alcoves survived stop"
pass "stop ends every session alcove of the user"

# share = session stacks the persistent upper under the image's layers: on image "/" and the
# same filesystem overlayfs would refuse it; the helper says so first.
out=$(in_alcove "$conf" alcc9 true 2>&1) && fail "session + persist on image / started"
assert_contains "$out" "share = \"session\" with persist = true stacks /var/lib/alcove/alcc9/layer/upper" \
	"share = session + persist on image /: clear error"
