#!/bin/bash
# Profile options of the builder: network = "none", a home pattern created on first use, and
# the clear refusals: no subordinate range, a missing image, an image on overlayfs.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

PORT=23731 # this test's own port on 127.0.0.1
alcove_user alcc7
alcove_user alcc8
homes=/var/lib/alcove-tests/alcc-homes
rm -rf "$homes"
mkdir -p "$homes"
on_exit "rm -rf $homes"

conf=$(make_config "
defaults = { mode = \"user\"; image = \"/\"; persist = false; cgroup = \"none\"; };
profiles = { offline = { network = \"none\"; home = \"$homes/%u\"; }; };
rules = ( { user = \"alcc7\"; profile = \"offline\"; },
          { user = \"alcc8\"; profile = \"defaults\"; } );")

# --- image = "/": a home outside /home (passwd's /var/lib/alcove-tests/alcc-phomes/alcc9):
# its parent, which holds the other homes, is masked inside as /home is (only /home was)
phomes=/var/lib/alcove-tests/alcc-phomes
mkdir -p "$phomes/other" && echo secret >"$phomes/other/f" && chmod 755 "$phomes/other" &&
	chmod 644 "$phomes/other/f" || setup_fail "make $phomes"
on_exit "rm -rf $phomes"
alcove_user alcc9 -d "$phomes/alcc9"
pconf=$(make_config "defaults = { mode = \"user\"; image = \"/\"; persist = false; cgroup = \"none\"; };
rules = ( { user = \"alcc9\"; profile = \"defaults\"; } );")
assert_eq "alcc9" "$(in_alcove "$pconf" alcc9 "ls $phomes")" \
	"image = /, a home outside /home: its parent shows only the user's own home"
assert_eq "in-home" "$(in_alcove "$pconf" alcc9 'cd && touch f && echo in-home')" "... which is writable"
actl stop alcc9 >/dev/null 2>&1

# A listener on the host's loopback that the alcoves try to reach.
python3 -c "
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $PORT)); s.listen(16)
while True:
    c, _ = s.accept(); c.close()
" &
listener=$!
on_exit "kill $listener"
wait_until 50 bash -c "echo >/dev/tcp/127.0.0.1/$PORT" || fail "test listener did not start"

# --- network = "none": only lo, up; the host's port unreachable ---
assert_eq "lo" "$(in_alcove "$conf" alcc7 'ls /sys/class/net')" "network = none: only lo"
assert_contains "$(in_alcove "$conf" alcc7 'cat /sys/class/net/lo/operstate /sys/class/net/lo/flags')" \
	"0x9" "lo is up (IFF_UP|IFF_LOOPBACK)"
# (nothing listens on the alcove's own lo: ECONNREFUSED, which bash prints inside)
assert_fails_with 1 "/dev/tcp/127.0.0.1/$PORT: Connection refused" \
	"network = none: 127.0.0.1:$PORT of the host unreachable" \
	in_alcove "$conf" alcc7 "bash -c 'echo > /dev/tcp/127.0.0.1/$PORT'"
in_alcove "$conf" alcc8 "bash -c 'echo > /dev/tcp/127.0.0.1/$PORT'" ||
	fail "network = host: the same connect fails, so the test proves nothing"
pass "network = host reaches the host's port"

# --- home pattern: created on first use, the user's, 0700; never through a symlink ---
in_alcove "$conf" alcc7 'echo pattern > ~/in-volume; pwd' >/dev/null || fail "enter with a home pattern"
assert_eq "alcc7 700" "$(stat -c '%U %a' $homes/alcc7)" "home created owned by the user, mode 0700"
assert_eq "pattern" "$(cat $homes/alcc7/in-volume)" "the volume is mounted at the user's home path"
assert_eq "/home/alcc7" "$(in_alcove "$conf" alcc7 'echo $HOME')" "inside, HOME is the passwd home"
actl stop alcc7
rm -rf "$homes/alcc7"
ln -s /etc "$homes/alcc7"
out=$(in_alcove "$conf" alcc7 true 2>&1) && fail "a symlinked home was followed"
assert_contains "$out" "$homes/alcc7" "a symlink as home is refused, naming the path"
[ -L "$homes/alcc7" ] && [ "$(stat -c %U /etc)" = root ] || fail "the symlink target changed owner"
pass "the symlink's target was left alone"
rm -f "$homes/alcc7"

# --- clear errors ---
sed -i '/^alcc8:/d' /etc/subuid
out=$(in_alcove "$conf" alcc8 true 2>&1) && fail "an alcove without a subordinate range"
assert_contains "$out" "user alcc8 has no subordinate uid range of 65536 in /etc/subuid" \
	"no subuid range: clear error"
echo "alcc8:$((1 << 30)):65536" >>/etc/subuid

bad=$(make_config "
defaults = { image = \"/var/lib/alcove-tests/no-such-image\"; cgroup = \"none\"; };
rules = ( { user = \"alcc8\"; profile = \"defaults\"; } );")
out=$(in_alcove "$bad" alcc8 true 2>&1) && fail "an alcove on a missing image"
assert_contains "$out" "image '/var/lib/alcove-tests/no-such-image' not found" "missing image: clear error"

ovl=/var/lib/alcove-tests/alcc-ovl
mkdir -p $ovl/lower $ovl/upper $ovl/work $ovl/merged
on_exit "umount $ovl/merged; rm -rf $ovl"
mount -t overlay overlay -o lowerdir=$ovl/lower,upperdir=$ovl/upper,workdir=$ovl/work $ovl/merged ||
	fail "cannot mount the test overlay"
bad=$(make_config "
defaults = { image = \"$ovl/merged\"; cgroup = \"none\"; };
rules = ( { user = \"alcc8\"; profile = \"defaults\"; } );")
out=$(in_alcove "$bad" alcc8 true 2>&1) && fail "an alcove on an overlayfs image"
assert_contains "$out" "image '$ovl/merged' is on overlayfs, which cannot be idmapped" \
	"image on overlayfs: clear error with path and type"

# --- a recycled uid never joins the alcove of the user who had it ---
alcove_user alccr1
old_uid=$(id -u alccr1)
on_exit "rm -rf /home/alccr1"
recyc=$(make_config "
defaults = { mode = \"user\"; image = \"/\"; persist = false; cgroup = \"none\"; };
rules = ( { user = \"alccr*\"; profile = \"defaults\"; } );")
mkfifo /home/alccr1/go && chown alccr1 /home/alccr1/go
in_alcove "$recyc" alccr1 'echo started; read x < ~/go' >/var/tmp/alcc-recyc.out 2>&1 &
old_session=$!
on_exit "kill $old_session; rm -f /var/tmp/alcc-recyc.out"
wait_until 100 grep -q started /var/tmp/alcc-recyc.out || fail "alccr1's session did not start"
userdel alccr1 || fail "userdel alccr1"
alcove_user alccr2 -u "$old_uid"
assert_eq "$old_uid" "$(id -u alccr2)" "alccr2 got alccr1's uid"
out=$(in_alcove "$recyc" alccr2 'ls /home' 2>&1) && fail "alccr2 joined alccr1's alcove: $out"
assert_contains "$out" "still runs for user 'alccr1'" "a recycled uid is refused the old user's alcove"
actl stop alccr1 || fail "stop of the deleted user's alcove"
wait $old_session
assert_eq "alccr2" "$(in_alcove "$recyc" alccr2 'ls /home')" "after the stop, alccr2 gets its own alcove"
