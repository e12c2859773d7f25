#!/bin/bash
# Root-mode alcoves on a small Debian image (built once by tests/lib/image.sh): the user is
# ns root over the image, the persistent layer keeps what it writes to /usr and the accounts
# it adds (useradd) across stop and start (persist = true) or not at all (persist = false),
# the helper's lines for root and the user are right at every build, and reset deletes it.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/alcove_state.sh"

image=$(test_image bookworm)
alcove_user alcc3
alcove_user alcc4
uid3=$(id -u alcc3)
s3=$(awk -F: '$1 == "alcc3" && $3 >= 65536 {print $2; exit}' /etc/subuid)

conf=$(make_config "
defaults = { mode = \"root\"; image = \"$image\"; persist = true; cgroup = \"none\";
             on_last_logout = \"keep\"; };
profiles = { scratch = { persist = false; }; };
rules = ( { user = \"alcc3\"; profile = \"defaults\"; },
          { user = \"alcc4\"; profile = \"scratch\"; } );")

# --- identity: ns root is the user ---
assert_eq "0 root" "$(in_alcove "$conf" alcc3 'echo $(id -u) $(id -un)')" "root mode: uid 0 inside"
assert_eq "$(printf '0 %s 1\n1 %s 65535' "$uid3" $((s3 + 1)))" \
	"$(in_alcove "$conf" alcc3 'cat /proc/self/uid_map' | normalise_map)" \
	"uid_map: ns 0 = host U, ns n = S+n"
assert_eq "bookworm" "$(in_alcove "$conf" alcc3 '. /etc/os-release; echo $VERSION_CODENAME')" \
	"the root is the image"
assert_eq "root:root" "$(in_alcove "$conf" alcc3 'stat -c %U:%G /usr/bin/env')" \
	"image files show owner root inside"
assert_eq "0:42" "$(in_alcove "$conf" alcc3 'stat -c %u:%g /etc/shadow')" \
	"idmapped: the image's group ids show through (shadow)"
assert_eq "alcc3-alcove" "$(in_alcove "$conf" alcc3 hostname)" "default hostname pattern"
in_alcove "$conf" alcc3 'touch ~/root-mode-home' || fail "home not writable in root mode"
assert_eq "alcc3" "$(stat -c %U /home/alcc3/root-mode-home)" \
	"ns root writes the home as the host user"

# --- accounts: /etc/passwd and /etc/group are the alcove's own files (no mount), the image's
# accounts (apt's _apt) under the helper's lines for root, the user and nobody; ns root adds
# a system user as a package's postinst does (useradd found in /usr/sbin: enter gives the
# alcove's root root's PATH), and edits the user's line and deletes root's
u3line="alcc3:x:0:0::/home/alcc3:/bin/bash"
out=$(in_alcove "$conf" alcc3 'useradd -r -M -s /usr/sbin/nologin svc1 2>&1 &&
	usermod -aG root,tty svc1 && echo "id=$(id -un svc1):$(id -gn svc1)"; grep -c "^svc1:" /etc/shadow /etc/gshadow
	getent passwd _apt | cut -d: -f1,3; head -2 /etc/passwd; grep -c "^alcc3:" /etc/passwd
	grep -c " /etc/passwd \| /etc/group " /proc/self/mountinfo
	sed -i "s#^alcc3:.*#alcc3:x:77:77::/nowhere:/bin/false#; /^root:/d" /etc/passwd 2>&1 &&
	head -1 /etc/passwd')
assert_eq "id=svc1:svc1
/etc/shadow:1
/etc/gshadow:1
_apt:42
root:x:0:0:root:/root:/bin/sh
$u3line
1
0
alcc3:x:77:77::/nowhere:/bin/false" "$out" \
	"root mode: useradd inside works (shadow too), the image's _apt resolves, root then the user first"

# --- persist = true: a file in /usr survives stop and start ---
in_alcove "$conf" alcc3 'echo kept > /usr/alcc-persist && chmod 0640 /usr/alcc-persist' ||
	fail "root mode cannot write /usr"
upper=/var/lib/alcove/alcc3/layer/upper
assert_eq "kept $uid3" "$(cat $upper/usr/alcc-persist) $(stat -c %u $upper/usr/alcc-persist)" \
	"the copy-up lands in the persistent upper, owned by the host id of ns root"
assert_eq "0:0:700" "$(stat -c %u:%g:%a /var/lib/alcove/alcc3)" \
	"/var/lib/alcove/USER stays root's, mode 0700"
[ -e "$image/usr/alcc-persist" ] && fail "the image itself was written"
pass "the image is untouched"
# /run is the alcove's own tmpfs: a file there tells this alcove from the next one (the run dir,
# and with it the recorded pid, goes as soon as an alcove ends)
in_alcove "$conf" alcc3 'touch /run/alcc-this-alcove' || fail "touch /run inside"
actl stop alcc3 || fail "stop"
wait_until 50 sh -c "[ -z \"\$(pgrep -u $uid3 -x alcove-init)\" ]" || fail "init still there after stop"
assert_eq "kept absent" \
	"$(in_alcove "$conf" alcc3 'cat /usr/alcc-persist; [ -e /run/alcc-this-alcove ] || echo absent' | tr '\n' ' ' | sed 's/ $//')" \
	"persist = true: kept across stop/start, in a new alcove"
assert_eq "svc1 root:x:0:0:root:/root:/bin/sh $u3line 1 daemon svc1 root tty tty:x:5:alcc3,svc1" \
	"$(in_alcove "$conf" alcc3 'id -un svc1; head -2 /etc/passwd; grep -c "^alcc3:" /etc/passwd
		sed -n 4p /etc/passwd | cut -d: -f1; id -Gn svc1; grep "^tty:" /etc/group' | xargs)" \
	"persist = true: the account added is kept with the groups usermod gave it (the helper's group lines keep the members ns root added), the lines of root and the user are the helper's again"
# ns root takes the read bits from /etc/group (chmod 600, bytes unchanged): svc1 no longer
# resolves its own group; the next build puts the mode right though it has nothing to merge
in_alcove "$conf" alcc3 'chmod 600 /etc/group' || fail "chmod /etc/group inside"
actl stop alcc3 || fail "stop"
wait_until 50 sh -c "[ -z \"\$(pgrep -u $uid3 -x alcove-init)\" ]" || fail "init still there after stop"
assert_eq "644 svc1" \
	"$(in_alcove "$conf" alcc3 'stat -c %a /etc/group; su -s /bin/sh -c "id -gn" svc1 2>&1' | xargs)" \
	"a mode ns root took the read bits from is put back at the next build"

# --- reset deletes the layer ---
actl reset --yes alcc3 || fail "reset"
[ -e /var/lib/alcove/alcc3 ] && fail "reset left /var/lib/alcove/alcc3"
pass "reset deletes the persistent layer"
assert_fails_with 1 "cat: /usr/alcc-persist: No such file or directory" "after reset the file is gone" \
	in_alcove "$conf" alcc3 'cat /usr/alcc-persist'
assert_fails_with 1 "stdin is not a terminal; give --yes to delete the persistent layer of alcc3" \
	"reset refuses without --yes and without a tty" sh -c "$ALCOVECTL reset alcc3 </dev/null"

# --- persist = false: nothing survives, nothing is kept on disk ---
# a first session keeps the alcove running while a second one looks (the fifo is in the
# home: the one directory both the host and this image-rooted alcove see)
tmp=$(mktemp -d /var/tmp/alcc-XXXXXX)
on_exit "rm -rf $tmp"
mkfifo /home/alcc4/go
in_alcove "$conf" alcc4 "echo temp > /usr/alcc-temp && /usr/sbin/useradd -r -M svc2 && echo written; read x < ~/go" >"$tmp/out" 2>&1 &
first=$!
on_exit "kill $first"
wait_until 100 grep -q written "$tmp/out" || fail "cannot write /usr (persist=false): $(cat "$tmp/out")"
assert_eq "temp svc2" "$(in_alcove "$conf" alcc4 'cat /usr/alcc-temp; id -un svc2' | xargs)" \
	"a tmpfs upper while it runs, with the account added"
actl stop alcc4 || fail "stop alcc4"
wait $first
assert_fails_with 1 "cat: /usr/alcc-temp: No such file or directory" \
	"persist = false: gone after stop/start" in_alcove "$conf" alcc4 'cat /usr/alcc-temp'
assert_fails_with 1 "id: 'svc2': no such user" "persist = false: the account added is gone too" \
	in_alcove "$conf" alcc4 'id -un svc2'
[ -e /var/lib/alcove/alcc4 ] && fail "persist = false created /var/lib/alcove/alcc4"
pass "persist = false keeps nothing on disk"

# --- list against inits that do not answer (SECURITY.md, eleventh review): ns root
# ptrace-stops its init, share = "session" keeps three such alcoves, and list asks them all at
# once: one STATUS timeout (5 s), not one each in turn (15 s)
alcove_user alcc5
conf5=$(make_config "
defaults = { mode = \"root\"; image = \"$image\"; persist = false; cgroup = \"none\";
             on_last_logout = \"keep\"; share = \"session\"; max_sessions = 3; };
rules = ( { user = \"alcc5\"; profile = \"defaults\"; } );")
install -o alcc5 -g alcc5 -m 0755 "$BUILD/tests/escape-probe" /home/alcc5/probe
# the probe stops init once the session has ended and been released (keep: nothing more asked)
for i in 1 2 3; do
	in_alcove "$conf5" alcc5 'setsid sh -c "sleep 2; exec ~/probe ptrace-stop 1" \
		</dev/null >/dev/null 2>&1 &' || fail "enter alcc5 ($i)"
done
stopped_inits() {
	for f in /run/alcove/$(id -u alcc5)-*/state; do
		p=$(alcove_state_pid "$f") && grep -q '^State:.*t (tracing stop)' /proc/$p/status &&
			sed -n 's/^TracerPid:[[:space:]]*//p' /proc/$p/status
	done
}
wait_until 100 eval '[ "$(stopped_inits | wc -l)" = 3 ]' ||
	fail "three stopped inits: $(stopped_inits)"
tracers=$(stopped_inits | xargs)
on_exit "kill $tracers 2>/dev/null"
# asked at once: every admin socket connected before list first waits for an answer (a
# poll with a timeout); asked in turn, the second connect came after the first 5 s wait
trace=$(mktemp /tmp/alcc-list.XXXXXX) || setup_fail "mktemp"
on_exit "rm -f $trace"
out=$(strace -qq -f -o "$trace" -e trace=connect,poll "$ALCOVECTL" list) ||
	fail "alcovectl list over three silent inits: $out"
assert_eq 3 "$(grep -c '^alcc5 .* root .* ? ' <<<"$out")" "list: SESSIONS ? for the three silent inits"
asked=$(awk '/poll\(.*, [1-9][0-9]*\) /{exit} /connect\(.*alcove\/[0-9a-f-]+\/admin/{n++} END{print n+0}' \
	"$trace")
[ "$asked" -ge 3 ] && [ "$asked" = "$(grep -c 'connect(.*/admin' "$trace")" ] ||
	fail "list waited before asking every init (connects before the first wait: $asked): $(cat "$trace")"
pass "list asks every init before it waits for any ($asked connects first)"
kill $tracers
