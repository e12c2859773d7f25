#!/bin/bash
# Routes around the walls that need no escape (issue 12, route 8), each closed and shown here
# against real alcoves built by alcovectl (image "/", cgroup "none"), the mount-source refusal
# and setgroups "deny" through a real sshd login as well:
#   - a profile mount source below a directory the user owns, swapped for a symlink to /etc,
#     is refused with the component named; a source under root's directories still works;
#   - reset and gc --force remove a layer holding a directory chain 5000 deep (deeper than
#     reset's old fd-per-level walk went);
#   - setgroups is "deny" in a user-mode alcove's user ns, its passed-through groups intact
#     (root mode keeps "allow");
#   - init's stderr, a journal stream, is the alcove's ns root's: in root mode the tenant who
#     takes it from init (pidfd_getfd) writes lines the journal attributes to the user's uid;
#     in user mode the login cannot take it, and its lines are the subordinate uid S's;
#   - mount propagation: a root-mode alcove's home cloned from a shared mount is private inside,
#     so a tmpfs ns root mounts under ~ does not show on the host; a /tmp ns root made shared
#     does not carry its later mounts into a login's lobby;
#   - the hostname, which the lobby shares and root code there prints (pam_motd), is not ns
#     root's to set (EPERM through ssh), in the lobby nor inside, nor through init made to
#     unshare a UTS namespace of its own (ptrace): that login is refused, and so is one
#     whose init (network = "host") was made to unshare a network namespace; an init made to
#     unshare a user namespace is still the alcove's, and stop ends it;
#   - gc --force does not take a process that merely calls itself alcove-init (a copy of dash
#     of that name, PID 1 of the user's own unshare) for an alcove, nor kill it;
#   - the helper refuses to run beside an alcove-enter that group or others may read;
#   - the helper client (PAM module, alcovectl) kills a helper past its deadline through the
#     pidfd of its clone: when the application has reaped the helper and its pid went to
#     another process, that process lives (tests/tools/helper-race.c).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/alcove.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/sshd.sh"

journal_start

G1=alchdg
groupdel $G1 >/dev/null 2>&1
groupadd $G1 || fail "groupadd $G1"
on_exit "groupdel $G1"
GID1=$(getent group $G1 | cut -d: -f3)
U1=alchd1
alcove_user $U1 -G $G1
U2=alchd2
alcove_user $U2 -G $G1
IMG=$(test_image bookworm)
UID1=$(id -u $U1)
LIB=/var/lib/alcove/$U1
on_exit "rm -rf $LIB /run/alcove/$UID1"
WORK=$(mktemp -d /var/tmp/alchd.XXXXXX)
chmod 0755 "$WORK"
on_exit "rm -rf $WORK"
SRC=/srv/alchd-src
rm -rf "$SRC"
mkdir -p -m 0755 "$SRC/plain" "$SRC/$U1/proj"
chown $U1: "$SRC/$U1" "$SRC/$U1/proj"
echo shared-data >"$SRC/plain/file"
echo own-data >"$SRC/$U1/proj/file"
on_exit "rm -rf $SRC"
# the same policies through a real sshd login: its PAM line names SSHCONF, a copy of $conf
SSHCONF=$(make_config "")
sshd_start 2440 "session required $BUILD/pam_alcove.so config=$SSHCONF helper=$BUILD/alcove-helper"
sshd_authorize $U1
ssh_with() { cp "$conf" "$SSHCONF" && ssh_to "$@"; } # user [-- command...], under $conf

ctl() { actl --config "$conf" "$@"; }
# gc's report without the line saying scopes were not checked (no systemd here); fails if
# alcovectl does
gc() {
	local o
	o=$(ctl gc "$@" $U1 2>&1) || { echo "$o"; return 1; }
	grep -v '^scopes not checked' <<<"$o" || true
}

# perl -e "$STEAL_STDERR" PID LINE: takes fd 2 of PID (pidfd_open, pidfd_getfd: ptrace
# access to PID) and writes LINE to it; prints "planted" or the step that failed.
STEAL_STDERR='my $p = syscall(434, $ARGV[0] + 0, 0); $p >= 0 or die "pidfd_open: $!\n";
	my $fd = syscall(438, $p, 2, 0); $fd >= 0 or die "pidfd_getfd: $!\n";
	open(my $h, ">&=", $fd) or die "fdopen: $!\n";
	syswrite($h, "$ARGV[1]\n") or die "write: $!\n"; print "planted\n";'

# --- (c) profile mount sources: reached through root's directories only -------------------
mounts_conf() { # source
	make_config "defaults = { mode = \"user\"; image = \"/\"; persist = false;
	cgroup = \"none\"; on_last_logout = \"stop\";
	mounts = ( { source = \"$SRC/plain\"; target = \"/mnt/plain\"; },
		   { source = \"$1\"; target = \"/mnt/proj\"; } ); };
rules = ( { user = \"$U1\"; profile = \"defaults\"; } );"
}
conf=$(mounts_conf "$SRC/$U1")
out=$(ctl enter $U1 -- cat /mnt/plain/file /mnt/proj/proj/file 2>&1)
assert_eq "shared-data
own-data" "$out" "sources under root's directories (one the user's own) are mounted"
# an admin's source below the user's directory: the user swaps it for a symlink to /etc
runuser -u $U1 -- sh -c "mv $SRC/$U1/proj $SRC/$U1/proj.old && ln -s /etc $SRC/$U1/proj" ||
	fail "the user could not replace proj"
conf=$(mounts_conf "$SRC/$U1/proj")
out=$(ctl enter $U1 -- cat /mnt/proj/hostname 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a source reached through the user's directory was mounted: $out"
assert_contains "$out" "mount source '$SRC/$U1/proj' of profile defaults: '$SRC/$U1' is a symlink, or a directory above the source not owned by root or writable by others" \
	"a source below a directory the user owns is refused, the directory named"
assert_not_contains "$out" "$(cat /etc/hostname)" "nothing of /etc was shown"
journal_clear
out=$(ssh_with $U1 -- cat /mnt/proj/passwd 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "ssh: a source reached through the user's directory was mounted: $out"
assert_not_contains "$out" "root:x:0:0:" "ssh: the login is refused, nothing of /etc shown (exit $rc)"
line=$(journal_wait "mount source '$SRC/$U1/proj'") || fail "ssh: no log line refusing the mount source"
assert_contains "$line" "Refusing session:" "ssh: pam_alcove refuses the session"
assert_contains "$line" "'$SRC/$U1' is a symlink, or a directory above the source not owned by root" \
	"ssh: ... naming the user's directory"
# a symlink as the source itself, in root's directory: refused as well
ln -s /etc "$SRC/link"
conf=$(mounts_conf "$SRC/link")
out=$(ctl enter $U1 -- true 2>&1)
assert_contains "$out" "mount source '$SRC/link' of profile defaults: '$SRC/link' is a symlink" \
	"a symlink as the source is refused"

# --- (e) reset and gc of a layer deeper than any fd limit ----------------------------------
conf=$(make_config "defaults = { mode = \"user\"; image = \"/\"; persist = true;
	cgroup = \"none\"; on_last_logout = \"stop\"; };
rules = ( { user = \"$U1\"; profile = \"defaults\"; } );")
deep_chain() { # dir: 5000 nested directories below it
	python3 -c 'import os, sys
os.chdir(sys.argv[1])
for i in range(5000):
    os.mkdir("d"); os.chdir("d")
open("bottom", "w").write("x")' "$1"
}
out=$(ctl enter $U1 -- python3 -c 'import os
os.makedirs("/var/tmp/alchd-deep", exist_ok=True)
os.chdir("/var/tmp/alchd-deep")
for i in range(5000):
    os.mkdir("d"); os.chdir("d")
print("made")' 2>&1)
assert_eq made "$out" "the tenant made a 5000-deep chain in its layer"
[ -d "$LIB/layer/upper/var/tmp/alchd-deep/d/d/d" ] || fail "the chain is not in the upper"
out=$(ctl reset --yes $U1 2>&1)
rc=$?
assert_eq "0" "$rc" "reset of a 5000-deep layer succeeds (output: $out)"
[ ! -e "$LIB" ] || fail "reset left $LIB behind"
pass "reset removed the whole layer"
# a half-built layer (no work dir) holding the same: gc --force removes it
mkdir -p -m 0700 "$LIB/layer/upper"
deep_chain "$LIB/layer/upper" || fail "could not make the chain on the host"
out=$(gc --force) || fail "gc --force: $out"
assert_eq "removed $LIB: layer/work missing, layer/upper holds the user's files" \
	"$(grep /var/lib <<<"$out")" "gc --force removes a 5000-deep half-built layer"
[ ! -e "$LIB" ] || fail "gc left $LIB behind"

# python3 -c "$OWNER" NSFILE: the owner's uid of a user namespace (NS_GET_OWNER_UID)
OWNER='import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY)
import array; a = array.array("I", [0]); fcntl.ioctl(fd, 0xb704, a); print(a[0])'

# --- (d) setgroups "deny" in user mode; the passed-through groups set before the user ns ----
groups_conf() { # mode image
	make_config "defaults = { mode = \"$1\"; image = \"$2\"; persist = false;
	cgroup = \"none\"; on_last_logout = \"stop\"; groups_passthrough = [ \"$G1\" ]; };
rules = ( { user = \"alchd*\"; profile = \"defaults\"; } );"
}
conf=$(groups_conf user /)
ctl enter $U1 -- sleep 4861 </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
wait_until 100 eval '[ -n "$(alcove_pid $U1)" ]' || fail "the alcove of $U1 did not start"
assert_eq deny "$(cat /proc/"$(alcove_pid $U1)"/setgroups)" \
	"user mode: setgroups is deny in the alcove's user ns (seen from the host)"
out=$(ctl enter $U1 -- sh -c 'cat /proc/self/setgroups; id -G' 2>&1)
assert_eq "deny
$(id -g $U1) $GID1" "$out" "user mode: deny inside, and the login keeps its passed-through group"
out=$(ssh_with $U1 -- 'cat /proc/self/setgroups; id -G' 2>&1)
assert_contains "$out" "deny
$(id -g $U1) $GID1" "ssh: setgroups is deny in the login's user ns, its passed-through group kept"
# (b) in user mode: init's stderr stream was connected by ns root, S (the first of the user's
# subordinate uids), not by host root or U. The login (ns U, no capability over init) cannot
# take the fd; host root can, and the line it writes carries the connecting process's creds.
out=$(ctl enter $U1 -- perl -e "$STEAL_STDERR" 1 alchd-user-line 2>&1)
assert_eq "pidfd_getfd: Operation not permitted" "$out" "user mode: the login cannot take init's stderr"
pid1=$(alcove_pid $U1)
out=$(perl -e "$STEAL_STDERR" "$pid1" alchd-host-line 2>&1)
assert_eq planted "$out" "host root takes the user-mode init's stderr and writes to it"
line=$(journal_wait "msg=alchd-host-line") || fail "the host's line did not reach the journal"
sub1=$(awk -F: -v n=$U1 '$1 == n && $3 >= 65536 {print $2; exit}' /etc/subuid)
assert_contains "$line" "stream uid=$sub1 pid=$pid1 " \
	"user mode: the journal takes init's lines as ns root's (uid $sub1, init's pid $pid1)"
assert_eq "$sub1" "$(python3 -c "$OWNER" "/proc/$pid1/ns/user")" \
	"user mode: the alcove's user namespace is owned by S, its ns root on the host"
INOTIFY_FILL='import ctypes, os, time; libc = ctypes.CDLL(None, use_errno=True); fds = []
while len(fds) < 100000:
	fd = libc.inotify_init1(0)
	if fd < 0: break
	fds.append(fd)
open(os.path.expanduser("~/alchd-inotify"), "w").write("%d %d\n" % (len(fds), ctypes.get_errno()))
time.sleep(60)'
rm -f "$(getent passwd $U1 | cut -d: -f6)/alchd-inotify"
cp "$conf" "$SSHCONF" && ssh_bg $U1 -- python3 -c "'$INOTIFY_FILL'"
on_exit "kill $SSH_BG_PID"
wait_until 200 test -s "$(getent passwd $U1 | cut -d: -f6)/alchd-inotify" ||
	fail "the login that fills its inotify instances did not report"
read -r n err <"$(getent passwd $U1 | cut -d: -f6)/alchd-inotify"
assert_eq "$(cat /proc/sys/fs/inotify/max_user_instances) 24" "$n $err" \
	"the tenant makes fs.inotify.max_user_instances instances, then EMFILE (24): its own count"
assert_eq ok "$(python3 -c 'import ctypes; print("ok" if ctypes.CDLL(None).inotify_init1(0) >= 0 else "EMFILE")')" \
	"host root still makes an inotify instance while the tenant holds all of its own"
kill $SSH_BG_PID
ctl stop $U1 >/dev/null 2>&1
conf=$(groups_conf root "$IMG")
# (h) mount propagation: on a systemd host / is shared, and a clone of a shared mount is a peer
# of the original. Here (a private mount ns) U2's home is made a shared mount of its own, as
# on such a host, before its alcove clones it.
home2=$(getent passwd $U2 | cut -d: -f6)
mount --bind "$home2" "$home2" && mount --make-shared "$home2" || setup_fail "a shared mount on $home2"
on_exit "umount -l $home2"
ctl enter $U2 -- sleep 4862 </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
wait_until 100 eval '[ -n "$(alcove_pid $U2)" ]' || fail "the alcove of $U2 did not start"
out=$(ctl enter $U2 -- sh -c 'mkdir -p ~/alchd-prop && mount -t tmpfs alchd-prop ~/alchd-prop &&
	awk -v h="$HOME" '\''$5 == h {print ($7 ~ /^(shared|master):/) ? "propagates" : "private"}'\'' /proc/self/mountinfo' 2>&1)
assert_eq private "$out" "root mode: ns root mounts a tmpfs under its home, whose mount inside is private"
mountpoint -q "$home2/alchd-prop" && fail "ns root's tmpfs under its home propagated to the host's $home2"
pass "... and the host does not see ns root's mount (the home's clone is not a peer of the host's)"
# ... and the lobby's copy of the alcove's /tmp is private whatever ns root set: made shared
# before a login, its later mounts must not show in that login's lobby (root's mount ns)
sshd_authorize $U2
cp "$conf" "$SSHCONF" || setup_fail "the sshd's policy"
ctl enter $U2 -- mount --make-shared /tmp || fail "ns root could not make its /tmp shared"
ssh_bg $U2 -- 'exec sleep 4865'
on_exit "kill $SSH_BG_PID"
lobby_pid() { pgrep -u "$(id -u $U2)" -f "^sshd[^ ]*: $U2@" | head -1; } # sshd's session child
wait_until 150 eval '[ -n "$(lobby_pid)" ] && pgrep -f "sleep 4865" >/dev/null' ||
	fail "$U2's background login did not start: $(ps -o pid,user,comm,args -u "$(id -u $U2)" | tr '\n' ';'); sshd's log: $(tail -3 "$SSHD_LOG")"
lp=$(lobby_pid)
ctl enter $U2 -- sh -c 'mkdir -p /tmp/alchd-x && mount -t tmpfs alchd-x /tmp/alchd-x' ||
	fail "ns root could not mount a tmpfs on its /tmp/alchd-x"
nsenter -t "$lp" -m test -d /tmp/alchd-x || fail "the lobby of $U2's login has no /tmp/alchd-x"
nsenter -t "$lp" -m mountpoint -q /tmp/alchd-x &&
	fail "ns root's mount on its shared /tmp propagated into the lobby of a login (sshd pid $lp)"
pass "root mode: ns root's mount on a /tmp it made shared does not reach the lobby"
# ... and the hostname root code reads in the lobby (pam_motd's `uname -n` goes into the
# host's /run/motd.dynamic, shown to every user's next login) is not ns root's to set: the
# alcove's UTS namespace is the host's user namespace's
out=$(ssh_to $U2 -- 'id -u; hostname alchd-evil' 2>&1)
assert_eq "0
hostname: you must be root to change the host name" "$out" \
	"root mode, ssh: ns root cannot set the alcove's hostname (EPERM)"
assert_eq "$U2-alcove $U2-alcove" "$(nsenter -t "$lp" -u hostname) $(ssh_to $U2 -- hostname)" \
	"the lobby (sshd's session child) and the alcove keep the policy's hostname"
kill $SSH_BG_PID
assert_eq allow "$(cat /proc/"$(alcove_pid $U2)"/setgroups)" \
	"root mode: setgroups stays allow (apt's sandbox calls it)"
out=$(ctl enter $U2 -- sh -c 'id -G' 2>&1)
assert_eq "0 $GID1" "$out" "root mode: the login (ns root) has its passed-through group"

# --- (g) the kernel's per-user counts of what is made in the alcove are the tenant's --------
# The kernel charges inotify instances and namespaces made in a user namespace to its owner's
# counts too. The helper creates the alcove's with S, the first subordinate uid, as owner (in
# root mode unmapped: U, ns root there, owned it before, and U's processes in the lobby held
# every capability over the alcove, 47-pam-foreign-tty), so a tenant using up
# fs.inotify.max_user_instances inside (ssh, through the real sshd, a user-mode alcove below)
# leaves host root's own: before, the alcove's user namespace was root's, and the host's root
# could then make no inotify instance at all.
assert_eq "$(awk -F: -v u=$U2 '$1 == u {print $2; exit}' /etc/subuid)" \
	"$(python3 -c "$OWNER" "/proc/$(alcove_pid $U2)/ns/user")" \
	"root mode: the alcove's user namespace is owned by S, the first subordinate uid (unmapped)"
# --- (b) init's journal stream was connected by its ns root, not by host root --------------
out=$(ctl enter $U2 -- perl -e "$STEAL_STDERR" 1 alchd-planted-line 2>&1)
assert_eq planted "$out" "root mode: ns root takes init's stderr (pidfd_getfd) and writes to it"
line=$(journal_wait "msg=alchd-planted-line") || fail "the planted line did not reach the journal"
pid2=$(alcove_pid $U2)
assert_contains "$line" "stream uid=$(id -u $U2) pid=$pid2 " \
	"the journal takes the line as the user's (uid $(id -u $U2), init's pid $pid2), not root's"
# ... and the hostname route once more: ns root may ptrace init, and makes it unshare a UTS
# namespace of its own (the alcove's user namespace's, so ns root names it at will), which
# every lobby would join. escape-probe, run by ns root through ssh, injects unshare and
# sethostname into PID 1; the next login is refused, naming the namespace.
install -o $U2 -g $U2 -m 0755 "$BUILD/tests/escape-probe" "$home2/alchd-probe" ||
	setup_fail "escape-probe into $U2's home"
assert_eq ok "$(ssh_to $U2 -- "$home2/alchd-probe inject-unshare 1 uts alchd-evil" 2>&1)" \
	"root mode, ssh: ns root makes init unshare a UTS namespace and name it (ptrace)"
assert_eq alchd-evil "$(nsenter -t "$(alcove_pid $U2)" -u hostname)" "... init's UTS namespace is that one"
journal_clear
rc=0
ssh_to $U2 -- true >/dev/null 2>&1 || rc=$?
assert_eq 254 "$rc" "the next login is refused (sshd's exit 254): the lobby does not join init's own UTS namespace"
line=$(journal_wait "not the one it was built with") || fail "the refusal is not in the journal"
assert_contains "$line" "the alcove's UTS namespace is not the one it was built with (its init made one of its own" \
	"... the journal says why"
ctl stop $U2 >/dev/null 2>&1
# The same with the network namespace (network = "host", the default here): init made to
# unshare one of its own, the monitor and PAM's close would do their network in it.
ctl enter $U2 -- sleep 4866 </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
wait_until 100 eval '[ -n "$(alcove_pid $U2)" ]' || fail "the alcove of $U2 did not start again"
assert_eq ok "$(ssh_to $U2 -- "$home2/alchd-probe inject-unshare 1 net" 2>&1)" \
	"root mode, ssh: ns root makes init unshare a network namespace (ptrace)"
rc=0
ssh_to $U2 -- true >/dev/null 2>&1 || rc=$?
assert_eq 254 "$rc" "the next login is refused: the lobby does not join init's own network namespace"
line=$(journal_wait "network namespace is not one of the host's") || fail "the refusal is not in the journal"
assert_contains "$line" "as network = \"host\" has it (its init made one of its own" "... the journal says why"
ctl stop $U2 >/dev/null 2>&1
# ... and init made to unshare a user namespace still counts as alive (its pid namespace is
# what identifies it): stop ends it, where an init judged by its user namespace looked dead
# and stop only dropped its state
ctl enter $U2 -- sleep 4867 </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
wait_until 100 eval '[ -n "$(alcove_pid $U2)" ]' || fail "the alcove of $U2 did not start again"
pid2=$(alcove_pid $U2)
before=$(readlink /proc/$pid2/ns/user)
assert_eq ok "$(ssh_to $U2 -- "$home2/alchd-probe inject-unshare 1 user" 2>&1)" \
	"root mode, ssh: ns root makes init unshare a user namespace (ptrace)"
[ "$(readlink /proc/$pid2/ns/user)" != "$before" ] || fail "init's user namespace did not change"
start2=$(awk '{print $22}' /proc/$pid2/stat)
ctl stop $U2 >/dev/null || fail "alcovectl stop $U2 failed"
# ended: gone, a zombie the host's PID 1 has not reaped yet, or its pid another process's
init_ended() {
	local st
	st=$(awk '/^State:/ {print $2}' /proc/$pid2/status 2>/dev/null)
	[ -z "$st" ] || [ "$st" = Z ] || [ "$(awk '{print $22}' /proc/$pid2/stat 2>/dev/null)" != "$start2" ]
}
wait_until 100 init_ended || fail "stop left init $pid2 running: $(cat /proc/$pid2/comm 2>&1)"
pass "stop ends an init whose user namespace changed"

# --- (f) gc knows an alcove-init by its executable, not by its name -----------------------
conf=$(make_config "defaults = { cgroup = \"none\"; };")
mkdir -m 0755 "$WORK/fake"
cp /bin/dash "$WORK/fake/alcove-init"
runuser -u $U1 -- unshare -Upf --mount-proc "$WORK/fake/alcove-init" -c 'sleep 600; :' \
	"--user=$U1" </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
fake_pid() {
	local p
	for p in $(pgrep -x alcove-init); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$WORK/fake/alcove-init" ] &&
			grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null && echo "$p"
	done
	return 0
}
wait_until 50 eval '[ -n "$(fake_pid)" ]' || fail "the fake alcove-init did not start"
fake=$(fake_pid)
assert_eq "alcove-init" "$(cat /proc/"$fake"/comm)" "the fake calls itself alcove-init"
on_exit "kill -9 $fake"
out=$(gc) || fail "gc: $out"
assert_not_contains "$out" "pid $fake" "gc does not report the fake as an untracked alcove-init"
out=$(gc --force) || fail "gc --force: $out"
assert_not_contains "$out" "pid $fake" "gc --force does not take the fake for an alcove"
[ -d "/proc/$fake" ] && [ "$(cat /proc/"$fake"/comm)" = alcove-init ] ||
	fail "gc --force killed the user's process named alcove-init"
pass "the user's process named alcove-init still runs"
# a real init that no state tracks is still found, also once its file was replaced (an upgrade
# of the package: the running init keeps the old, deleted file)
H=$WORK/libexec
mkdir -m 0755 "$H"
install -m 0755 "$BUILD/alcove-helper" "$BUILD/alcove-init" "$H/"
install -m 0711 "$BUILD/alcove-enter" "$H/"
conf=$(make_config "defaults = { mode = \"user\"; image = \"/\"; persist = false;
	cgroup = \"none\"; on_last_logout = \"stop\"; };
rules = ( { user = \"$U1\"; profile = \"defaults\"; } );")
ALCOVE_HELPER=$H/alcove-helper ctl enter $U1 -- sleep 4864 </dev/null >/dev/null 2>&1 &
on_exit "kill $!"
wait_until 100 eval '[ -n "$(alcove_pid $U1)" ]' || fail "the alcove of $U1 did not start"
init=$(alcove_pid $U1)
rm -rf "/run/alcove/$UID1"
cp "$H/alcove-init" "$H/alcove-init.new" && mv "$H/alcove-init.new" "$H/alcove-init"
assert_eq "$H/alcove-init (deleted)" "$(readlink /proc/"$init"/exe)" "the lost init's file was replaced"
out=$(ALCOVE_HELPER=$H/alcove-helper gc --force) || fail "gc --force: $out"
assert_contains "$out" "killed untracked alcove-init pid $init" \
	"gc --force still knows an init whose file was replaced since it started"
# the helper refuses to run beside an alcove-enter that group or others may read (a login would
# be dumpable at its start: SECURITY.md, route 2), and says what to do
chmod 0755 "$H/alcove-enter"
out=$(ALCOVE_HELPER=$H/alcove-helper gc) && fail "the helper ran beside a readable alcove-enter: $out"
assert_contains "$out" "Refusing to run: $H/alcove-enter is readable by group or others" \
	"the helper refuses to run beside an alcove-enter others may read"
assert_contains "$out" "chmod 0711 $H/alcove-enter" "... and says what to do"
chmod 0711 "$H/alcove-enter"

# --- (a) the deadline kill goes through the helper's pidfd, never through a reused pid -----
[ -x "$BUILD/tests/helper-race" ] || fail "$BUILD/tests/helper-race missing: make it first"
mkdir -m 0700 "$WORK/race"
out=$(cd "$WORK/race" && unshare -pf --mount-proc "$BUILD/tests/helper-race" 2>&1)
assert_contains "$out" "victim alive (pid 2, the helper's, reused)" \
	"a helper reaped by the application and past its deadline: its reused pid is not killed"
