#!/bin/bash
# Load: LOAD_USERS (20) users x LOAD_CONC (10) concurrent `ssh ... ` logins through the real
# sshd on 127.0.0.1, LOAD_ROUNDS (3) rounds. Round 1 is cold: every user's first logins race
# to build the alcove. Later rounds are warm: one held login per user keeps its alcove, and all
# the others must land in that one (same PID namespace). All along, a monitor counts each
# user's alcove PID 1s: never more than one. With on_last_logout = "stop", once every login
# has ended nothing is left: no alcove process, mount or live state; a dead state dir (an init
# that took longer to end than close waits) is exactly what `alcovectl gc` removes. Prints
# p50/p99 of the login time (the whole `ssh host cmd`); no threshold.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

NU=${LOAD_USERS:-20}
NC=${LOAD_CONC:-10}
NR=${LOAD_ROUNDS:-3}
export ALCOVE_HELPER=$BUILD/alcove-helper
[ -e "$BUILD/pam_alcove.so" ] && [ -x "$ALCOVE_HELPER" ] || fail "build first (make)"
D=$(mktemp -d /run/alcove-tests/alcg-load.XXXXXX)
on_exit "rm -rf $D"
USERS=()
for i in $(seq -w 1 "$NU"); do
	USERS+=("alcgl$i")
done
CONF=$(make_config 'defaults = { mode = "user"; image = "/"; persist = false; cgroup = "none";
	on_last_logout = "stop"; };
rules = ( { user = "alcg*"; profile = "defaults"; } );')
journal_start
SSHD_MAX_STARTUPS=2000:30:4000 sshd_start 2272 \
	"session required $BUILD/pam_alcove.so config=$CONF helper=$ALCOVE_HELPER"
for u in "${USERS[@]}"; do
	pam_user "$u"
	sshd_authorize "$u"
	rm -rf "/run/alcove/$(id -u "$u")"
done

# PID 1s of alcoves of user (by init's --user=; init's forked children share its argv)
inits_of() {
	local p
	for p in $(ps -e -o pid=,args= | awk -v n="--user=$1" '$2 ~ /alcove-init$/ && $NF == n {print $1}'); do
		grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && echo "$p"
	done
	return 0
}
# Records the largest number of simultaneous alcoves of any one user until $D/stop exists.
monitor() {
	local max=0 u n
	while [ ! -e "$D/stop" ]; do
		for u in "${USERS[@]}"; do
			n=$(inits_of "$u" | wc -l)
			if [ "$n" -gt "$max" ]; then
				max=$n
				echo "$max $u $(date +%T.%N)" >"$D/max"
			fi
		done
		sleep 0.2
	done
}
echo "0" >"$D/max"
monitor &
mon=$!
on_exit "touch $D/stop; wait $mon"

# One login: prints its PID ns; writes "rc duration_ns ns" to its result file.
login() { # user file
	local t0 t1 out rc=0
	t0=$(date +%s%N)
	out=$(ssh_to "$1" -- 'readlink /proc/self/ns/pid' 2>&1) || rc=$?
	t1=$(date +%s%N)
	echo "$rc $((t1 - t0)) $out" >"$2"
}

fails=0
for round in $(seq 1 "$NR"); do
	declare -A held=() holdfd=()
	t_round=$(date +%s%N)
	if [ "$round" -gt 1 ]; then
		# A command without a tty keeps running when its ssh client dies (sshd's way), so
		# the held login reads its stdin from a fifo: closing our end ends the login.
		# Each holder closes the write ends of the fifos opened before it, or an earlier
		# holder would never see its EOF.
		for u in "${USERS[@]}"; do
			mkfifo "$D/in.$u"
			(
				for f in "${holdfd[@]}"; do eval "exec $f>&-"; done
				ssh_to "$u" -- 'readlink /proc/self/ns/pid; exec cat >/dev/null'
			) <"$D/in.$u" >"$D/hold.$u" 2>&1 &
			held[$u]=$!
			exec {fd}>"$D/in.$u"
			holdfd[$u]=$fd
		done
		for u in "${USERS[@]}"; do
			wait_until 300 test -s "$D/hold.$u" || fail "round $round: held login of $u: $(cat "$D/hold.$u")"
		done
	fi
	pids=()
	for u in "${USERS[@]}"; do
		for c in $(seq 1 "$NC"); do
			login "$u" "$D/r$round.$u.$c" &
			pids+=($!)
		done
	done
	wait "${pids[@]}"
	for u in "${USERS[@]}"; do
		for c in $(seq 1 "$NC"); do
			read -r rc dur out <"$D/r$round.$u.$c"
			echo "$dur" >>"$D/durations"
			echo "$dur" >>"$D/durations.$([ "$round" = 1 ] && echo cold || echo warm)"
			if [ "$rc" != 0 ] || [[ "$out" != "pid:["* ]]; then
				echo "round $round $u #$c: rc=$rc: $out" >&2
				fails=$((fails + 1))
			elif [ "$round" -gt 1 ] && [ "$out" != "$(head -1 "$D/hold.$u")" ]; then
				echo "round $round $u #$c: in $out, not in the held alcove $(head -1 "$D/hold.$u")" >&2
				fails=$((fails + 1))
			fi
		done
	done
	for u in "${!held[@]}"; do
		exec {holdfd[$u]}>&-
		wait "${held[$u]}" || fail "round $round: the held login of $u failed: $(cat "$D/hold.$u")"
		rm -f "$D/in.$u"
	done
	unset held holdfd
	echo "# round $round: $((NU * NC)) logins ($([ "$round" = 1 ] && echo cold || echo warm)) in $((($(date +%s%N) - t_round) / 1000000)) ms"
done
touch "$D/stop"
wait "$mon"
total=$((NU * NC * NR))
# sshd refuses a session (exit 254) when a module of its PAM session stack fails: the reason is
# in pam_alcove's and the helper's error and warning lines, or (another module) in sshd's log.
# Each kind once, with its count.
if [ "$fails" != 0 ]; then
	{ grep -hE "^p=[0-4] " "$JOURNAL"; grep -hoE "(error|fatal): .*" "$SSHD_LOG"; } |
		sed -E "s/[0-9a-f]{32}/ID/g; s/[0-9]+/N/g" | sort | uniq -c | sort -rn | head -8 >&2
fi
assert_eq 0 "$fails" "all $total logins succeeded"
read -r max who when <"$D/max"
assert_eq 1 "$max" "never more than one alcove per user (largest count: $max${who:+ for $who at $when})"
[ "$NR" -gt 1 ] && pass "every warm login landed in its user's one alcove"

# p50/p99/max in ms of the durations (ns) in a file
percentiles() {
	local n
	sort -n "$1" >"$1.sorted"
	n=$(wc -l <"$1.sorted")
	printf 'p50 %d ms, p99 %d ms, max %d ms (%d logins)' \
		$(($(sed -n "$(((n + 1) / 2))p" "$1.sorted") / 1000000)) \
		$(($(sed -n "$(((n * 99 + 99) / 100))p" "$1.sorted") / 1000000)) \
		$(($(tail -1 "$1.sorted") / 1000000)) "$n"
}
echo "# login time, $NU users x $NC concurrent x $NR rounds: $(percentiles "$D/durations")"
echo "#   cold round (alcoves built): $(percentiles "$D/durations.cold")"
[ "$NR" -gt 1 ] && echo "#   warm rounds (alcove running): $(percentiles "$D/durations.warm")"

# For scale: the same login alone, one after the other (nothing else of this test running).
: >"$D/durations.seq"
for i in $(seq 1 20); do
	login "${USERS[0]}" "$D/seq"
	read -r rc dur out <"$D/seq"
	[ "$rc" = 0 ] || fail "sequential login $i: $out"
	echo "$dur" >>"$D/durations.seq"
done
echo "#   one at a time, for scale: $(percentiles "$D/durations.seq")"

# After the last logout: nothing running, mounted or alive; gc only has dead state to clear.
for u in "${USERS[@]}"; do
	wait_until 300 alcove_gone "$u" || fail "$u: left behind: $(alcove_leftovers "$u")"
done
pass "no alcove process, mount or live state of any load user"
for u in "${USERS[@]}"; do
	out=$("$BUILD/alcovectl" gc "$u" 2>&1 | grep -v '^scopes not checked' || true)
	uid=$(id -u "$u")
	case "$out" in
	"" | "removed /run/alcove/$uid: init is gone") ;;
	*) fail "$u: gc found more than a dead state: $out" ;;
	esac
	[ ! -e "/run/alcove/$uid" ] || fail "$u: /run/alcove/$uid still there after gc"
done
pass "no state dir left after gc (only dead alcoves' state was there)"
assert_eq "" "$(grep -hE " overlay | /var/lib/alcove/alcgl" /proc/self/mountinfo)" "no overlay or layer mount on the host"
