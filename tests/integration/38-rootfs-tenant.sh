#!/bin/bash
# What root does in and around an alcove's tree, through the real sshd and PAM stack, must not
# be the tenant's to re-permission, fill or break (issue 12 routes 4 and 6, issue 15 tmpfs):
#  - /tmp, which the lobby imports for sshd and PAM (host root), is a tmpfs of host root's,
#    1777, in both modes; the lobby refuses any other;
#  - the home the lobby imports is the home volume: ns root's bind over ~ is refused;
#  - /tmp, /run and /dev/shm are bounded by tmp_size and tmp_inodes (ENOSPC at the limit);
#  - the lobby's own /var/tmp and /dev/shm are tmpfs of 1M and 1024 inodes (ENOSPC past 1M);
#  - a directory ns root left where a file goes (/etc/passwd) is moved aside, and the
#    upper dir's root and the home it handed to another id of its range are given back: no
#    lock-out; a failure in what the tenant controls (a replaced /tmp, a home of another
#    owner, a stopped init, its processes filling the pids, in the lobby's clone or the
#    build's) is refused even with failure = "open".
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

PROBE=$BUILD/tests/lobby-probe
[ -x "$PROBE" ] || fail "$PROBE missing: make check-integration"
journal_start
img=$(test_image bookworm-login)
pam_user alcrf1
pam_user alcrf2
pam_user alcrf3
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; on_last_logout = \"stop\";
	tmp_size = \"8M\"; tmp_inodes = 200; };
rules = ( { user = \"alcrf1\"; profile = \"user\"; }, { user = \"alcrf2\"; profile = \"root\"; },
	{ user = \"alcrf3\"; profile = \"rootopen\"; } );
profiles = { user = { persist = false; }; root = { mode = \"root\"; persist = true; };
	rootopen = { inherit = \"root\"; failure = \"open\"; }; };")
sshd_start 2351 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
for u in alcrf1 alcrf2 alcrf3; do sshd_authorize $u; done
stop_alcove() { actl --config "$conf" stop "$1" >/dev/null || fail "alcovectl stop $1"; }
# root code in the lobby of USER's running alcove: what sshd and PAM see as /tmp
in_lobby() { # user command...
	local pid
	pid=$(alcove_pid "$1")
	shift
	[ -n "$pid" ] || fail "no running alcove"
	"$PROBE" "$pid" /bin/bash "$BUILD/alcove-enter" -- "$@"
}

# --- route 4, user mode: /tmp is host root's 1777 tmpfs; the user cannot re-permission it
ssh_bg alcrf1 -- 'exec sleep 4381'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcrf1 "sleep 4381" || fail "the background login of alcrf1 did not start"
out=$(ssh_to alcrf1 -- 'echo "tmp=$(stat -c "%U %a" /tmp) $(stat -f -c %T /tmp)"
	chmod 0777 /tmp; chown "$(id -u)" /tmp; chmod -t /tmp; stat -c "after=%a" /tmp' 2>&1)
assert_contains "$out" "tmp=nobody 1777 tmpfs" "user mode: /tmp inside is a 1777 tmpfs of no id of the alcove"
assert_contains "$out" "chmod: changing permissions of '/tmp': Operation not permitted" \
	"user mode: chmod 0777 /tmp is EPERM"
assert_contains "$out" "chown: changing ownership of '/tmp': Operation not permitted" \
	"user mode: chown /tmp is EPERM"
assert_contains "$out" "after=1777" "... and /tmp keeps its sticky bit"
out=$(in_lobby alcrf1 stat -c '%u %a %T' -f /tmp) || fail "lobby of alcrf1: $out"
assert_eq "tmpfs" "$(awk '{print $NF}' <<<"$out")" "user mode: the lobby's /tmp is a tmpfs"
assert_eq "0 1777" "$(in_lobby alcrf1 stat -c '%u %a' /tmp)" \
	"user mode: the lobby's /tmp (root code's) is host root's, 1777"
assert_eq "0 1777" "$(stat -c '%u %a' "/proc/$(alcove_pid alcrf1)/root/tmp")" \
	"user mode: the alcove's /tmp seen from the host is root's, 1777"

# user mode: the login (ns U, no capability) cannot mount over ~ in init's mount ns, the one the
# lobby takes the home from; a nested user and mount ns's bind stays in that ns
out=$(ssh_to alcrf1 -- 'mount --bind /tmp ~ 2>&1 || echo refused
	unshare -Urm sh -c "mount --bind /tmp ~ && echo nested"; echo "home=$(stat -c %U ~)"' 2>&1)
assert_contains "$out" "refused" "user mode: a bind over ~ is refused"
assert_contains "$out" "home=$(id -un alcrf1)" "... and a nested namespace's leaves the alcove's home as it was"
# --- tmp_size / tmp_inodes: /tmp, /run, /dev/shm are bounded; dd and touch meet ENOSPC
out=$(in_lobby alcrf1 df -B1 --output=size,itotal /tmp | tail -1 | xargs)
assert_eq "8388608 200" "$out" "the lobby's /tmp is the alcove's: size 8M, 200 inodes"
# the lobby's own /var/tmp and /dev/shm (root code's, not the alcove's) are bounded too: seen
# in the mount table of the session's sshd, filled by root through its root until ENOSPC
sshd1=$(pgrep -u alcrf1 -xf "$SSHD_SERVICE: alcrf1@notty")
[ -n "$sshd1" ] || fail "no sshd process of alcrf1's session"
for d in /var/tmp /dev/shm; do
	opts=$(awk -v d="$d" '$5 == d {sub(/.* - /, ""); print}' "/proc/$sshd1/mountinfo")
	[[ $opts =~ ^tmpfs\ [^\ ]+\ (.*)$ ]] || fail "the lobby's $d is not a tmpfs: '$opts'"
	assert_contains ",${BASH_REMATCH[1]}," ",size=1024k,nr_inodes=1024," "the lobby's $d: tmpfs of 1M, 1024 inodes"
	out=$(dd if=/dev/zero of="/proc/$sshd1/root$d/fill" bs=64k count=32 2>&1)
	assert_contains "$out" "No space left on device" "root writing 2M into the lobby's $d: ENOSPC"
	assert_eq 1048576 "$(stat -c %s "/proc/$sshd1/root$d/fill")" "... after 1M"
	rm "/proc/$sshd1/root$d/fill"
done
out=$(ssh_to alcrf1 -- 'for d in /tmp /run /dev/shm; do
		echo "$d $(df -B1 --output=size,itotal $d | tail -1 | xargs)"; done
	for d in /tmp /dev/shm; do
		avail=$(df -B1 --output=avail $d | tail -1 | tr -d " ")
		dd if=/dev/zero of=$d/fill bs=1M count=64 2>&1 | grep -o "No space left on device"
		echo "$d fill=$(stat -c %s $d/fill) avail=$avail"; rm $d/fill; done
	free=$(df --output=iavail /tmp | tail -1 | tr -d " ")
	n=0; while touch /tmp/f$n 2>/dev/null; do n=$((n + 1)); done
	echo "files=$n free=$free"; touch /tmp/one-more 2>&1' 2>&1)
for d in /tmp /run /dev/shm; do
	assert_contains "$out" "$d 8388608 200" "$d inside: tmpfs of 8M and 200 inodes (df)"
done
for d in /tmp /dev/shm; do
	line=$(grep "^$d fill=" <<<"$out")
	[[ $line =~ ^$d\ fill=([0-9]+)\ avail=([0-9]+)$ ]] || fail "$d: no dd result in: $out"
	assert_eq "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "$d: dd of 64M stops at what df had free (8M)"
done
assert_eq 2 "$(grep -c '^No space left on device$' <<<"$out")" "dd into /tmp and /dev/shm: ENOSPC"
[[ $out =~ files=([0-9]+)\ free=([0-9]+) ]] || fail "no touch result in: $out"
assert_eq "${BASH_REMATCH[2]}" "${BASH_REMATCH[1]}" "touch in /tmp stops at the free inodes of tmp_inodes = 200"
assert_contains "$out" "touch: cannot touch '/tmp/one-more': No space left on device" \
	"the next file: ENOSPC"

# --- the lobby refuses a /tmp that is not host root's, in user mode too (here ns root of the
# alcove, as main built it, mounts one of its own: owner = the first subordinate uid)
sub=$(awk -F: '$1 == "alcrf1" {print $2; exit}' /etc/subuid)
nsenter -t "$(alcove_pid alcrf1)" -U -m mount -t tmpfs -o mode=1777 own /tmp ||
	fail "could not mount an ns-root tmpfs on the alcove's /tmp"
journal_clear
out=$(ssh_to alcrf1 -- 'echo "IN:$(id -un)"' 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a login was let into a lobby with the alcove's own /tmp: $out"
assert_not_contains "$out" "IN:" "user mode, /tmp of ns root: the login is refused (exit $rc)"
line=$(journal_wait "the alcove's /tmp is not the one it was built with") ||
	fail "no message about the replaced /tmp"
assert_contains "$line" "(owner $sub, mode 1777)" "the message names the owner: the first subordinate uid"
kill $bg
stop_alcove alcrf1

# --- route 4, root mode: the same from the host
ssh_bg alcrf2 -- 'exec sleep 4382'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcrf2 "sleep 4382" || fail "the background login of alcrf2 did not start"
assert_eq "0 1777" "$(in_lobby alcrf2 stat -c '%u %a' /tmp)" "root mode: the lobby's /tmp is host root's, 1777"
out=$(ssh_to alcrf2 -- 'chmod 0777 /tmp 2>&1; df -B1 --output=size,itotal /tmp | tail -1 | xargs')
assert_contains "$out" "Operation not permitted" "root mode: ns root cannot chmod /tmp"
assert_contains "$out" "8388608 200" "root mode: /tmp is sized by tmp_size and tmp_inodes too"
# ns root binds a directory of its overlay over its home: a lobby taking it would hold the
# overlay for the connection's life, past the alcove's end (a second overlay on one upper dir)
h2=$(getent passwd alcrf2 | cut -d: -f6)
ssh_to alcrf2 -- 'mkdir -p /pinned && mount --bind /pinned ~' || fail "ns root could not bind over ~"
journal_clear
out=$(ssh_to alcrf2 -- 'echo "IN:$(id -un)"' 2>&1) &&
	fail "a login was let into a lobby holding a directory of the overlay as its home: $out"
line=$(journal_wait "is not its home volume") || fail "no message about the home bound over: $out"
assert_contains "$line" "the alcove's home $h2 is not its home volume $h2: its root mounted something else there" \
	"root mode, a bind over ~: the login is refused, the helper says why"
nsenter -t "$(alcove_pid alcrf2)" -m -p umount "$h2" || fail "undoing the bind over ~"
assert_eq "IN:root" "$(ssh_to alcrf2 -- 'echo "IN:$(id -un)"' 2>&1)" "once undone, the next login goes on"
kill $bg
stop_alcove alcrf2

# --- route 6: a directory where /etc/passwd is (in root mode the alcove's own file, which the
# child rewrites at every build) is moved aside, the user's files kept, also when ns root took
# every name it can foresee (the next 2 minutes' seconds, .1 to .15)
layer=/var/lib/alcove/alcrf2/layer/upper
out=$(ssh_to alcrf2 -- 'rm /etc/passwd && mkdir /etc/passwd &&
	echo mine >/etc/passwd/x && t=$(date +%s) && for s in $(seq $t $((t + 120))); do
		echo /etc/passwd.alcove-moved-$s; seq -f "/etc/passwd.alcove-moved-$s.%g" 15; done |
	xargs touch && echo "made $(ls /etc | grep -c "^passwd.alcove-moved-")"' 2>&1)
assert_eq "made 1936" "$out" "ns root made /etc/passwd a directory in its persistent layer, and took 1936 names"
[ -d "$layer/etc/passwd" ] || fail "/etc/passwd is not a directory in the upper"
stop_alcove alcrf2
journal_clear
out=$(ssh_to alcrf2 -- 'head -1 /etc/passwd; cat /etc/passwd.alcove-moved-*/x' 2>&1)
assert_eq "root:x:0:0:root:/root:/bin/sh
mine" "$out" "the next login works: /etc/passwd is the alcove's, the directory moved aside with its file"
line=$(journal_wait "Moved '/etc/passwd'") || fail "no log line for the moved /etc/passwd"
assert_contains "$line" "Moved '/etc/passwd' (a directory) in alcrf2's layer aside to '/etc/passwd.alcove-moved-" \
	"the helper logs what it moved, in whose layer, and where to"
assert_contains "$line" "user=alcrf2" "... for alcrf2"
[[ $line =~ aside\ to\ \'/etc/passwd\.alcove-moved-[0-9]+\.[0-9]{9}\' ]] ||
	fail "the moved directory's name does not end in the nanoseconds of the move: $line"
pass "the name taken ends in the nanoseconds of the move"
[ -f "$layer/etc/passwd" ] && [ ! -L "$layer/etc/passwd" ] || fail "/etc/passwd in the upper is not a file now"
pass "in the upper, /etc/passwd is a plain file again"
out=$(ssh_to alcrf2 -- 'head -1 /etc/passwd')
assert_eq "root:x:0:0:root:/root:/bin/sh" "$out" "and the login after works too"
stop_alcove alcrf2
# ... a FIFO there (its read would wait) is removed, and a file over 1 MiB moved aside (kept),
# also one just under it that the helper's lines would take over (the build after would not
# read back what this one wrote): each file starts again from the helper's lines, and the
# helper says what it did
for kind in fifo big edge; do
	case $kind in
	fifo) plant='rm /etc/passwd && mkfifo /etc/passwd' want="Replaced '/etc/passwd' (a fifo) in alcrf2's layer" ;;
	big) plant='head -c 1100000 /dev/zero | tr "\0" x >>/etc/passwd' want="as it is over 1 MiB" ;;
	edge) plant='head -c 1048500 /dev/zero | tr "\0" x >/etc/passwd' want="as it is over 1 MiB with the helper's lines" ;;
	esac
	out=$(ssh_to alcrf2 -- "$plant && echo planted" 2>&1)
	assert_eq planted "$out" "ns root left $kind at /etc/passwd"
	stop_alcove alcrf2
	journal_clear
	out=$(ssh_to alcrf2 -- 'head -1 /etc/passwd; wc -c </etc/passwd' 2>&1)
	[[ $out == "root:x:0:0:root:/root:/bin/sh"$'\n'* ]] && [ "${out##*$'\n'}" -lt 4096 ] ||
		fail "after $kind at /etc/passwd, the next login's file is not the helper's lines: $out"
	line=$(journal_wait "$want") || fail "no log line for $kind at /etc/passwd"
	pass "$kind at /etc/passwd: the next login works, and the journal says ${line#*msg=}"
	stop_alcove alcrf2
done

# --- route 6: failure = "open" never lets a failure the user caused through uncontained.
# First in the lobby stage: ns root of a running alcove puts its own /tmp in place.
ssh_bg alcrf3 -- 'exec sleep 4383'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcrf3 "sleep 4383" || fail "the background login of alcrf3 did not start"
ssh_to alcrf3 -- 'umount -l /tmp && mount -t tmpfs -o mode=0777 mine /tmp' ||
	fail "ns root could not replace its /tmp (the test needs it to)"
journal_clear
out=$(ssh_to alcrf3 -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "failure = open let a login through a lobby the user broke: $out"
assert_not_contains "$out" "IN:" "failure = \"open\", the alcove's /tmp replaced: the login is refused (exit $rc)"
line=$(journal_wait "does not apply") || fail "no log line refusing the open failure (lobby)"
assert_contains "$line" "the alcove's /tmp is not the one it was built with" "... naming the /tmp"
assert_contains "$line" "stage=helper" "... from the helper's answer"
journal_wait "UNCONTAINED" 1 >/dev/null && fail "the broken lobby was logged as an uncontained login"
kill $bg
stop_alcove alcrf3
# --- route 6: ns root hands the upper dir's root (its "/") to another id of its range; the
# helper (host root) gives it back to ns root and logs it, and the next login goes on
upper3=/var/lib/alcove/alcrf3/layer/upper
sub3=$(awk -F: '$1 == "alcrf3" {print $2; exit}' /etc/subuid)
out=$(ssh_to alcrf3 -- 'chown 1:1 / && echo "owner=$(stat -c %u /)"' 2>&1)
assert_eq "owner=1" "$out" "ns root chowned / (the upper dir) to ns uid 1"
stop_alcove alcrf3
assert_eq "$((sub3 + 1))" "$(stat -c %u "$upper3")" "on the host the upper dir is the subordinate uid of ns uid 1"
journal_clear
out=$(ssh_to alcrf3 -- 'echo "IN:$(cat /proc/1/comm) owner=$(stat -c %u:%g /)"' 2>&1)
assert_eq "IN:alcove-init owner=0:0" "$out" "the next login goes on, into the alcove, its / ns root's again"
line=$(journal_wait "Repaired '$upper3'") || fail "no log line for the repaired upper dir"
assert_contains "$line" "Repaired '$upper3' (the alcove's /) in alcrf3's layer: owner uid $((sub3 + 1)) (an id of its range) given back to its ns root, uid $(id -u alcrf3)" \
	"the helper logs the repair: the upper dir, the owner it found, the one it set"
assert_contains "$line" "user=alcrf3" "... for alcrf3"
assert_eq "$(id -u alcrf3):$(id -g alcrf3)" "$(stat -c %u:%g "$upper3")" \
	"on the host the upper dir is ns root's again (the user's ids in root mode)"
journal_wait "UNCONTAINED" 1 >/dev/null && fail "the repaired login was logged as uncontained"
stop_alcove alcrf3

# open_refused WHAT TEXT: with failure = "open", a login of alcrf3 is refused (not let out
# uncontained) and the module's line names TEXT and why failure = "open" does not apply.
open_refused() { # what expected [tries]
	local out rc line try
	# (out of pids, which fork meets pids.max first is a race: sshd's own, before PAM's session,
	# refuses the login without a line of alcove's; another login then tries again)
	for ((try = 1; try <= ${3:-1}; try++)); do
		journal_clear
		out=$(ssh_to alcrf3 -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1)
		rc=$?
		[ $rc -ne 0 ] || fail "failure = open let a login through, $1: $out"
		assert_not_contains "$out" "IN:" "failure = \"open\", $1: the login is refused (exit $rc)"
		line=$(journal_wait "does not apply") && break
	done
	[ -n "$line" ] || fail "$1: no log line refusing the open failure"
	assert_contains "$line" "$2" "$1: ... naming what failed"
	assert_contains "$line" "failure = \"open\" does not apply, the user can cause this failure" \
		"$1: ... and why failure = \"open\" does not apply"
	journal_wait "UNCONTAINED" 1 >/dev/null && fail "$1: logged as an uncontained login"
	return 0
}

# A home ns root chowned to another id of the user's range (its uid 1:1, subordinate ids on
# the host): the helper gives it back to U and logs it, and the next login goes on (every
# build refused it before). An owner outside the range was set on the host, not by the
# tenant: it stays refused, and failure = "open" does not let the login out.
home=$(getent passwd alcrf3 | cut -d: -f6)
out=$(ssh_to alcrf3 -- 'chown 1:1 "$HOME" && echo "owner=$(stat -c %u "$HOME")"' 2>&1)
assert_eq "owner=1" "$out" "ns root chowned its home to ns uid 1"
on_exit "chown alcrf3: $home"
stop_alcove alcrf3
sub=$(stat -c %u "$home")
journal_clear
out=$(ssh_to alcrf3 -- 'echo "IN:$(cat /proc/1/comm) home=$(stat -c %u "$HOME")"' 2>&1)
assert_eq "IN:alcove-init home=0" "$out" "the next login goes on, its home ns root's (U's) again"
line=$(journal_wait "Repaired home") || fail "no log line for the repaired home"
assert_contains "$line" "Repaired home '$home' of alcrf3: owner uid $sub (an id of its range) given back to uid $(id -u alcrf3)" \
	"the helper logs the repair: the home, the owner it found, the one it set"
assert_eq "$(id -u alcrf3):$(id -g alcrf3)" "$(stat -c %u:%g "$home")" "on the host the home is U's again, group too"
stop_alcove alcrf3
chown 1 "$home" || setup_fail "chown $home to uid 1"
open_refused "the home owned by a host uid" "home '$home' of alcrf3 is owned by uid 1"
assert_contains "$(journal_wait "does not apply")" \
	"Refusing session: alcove-helper open: Failed to build the alcove of alcrf3:" \
	"pam_alcove refuses, with the helper's reason"
line=$(journal_wait "stage=build") || fail "no build failure logged by the helper"
assert_contains "$line" "user=alcrf3" "the helper's own line names the user"
assert_eq "1" "$(stat -c %u "$home")" "a home owned outside the range is left as it is"
chown alcrf3: "$home"

# A root-mode init that does not answer (SIGSTOPped by the user's uid, which is its host uid):
# the HOLD times out, the tenant's doing, so the login is refused, not let through.
ssh_bg alcrf3 -- 'exec sleep 4384'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcrf3 "sleep 4384" || fail "the background login of alcrf3 did not start"
init=$(alcove_pid alcrf3)
on_exit "kill -CONT $init"
setpriv --reuid=alcrf3 --regid=alcrf3 --clear-groups kill -STOP "$init" ||
	fail "alcrf3's uid could not stop its root-mode init (pid $init)"
open_refused "the alcove's init stopped" "Failed to register the session with alcove"
kill -CONT "$init"
kill $bg
stop_alcove alcrf3

# Out of pids: with cgroup = "none" the alcove's processes stay in the PAM application's cgroup
# (here a pids cgroup of sshd's own, pids.max 64, as a TasksMax would set). The tenant forks
# until fork fails (EAGAIN), then frees two: sshd's per-connection and pre-auth processes take
# them, and the helper's next clone (the lobby's) fails EAGAIN, the tenant's doing.
sshdpid=$(cat "$SSHD_DIR/sshd.pid")
if [ -d /sys/fs/cgroup/pids ]; then # v1: sshd's pids cgroup; v2: its one cgroup
	cgp=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" {print $3}' "/proc/$sshdpid/cgroup")
elif grep -qw pids /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	cgp=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$sshdpid/cgroup")
else setup_fail "no pids cgroup controller to bound sshd with"; fi
cg=${cgp%/}/alc38-$$
mkdir "$cg" && echo 64 >"$cg/pids.max" || setup_fail "a pids cgroup $cg"
on_exit "rmdir $cg"
on_exit "echo $sshdpid >$cgp/cgroup.procs"
echo "$sshdpid" >"$cg/cgroup.procs" || setup_fail "moving sshd into $cg"
# fill_pids USER N: a login of USER forks until fork fails, frees two, then sleeps N (sets bg)
fill_pids() {
	ssh_bg "$1" -- 'exec perl -e '\''my @k; while (1) { my $p = fork; last unless defined $p;
	if (!$p) { sleep 9999; exit } push @k, $p } print STDERR "fork: $!\n";
	kill 9, @k[0, 1]; waitpid($_, 0) for @k[0, 1]; exec "sleep", "'"$2"'"'\'''
	bg=$SSH_BG_PID
	on_exit "kill $bg"
	wait_until 100 alcove_has "$1" "sleep $2" || fail "$1's pid-filling login did not settle"
	assert_eq 62 "$(cat "$cg/pids.current")" "$1 filled sshd's pids cgroup to two short of pids.max"
}
fill_pids alcrf3 4385
open_refused "the user's processes fill the pids" \
	"Failed to build the lobby of alcrf3: Resource temporarily unavailable" 8
kill $bg
stop_alcove alcrf3
# The same with no alcove of alcrf3 running: another tenant (alcrf2) fills the pids, and the
# build's own clone into new namespaces fails EAGAIN: failure = "open" does not let it out either.
fill_pids alcrf2 4387
assert_eq "" "$(alcove_pid alcrf3)" "no alcove of alcrf3 runs: its next login builds one"
open_refused "another tenant's processes fill the pids" \
	"Failed to build the alcove of alcrf3: clone into new namespaces: Resource temporarily unavailable" 8
kill $bg
stop_alcove alcrf2
echo "$sshdpid" >"$cgp/cgroup.procs"
