#!/bin/bash
# Faults, through the real sshd and pam_alcove.so: the helper SIGKILLed at every crash point
# of building an alcove and a lobby (the fault build, helper/lib/fault.h), alcove-init killed
# from the host, the alcove's /run/alcove dir removed or its state corrupted while it runs, a
# full disk under /var/lib/alcove/<user> (a tmpfs over the test user's own dir only), a
# missing or unusable image. After each: no mount on the host, no stray process, the state
# removed or repaired, the next login works, and the user's layer and home are unchanged
# (checksums).
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

FAULT=$BUILD/tests/fault/alcove-helper-fault
CTL=$BUILD/alcovectl
export ALCOVE_HELPER=$BUILD/alcove-helper
for p in "$FAULT" "$CTL" "$ALCOVE_HELPER" "$BUILD/pam_alcove.so"; do
	[ -x "$p" ] || [ -e "$p" ] || fail "$p missing (make check-integration builds it)"
done
U=alcgf1
pam_user $U
UID4=$(id -u $U)
RUN=/run/alcove/$UID4
LIB=/var/lib/alcove/$U
on_exit "rm -rf $RUN $LIB"
rm -rf "$RUN" "$LIB"

# The PAM module runs the helper with an empty environment: a wrapper in a root-only
# directory puts the stage named in $D/stage into ALCOVE_FAULT (empty: no fault), and notes
# in $D/faulted that it did, so that a login refused before the helper ran fails the test.
D=$(mktemp -d /run/alcove-tests/alcg-faults.XXXXXX)
chmod 0755 "$D"
on_exit "rm -rf $D"
: >"$D/stage"
cat >"$D/helper" <<SH
#!/bin/sh
stage=\$(cat $D/stage)
[ -z "\$stage" ] || echo "\$stage \$1" >>$D/faulted
ALCOVE_FAULT=\$stage exec $FAULT "\$@"
SH
chmod 0755 "$D/helper"
CONF=$(make_config 'defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none";
	on_last_logout = "stop"; };
rules = ( { user = "alcg*"; profile = "defaults"; } );')
sshd_start 2270 "session required $BUILD/pam_alcove.so config=$CONF helper=$D/helper"
sshd_authorize $U

# Everything of the user that must survive: the persistent layer and the home.
sums() {
	(cd / && find "$LIB/layer/upper" "/home/$U" -type f -print0 2>/dev/null | sort -z |
		xargs -0 sha256sum) | sha256sum
}
fault_helpers() { # our fault helper's processes still alive
	local p
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$FAULT" ] && echo "${p#/proc/}"
	done
	return 0
}
# PID 1s of the user's alcoves (init's children have its command line until they exec)
user_inits() {
	local p
	for p in $(ps -e -o pid=,args= | awk -v n="--user=$U" '$2 ~ /alcove-init$/ && $NF == n {print $1}'); do
		grep -qE '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && echo "$p"
	done
	return 0
}
# Nothing of the user's alcove is left once its last login ended (on_last_logout = stop).
assert_clean() { # what
	wait_until 150 alcove_gone $U || fail "$1: left behind: $(alcove_leftovers $U)"
	assert_eq "" "$(fault_helpers)" "$1: no helper process left"
	assert_eq "" "$(grep -E "/var/lib/alcove/$U[/ ]|$RUN[/ ]" /proc/self/mountinfo /proc/1/mountinfo)" \
		"$1: no mount of the user's on the host"
}
# Every init of the user is the one its state names, and it is alive (or there is none).
assert_state_consistent() { # what
	local inits pid
	inits=$(user_inits)
	pid=$(sed -n 's/^pid=//p' "$RUN/state" 2>/dev/null)
	if [ -n "$inits" ]; then
		assert_eq "$pid" "$inits" "$1: the one running init is the one the state names"
	else
		pass "$1: no init running"
	fi
}
login_works() { # what
	local out
	out=$(ssh_to $U -- 'cat /var/tmp/alcg-persist ~/alcg-home; cat /proc/1/comm') ||
		fail "$1: the next login failed: $out"
	assert_eq "persist
home
alcove-init" "$out" "$1: the next login works and sees the user's files"
}

# --- a first login writes into the layer and the home ----------------------------------------
ssh_to $U -- 'echo persist > /var/tmp/alcg-persist; echo home > ~/alcg-home' ||
	fail "first login failed: $(tail -5 $SSHD_LOG)"
assert_clean "first login"
SUMS=$(sums)

# --- the helper SIGKILLed at each crash point, building the alcove and the lobby ------------
for stage in policy lock userns mounts hold lobby; do
	: >"$D/faulted"
	echo "$stage" >"$D/stage"
	rc=0
	ssh_to $U -- 'echo reached' >"$D/out" 2>&1 || rc=$?
	: >"$D/stage"
	[ "$rc" != 0 ] || fail "stage $stage: the login went through: $(cat "$D/out")"
	assert_not_contains "$(cat "$D/out")" reached "stage $stage: the login is refused (fail closed)"
	assert_contains "$(cat "$D/faulted")" "$stage open" \
		"stage $stage: ... by the helper killed there (it ran 'open' with the fault)"
	assert_eq "" "$(fault_helpers)" "stage $stage: the killed helper left no process"
	assert_eq "" "$(grep -E "/var/lib/alcove/$U[/ ]|$RUN[/ ]" /proc/self/mountinfo /proc/1/mountinfo)" \
		"stage $stage: no mount on the host"
	assert_state_consistent "stage $stage"
	# killed after the clone, before the build set the layer's quota again: the control socket
	# is still root's, so none of the user's host processes could have queued an ENTER
	[ "$stage" != mounts ] || assert_eq "0 600" "$(stat -c '%u %a' "$RUN/control" 2>&1)" \
		"stage mounts: the control socket of an unfinished build is root's"
	login_works "stage $stage"
	assert_clean "stage $stage"
	assert_eq "$SUMS" "$(sums)" "stage $stage: layer and home unchanged"
done

# --- alcove-init killed from the host during a session -------------------------------------
ssh_bg $U -- 'sleep 600'
wait_until 100 eval 'test -n "$(user_inits)"' || fail "no alcove for the background login: $(tail -5 "$SSHD_LOG")"
init=$(user_inits)
kill -KILL "$init"
rc=0
wait "$SSH_BG_PID" || rc=$?
[ "$rc" != 0 ] || fail "the session survived its init"
pass "the session ends with its alcove-init"
login_works "init killed"
assert_eq "" "$(user_inits | grep -x "$init")" "init killed: the new login has a new init"
assert_clean "init killed"
assert_eq "$SUMS" "$(sums)" "init killed: layer and home unchanged"

# --- the alcove's run dir removed, or its state corrupted, while it runs ---------------------
# The background login's sleep runs in the user's alcove (its PID namespace is init's).
bg_inside() {
	local i s
	i=$(user_inits)
	for s in $(pgrep -u $U -x sleep); do
		[ "$(readlink /proc/$s/ns/pid)" = "$(readlink /proc/$i/ns/pid)" ] && return 0
	done
	return 1
}
for how in removed corrupt; do
	ssh_bg $U -- 'sleep 600'
	bg=$SSH_BG_PID
	# the alcove of this login: its init runs and the state names it (a dead state of the
	# previous alcove may still be there until a login or gc replaces it), and the login's
	# sleep runs in it (removed before alcove-enter connected, the login fails, and its
	# logout ends the alcove: on_last_logout = stop)
	wait_until 100 eval 'test -n "$(user_inits)" &&
		grep -qx "pid=$(user_inits)" "$RUN/state" && bg_inside' ||
		fail "$how: no alcove for the background login"
	init=$(user_inits)
	if [ $how = removed ]; then rm -rf "$RUN"; else echo garbage >"$RUN/state"; fi
	rc=0
	out=$("$CTL" --config "$CONF" enter $U -- echo reached 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "$how: a second alcove started: $out"
	if [ $how = removed ]; then
		assert_contains "$out" "$LIB/layer is in use by another alcove of $U" \
			"$how: no second alcove on the same layer; the message says why"
	else
		# a corrupt state whose init still answers on the socket: refused before any
		# build, the running alcove keeps its socket
		assert_contains "$out" "Failed to read the state of alcove $UID4" \
			"$how: no second alcove; the message says why"
		[ -S "$RUN/control" ] || fail "$how: the refused login removed the alcove's socket"
	fi
	assert_contains "$out" "alcovectl gc --force $U" "$how: and what to do"
	assert_eq "$init" "$(user_inits)" "$how: still exactly one init"
	# gc knows an init by its file: the alcove-init next to the helper that started it
	out=$(ALCOVE_HELPER=$FAULT "$CTL" gc --force $U 2>&1)
	assert_contains "$out" "killed untracked alcove-init pid $init" "$how: gc --force ends the lost alcove"
	wait "$bg" 2>/dev/null
	login_works "$how"
	assert_clean "$how"
	assert_eq "$SUMS" "$(sums)" "$how: layer and home unchanged"
done
# a corrupt state of an alcove that is not running is simply replaced
mkdir -p -m 0711 "$RUN" && printf 'pid=\x01\n' >"$RUN/state" && chmod 600 "$RUN/state"
login_works "corrupt state, nothing running"
assert_clean "corrupt state, nothing running"

# --- a missing or unusable image: refused with a message, nothing left ---------------------
mkdir -p /var/tmp/alcg-img-user && chown $U /var/tmp/alcg-img-user
on_exit "rm -rf /var/tmp/alcg-img-user /var/tmp/alcg-img-link /var/tmp/alcg-img-file"
ln -sfn / /var/tmp/alcg-img-link
: >/var/tmp/alcg-img-file
for img in "/var/tmp/alcg-no-such-image:not found" \
	"/var/tmp/alcg-img-user:must be owned by root" \
	"/var/tmp/alcg-img-link:is a symlink" \
	"/var/tmp/alcg-img-file:Not a directory"; do
	conf=$(make_config "defaults = { mode = \"user\"; image = \"${img%%:*}\"; persist = true;
		cgroup = \"none\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcg*\"; profile = \"defaults\"; } );")
	rc=0
	out=$("$CTL" --config "$conf" enter $U -- echo reached 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "image ${img%%:*}: the login went through"
	assert_contains "$out" "${img#*:}" "image ${img%%:*}: refused ('${img#*:}')"
	assert_clean "image ${img%%:*}"
	[ ! -e "$RUN/state" ] || fail "image ${img%%:*}: a state was left"
done
login_works "after the image errors"
assert_clean "after the image errors"
assert_eq "$SUMS" "$(sums)" "image errors: layer and home unchanged"

# --- a full disk under /var/lib/alcove/<user> (a tmpfs over this user's dir only) -----------
U2=alcgf2
pam_user $U2
sshd_authorize $U2
LIB2=/var/lib/alcove/$U2
rm -rf "$LIB2"
mkdir -m 0700 "$LIB2"
on_exit "umount $LIB2; rm -rf $LIB2"
mount -t tmpfs -o size=1M,mode=0700 alcg-full "$LIB2" || fail "tmpfs on $LIB2"
# what alcove_gone looks for, but the test's own tmpfs
leftovers2() { alcove_leftovers $U2 | grep -v " alcg-full " || true; }
gone2() { [ -z "$(leftovers2)" ]; }
out=$(ssh_to $U2 -- 'echo small > /var/tmp/alcg-small && head -c 2M /dev/zero > /var/tmp/alcg-big; echo rc=$?' 2>&1)
assert_contains "$out" "No space left on device" "a full layer: the write fails with ENOSPC"
assert_contains "$out" "rc=1" "and the shell sees the failure"
wait_until 150 gone2 || fail "full disk: left behind: $(leftovers2)"
out=$(ssh_to $U2 -- 'cat /var/tmp/alcg-small; rm -f /var/tmp/alcg-big; echo ok' 2>&1)
assert_eq "small
ok" "$out" "the next login works on the full layer; what fitted is intact"
wait_until 150 gone2 || fail "full disk: left behind: $(leftovers2)"
umount "$LIB2"
# No inode left at build time: creating layer/work fails; the login is refused, nothing stays.
mount -t tmpfs -o size=1M,nr_inodes=3,mode=0700 alcg-full "$LIB2" || fail "tmpfs on $LIB2"
rc=0
out=$("$CTL" --config "$CONF" enter $U2 -- echo reached 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "no inodes: the login went through: $out"
assert_contains "$out" "No space left on device" "no inodes at build time: refused with ENOSPC"
wait_until 150 gone2 || fail "no inodes: left behind: $(leftovers2)"
pass "no inodes at build time: nothing left behind"
umount "$LIB2"
assert_eq "" "$(grep alcg-full /proc/self/mountinfo)" "the test's tmpfs is gone"

# --- finally: nothing at all of either user -------------------------------------------------
assert_clean "end ($U)"
wait_until 150 alcove_gone $U2 || fail "end: left behind: $(alcove_leftovers $U2)"
pass "end: nothing of $U2 left"
