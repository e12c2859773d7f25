# What a test left running on the host (bash; tests/run-integration.sh sources it). A test
# removes its users at exit; an alcove or a process of theirs that outlives the test runs on
# under a uid that a later test's user is given again (useradd reuses freed uids), and that
# test fails for it (an alcove "still runs for user", a login refused), far from the cause.
# Only what was not there before the test counts, and only that is ended: a host may run
# alcoves and containers of its own.
#
#   leftovers_list          one line per running alcove whose user has no account any more,
#                           and per live process of a uid without an account (1000-59999,
#                           where the tests' users are): "KEY TEXT", KEY one word
#                           (alcove:USER:PID or process:PID)
#   leftovers_new BEFORE T  the lines of leftovers_list whose KEY is not in BEFORE (an earlier
#                           leftovers_list), once what is ending has had T tenths of a second
#   leftovers_end LINES     stops those alcoves (alcovectl, by the state's user name) and
#                           SIGKILLs those processes

. "$(dirname "${BASH_SOURCE[0]}")/alcove_state.sh"

leftovers_list() {
	local st pid user uid stat args
	for st in /run/alcove/*/state; do
		pid=$(alcove_state_pid "$st") || continue
		user=$(sed -n 's/^user=//p' "$st")
		getent passwd "$user" >/dev/null && continue
		echo "alcove:$user:$pid alcove $(basename "$(dirname "$st")") of deleted user $user (init pid $pid) still runs"
	done
	# not zombies: the host's PID 1 reaps late
	ps -e -o pid=,uid=,stat=,args= | while read -r pid uid stat args; do
		[ "$uid" -ge 1000 ] && [ "$uid" -lt 60000 ] && [ "${stat#Z}" = "$stat" ] || continue
		getent passwd "$uid" >/dev/null && continue
		echo "process:$pid process $pid of uid $uid (no such account) still runs: $args"
	done
}

leftovers_new() { # before tenths
	local i out
	for ((i = 0; i <= $2; i++)); do
		out=$(leftovers_list | awk 'NR == FNR {seen[$1]; next} !($1 in seen)' <(echo "$1") -)
		[ -z "$out" ] && return 0
		sleep 0.1
	done
	echo "$out"
}

leftovers_end() { # lines
	local key user
	while read -r key _; do
		case $key in
		alcove:*)
			user=${key#alcove:}
			user=${user%:*}
			ALCOVE_HELPER=$BUILD/alcove-helper "$BUILD/alcovectl" stop "$user" ||
				echo "(could not stop the alcove of $user)"
			;;
		process:*) kill -KILL "${key#process:}" 2>/dev/null ;;
		esac
	done <<<"$1"
}
