#!/bin/bash
# alcovectl gc against real leftovers of a real alcove (alcovectl enter builds it, user mode,
# image "/", cgroup "none"): dead state, a run dir without state, a corrupt state, half-built
# persistent dirs with and without the user's files, symlinks planted where gc looks, and an
# alcove-init whose /run/alcove dir was removed while it ran. Every gc here names the test
# user: other alcoves on this machine are not ours to clean up.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"

CTL=$BUILD/alcovectl
export ALCOVE_HELPER=$BUILD/alcove-helper
[ -x "$CTL" ] && [ -x "$ALCOVE_HELPER" ] && [ -x "$BUILD/alcove-init" ] || fail "build first (make)"
U1=alcgc1
make_user $U1
UID1=$(id -u $U1)
RUN=/run/alcove/$UID1
LIB=/var/lib/alcove/$U1
on_exit "rm -rf $RUN $LIB"
rm -rf "$RUN" "$LIB"
CONF=$(make_config 'defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none";
	on_last_logout = "stop"; };
rules = ( { user = "alcg*"; profile = "defaults"; } );')
WORK=$(mktemp -d /var/tmp/alcg-gc.XXXXXX)
on_exit "rm -rf $WORK"

ctl() { "$CTL" --config "$CONF" "$@"; }
# gc's report without the line saying scopes were not checked (no systemd here; checked
# below); its status is alcovectl's, so that an empty report is a gc that ran
gc() {
	local o rc=0
	o=$(ctl gc "$@" $U1 2>&1) || rc=$?
	grep -v '^scopes not checked' <<<"$o"
	return $rc
}
sum_tree() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum; }

# -- a live alcove is left alone ------------------------------------------------------------
"$CTL" --config "$CONF" enter $U1 -- sh -c "echo data > /var/tmp/alcg-gc-file; exec sleep 600" &
session=$!
on_exit "kill $session"
wait_until 100 test -s "$RUN/state" || fail "alcove of $U1 not built"
wait_until 100 test -e "$LIB/layer/upper/var/tmp/alcg-gc-file" || fail "no copy-up in the upper"
init=$(sed -n 's/^pid=//p' "$RUN/state")
[ -d "/proc/$init" ] || fail "init $init not running"
out=$(gc) || fail "gc with a live alcove: $out"
assert_eq "" "$out" "gc keeps a live alcove and its layer"
assert_eq "$init" "$(sed -n 's/^pid=//p' "$RUN/state")" "the live alcove's state is untouched"

# -- init gone (on_last_logout = stop): dry-run reports, gc removes -------------------------
# alcovectl SIGKILLed: no close runs (a close would remove the ended alcove's directory), the
# hold goes with its pidfd, init ends the alcove by itself; as after a crash
kill -KILL "$session"
wait "$session" 2>/dev/null
wait_until 100 test ! -d "/proc/$init" || fail "init $init did not end after the last logout"
[ -e "$RUN/state" ] || fail "expected the dead alcove's state to stay until gc or next login"
out=$(gc --dry-run)
assert_eq "would remove $RUN: init is gone" "$out" "dry-run reports the dead alcove"
[ -e "$RUN/state" ] || fail "dry-run removed the state"
pass "dry-run changes nothing"
out=$(gc)
assert_eq "removed $RUN: init is gone" "$out" "gc removes the dead alcove's run dir"
[ ! -e "$RUN" ] || fail "$RUN still exists"
before=$(sum_tree "$LIB/layer/upper")
out=$(gc --force) || fail "gc --force of a complete layer: $out"
assert_eq "" "$out" "a complete layer is kept, even with --force"
assert_eq "$before" "$(sum_tree "$LIB/layer/upper")" "the user's upper is unchanged"

# -- a run dir without state (a build that died), and a corrupt state ------------------------
mkdir -m 0711 "$RUN" && touch "$RUN/lock"
out=$(gc)
assert_eq "removed $RUN: no state (a build that did not finish)" "$out" "a run dir without state is removed"
mkdir -m 0711 "$RUN" && printf 'pid=1\ngarbage\n' >"$RUN/state" && chmod 600 "$RUN/state"
out=$(gc)
assert_eq "removed $RUN: state corrupt" "$out" "a corrupt state is removed"
# a state naming a live process that is not that alcove (pid 1 of the host) is dead to gc
mkdir -m 0711 "$RUN"
printf 'pid=1\nstarttime=1\nuserns=1\nmntns=1\npidns=1\nuid=%s\nuser=%s\nprofile=defaults\nmode=user\nshare=user\nscope=\ncgroup=\ncreated=1\n' \
	"$UID1" $U1 >"$RUN/state"
out=$(gc)
assert_eq "removed $RUN: init is gone" "$out" "a state whose pid was recycled is removed"
[ -d /proc/1 ] || fail "pid 1 gone?"

# -- the next login after all this works and finds the layer --------------------------------
out=$(ctl enter $U1 -- cat /var/tmp/alcg-gc-file)
assert_eq data "$out" "the next login works and sees its persistent file"

# -- half-built persistent dirs --------------------------------------------------------------
# that login ended the alcove (stop); its close removed the run dir once init had exited
wait_until 100 test ! -e "$RUN" || fail "$RUN stays after the last logout"
mv "$LIB" "$WORK/saved-lib"
mkdir -m 0700 "$LIB"
out=$(gc)
assert_eq "removed $LIB: empty" "$(grep /var/lib <<<"$out")" "an empty user dir is removed"
[ ! -e "$LIB" ] || fail "$LIB still exists"
mkdir -m 0700 "$LIB" && touch "$LIB/lock" && chmod 0600 "$LIB/lock"
out=$(gc)
assert_eq "removed $LIB: empty" "$(grep /var/lib <<<"$out")" "a user dir with only the layer's lock is empty"
# the layer's lock held (a process of ours stands for an alcove-init that no state tracks,
# holding it as init holds fd 4): kept
mkdir -p -m 0700 "$LIB/layer/upper" && touch "$LIB/lock" && chmod 0600 "$LIB/lock"
(exec 9<"$LIB/lock" && flock -s 9 && exec sleep 600) &
holder=$!
on_exit "kill $holder"
wait_until 50 eval '! flock -n "$LIB/lock" true' || fail "flock(1) did not take $LIB/lock"
out=$(gc)
assert_contains "$out" "kept $LIB (layer/work missing, layer/upper empty): an alcove that /run/alcove does not track holds its lock" \
	"a half-built layer whose lock is held is kept"
[ -d "$LIB/layer/upper" ] || fail "gc removed a layer whose lock was held"
assert_fails_with 1 "$LIB/layer is in use by an alcove of $U1: one that a login started during the reset" \
	"reset of a layer whose lock an untracked holder has: refused, naming both causes" \
	ctl reset --yes $U1
[ -d "$LIB/layer/upper" ] || fail "reset removed a layer whose lock was held"
kill $holder
wait $holder 2>/dev/null
out=$(gc)
assert_eq "removed $LIB: layer/work missing, layer/upper empty" "$(grep /var/lib <<<"$out")" \
	"layer without work and with an empty upper is removed (once its lock is free)"
mkdir -p -m 0700 "$LIB/layer/upper/home" && echo precious >"$LIB/layer/upper/home/notes"
before=$(sum_tree "$LIB")
out=$(gc)
assert_contains "$out" "kept $LIB: layer/work missing, layer/upper holds the user's files (--force deletes them)" \
	"an upper with files is kept without --force"
assert_eq "$before" "$(sum_tree "$LIB")" "the user's files are untouched"
out=$(gc --dry-run --force)
assert_contains "$out" "would remove $LIB" "dry-run --force says it would delete"
assert_eq "$before" "$(sum_tree "$LIB")" "dry-run --force deletes nothing"
out=$(gc --force)
assert_contains "$out" "removed $LIB: layer/work missing" "--force deletes a half-built dir with files"
[ ! -e "$LIB" ] || fail "$LIB still exists after --force"
mkdir -m 0700 "$LIB" && echo mine >"$LIB/README"
out=$(gc --force)
assert_contains "$out" "kept $LIB: no layer/ but other files" "a dir gc does not know is left alone"
[ -e "$LIB/README" ] || fail "gc deleted a file it does not know"
rm -rf "$LIB"

# -- a build's temporary directories (paths_temp_name()), left by a killed helper -------------
# an old one goes, a young one (a build's at work) stays, and neither makes a layer "odd"
old=..alcove-new.0000000000006501 young=..alcove-new.0000000000006502
mkdir -p -m 0700 "$LIB/layer/upper" "$LIB/layer/work" "$LIB/$old" "$LIB/$young" "$LIB/layer/$old"
touch -d '-2 min' "$LIB/$old" "$LIB/layer/$old"
out=$(gc --dry-run)
assert_contains "$out" "would remove $LIB/$old: a build's temporary directory" "dry-run names an old one"
[ -d "$LIB/$old" ] || fail "gc --dry-run removed $LIB/$old"
out=$(gc)
assert_contains "$out" "removed $LIB/$old: a build's temporary directory, left by a helper that was killed" \
	"an old temporary directory in the user's directory is removed"
assert_contains "$out" "removed $LIB/layer/$old: a build's temporary directory" "and one in layer/"
assert_not_contains "$out" "$young" "a young one is left alone"
assert_not_contains "$out" "kept $LIB" "temporary directories do not make a complete layer odd"
[ -d "$LIB/$young" ] && [ -d "$LIB/layer/upper" ] || fail "gc removed a young temporary directory or the layer"
rm -rf "$LIB"
mkdir -p -m 0700 "$LIB/$old" && touch -d '-2 min' "$LIB/$old"
out=$(gc)
assert_contains "$out" "removed $LIB: empty" "a user dir that held only an old temporary directory is empty"
# in /run/alcove no one's: only a gc of the whole host looks there (dry-run: others' leftovers
# on this machine are not ours to remove)
mkdir -m 0700 "/run/alcove/$old" && touch -d '-2 min' "/run/alcove/$old"
on_exit "rmdir /run/alcove/$old"
out=$(ctl gc --dry-run 2>&1)
assert_contains "$out" "would remove /run/alcove/$old: a build's temporary directory" \
	"a whole-host gc finds one in /run/alcove"

# -- symlinks planted where gc looks: never followed -----------------------------------------
mkdir -p "$WORK/victim/upper" "$WORK/victim/work" && echo keep >"$WORK/victim/upper/file"
ln -s "$WORK/victim" "$LIB"
out=$(gc --force)
[ -e "$WORK/victim/upper/file" ] || fail "gc followed $LIB -> victim"
pass "a symlinked user dir is not followed"
rm "$LIB"
mkdir -m 0700 "$LIB" && ln -s "$WORK/victim" "$LIB/layer"
out=$(gc --force)
assert_contains "$out" "kept $LIB" "layer as a symlink is not taken for a layer"
[ -e "$WORK/victim/upper/file" ] || fail "gc followed layer -> victim"
rm -rf "$LIB"
mkdir -p -m 0700 "$LIB/layer/work" && ln -s "$WORK/victim/upper" "$LIB/layer/upper"
out=$(gc --force)
assert_contains "$out" "removed $LIB: layer/upper missing" "a symlinked upper counts as missing"
[ -e "$WORK/victim/upper/file" ] || fail "gc followed upper -> victim while deleting"
pass "deleting the half-built dir removed the symlink, not its target"
mv "$WORK/saved-lib" "$LIB"

# -- an alcove whose /run/alcove dir was removed while it ran -------------------------------
"$CTL" --config "$CONF" enter $U1 -- sleep 600 &
session=$!
on_exit "kill $session"
wait_until 100 test -s "$RUN/state" || fail "alcove of $U1 not built"
init=$(sed -n 's/^pid=//p' "$RUN/state")
on_exit "kill -KILL $init"
rm -rf "$RUN"
out=$(gc)
assert_contains "$out" "untracked: alcove-init pid $init" "an alcove-init without state is reported"
[ -d "/proc/$init" ] || fail "gc without --force killed init $init"
out=$(gc --dry-run --force)
assert_contains "$out" "would kill untracked alcove-init pid $init" "dry-run --force would kill it"
[ -d "/proc/$init" ] || fail "gc --dry-run --force killed init $init"
out=$(gc --force)
assert_contains "$out" "killed untracked alcove-init pid $init" "--force kills the untracked init"
wait_until 100 test ! -d "/proc/$init" || fail "init $init still runs"
wait "$session" 2>/dev/null
pass "the session of the killed alcove ended"
out=$(ctl enter $U1 -- cat /var/tmp/alcg-gc-file)
assert_eq data "$out" "a login after that works, with the persistent layer intact"

# -- without systemd there are no scopes to look at, and gc says so --------------------------
out=$(ctl gc --dry-run $U1 2>&1)
if [ -S /run/dbus/system_bus_socket ]; then
	pass "a system bus with systemd exists: scopes are checked (see 50-systemd-scope)"
else
	assert_contains "$out" "scopes not checked: systemd not reachable" "gc says scopes were not checked"
fi

# -- bad input -------------------------------------------------------------------------------
rc=0
ctl gc '../etc' >/dev/null 2>&1 || rc=$?
assert_eq 2 "$rc" "a user name alcove refuses is a usage error"
out=$(ctl --json gc --dry-run $U1)
assert_contains "$out" '"dry_run": true' "--json output"

# -- alcove's own directories in /var/lib/alcove are no user's layer ------------------------
# A user named after the OCI store gets no persistent layer in it (its alcove would hold the
# store's lock for life: no pull, no other OCI-image build), and gc does not take the store,
# empty before the first pull, for that user's layer directory.
make_user oci
OCONF=$(make_config 'defaults = { mode = "user"; image = "/"; persist = true; cgroup = "none"; };
rules = ( { user = "oci"; profile = "defaults"; } );')
if [ ! -e /var/lib/alcove/oci ]; then
	mkdir -m 0700 /var/lib/alcove/oci && on_exit "rmdir /var/lib/alcove/oci"
fi
assert_fails_with 1 "/var/lib/alcove/oci is alcove's own directory, not a place for the persistent layer of user oci" \
	"a user named oci: its login is refused, naming the store" "$CTL" --config "$OCONF" enter oci -- true
out=$("$CTL" --config "$OCONF" gc oci 2>&1 | grep -F /var/lib/alcove/oci || true)
assert_eq "" "$out" "gc oci: the OCI store is not that user's layer directory (not named)"
[ -d /var/lib/alcove/oci ] || fail "gc oci removed the OCI store"
assert_fails_with 1 "/var/lib/alcove/oci is alcove's own directory, not a user's layer: not reset" \
	"reset oci: refused, the OCI store kept" "$CTL" reset --yes oci
[ -d /var/lib/alcove/oci ] || fail "reset oci removed the OCI store"

# -- nothing of ours left on the host --------------------------------------------------------
assert_eq "" "$(grep -E "/var/lib/alcove/$U1|$RUN" /proc/self/mountinfo)" "no mount of the test user's on the host"
