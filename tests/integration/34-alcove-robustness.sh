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
rules = ( { user = \"alcr4\"; profile = \"defaults\"; } );")
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
