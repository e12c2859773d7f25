#!/bin/bash
# Escape battery, user mode (issue 7), image "/": every attempt runs as the logged-in user,
# inside the alcove, through the real sshd, and must fail in the specific way asserted here.
# tests/tools/escape-probe makes one system call and prints its errno name ("ok" if it worked).
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

[ -x "$BUILD/tests/escape-probe" ] || fail "$BUILD/tests/escape-probe missing: make check-integration"
journal_start
pam_user alcx1
pam_user alcx2
# A home path with a space: the login must work and mount the right directory, or refuse.
userdel -r alcx5 >/dev/null 2>&1
pam_user alcx5 -d "/home/alcx odd"
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"/\"; persist = true;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcx*\"; service = \"sshd-alcovetest-*\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
sshd_start 2300 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
for u in alcx1 alcx2 alcx5; do sshd_authorize $u; done
u1=$(id -u alcx1)

# The probe, in the home (the home volume is exec; it is how a user brings a tool in).
for u in alcx1 alcx2; do install -o $u -g $u -m 0755 "$BUILD/tests/escape-probe" /home/$u/probe; done
P=/home/alcx1/probe

# Host things the user must not reach: a process the test started, sshd, another user's home
# made world-readable on the host (only the alcove's masks hide it), their persistent layer.
sleep 4700 &
hostsleep=$!
on_exit "kill $hostsleep"
sshdpid=$(cat "$SSHD_DIR/sshd.pid")
chmod 0755 /home/alcx2
echo "alcx2-secret-$$" >/home/alcx2/secret
chmod 0644 /home/alcx2/secret
ssh_to alcx2 -- 'echo upper-of-alcx2 >/var/tmp/alcx2-upper-file; true' ||
	fail "alcx2 could not log in"
[ -f /var/lib/alcove/alcx2/layer/upper/var/tmp/alcx2-upper-file ] ||
	fail "alcx2's write did not land in its persistent layer"

# A login that stays, so the alcove lives between the commands below (on_last_logout = stop).
ssh_bg alcx1 -tt -- 'tty >~/tty.A; ps -o sid= -p $$ >~/sid.A; exec sleep 4701'
bgA=$SSH_BG_PID
on_exit "kill $bgA"
wait_until 100 alcove_has alcx1 "sleep 4701" || fail "the background login did not start"

# --- host processes: not in the PID namespace
for pid in $hostsleep $sshdpid 1; do
	[ "$pid" = 1 ] && continue
	out=$(ssh_to alcx1 -- "kill -0 $pid 2>&1; ls -d /proc/$pid 2>&1; $P ptrace $pid")
	assert_contains "$out" "kill: ($pid) - No such process" "kill -0 host pid $pid: ESRCH"
	assert_contains "$out" "cannot access '/proc/$pid': No such file or directory" \
		"/proc/$pid of the host is absent"
	assert_eq ESRCH "$(tail -1 <<<"$out")" "ptrace of host pid $pid: ESRCH"
done
# (the shell's own namespaces: /proc/1/ns/ is init's, which the user may not read)
out=$(ssh_to alcx1 -- 'cat /proc/1/comm; readlink /proc/self/ns/pid /proc/self/ns/mnt
	ps -e -o comm= | sort -u | tr "\n" " "')
assert_eq alcove-init "$(sed -n 1p <<<"$out")" "PID 1 inside is alcove-init, not the host's init"
# (each line checked for what it must be first: a readlink or ps that printed nothing would
# pass a 'differs' or a 'does not contain')
pidns=$(sed -n 2p <<<"$out") mntns=$(sed -n 3p <<<"$out")
[[ $pidns =~ ^pid:\[[0-9]+\]$ && $mntns =~ ^mnt:\[[0-9]+\]$ ]] ||
	fail "readlink of the namespaces inside: $out"
[ "$pidns" != "$(readlink /proc/1/ns/pid)" ] || fail "host PID ns inside"
[ "$mntns" != "$(readlink /proc/1/ns/mnt)" ] || fail "host mount ns inside"
pass "the PID and mount namespaces are not the host's"
assert_contains "$(sed -n 4p <<<"$out")" "alcove-init " "ps inside lists the alcove's processes"
assert_not_contains "$(sed -n 4p <<<"$out")" sshd "no sshd (of the host) in ps"

# --- setns: the host's namespaces are not reachable; init's (the alcove's own) are ns root's
out=$(ssh_to alcx1 -- "$P setns /proc/1/ns/mnt; $P setns /proc/1/ns/user; $P setns /proc/self/ns/mnt
	$P setns /proc/$sshdpid/ns/mnt")
assert_eq "EACCES
EACCES
EPERM
ENOENT" "$out" "setns: init's ns files EACCES, its own mnt ns EPERM (no CAP_SYS_ADMIN), host ENOENT"

# --- no fd leaked into a fresh login: 0, 1, 2 and the one ls opens for /proc/self/fd
out=$(ssh_to alcx1 -- 'exec ls -l /proc/self/fd' | awk 'NR > 1 {print $9, $10, $11}')
assert_eq "0 1 2 3" "$(awk '{print $1}' <<<"$out" | xargs)" \
	"ls -l /proc/self/fd of a fresh login: 0 1 2 (+ ls's own 3)"
assert_eq "pipe pipe pipe /proc" "$(awk '{sub(/:.*/, "", $3); sub(/\/[0-9].*/, "", $3); print $3}' <<<"$out" | xargs)" \
	"... sshd's three pipes and ls's /proc/N/fd"
assert_not_contains "$out" "/var/lib/alcove" "no fd to the persistent layer"
assert_not_contains "$out" "/run/alcove" "no fd to the control socket's directory"
out=$(ssh_to alcx1 -tt -- 'exec ls -l /proc/self/fd' | tr -d '\r' | awk 'NR > 1 {print $9, $11}' |
	sed 's|/dev/pts/[0-9]*|pty|; s|/proc/[0-9]*/fd|procfd|' | xargs)
assert_eq "0 pty 1 pty 2 pty 3 procfd" "$out" "an interactive login (pty): 0, 1, 2 on its pty, nothing else"

# --- other users and host secrets: masked
out=$(ssh_to alcx1 -- 'cat /home/alcx2/secret 2>&1; ls -A /home | tr "\n" " "; echo
	cat /var/lib/alcove/alcx2/layer/upper/var/tmp/alcx2-upper-file 2>&1
	for f in /var/lib/alcove /root; do echo "$f $(stat -f -c %T $f) $(ls $f 2>&1)"; done
	for f in /etc/shadow /etc/gshadow /etc/ssh/ssh_host_*_key; do
		echo "$f $(stat -c "%s %a %F" $f) $(stat -f -c %T $f) $(head -c 1 $f 2>&1)"; done
	ls /var/tmp/alcx2-upper-file 2>&1')
assert_contains "$out" "cat: /home/alcx2/secret: No such file or directory" \
	"another user's (0644) home file: not there"
assert_eq "alcx1 " "$(sed -n 2p <<<"$out")" "/home holds only the user's own home"
assert_contains "$out" \
	"cat: /var/lib/alcove/alcx2/layer/upper/var/tmp/alcx2-upper-file: Permission denied" \
	"another user's persistent layer: EACCES"
assert_contains "$out" "/var/lib/alcove tmpfs ls: cannot open directory '/var/lib/alcove': Permission denied" \
	"/var/lib/alcove is a 0700 tmpfs of another id"
assert_contains "$out" "/root tmpfs ls: cannot open directory '/root': Permission denied" \
	"/root is a 0700 tmpfs of another id"
[ "$(wc -c </etc/shadow)" -gt 0 ] || fail "the host's /etc/shadow is empty: the test proves nothing"
for f in /etc/shadow /etc/gshadow /etc/ssh/ssh_host_*_key; do
	assert_contains "$out" "$f 0 0 regular empty file tmpfs head: cannot open '$f' for reading: Permission denied" \
		"$f: an empty mode-0 file on a tmpfs, EACCES ($(wc -c <"$f") bytes on the host)"
done
assert_contains "$out" "ls: cannot access '/var/tmp/alcx2-upper-file': No such file or directory" \
	"another user's upper layer does not show through the image"

# --- kernel knobs: /proc/sys, sysrq, /sys
out=$(ssh_to alcx1 -- "$P write /proc/sys/kernel/hostname evil; $P write /proc/sys/vm/drop_caches 3
	$P write /sys/kernel/mm/ksm/run 1; $P write /sys/kernel/profiling 1; $P write /proc/sysrq-trigger h")
assert_eq "EACCES
EACCES
EACCES
EACCES" "$(head -4 <<<"$out")" "writes to /proc/sys/kernel/hostname, vm/drop_caches, /sys/kernel/*: EACCES"
# (a kernel without CONFIG_MAGIC_SYSRQ, like the one this was written on, has no such file)
sysrq=EACCES
[ -e /proc/sysrq-trigger ] || sysrq=ENOENT
assert_eq $sysrq "$(tail -1 <<<"$out")" "write to /proc/sysrq-trigger: $sysrq"

# --- /sys is the host's sysfs mount alone: with cgroup = "none" nothing mounted below it shows
# the host's cgroup tree (other units, other tenants' scopes, who is logged in)
out=$(ssh_to alcx1 -- "awk '\$5 ~ \"^/sys/\"' /proc/self/mountinfo | wc -l; ls -A /sys/fs/cgroup | wc -l")
assert_eq "0 0" "$(xargs <<<"$out")" "no mount below /sys; /sys/fs/cgroup an empty directory"

# --- mounts: none in user mode
out=$(ssh_to alcx1 -- "$P mount none /tmp tmpfs; $P mount none /tmp proc; $P bind / /tmp
	$P umount /home/alcx1; $P umount /proc; $P pivot / /tmp; unshare -m true 2>&1")
assert_eq "EPERM
EPERM
EPERM
EPERM
EPERM
EPERM" "$(head -6 <<<"$out")" "mount tmpfs/proc, bind, umount, pivot_root: EPERM"
assert_contains "$out" "unshare: unshare failed: Operation not permitted" "unshare -m: EPERM"
# A user namespace of its own is allowed (as on any host), but the alcove's mounts are locked
# in it (the kernel's MNT_LOCKED for mounts inherited from a more privileged mount ns): the
# masks cannot be taken off to reveal what they cover, nor /proc or the home.
out=$(ssh_to alcx1 -- "unshare -Urm sh -c 'id -u; for m in /etc/shadow /etc/ssh/ssh_host_ed25519_key \
	/home /var/lib/alcove /root /proc /home/alcx1 /; do $P umount \$m; done; head -c1 /etc/shadow; ls /home'" 2>&1)
assert_eq "0
EINVAL
EINVAL
EINVAL
EINVAL
EINVAL
EINVAL
EINVAL
EINVAL" "$(head -9 <<<"$out")" "in a nested user ns (ns root there): umount of every mask, /proc, the home, /: EINVAL"
assert_contains "$out" "head: cannot open '/etc/shadow' for reading: Permission denied" "the mask still covers /etc/shadow"
assert_eq alcx1 "$(tail -1 <<<"$out")" "and /home still holds only the user's home"

# --- device nodes: mknod refused; a node placed in the home cannot be opened (nodev)
mknod -m 0666 /home/alcx1/nulldev c 1 3
out=$(ssh_to alcx1 -- "$P mknod /tmp/x; $P mknod ~/x; $P open ~/nulldev; $P open /dev/null")
assert_eq "EPERM
EPERM
EACCES
ok" "$out" "mknod EPERM (tmp, home); a device node in the home: EACCES (nodev); /dev/null works"

# --- a setuid-root program in the image gives no privilege (nosuid, no_new_privs)
install -m 4755 -o root /usr/bin/id /var/tmp/alcx-suid-id
on_exit "rm -f /var/tmp/alcx-suid-id"
[ "$(su -s /bin/sh nobody -c '/var/tmp/alcx-suid-id -u')" = 0 ] ||
	fail "the setuid copy of id does not work on the host: the test proves nothing"
out=$(ssh_to alcx1 -- '/var/tmp/alcx-suid-id; /var/tmp/alcx-suid-id -u; grep NoNewPrivs /proc/self/status
	awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo; grep ^CapEff /proc/self/status')
assert_eq "$u1" "$(sed -n 2p <<<"$out")" "setuid-root id inside: euid stays $u1"
assert_not_contains "$(sed -n 1p <<<"$out")" "euid=" "no euid change at all"
assert_contains "$out" "NoNewPrivs:	1" "no_new_privs is set"
assert_contains "$(sed -n 4p <<<"$out")" nosuid "/ is nosuid"
assert_contains "$out" "CapEff:	0000000000000000" "no effective capabilities"

# --- hard links: the kernel refuses a link to a root-owned file (protected_hardlinks), and
# across mounts (image → home)
echo root-owned >/home/alcx1/rootfile
chmod 0600 /home/alcx1/rootfile
out=$(ssh_to alcx1 -- 'ln ~/rootfile ~/x 2>&1; ln /etc/hostname ~/y 2>&1; ls ~/x ~/y 2>&1 | wc -l')
assert_contains "$out" "ln: failed to create hard link '/home/alcx1/x' => '/home/alcx1/rootfile': Operation not permitted" \
	"hard link to a root-owned 0600 file in the home: EPERM (protected_hardlinks)"
assert_contains "$out" "ln: failed to create hard link '/home/alcx1/y' => '/etc/hostname': Invalid cross-device link" \
	"hard link from the image into the home: EXDEV"

# --- TIOCSTI: each login is a session of its own; another session's tty refuses injection
ttyA=$(cat /home/alcx1/tty.A)
sidA=$(tr -d ' ' </home/alcx1/sid.A)
out=$(ssh_to alcx1 -tt -- "ps -o sid= -p \$\$; $P tiocsti 9 'echo pwned' 9<>$ttyA; exit 0" | tr -d '\r')
sidB=$(sed -n 1p <<<"$out" | tr -d ' ')
[ -n "$sidA" ] && [ -n "$sidB" ] && [ "$sidA" != "$sidB" ] ||
	fail "two logins share a session: A=$sidA B=$sidB"
pass "each login is a session of its own (sid $sidA, $sidB)"
assert_eq EPERM "$(sed -n 2p <<<"$out")" "TIOCSTI into another login's tty ($ttyA): EPERM"
# into its own terminal: a background process of the login after the login ended
# (HUP ignored and fd 9 opened before the fork: the child may run after the hangup)
ssh_to alcx1 -tt -- "trap '' HUP; exec 9<>\$(tty); (sleep 2; $P tiocsti 9 'echo pwned' \
	>~/tiocsti.out 2>&1) >/dev/null 2>&1 & exit 0" >/dev/null
wait_until 100 test -s /home/alcx1/tiocsti.out || fail "the background process did not report: $(ssh_to alcx1 -- ps -e -o pid,sid,args)"
assert_eq EIO "$(cat /home/alcx1/tiocsti.out)" \
	"TIOCSTI into the login's own tty after the login ended: EIO (hung up)"
# while the login lives, into its own tty: the kernel's dev.tty.legacy_tiocsti decides
out=$(ssh_to alcx1 -tt -- "stty -echo; $P tiocsti 0 \$'injected\\n'; read -t 5 x; echo got=\$x" | tr -d '\r')
if [ "$(sysctl -n dev.tty.legacy_tiocsti)" = 1 ]; then
	assert_eq "ok got=injected" "$(xargs <<<"$out")" \
		"legacy_tiocsti = 1: a login can inject into its own tty (only its own shell reads it)"
else
	assert_eq "EIO got=" "$(xargs <<<"$out")" "legacy_tiocsti = 0: TIOCSTI even into its own tty: EIO"
fi
# another alcove: alcx2's devpts is another instance; alcx1's pty is not in it
out=$(ssh_to alcx2 -- "stat -c %d /dev/pts; /home/alcx2/probe tiocsti 9 x 9<$ttyA 2>&1; ls /dev/pts" 2>&1)
dev1=$(ssh_to alcx1 -- 'stat -c %d /dev/pts') dev2=$(sed -n 1p <<<"$out")
[[ $dev1 =~ ^[0-9]+$ && $dev2 =~ ^[0-9]+$ ]] && [ "$dev1" != "$dev2" ] ||
	fail "alcx1 and alcx2 share a devpts (or one was not read): '$dev1' '$dev2'"
assert_contains "$out" "No such file or directory" "alcx2 cannot open alcx1's $ttyA (not in its devpts)"
assert_eq ptmx "$(tail -1 <<<"$out")" "alcx2's /dev/pts holds only its own ptys"

# --- a home path with a space: logs in, the right directory is mounted
echo "odd-marker" >"/home/alcx odd/marker"
chown alcx5: "/home/alcx odd/marker"
out=$(ssh_to alcx5 -- 'pwd; cat marker; ls -A /home; cat /proc/1/comm')
assert_eq "/home/alcx odd
odd-marker
alcx odd
alcove-init" "$out" "home '/home/alcx odd': the login lands in it, inside the alcove"

# --- cron: the host's crontab (setgid crontab) inside writes no host spool: the group is not
# the alcove's to take (nosuid or unmapped), and the spool is root:crontab 1730
command -v crontab >/dev/null || fail "crontab is not installed: tests/install-deps.sh"
spool=$(ls -A /var/spool/cron/crontabs)
out=$(ssh_to alcx1 -- 'echo "* * * * * touch /tmp/alcx1-cron" | crontab -; echo "rc=$?"' 2>&1)
assert_contains "$out" "Permission denied" "user mode: crontab inside cannot write the spool (EACCES)"
assert_contains "$out" "rc=1" "... and crontab fails"
assert_eq "$spool" "$(ls -A /var/spool/cron/crontabs)" "the host's cron spool is unchanged"

# --- nothing left behind, host untouched
kill $bgA
wait $bgA 2>/dev/null
for u in alcx1 alcx2 alcx5; do
	wait_until 100 alcove_gone $u || fail "alcove of $u still there: $(alcove_leftovers $u)"
done
pass "no alcove process, mount or live state after the last logout"
kill -0 $hostsleep || fail "the host's sleep is gone"
assert_eq "alcx2-secret-$$" "$(cat /home/alcx2/secret)" "alcx2's secret unchanged"
