#!/bin/bash
# The helper under races and adversity (through alcovectl, like a login): a login during a
# reset, an init that does not answer, a state it cannot read.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"

image=$(test_image bookworm)
alcove_user alcr4
conf=$(make_config "
defaults = { mode = \"root\"; image = \"$image\"; persist = true; cgroup = \"none\";
             on_last_logout = \"keep\"; };
rules = ( { user = \"alcr[467]\"; profile = \"defaults\"; } );")
WORK=$(mktemp -d /var/tmp/alcr-rob.XXXXXX)
on_exit "rm -rf $WORK"

# --- a login that comes while reset deletes the layer waits for it, then builds a fresh one
in_alcove "$conf" alcr4 'echo kept > /etc/alcr-mark' || fail "could not write the layer"
actl --config "$conf" stop alcr4 || fail "stop"
# many files make the delete take a while (made on the host: much faster than through the
# overlay)
upper=/var/lib/alcove/alcr4/layer/upper
[ -e "$upper/etc/alcr-mark" ] || fail "the layer is not at $upper"
mkdir "$upper/big" && (cd "$upper/big" && seq 1 200000 | xargs touch) || fail "fill the layer"
"$ALCOVECTL" --config "$conf" reset --yes alcr4 &
reset=$!
# the helper (alcovectl's child) is deleting once it has big/ open
wait_until 300 sh -c "ls -l /proc/\$(pgrep -P $reset)/fd 2>/dev/null | grep -q '$upper/big'" ||
	fail "reset did not start deleting"
"$ALCOVECTL" --config "$conf" enter alcr4 -- sh -c 'cat /etc/alcr-mark /big 2>&1' >"$WORK/login" 2>&1 &
login=$!
on_exit "kill $login $reset"
wait_until 600 sh -c "! kill -0 $reset 2>/dev/null || [ -n \"\$(ps -e -o args= |
	grep -x 'alcove-init .*--user=alcr4')\" ]" || fail "neither reset ended nor a login started"
kill -0 $reset 2>/dev/null && fail "a login built an alcove while reset was deleting its layer"
pass "the login waited for the reset"
wait $reset || fail "reset failed"
wait $login
out=$(cat "$WORK/login")
assert_contains "$out" "/etc/alcr-mark: No such file" "the login after the reset has a fresh layer"
assert_contains "$out" "/big: No such file" "... with nothing of the deleted one"

# --- a layer without a lock file (made before the lock, or a build killed before it made
# one): reset makes and holds the lock, so a share = "session" login, which takes its own
# run directory's lock but the same layer lock, is refused while the delete runs instead of
# making a lock of its own that the delete then unlinks last, under its alcove.
sconf=$(make_config "
defaults = { mode = \"root\"; image = \"$image\"; persist = true; cgroup = \"none\";
             on_last_logout = \"stop\"; share = \"session\"; };
rules = ( { user = \"alcr4\"; profile = \"defaults\"; } );")
actl --config "$conf" stop alcr4
wait_until 100 sh -c "! ps -e -o args= | grep -qx 'alcove-init .*--user=alcr4'" || fail "alcr4's alcove did not end"
mkdir -p "$upper/big" && (cd "$upper/big" && seq 1 200000 | xargs touch) || fail "fill the layer again"
rm /var/lib/alcove/alcr4/lock || fail "no layer lock to remove"
"$ALCOVECTL" --config "$conf" reset --yes alcr4 &
reset=$!
on_exit "kill $reset"
wait_until 300 sh -c "ls -l /proc/\$(pgrep -P $reset)/fd 2>/dev/null | grep -q '$upper/big'" ||
	fail "reset did not start deleting"
out=$("$ALCOVECTL" --config "$sconf" enter alcr4 -- true 2>&1) &&
	fail "a share = session login went in while reset deleted its lock-less layer: $out"
kill -0 $reset 2>/dev/null || fail "the reset ended before the session login was tried: no race tested"
assert_contains "$out" "/var/lib/alcove/alcr4/layer is in use by another alcove of alcr4" \
	"a share = session login during the reset of a lock-less layer is refused: reset holds the lock it made"
wait $reset || fail "reset of the lock-less layer failed"
pass "and the reset completes"

# --- an init that does not answer (stopped: in root mode its root can ptrace it) holds
# nobody up: the helper's requests time out, and stop ends it with SIGKILL
"$ALCOVECTL" --config "$conf" enter alcr4 -- sleep 4793 >/dev/null 2>&1 &
session=$!
on_exit "kill $session"
wait_until 600 pgrep -f "^sleep 4793$" || fail "the session did not start"
pid=$(alcove_pid alcr4)
kill -STOP "$pid"
on_exit "kill -KILL $pid"
# (timeout only turns a hang into a failure: every wait inside is bounded by itself)
out=$(timeout 300 "$ALCOVECTL" --config "$conf" enter alcr4 -- true 2>&1)
rc=$?
[ $rc -ne 124 ] || fail "a login hung on a stopped init"
[ $rc -ne 0 ] || fail "a login into a stopped init succeeded"
assert_contains "$out" "Connection timed out" "a login to a stopped init fails: the HOLD timed out"
out=$(timeout 300 "$ALCOVECTL" list 2>&1)
[ $? -ne 124 ] || fail "alcovectl list hung on a stopped init"
pass "alcovectl list does not hang on it"
timeout 300 "$ALCOVECTL" --config "$conf" stop alcr4 || fail "stop of a stopped init failed"
# (gone, or a zombie until the host's PID 1 reaps it)
grep -qs '^State:.*[TSRD]' "/proc/$pid/status" && fail "init $pid is still there after stop"
pass "stop ends a stopped init (SIGKILL through its pidfd)"
wait $session || true

# --- alcovectl kills a helper that does not answer within its deadline
printf '#!/bin/sh\nexec sleep 4794\n' >"$WORK/slow-helper"
chmod 755 "$WORK/slow-helper"
out=$(ALCOVE_HELPER=$WORK/slow-helper ALCOVE_HELPER_TIMEOUT=1 timeout 300 "$ALCOVECTL" stop alcr4 2>&1)
rc=$?
[ $rc -ne 124 ] || fail "alcovectl waited for the helper beyond its deadline"
[ $rc -ne 0 ] || fail "alcovectl stop with a helper that never answers succeeded"
assert_contains "$out" "did not answer within 1 s; killed it" "a helper past its deadline is killed"
pgrep -f "^sleep 4794$" >/dev/null && fail "the helper still runs"
pass "... and gone"

# --- a state that cannot be read is not "no alcove": the login is refused, the running alcove
# keeps its state and socket, and no second init starts
"$ALCOVECTL" --config "$conf" enter alcr4 -- sleep 4795 >/dev/null 2>&1 &
session=$!
on_exit "kill $session"
wait_until 600 pgrep -f "^sleep 4795$" || fail "the session did not start"
pid=$(alcove_pid alcr4)
run=/run/alcove/$(id -u alcr4)
cp "$run/state" "$WORK/state"
echo garbage >>"$run/state"
out=$("$ALCOVECTL" --config "$conf" enter alcr4 -- true 2>&1) && fail "a login with an unreadable state"
assert_contains "$out" "Failed to read the state of alcove $(id -u alcr4)" "the login is refused, saying why"
[ -S "$run/control" ] || fail "the refused login removed the running alcove's control socket"
assert_eq 1 "$(ps -e -o args= | grep -cx 'alcove-init .*--user=alcr4')" "still one init, no second"
cp "$WORK/state" "$run/state"
assert_eq "$(readlink "/proc/$pid/ns/pid")" \
	"$("$ALCOVECTL" --config "$conf" enter alcr4 -- readlink /proc/self/ns/pid)" \
	"with the state back, logins join the running alcove again"
actl --config "$conf" stop alcr4 || fail "stop"
wait $session || true

# --- a subordinate range below 65536 would hand the alcove the host's own ids: refused
alcove_user alcr6
sed -i 's/^alcr6:.*/alcr6:1000:65536/' /etc/subuid
out=$(actl --config "$conf" enter alcr6 -- true 2>&1) && fail "an alcove on subuid range 1000"
assert_contains "$out" "the subordinate uid range of alcr6 in /etc/subuid starts at 1000, below 65536" \
	"a subordinate range at 1000 is refused, saying why"

# --- home = "host" is reached through root's directories only: a symlink on the way, or a
# parent the user (or anyone but root) can write, refuses the alcove, naming the path
H=$(mktemp -d /run/alcove-tests/homes.XXXXXX)
on_exit "rm -rf $H"
chmod 755 "$H"
install -d -m 0755 "$H/real"
# Made there, not in /home: usermod -d below moves the entry, not the directory useradd made
alcove_user alcr7 -d "$H/real/alcr7"
install -d -o alcr7 -g alcr7 -m 0755 "$H/userdir"
install -d -o alcr7 -g alcr7 -m 0755 "$H/userdir/alcr7"
ln -s real "$H/link"
ln -s real/alcr7 "$H/homelink"
for home in "$H/link/alcr7" "$H/userdir/alcr7" "$H/homelink"; do
	usermod -d "$home" alcr7 || fail "usermod -d $home"
	out=$(actl --config "$conf" enter alcr7 -- true 2>&1) && fail "home $home accepted"
	assert_contains "$out" "home '$home' of alcr7" "home $home is refused, naming it"
done
assert_contains "$out" "is a symlink or not a directory" "... the home itself a symlink"
usermod -d "$H/userdir/alcr7" alcr7
out=$(actl --config "$conf" enter alcr7 -- true 2>&1)
assert_contains "$out" "'$H/userdir' is a symlink, or not a directory owned by root" \
	"... a parent the user owns is named"
usermod -d "$H/real/alcr7" alcr7
assert_eq "$H/real/alcr7" "$(actl --config "$conf" enter alcr7 -- sh -c 'cd && pwd')" \
	"a home under root's directories is accepted"

# --- the helper acts for the host: in a user namespace of someone's making it refuses to run
out=$(unshare --user --map-root-user -- "$ALCOVECTL" --config "$conf" stop alcr4 2>&1) &&
	fail "the helper ran in a user namespace of its own: $out"
assert_contains "$out" "Refusing to run: not in the host's user namespace (uid_map 0 0 1)" \
	"the helper refuses to run outside the initial user namespace"
