#!/bin/bash
# Updating an OCI image under running alcoves (issue 16), through real ssh logins: pull NAME v1,
# a login holds the alcove, pull NAME v2 (a file changed, a file added): a second login joins the
# running alcove and still sees v1 (the alcove's /run/alcove/<uid>/layers pins it); after
# `alcovectl stop` the next login sees v2, and the user's own changes (persist = true) are still
# there on v2. `alcovectl layer diff` reports the user's changes against the image below and
# against v2 before it is rolled out (a changed file shadowed and 'updated', a deletion as a
# whiteout), against a directory image too, leaving out the mount points the helper made in
# the layer but not what the tenant wrote at one, and reads a hostile layer (a symlink to /etc/shadow,
# odd names, a deep tree) without following, printing raw or crashing. A profile whose
# directories and OCI layers exceed 16 is refused.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

OCI=/var/lib/alcove/oci
PY=/usr/bin/python3 # Debian's, by path (a pyenv shim first on PATH costs ~2 s a run)
mk() { "$PY" "$ALCOVE_SRC/tests/lib/oci-layout.py" "$@"; }
[ -x /usr/bin/skopeo ] || fail "skopeo missing (tests/install-deps.sh)"
W=$(mktemp -d /run/alcove-tests/91-oci.XXXXXX)
on_exit "rm -rf $W"
ls "$OCI/layers" >"$W/layers-before" 2>/dev/null
cleanup_oci() {
	local i
	for i in alcoj-img alcoj-v2 alcoj-t; do "$ALCOVECTL" image rm "$i"; done
	for i in $(ls "$OCI/layers" | grep -vxF -f "$W/layers-before"); do rm -rf "${OCI:?}/layers/$i"; done
}
on_exit cleanup_oci

# --- v1: a busybox root; v2: one more layer that changes /etc/version and /etc/changed and
# adds /etc/new ---
mkdir -p "$W/bb/bin" "$W/bb/etc" "$W/bb/proc" "$W/bb/dev" "$W/bb/tmp" "$W/bb/home" "$W/bb/run" \
	"$W/bb/sys" "$W/bb/var/tmp" "$W/bb/root"
cp /bin/busybox "$W/bb/bin/busybox" || fail "busybox-static is needed (tests/install-deps.sh)"
for c in sh cat ls sleep rm ln mkdir touch printf; do ln -s busybox "$W/bb/bin/$c"; done
echo v1 >"$W/bb/etc/version"
echo "image v1" >"$W/bb/etc/changed"
echo gone >"$W/bb/etc/gone"
echo keep >"$W/bb/etc/keep"
mkdir -p "$W/v2/etc"
echo v2 >"$W/v2/etc/version"
echo "image v2" >"$W/v2/etc/changed"
echo new >"$W/v2/etc/new"
mk tar "$W/bb.tar" tree "$W/bb" || fail "bb.tar"
mk tar "$W/v2.tar" tree "$W/v2" || fail "v2.tar"
mk layout "$W/V1" "$W/bb.tar" || fail "layout V1"
mk layout "$W/V2" "$W/bb.tar" "$W/v2.tar" || fail "layout V2"
actl image pull "oci:$W/V1:latest" alcoj-img >/dev/null 2>"$W/pull.err" || fail "pull v1: $(cat "$W/pull.err")"

# mode = root: the user is root inside, and changes /etc in their persistent layer
pam_user alcoj1 -s /bin/sh
U=$(id -u alcoj1)
conf=$(make_config "
defaults = { mode = \"root\"; image = \"alcoj-img\"; cgroup = \"none\"; persist = true;
	on_last_logout = \"keep\"; };
rules = ( { user = \"alcoj1\"; profile = \"defaults\"; } );")
sshd_start 2410 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alcoj1
DIFF=("$ALCOVECTL" --config "$conf" layer diff alcoj1)

# --- login 1 changes a file, deletes one, adds one, and holds the alcove ---
ssh_bg alcoj1 -- 'echo mine >/etc/mine; echo user >/etc/changed; rm /etc/gone; cat /etc/version;
	echo held; exec sleep 600' >"$W/login1.out"
held=$SSH_BG_PID
on_exit "kill $held"
wait_until 200 grep -q held "$W/login1.out" || fail "login 1 did not run: $(cat "$W/login1.out")"
assert_eq "v1" "$(head -1 "$W/login1.out")" "login 1 sees v1"
init1=$(alcove_pid alcoj1)
pinned=$(cat "/run/alcove/$U/layers")

# --- before the rollout: v2 under another name, compared with the user's layer ---
actl image pull "oci:$W/V2:latest" alcoj-v2 >/dev/null 2>"$W/pull.err" || fail "pull v2: $(cat "$W/pull.err")"
out=$("${DIFF[@]}" --image alcoj-v2 2>&1) || fail "layer diff --image alcoj-v2: $out"
assert_contains "$out" "M /etc/changed shadows updated" \
	"layer diff --image v2: the user's copy of a file v2 changes is shadowed, and v2's change marked"
assert_contains "$out" "D /etc/gone shadows
" "layer diff: the user's deletion is a whiteout over the image's file (v2 keeps it: not 'updated')"
assert_contains "$out" "A /etc/mine" "layer diff: the user's new file is added"
assert_not_contains "$out" "/etc/version" "layer diff: a file only the image changed is not the user's change"
out=$("${DIFF[@]}" 2>&1) || fail "layer diff: $out"
assert_contains "$out" "M /etc/changed shadows
" "layer diff against the profile's image (v1): nothing to mark 'updated'"
# the mount points the helper made in the layer (busybox has no /home/alcoj1, /etc/hosts...)
# are not the user's changes; content the tenant writes at one (under it, unmounted) is
up=/var/lib/alcove/alcoj1/layer/upper
[ -d "$up/home/alcoj1" ] && [ -f "$up/etc/hosts" ] || fail "the helper made no mount point in the layer"
assert_not_contains "$out" "/home/alcoj1" "layer diff leaves out the home's mount point, which the helper made"
assert_not_contains "$out" "/etc/hosts" "and /etc/hosts's (an empty file)"
ssh_to alcoj1 -- '/bin/busybox umount /etc/hosts && echo "10.9.9.9 tenant" >/etc/hosts' ||
	fail "writing under /etc/hosts's mount"
out=$("${DIFF[@]}" 2>&1) || fail "layer diff: $out"
assert_contains "$out" "A /etc/hosts
" "a mount point the tenant wrote into is listed"

# --- the rollout: NAME now points at v2; a second login joins the running alcove on v1 ---
actl image pull "oci:$W/V2:latest" alcoj-img >/dev/null 2>"$W/pull.err" || fail "pull v2 as alcoj-img: $(cat "$W/pull.err")"
out=$(ssh_to alcoj1 -- 'cat /etc/version; cat /etc/new 2>&1; cat /etc/mine')
assert_eq "v1
cat: can't open '/etc/new': No such file or directory
mine" "$out" "a login joining the running alcove after the update still sees v1 (and the user's file)"
assert_eq "$init1" "$(alcove_pid alcoj1)" "the second login joined the same alcove"
assert_eq "$pinned" "$(cat "/run/alcove/$U/layers")" "the running alcove's layers file still names v1's layers"
# layer diff while it runs: against the v1 layers it stacks, not alcoj-img's current v2 (where
# the user's /etc/new would shadow v2's)
ssh_to alcoj1 -- 'echo mine >/etc/new' || fail "writing /etc/new in the running alcove"
out=$("${DIFF[@]}" 2>&1) || fail "layer diff while the alcove runs: $out"
assert_contains "$out" "comparing with the layers the running alcove stacks" \
	"layer diff says it compares with the running alcove's layers"
assert_contains "$out"$'\n' "A /etc/new
" "layer diff compares with the running alcove's v1 layers, not NAME's current v2"
ssh_to alcoj1 -- 'rm /etc/new' || fail "removing /etc/new in the running alcove"

# --- after the alcove ends, the next login is on v2, with the user's changes on top ---
actl stop alcoj1 >/dev/null 2>&1
{ wait "$held"; } 2>/dev/null
out=$(ssh_to alcoj1 -- 'cat /etc/version /etc/new /etc/mine /etc/changed; cat /etc/gone 2>&1')
assert_eq "v2
new
mine
user
cat: can't open '/etc/gone': No such file or directory" "$out" \
	"the next alcove is on v2: its new file, the user's file, the user's copy over v2's, the deletion kept"
[ "$(alcove_pid alcoj1)" != "$init1" ] || fail "the login after stop joined the old alcove"
# (the alcove of that login ends when init finds it empty, keep: maybe before this diff, maybe
# after, when it notes on stderr that it reads the running alcove's layers, v2's either way)
out=$("${DIFF[@]}" --json 2>"$W/diff.err") || fail "layer diff --json: $out $(cat "$W/diff.err")"
echo "$out" | $PY -c '
import json, sys
doc = json.load(sys.stdin)
assert doc["complete"] is True and "error" not in doc, doc
d = {c["path"]: c for c in doc["changes"]}
assert d["/etc/changed"]["change"] == "modified" and d["/etc/changed"]["shadows"], d
assert not any(c["updated"] for c in d.values()), d
assert d["/etc/gone"]["change"] == "deleted" and d["/etc/gone"]["type"] == "whiteout", d
assert d["/etc/mine"]["change"] == "added" and not d["/etc/mine"]["shadows"], d
assert "/etc/new" not in d and "/etc/version" not in d, d
assert "/home/alcoj1" not in d, d
# root mode: /etc/passwd is no mount point but a file of the alcove, the helper lines for
# root and the user in it (the image has none): a change of the user, listed
assert d["/etc/passwd"]["change"] == "added", d
assert d["/etc/hosts"]["change"] == "added", d
' || fail "layer diff --json after the update: $out"
pass "layer diff --json against v2 (the profile's image now)"
out=$("${DIFF[@]}" --image "$W/bb" 2>&1) || fail "layer diff --image DIR: $out"
assert_contains "$out" "D /etc/gone shadows" "layer diff against a directory image (v1's tree)"
assert_contains "$out" "M /etc/changed shadows updated" \
	"against v1's tree, the user's copy hides a file that differs from the v2 they run"

# --- a profile with a directory image between two OCI images: layer diff stacks each one's
# pinned layers where the profile names it (the directory's /etc/t, a directory, over
# alcoj-t's file /etc/t: the user's file there is a type change) ---
actl stop alcoj1 >/dev/null 2>&1
mkdir -p "$W/mid/etc/t" "$W/tf/etc" && echo d >"$W/mid/etc/t/f" && echo file >"$W/tf/etc/t"
mk tar "$W/tf.tar" tree "$W/tf" && mk layout "$W/TF" "$W/tf.tar" || fail "layout TF"
actl image pull "oci:$W/TF:latest" alcoj-t >/dev/null 2>"$W/pull.err" || fail "pull TF: $(cat "$W/pull.err")"
mixed=$(make_config "
defaults = { mode = \"root\"; image = [ \"alcoj-img\", \"$W/mid\", \"alcoj-t\" ]; cgroup = \"none\";
	persist = true; };
rules = ( { user = \"alcoj1\"; profile = \"defaults\"; } );")
setsid "$ALCOVECTL" --config "$mixed" enter alcoj1 -- /bin/sh -c \
	'[ -d /etc/t ] && rm -r /etc/t && echo mine >/etc/t && echo ready && exec sleep 600' >"$W/mixed.out" 2>&1 &
mpid=$!
on_exit "kill $mpid"
wait_until 200 grep -q ready "$W/mixed.out" || fail "the mixed profile's alcove: $(cat "$W/mixed.out")"
assert_eq "3" "$(grep -c . "/run/alcove/$U/layers")" "the alcove pins the OCI layers of both images (2 + 1)"
assert_eq "1" "$(grep -c '^$' "/run/alcove/$U/layers")" "a blank line marks the directory image between them"
out=$("$ALCOVECTL" --config "$mixed" layer diff alcoj1 2>&1) || fail "layer diff, mixed profile: $out"
assert_contains "$out" "comparing with the layers the running alcove stacks" "layer diff reads the pinned layers"
assert_contains "$out" "T /etc/t shadows" \
	"the directory image sits above alcoj-t: the user's file over its directory is a type change"
# the alcove ends and a prune removes its pinned alcoj-t layer (alcoj-t moved to TF2) while
# layer diff stands stopped at its first flock (strace: SIGSTOP, and EINTR so that the lock is
# taken after): the store is locked before the pins are read, so the diff compares with TF2,
# never failing on a pinned layer pruned under it ---
mkdir -p "$W/tf2/etc" && echo file2 >"$W/tf2/etc/t"
mk tar "$W/tf2.tar" tree "$W/tf2" && mk layout "$W/TF2" "$W/tf2.tar" || fail "layout TF2"
actl image pull "oci:$W/TF2:latest" alcoj-t >/dev/null 2>"$W/pull.err" || fail "pull TF2: $(cat "$W/pull.err")"
tfl=$(sed -n '$p' "/run/alcove/$U/layers")
strace -qq -o "$W/strace.log" -e trace=flock -e signal=SIGSTOP \
	-e inject=flock:signal=SIGSTOP:error=EINTR:when=1 \
	"$ALCOVECTL" --config "$mixed" layer diff alcoj1 >"$W/race.out" 2>&1 &
spid=$!
on_exit "kill -CONT \$(pgrep -P $spid) 2>/dev/null; kill $spid 2>/dev/null"
wait_until 100 grep -q "stopped by SIGSTOP" "$W/strace.log" ||
	fail "layer diff did not stop at its first flock: $(cat "$W/race.out")"
kill "$mpid"
actl stop alcoj1 >/dev/null 2>&1
out=$(actl image prune) || fail "image prune: $out"
assert_contains "$out" "removed layer sha256:$tfl" "prune removes the ended alcove's alcoj-t layer"
kill -CONT "$(pgrep -P "$spid")"
wait "$spid" || fail "layer diff with a prune between its reading the pins and opening them: $(cat "$W/race.out")"
assert_contains "$(cat "$W/race.out")" "T /etc/t shadows" \
	"an alcove ending and a prune as layer diff starts: it compares with the images' current versions"

# --- a hostile layer: symlinks to the host, odd names, then a deep tree ---
ssh_to alcoj1 -- 'ln -sf /etc/shadow /etc/keep; ln -s / /rootlink;
	touch "$(printf "/etc/a\nb\033[31m")"' || fail "planting the hostile layer"
out=$("${DIFF[@]}" 2>&1) || fail "layer diff of a hostile layer: $out"
assert_contains "$out" "T /etc/keep shadows" "a symlink to /etc/shadow over the image's file: a type change, not followed"
assert_contains "$out" "A /rootlink" "a symlink to / is listed"
assert_not_contains "$out" "/rootlink/" "and never walked through"
assert_contains "$out" 'A /etc/a\x0ab\x1b[31m' "a name with a newline and an escape sequence is printed escaped"
ssh_to alcoj1 -- 'cd /root && i=0 && while [ $i -lt 140 ]; do mkdir d && cd d && i=$((i+1)); done' ||
	fail "making a deep tree"
out=$("${DIFF[@]}" 2>&1) || fail "layer diff of a 140-level tree: $out"
assert_contains "$out" " (deeper than 128 directory levels)" "a deep tree is an entry of its own, not a crash"
assert_contains "$out" "A /rootlink" "and the walk goes on past it to the changes sorted after /root"
out=$("$ALCOVECTL" layer diff alcoj-nobody --image alcoj-img 2>&1) && fail "layer diff of a user with no layer"
assert_contains "$out" "alcoj-nobody has no persistent layer" "layer diff names a missing layer"
actl stop alcoj1 >/dev/null 2>&1
# a user whose home the helper cannot mount ('/./' in it: no alcove is built for it) still
# gets the diff, with the helper's mount points in it, and a line that says so
wait_until 100 alcove_gone alcoj1 || fail "alcoj1 still runs after stop"
usermod -d /home/./alcoj1 alcoj1 || fail "usermod -d /home/./alcoj1"
out=$("${DIFF[@]}" 2>"$W/diff.err") || fail "layer diff with an unmountable home: $(cat "$W/diff.err")"
usermod -d /home/alcoj1 alcoj1 || fail "usermod -d /home/alcoj1"
assert_contains "$(cat "$W/diff.err")" "the mount points the helper makes are listed as alcoj1's changes: no filesystem plan for profile defaults and home '/home/./alcoj1': Invalid argument" \
	"layer diff without the helper's plan says why its mount points are listed"
assert_contains "$out" "A /rootlink" "... and still lists the user's changes"

# --- the stack cap: 15 directories and the 2 layers of alcoj-img are 17 > 16 ---
list=""
for i in $(seq 1 15); do
	install -d -m 0755 "$W/l$i"
	list="$list\"$W/l$i\", "
done
capped=$(make_config "
defaults = { mode = \"user\"; image = [ $list\"alcoj-img\" ]; cgroup = \"none\"; persist = false; };
rules = ( { user = \"alcoj1\"; profile = \"defaults\"; } );")
out=$(in_alcove "$capped" alcoj1 true 2>&1) && fail "an alcove stacked 17 layers"
assert_contains "$out" "profile defaults stacks more than 16 layers with image \"alcoj-img\"" \
	"a profile whose directories and OCI layers exceed 16 is refused, naming the image"
