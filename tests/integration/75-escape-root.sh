#!/bin/bash
# Escape battery, root mode (issue 7): the user is the alcove's ns root, with every capability
# inside, logged in through the real sshd. Whatever ns root rearranges inside, no host path,
# process or file may show up, and what it plants in its persistent layer between logins must
# not make the root helper touch the host. tests/tools/escape-probe makes one system call and
# prints its errno name ("ok" if it worked).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

[ -x "$BUILD/tests/escape-probe" ] || fail "$BUILD/tests/escape-probe missing: make check-integration"
journal_start
img=$(test_image bookworm-login)
pam_user alcx3
make_user alcx4
# A profile mount, read-only, of a root-owned directory holding a file of the user's (ns
# root's inside): only the mount's read-only flag keeps ns root from writing it.
RO=$ALCOVE_TEST_CONFDIR/ro
mkdir -m 0755 "$RO" && echo host >"$RO/file" && chown alcx3: "$RO/file" || fail "make $RO"
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = true;
	mode = \"root\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcx3\"; service = \"sshd-alcovetest-*\"; profile = \"lab\"; } );
profiles = { lab = { mounts = ( { source = \"$RO\"; target = \"/mnt/ro\"; } ); }; };")
sshd_start 2301 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alcx3
u3=$(id -u alcx3)
layer=/var/lib/alcove/alcx3/layer
stop3() { actl --config "$conf" stop alcx3 >/dev/null || fail "alcovectl stop alcx3"; }

# The probe, brought in through the home and installed in the persistent layer (the home is
# one of the mounts unmounted below).
install -o alcx3 -g alcx3 -m 0755 "$BUILD/tests/escape-probe" /home/alcx3/probe
P=/usr/local/bin/escape-probe
echo "host-home-of-alcx3" >/home/alcx3/marker
chmod 0755 /home/alcx4
echo "alcx4-secret" >/home/alcx4/secret
chmod 0644 /home/alcx4/secret
sleep 4730 &
hostsleep=$!
on_exit "kill $hostsleep"
sshdpid=$(cat "$SSHD_DIR/sshd.pid")
# A canary the helper must never touch: root's, on the host, where symlinks below point.
CANARY=/var/tmp/alcx-canary
rm -rf $CANARY
mkdir -m 0755 $CANARY
echo canary >$CANARY/file
on_exit "rm -rf $CANARY"
canary_state() { (cd $CANARY && find . -printf '%p %u:%g %m %s\n' | sort); }
canary0=$(canary_state)

ssh_bg alcx3 -tt -- 'tty >~/tty.A; exec sleep 4731'
bgA=$SSH_BG_PID
on_exit "kill $bgA"
wait_until 100 alcove_has alcx3 "sleep 4731" || fail "the background login did not start"
assert_eq 0 "$(ssh_to alcx3 -- "id -u; cp ~/probe $P")" "root mode: the login is ns root"

# --- host processes: not in the PID namespace, not even for ns root
for pid in $hostsleep $sshdpid; do
	out=$(ssh_to alcx3 -- "kill -0 $pid 2>&1; ls -d /proc/$pid 2>&1; $P ptrace $pid")
	assert_contains "$out" "kill: ($pid) - No such process" "ns root: kill -0 host pid $pid: ESRCH"
	assert_contains "$out" "cannot access '/proc/$pid': No such file or directory" "/proc/$pid absent"
	assert_eq ESRCH "$(tail -1 <<<"$out")" "ns root: ptrace of host pid $pid: ESRCH"
done

# --- setns: init's namespaces are the alcove's own (ns root may join them); the host's are not there
out=$(ssh_to alcx3 -- "cat /proc/1/comm; $P setns /proc/1/ns/mnt; readlink /proc/1/ns/mnt /proc/1/ns/user")
assert_eq "alcove-init ok" "$(head -2 <<<"$out" | xargs)" "ns root joins init's mount ns: the alcove's own"
assert_eq "$(readlink /proc/"$(alcove_pid alcx3)"/ns/mnt)" "$(sed -n 3p <<<"$out")" \
	"... which is the alcove's mount ns, not the host's"
userns=$(sed -n 4p <<<"$out")
[[ $userns =~ ^user:\[[0-9]+\]$ ]] && [ "$userns" != "$(readlink /proc/1/ns/user)" ] ||
	fail "the host's user ns inside (or none read): $out"

# --- fds: a fresh login has 0, 1, 2. init holds the layer's lock as fd 4: a root-owned 0600
# file, not the layer directory (U's: ns root could reopen it through /proc/1/fd/4 and reach
# upper/ and work/ on the host). Reopened by ns root: EACCES. Seen from the host, no fd of init
# is a directory, and none is a host path but /dev/null and the lock.
out=$(ssh_to alcx3 -- 'exec ls -l /proc/self/fd' | awk 'NR > 1 {print $9}' | xargs)
assert_eq "0 1 2 3" "$out" "ls /proc/self/fd of a fresh login: 0 1 2 (+ ls's own 3)"
ipid=$(alcove_pid alcx3)
assert_eq "/var/lib/alcove/alcx3/lock" "$(readlink /proc/"$ipid"/fd/4)" "init's fd 4 is the layer's lock"
assert_eq "0:0 600 regular empty file 1" "$(stat -c '%u:%g %a %F %h' /var/lib/alcove/alcx3/lock)" \
	"... a root-owned 0600 regular file with one link"
n=0
for f in /proc/"$ipid"/fd/*; do
	t=$(readlink "$f") || fail "readlink $f"
	[ -d "$f" ] && fail "init's fd ${f##*/} is a directory on the host: $t"
	case $t in
	socket:* | anon_inode:* | /dev/null | /var/lib/alcove/alcx3/lock) ;;
	*) fail "init's fd ${f##*/} is a host path: $t" ;;
	esac
	n=$((n + 1))
done
pass "none of init's $n fds is a directory on the host, or a host path but /dev/null and the lock"
h_etc=$("$BUILD/tests/escape-probe" handle /etc)
h_home=$("$BUILD/tests/escape-probe" handle /home/alcx3)
out=$(ssh_to alcx3 -- "$P open /proc/1/fd/4; ls /proc/1/fd/4/ 2>&1 | sed 's/: .*: /: /'
	for f in /proc/1/fd/*; do [ -d \$f ] && echo \"dir \$f\"; done; echo end
	$P open-handle /home/alcx3 $h_etc; $P open-handle /home/alcx3 $h_home
	$P open-handle / $h_etc; $P handle /; h=\$($P handle /home/alcx3); $P open-handle /home/alcx3 \$h")
assert_eq EACCES "$(sed -n 1p <<<"$out")" "ns root cannot reopen init's fd 4 (/proc/1/fd/4): EACCES"
assert_contains "$(sed -n 2p <<<"$out")" "Not a directory" "... and it is no directory to go down or up from"
assert_eq end "$(sed -n 3p <<<"$out")" "no fd of init is a directory, seen from inside either"
assert_eq "EPERM EPERM EPERM EOPNOTSUPP EPERM" "$(tail -n +4 <<<"$out" | xargs)" \
	"open_by_handle_at of host handles (via the home, /), of its own home: EPERM; / has none"

# --- other users, host secrets: not in the image; the image's shadow is the image's
out=$(ssh_to alcx3 -- 'cat /home/alcx4/secret 2>&1; ls -A /home; ls /var/lib/alcove 2>&1
	ls /etc/ssh/ssh_host_ed25519_key 2>&1; sha256sum </etc/shadow')
assert_contains "$out" "cat: /home/alcx4/secret: No such file or directory" "another user's home: not there"
assert_eq alcx3 "$(sed -n 2p <<<"$out")" "/home holds only the user's own home"
assert_contains "$out" "ls: cannot access '/var/lib/alcove': No such file or directory" "no /var/lib/alcove"
assert_contains "$out" "ls: cannot access '/etc/ssh/ssh_host_ed25519_key': No such file or directory" \
	"no host keys"
assert_eq "$(sha256sum <"$img/etc/shadow")" "$(tail -1 <<<"$out")" "/etc/shadow is the image's"
[ "$(sha256sum </etc/shadow)" != "$(tail -1 <<<"$out")" ] || fail "the image's shadow is the host's"
pass "... not the host's"

# --- kernel knobs, device nodes (CAP_MKNOD and sysctl writes are the initial user ns's)
layer_dev=$layer/upper/usr/local/bin/nulldev
mknod -m 0666 "$layer_dev" c 1 3
out=$(ssh_to alcx3 -- "$P write /proc/sys/kernel/hostname evil; $P write /proc/sys/vm/drop_caches 3
	$P write /sys/kernel/mm/ksm/run 1; $P write /proc/sysrq-trigger h; $P mknod /tmp/x; $P mknod /root/x
	$P open /usr/local/bin/nulldev; $P mount none /mnt sysfs")
sysrq=EACCES
[ -e /proc/sysrq-trigger ] || sysrq=ENOENT # a kernel without CONFIG_MAGIC_SYSRQ
assert_eq "EACCES EACCES EACCES $sysrq EPERM EPERM EACCES EPERM" "$(xargs <<<"$out")" \
	"ns root: /proc/sys, /sys, sysrq writes refused; mknod EPERM; a node in the layer: EACCES (nodev); sysfs EPERM"

# --- /sys: the host's sysfs mount alone (no host cgroup tree below, unmounted or not), its
# read-only locked: the helper's clone, copied into the alcove's mount ns with the clone
out=$(ssh_to alcx3 -- "awk '\$5 ~ \"^/sys/\"' /proc/self/mountinfo | wc -l; ls -A /sys/fs/cgroup | wc -l
	$P umount /sys/fs/cgroup; ls -A /sys/fs/cgroup | wc -l; $P setattr-rw /sys")
assert_eq "0 0 EINVAL 0 EPERM" "$(xargs <<<"$out")" \
	"ns root: no mount below /sys, /sys/fs/cgroup empty (and after umount); clearing its read-only: EPERM"

# --- the helper's mounts keep their flags locked (attached in a mount ns of the helper's that
# the alcove's is copied from): a read-only profile mount stays read-only, the home and /tmp
# nosuid, whatever ns root asks with CAP_SYS_ADMIN in its mount ns
out=$(ssh_to alcx3 -- "$P setattr-rw /mnt/ro; $P write /mnt/ro/file evil
	$P setattr-suid /home/alcx3; $P setattr-suid /tmp")
assert_eq "EPERM EROFS EPERM EPERM" "$(xargs <<<"$out")" \
	"ns root: clearing read-only on a profile mount, nosuid on the home and /tmp: EPERM; the write: EROFS"
assert_eq host "$(cat "$RO/file")" "... and the user's host file there is unchanged"

# --- TIOCSTI: CAP_SYS_ADMIN in the alcove is not the initial user ns's
ttyA=$(cat /home/alcx3/tty.A)
out=$(ssh_to alcx3 -tt -- "$P tiocsti 9 'echo pwned' 9<$ttyA; exit 0" | tr -d '\r')
assert_eq EPERM "$out" "ns root: TIOCSTI into another login's tty ($ttyA): EPERM"

# --- hard link to a root-owned host file in the home: protected_hardlinks (owner not mapped)
echo root-owned >/home/alcx3/rootfile
chmod 0600 /home/alcx3/rootfile
out=$(ssh_to alcx3 -- 'ln ~/rootfile ~/x 2>&1; cat ~/rootfile 2>&1')
assert_contains "$out" "ln: failed to create hard link '/home/alcx3/x' => '/home/alcx3/rootfile': Operation not permitted" \
	"ns root: hard link to a root-owned file: EPERM"
assert_contains "$out" "cat: /home/alcx3/rootfile: Permission denied" "and cannot read it (host root is not mapped)"

# --- mount tricks: whatever ns root unmounts, what lies below is the alcove's, never the host's
ino() { stat -c %i "$1"; }
# (/etc/passwd is no mount in root mode: the alcove's own file, which ns root may edit)
out=$(ssh_to alcx3 -- "stat -c %i /etc/resolv.conf
	for m in /home/alcx3 /etc/resolv.conf /etc/hosts /dev/null /dev/pts /sys /proc /tmp /run; do
		$P umount \$m; done
	ls -A /home/alcx3 | wc -l; stat -c %i /etc/resolv.conf; stat -c '%i %F' /etc/hosts; stat -c %F /dev/null
	ls -A /sys /proc | xargs; $P umount /; ls /etc/os-release")
assert_eq "$(ino /etc/resolv.conf)" "$(sed -n 1p <<<"$out")" "before: /etc/resolv.conf is the host's (bind)"
assert_eq "ok ok ok ok ok ok ok ok ok" "$(sed -n 2,10p <<<"$out" | xargs)" \
	"ns root may unmount the home, resolv.conf, hosts, /dev nodes, /sys, /proc, /tmp, /run"
assert_eq 0 "$(sed -n 11p <<<"$out")" "below the home: an empty directory, not the host's home"
assert_eq "$(ino "$img/etc/resolv.conf")" "$(sed -n 12p <<<"$out")" "below resolv.conf: the image's file"
[ -e "$img/etc/hosts" ] && fail "the image has an /etc/hosts: the next check needs one without"
assert_contains "$(sed -n 13p <<<"$out")" "regular empty file" \
	"below hosts (not in the image): the empty mount point the helper made"
assert_not_contains "$(sed -n 13p <<<"$out")" "$(ino /etc/hosts) " "... not the host's /etc/hosts"
assert_eq "regular empty file" "$(sed -n 14p <<<"$out")" "below /dev/null: an empty file of the alcove's /dev"
assert_eq "/proc: /sys:" "$(sed -n 15p <<<"$out")" "below /sys and /proc: empty directories"
assert_eq "EINVAL /etc/os-release" "$(sed -n 16,17p <<<"$out" | xargs)" "umount /: EINVAL (nothing below the root)"
stop3

out=$(ssh_to alcx3 -- "$P mount none /mnt proc; cat /mnt/1/comm; $P umount /mnt
	$P mount none /etc tmpfs; ls -A /etc | wc -l; $P umount /etc
	cd /; $P pivot . .; $P mount none /mnt tmpfs; mkdir /mnt/old; $P pivot /mnt /mnt/old
	read v </old/etc/debian_version; echo \$v; echo /old/home/*
	while read -r id parent dev root mp rest; do [ \$root = / ] && [[ \$rest = *' - ext4 '* ]] &&
		echo \"host root fs at \$mp\"; done </old/proc/self/mountinfo; echo end")
# (after the second pivot_root the shell's root is the empty tmpfs: bash builtins only)
assert_eq "ok alcove-init ok ok 0 ok EINVAL ok ok $(cat "$img/etc/debian_version") /old/home/alcx3" \
	"$(head -11 <<<"$out" | xargs)" \
	"a new proc shows the alcove's PID 1; tmpfs over /etc; pivot_root again: the old root is the alcove's"
assert_eq end "$(tail -1 <<<"$out")" "no mount of the host's root filesystem at its root anywhere"
stop3


# --- things planted in the persistent layer between logins, one at a time, at the mount
# targets (the home, /home on the way to it, /tmp, /run, /proc, /dev, /sys, /etc/resolv.conf)
# and at /etc/passwd (no mount in root mode: the file the child rewrites): symlinks to a host
# path, a file, a fifo. The next build never follows them on the host (the canary stays as it
# was): the alcove's first process replaces them, through the overlay, by an empty directory
# (or, at a file's place, a plain file; a file at a directory's is moved aside, its data
# kept), and the helper logs it; the login works and the user's data stays. No lock-out.
ssh_to alcx3 -- 'echo rootdata >/root/data; echo homedata >~/homedata' || fail "write data"
for spec in /tmp:link /run:file /home/alcx3:link /home:link /proc:fifo /dev:link /sys:link \
	/etc/passwd:link /etc/resolv.conf:link; do
	t=${spec%:*}
	case ${spec#*:} in
	link) plant="ln -s $CANARY/file $t" what="a symlink" type="symbolic link" ;;
	file) plant="echo planted >$t" what="a file" type="regular file" ;;
	fifo) plant="mkfifo $t" what="a fifo" type="fifo" ;;
	esac
	um="umount -l $t &&"
	[ $t = /home ] && um="umount -l /home/alcx3 &&" # /home itself is no mount point (the home is)
	[ $t = /etc/passwd ] && um=""
	out=$(ssh_to alcx3 -- "cd /; $um rm -rf $t && $plant && stat -c %F $t" 2>&1)
	assert_eq "$type" "$out" "ns root replaced $t by $what"
	stop3
	[ -e "$layer/upper$t" ] || [ -L "$layer/upper$t" ] || fail "nothing planted at $t in the upper"
	journal_clear
	out=$(ssh_to alcx3 -- 'head -1 /etc/passwd; grep -c . /etc/resolv.conf; cat ~/homedata' 2>&1)
	rc=$?
	assert_eq "$canary0" "$(canary_state)" "$t: the canary on the host is untouched"
	assert_eq "0 root:x:0:0:root:/root:/bin/sh $(grep -c . /etc/resolv.conf) homedata" \
		"$rc $(xargs <<<"$out")" "$t ($what): the login works, with the alcove's own files and the home"
	case $t in
	/etc/*)
		[ -f "$layer/upper$t" ] && [ ! -L "$layer/upper$t" ] ||
			fail "$t in the upper is not a plain file now"
		pass "$t: the link in the upper was replaced by a plain file"
		if [ $t = /etc/passwd ]; then
			line=$(journal_wait "Replaced '$t'") || fail "no log line for the replaced $t"
			assert_contains "$line" "Replaced '$t' (a symlink) in alcx3's layer by the alcove's accounts file" \
				"$t: the helper logs what it replaced, and in whose layer"
		fi
		;;
	*)
		[ -d "$layer/upper$t" ] && [ ! -L "$layer/upper$t" ] ||
			fail "$t in the upper is not a directory now: $(ls -ld "$layer/upper$t")"
		pass "$t: replaced in the upper by a directory"
		if [ "$what" = "a file" ]; then
			line=$(journal_wait "Moved '$t'") || fail "no log line for the moved $t"
			assert_contains "$line" "Moved '$t' (a file) in alcx3's layer aside to '$t.alcove-moved-" \
				"$t: the helper logs the file it moved aside, and in whose layer"
			assert_eq planted "$(cat "$layer/upper$t".alcove-moved-*)" "$t: the file's data is kept beside it"
		else
			line=$(journal_wait "Replaced '$t'") || fail "no log line for the replaced $t"
			assert_contains "$line" "Replaced '$t' ($what) in alcx3's layer by an empty directory to mount on" \
				"$t: the helper logs what it replaced, and in whose layer"
		fi
		assert_contains "$line" "user=alcx3" "... for alcx3"
		;;
	esac
done
# a real directory with files at a mount point is mounted over, not touched
out=$(ssh_to alcx3 -- 'umount -l /run && echo kept >/run/kept && cat /run/kept' 2>&1)
assert_eq kept "$out" "ns root left a file in the directory below /run"
stop3
journal_clear
out=$(ssh_to alcx3 -- 'ls -A /run | grep -c kept; cat /proc/1/comm')
assert_eq "0 alcove-init" "$(xargs <<<"$out")" "a non-empty /run below: the login works, the tmpfs on it"
assert_eq kept "$(cat "$layer/upper/run/kept")" "... and the directory below is left as it was"
journal_wait "Replaced" 5 >/dev/null && fail "a real directory was reported as replaced"
pass "... and nothing is reported replaced"
out=$(ssh_to alcx3 -- 'cat ~/homedata /root/data; cat /proc/1/comm')
assert_eq "homedata rootdata alcove-init" "$(xargs <<<"$out")" "after all of it the user is in, with the data"

# --- the layer itself: ns root has no way to it (no fd of init is the layer; the staging
# mount went with the old root). Should upper or work ever become a symlink to a host path
# (here root on the host swaps them), the helper opens them with O_NOFOLLOW: refused.
for d in work upper; do
	stop3
	mv "$layer/$d" "$layer/$d.x" && ln -s $CANARY "$layer/$d" || fail "swap $layer/$d"
	journal_clear
	out=$(ssh_to alcx3 -- 'echo in' 2>&1)
	[ $? -ne 0 ] || fail "a login was let in with $layer/$d a symlink: $out"
	line=$(journal_wait "stage=build") || fail "no build failure logged for layer/$d"
	assert_contains "$line" "$layer/$d: not a directory (a symlink or file)" \
		"layer/$d a symlink: the login is refused, naming it"
	assert_eq "$canary0" "$(canary_state)" "layer/$d: the canary on the host is untouched"
	rm "$layer/$d" && mv "$layer/$d.x" "$layer/$d"
done
out=$(ssh_to alcx3 -- 'cat ~/homedata /root/data')
assert_eq "homedata rootdata" "$(xargs <<<"$out")" "the layer restored by root, the user's data is all there"

# --- cron: what ns root writes to the alcove's cron spool and /etc/cron.d (as the image's
# crontab would; bookworm-login has none) lands in its layer; the host's stay as they were
host_cron() { ls -A /var/spool/cron/crontabs /etc/cron.d 2>&1; }
cron0=$(host_cron)
out=$(ssh_to alcx3 -- 'mkdir -p /var/spool/cron/crontabs /etc/cron.d &&
	echo "* * * * * root touch /alcx3-cron" >/etc/cron.d/alcx3 &&
	echo "* * * * * touch /alcx3-cron" >/var/spool/cron/crontabs/root && echo wrote')
assert_eq wrote "$out" "root mode: ns root writes the alcove's cron spool and /etc/cron.d"
[ -f /var/lib/alcove/alcx3/layer/upper/etc/cron.d/alcx3 ] || fail "the cron.d file is not in the layer"
assert_eq "$cron0" "$(host_cron)" "root mode: the host's cron spool and /etc/cron.d are unchanged"
