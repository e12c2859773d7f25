#!/bin/bash
# The lobby alone (helper/build/lobby.c through tests/tools/lobby-probe), against a stand-in alcove:
# a PID 1 in its own user+mount+PID ns with a tmpfs /tmp and a devpts newinstance.
. "$(dirname "$0")/../lib/common.sh"

DRIVER=$BUILD/tests/lobby-probe
[ -x "$DRIVER" ] || fail "$DRIVER missing (make check-integration builds it)"
WORK=/var/tmp/alcd-lobby.$$
mkdir -p "$WORK"
on_exit "rm -rf $WORK"
printf '#!/bin/sh\necho "ENTER argv0=$0 args=$*"\n' >"$WORK/enter"
chmod 755 "$WORK/enter"

init=$(python3 "$ALCOVE_SRC/tests/lib/fake_alcove.py" 400000 4242) || fail "fake alcove"
on_exit "kill -KILL $init"
[ -d /proc/$init ] || fail "fake alcove pid $init not running"

out=$("$DRIVER" "$init" /bin/bash "$WORK/enter" -- /bin/sh -c '
	echo "tmp=$(cat /tmp/alcove-marker)"
	/bin/bash -c "echo not-reached"
	echo "real=$(/run/alcove/shell -c "echo \$BASH_VERSION")"
	grep -E " /run/alcove/lobby/pts | /tmp " /proc/self/mountinfo
	echo "pts=$(stat -c %d /dev/pts) ptmx=$(stat -c %d /dev/ptmx)"
	ln -s /etc/hostname /tmp/alcd-link && cat /tmp/alcd-link; rm -f /tmp/alcd-link
	readlink /proc/self/ns/mnt' 2>&1) || fail "lobby driver: $out"
assert_contains "$out" "tmp=inside" "lobby /tmp is the alcove's /tmp"
assert_contains "$out" "ENTER argv0=/bin/bash args=-c echo not-reached" "U's shell path runs alcove-enter"
echo "$out" | grep -qx "not-reached" && fail "the real shell ran through U's shell path"
pass "the real shell is not reached through U's shell path"
assert_contains "$out" "real=$(bash -c 'echo $BASH_VERSION')" "/run/alcove/shell is the real shell"
assert_contains "$out" "/run/alcove/lobby/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666" \
	"the alcove's devpts instance is under the marker (alcove-enter's relay takes its ptys there)"
# sshd allocates the login's pty in the lobby: a host terminal, so utmp names it as on any login
assert_contains "$out" "pts=$(stat -c %d /dev/pts) ptmx=$(stat -c %d /dev/ptmx)" \
	"/dev/pts and /dev/ptmx in the lobby are the host's"
assert_contains "$out" "/tmp rw,nosuid,nodev,noexec" "lobby /tmp is nosuid,nodev,noexec"
assert_contains "$out" "cat: /tmp/alcd-link: Too many levels of symbolic links" \
	"lobby /tmp is nosymfollow: root follows no symlink there"
lobby_ns=$(echo "$out" | tail -1)
[ "$lobby_ns" != "$(readlink /proc/self/ns/mnt)" ] || fail "lobby ns is the host's"
[ "$lobby_ns" != "$(readlink /proc/$init/ns/mnt)" ] || fail "lobby ns is the alcove's"
pass "the lobby is a mount ns of its own"

# Nothing leaked to the host: same mounts, host /tmp and /run/alcove/shell untouched.
assert_eq "" "$(grep -E "$WORK|/run/alcove/shell|ptmxmode=666" /proc/self/mountinfo)" \
	"no lobby mount propagated to the host"
[ ! -e /tmp/alcove-marker ] || fail "alcove /tmp visible on the host"
assert_eq 0 "$(stat -c %s /run/alcove/shell)" "/run/alcove/shell stays an empty file on the host"
assert_eq "0 755" "$(stat -c '%u %a' /run/alcove/shell)" "/run/alcove/shell is root 0755"

# On a systemd host / is shared: without MS_SLAVE the lobby's binds would propagate back.
n=$(unshare --mount --propagation shared sh -c "'$DRIVER' $init /bin/bash '$WORK/enter' -- true &&
	grep -cE '$WORK|/run/alcove/shell|ptmxmode=666' /proc/self/mountinfo")
assert_eq 0 "$n" "with shared mounts, nothing of the lobby propagates back (slave)"

# Failures come back as errors, not as a half-made lobby.
err=$("$DRIVER" "$init" /nonexistent/shell "$WORK/enter" 2>&1) && fail "missing shell accepted"
assert_contains "$err" "No such file" "missing shell is refused"
err=$("$DRIVER" "$init" /bin/bash "$WORK/missing-enter" 2>&1) && fail "missing enter accepted"
assert_contains "$err" "No such file" "missing alcove-enter is refused"
# The shell is resolved through root's directories only: a shell under a directory someone else
# can write (or reached through a symlink into one) is refused, naming it.
# (not under $WORK: /var/tmp is writable by everyone, and so no shell below it is accepted;
# not under /run, which the lobby hides from the user: such a shell is refused, below)
SH=$(mktemp -d /usr/local/alcd-shells.XXXXXX)
on_exit "rm -rf $SH"
chmod 755 "$SH"
mkdir -p "$SH/user/bin" "$SH/root/bin"
chmod 755 "$SH/user" "$SH/root" "$SH/root/bin"
cp /bin/bash "$SH/user/bin/myshell"
chown -R 4242:4242 "$SH/user/bin"
ln -s "$SH/user/bin/myshell" "$SH/root/bin/linked"
for shell in "$SH/user/bin/myshell" "$SH/root/bin/linked"; do
	err=$("$DRIVER" "$init" "$shell" "$WORK/enter" 2>&1) && fail "shell $shell accepted"
	assert_contains "$err" "login shell '$shell': '$SH/user/bin': not owned by root" \
		"a shell under a user's directory is refused, naming it ($shell)"
done
chown 0:0 "$SH/user/bin" && chmod 775 "$SH/user/bin"
err=$("$DRIVER" "$init" "$SH/user/bin/myshell" "$WORK/enter" 2>&1) && fail "g+w dir accepted"
assert_contains "$err" "'$SH/user/bin': not owned by root, or writable by group" \
	"a shell in a group-writable directory is refused"
chmod 755 "$SH/user/bin"
err=$("$DRIVER" "$init" "$SH/user/bin/myshell" "$WORK/enter" 2>&1) && fail "user's file accepted"
assert_contains "$err" "'$SH/user/bin/myshell': not owned by root" \
	"a shell file owned by a user is refused"
chown 0:0 "$SH/user/bin/myshell"
"$DRIVER" "$init" "$SH/root/bin/linked" "$WORK/enter" -- true ||
	fail "a root-owned shell reached through a symlink in root's directories was refused"
pass "a root-owned shell behind a symlink through root's directories is accepted"

# The host services' directories (image alcoves, lobby.c *_SERVICE_DIRS): root in the lobby
# reads every old path, U (uid 4242, holding the file's group) gets EACCES; what the /var mask
# leaves stays for both: /var/log, a relative symlink at the top of /var (copied: it resolves
# from /var, as on the host). A relative symlink inside a hidden directory still resolves for
# root (the hidden tree is the whole of /var). --host-image keeps them all.
T=alcd-lobby-svc.$$
mkdir -p /var/lib/$T /srv/$T /opt/$T /var/spool/$T /var/log/$T || fail "mkdir $T"
on_exit "rm -rf /var/lib/$T /srv/$T /opt/$T /var/spool/$T /var/log/$T /var/$T-rel"
for d in /var/lib/$T /srv/$T /opt/$T; do
	echo "svc $d" >$d/f && chown 0:4243 $d/f && chmod 0660 $d/f || fail "$d/f"
done
ln -s ../../lib/$T/f /var/spool/$T/rel
echo "log" >/var/log/$T/f
ln -s ../etc/passwd /var/$T-rel
SVC_PATHS="/var/lib/$T/f /srv/$T/f /opt/$T/f /var/spool/$T/rel /var/log/$T/f /var/$T-rel"
svc_read='for p in $0; do echo "$p: $(head -n 1 $p 2>&1)"; done'
svc_probe() { # extra probe args...: what root, then U with the files' group, read
	"$DRIVER" "$init" /bin/bash "$WORK/enter" "$@" -- /bin/sh -c "
		echo root; sh -c '$svc_read' '$SVC_PATHS'
		echo user; setpriv --reuid 4242 --regid 4242 --groups 4243 \
			sh -c '$svc_read' '$SVC_PATHS'" 2>&1
}
out=$(svc_probe) || fail "lobby driver: $out"
root=$(echo "$out" | sed -n '/^root$/,/^user$/p') user=$(echo "$out" | sed -n '/^user$/,$p')
for d in /var/lib/$T /srv/$T /opt/$T; do
	assert_contains "$root" "$d/f: svc $d" "root in the lobby reads $d/f through the mask"
	assert_contains "$user" "$d/f: head: cannot open '$d/f' for reading: Permission denied" \
		"U in the lobby gets EACCES for $d/f (holding its group)"
done
assert_contains "$root" "/var/spool/$T/rel: svc /var" \
	"root resolves a relative symlink inside a hidden directory (../../lib, within /var)"
assert_contains "$user" "/var/spool/$T/rel: head: cannot open '/var/spool/$T/rel' for reading: Permission denied" \
	"U gets EACCES for it"
for who in "$root" "$user"; do
	assert_contains "$who" "/var/log/$T/f: log" "/var/log stays in the lobby ($(echo "$who" | head -1))"
	assert_contains "$who" "/var/$T-rel: root:x:0" \
		"a relative symlink at the top of /var resolves as on the host ($(echo "$who" | head -1))"
done
out=$(svc_probe --host-image) || fail "lobby driver: $out"
user=$(echo "$out" | sed -n '/^user$/,$p')
assert_contains "$user" "/srv/$T/f: svc /srv" "--host-image: the service directories stay"
assert_contains "$user" "/var/lib/$T/f: svc /var" "--host-image: /var/lib stays"
# A login shell under a directory the lobby hides (/opt with an image): the user, who execs
# it in sshd's child, would get EACCES and the login fail without a word; the lobby refuses it,
# naming it. With image = "/" (/opt not hidden) it is the user's shell as any other.
cp /bin/sh "/opt/$T/sh" || fail "cp /bin/sh /opt/$T/sh"
err=$("$DRIVER" "$init" "/opt/$T/sh" "$WORK/enter" -- true 2>&1) &&
	fail "a shell under the hidden /opt was accepted: $err"
assert_contains "$err" "login shell '/opt/$T/sh' lies under a directory the lobby hides from the user" \
	"a login shell under a hidden directory is refused, naming it"
out=$("$DRIVER" "$init" "/opt/$T/sh" "$WORK/enter" --host-image -- true 2>&1) ||
	fail "--host-image: the shell in /opt was refused: $out"
pass "--host-image: a shell in /opt is accepted"
# U's home, wherever it is, shows empty in the lobby, for root and U (root code and sshd's
# child read files there: ~/.pam_environment, ~/.ssh/rc); the alcove's home is on
# /run/alcove/home, nosymfollow, for xauth. A home under a hidden /var directory: the way to it
# stays (through the /var mask and a mask of /var/lib keeping it), the rest of /var/lib goes for
# U and stays for root. A home right below / and one in /run (which U cannot enter) are covered.
for H in /var/lib/$T/homes/4242 /alcd-home-$T /run/alcd-home-$T/4242; do
	mkdir -p $H && chown 4242 $H && echo home >$H/h && ln -s /etc/hostname $H/.pam_environment ||
		fail "mkdir $H"
	case $H in /var/*) ;; *) on_exit "rm -rf ${H%/4242}" ;; esac
	out=$("$DRIVER" "$init" /bin/bash "$WORK/enter" --home $H -- /bin/sh -c "
		head -c 8 /var/lib/$T/f; echo; echo \"root: [\$(ls -A $H)]\"
		setpriv --reuid 4242 --regid 4242 --clear-groups sh -c 'cd $H && echo \"U: [\$(ls -A)]\"
		cat /run/alcove/home/h; cat /run/alcove/home/.pam_environment; ls /var/lib/dpkg'" 2>&1)
	assert_contains "$out" "svc /var" "home $H: root still reads /var/lib"
	assert_contains "$out" "root: []" "home $H: root finds it empty"
	case $H in
	/run/*) assert_contains "$out" "can't cd to $H" "home $H: U cannot enter it (/run is hidden)" ;;
	*) assert_contains "$out" "U: []" "home $H: U enters it and finds it empty" ;;
	esac
	assert_contains "$out" "home
cat: /run/alcove/home/.pam_environment: Too many levels of symbolic links" \
		"home $H: U reads the alcove's home on /run/alcove/home, which follows no symlink"
	assert_contains "$out" "cannot access '/var/lib/dpkg': Permission denied" \
		"home $H: U gets EACCES for the rest of /var/lib"
done

kill -KILL "$init"
wait_until 50 test ! -d /proc/$init || fail "fake alcove did not end"
err=$("$DRIVER" "$init" /bin/bash "$WORK/enter" 2>&1) && fail "dead alcove accepted"
assert_contains "$err" "No such process" "a dead alcove is refused (ESRCH)"

# Cost (DESIGN §10: 0.13 ms on the prototype); printed, not asserted.
init=$(python3 "$ALCOVE_SRC/tests/lib/fake_alcove.py" 400000 4242) || fail "fake alcove"
on_exit "kill -KILL $init"
warm=$("$DRIVER" "$init" /bin/bash "$WORK/enter" --bench 200)
cold=$(for i in $(seq 15); do "$DRIVER" "$init" /bin/bash "$WORK/enter" --bench 1; done |
	sort -n | sed -n 8p)
echo "# lobby build, median us: $warm warm (200 in one process), $cold cold (first in a process)"
