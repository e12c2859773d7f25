#!/bin/bash
# Root-mode alcoves (the user is the alcove's root) behind real ssh logins: what the lobby takes
# from the alcove for sshd and PAM, which run as host root, must not be the user's to rearrange.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcr3
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcr3\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
sshd_start 2291 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alcr3
WORK=$(mktemp -d /var/tmp/alcr-root.XXXXXX)
on_exit "rm -rf $WORK"

ssh_bg alcr3 -tt -- 'exec sleep 4791'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcr3 "sleep 4791" || fail "the background login did not start"

# --- /tmp is host root's tmpfs: ns root (the user) cannot chmod it; agent forwarding works
eval "$(ssh-agent -s -a "$WORK/agent.sock")" >/dev/null
on_exit "kill $SSH_AGENT_PID"
ssh-add -q "$SSHD_KEY" 2>/dev/null || fail "ssh-add"
out=$(ssh_to alcr3 -A -- 'echo "id=$(id -u) sock=$SSH_AUTH_SOCK"; ssh-add -l
	echo "tmp=$(stat -c "%u %a" /tmp) $(stat -f -c %T /tmp)"
	chmod 0777 /tmp 2>&1; echo "chmod rc=$?"; chown 0 /tmp 2>&1; echo "chown rc=$?"')
assert_contains "$out" "id=0 sock=/tmp/ssh-" "root mode: ns root, the agent socket in /tmp"
assert_contains "$out" "alcove-test (ED25519)" "ssh -A in root mode: ssh-add -l lists the key"
assert_contains "$out" "tmp=65534 1777 tmpfs" "/tmp is a 1777 tmpfs of an id outside the alcove"
assert_contains "$out" "chmod: changing permissions of '/tmp': Operation not permitted
chmod rc=1" "ns root cannot chmod /tmp: EPERM"
assert_contains "$out" "chown: changing ownership of '/tmp': Operation not permitted
chown rc=1" "ns root cannot chown /tmp: EPERM"
assert_eq "0 1777" "$(stat -c '%u %a' /proc/"$(alcove_pid alcr3)"/root/tmp)" \
	"on the host, /tmp is root's, 1777"

# --- tty (gid 5) is not mapped into a root-mode alcove: ns root cannot make a host file of
# group tty (a setgid-tty program in the home). The login's terminal is a pty of the alcove's
# devpts (alcove-enter relays sshd's host pty): the user's (ns root), group the alcove's own
# tty group 5, an id of the user's range on the host, not the host's tty group
out=$(ssh_to alcr3 -tt -- 'cp /bin/true ~/ttyprog; chgrp 5 ~/ttyprog && chmod 2755 ~/ttyprog
	echo "G:$(stat -c %g ~/ttyprog):$(stat -c %u:%g "$(tty)"):$(tty):G"' 2>&1 | tr -d '\r')
line=$(grep '^G:' <<<"$out")
[[ $line =~ ^G:5:0:5:/dev/pts/[0-9]+:G$ ]] || fail "inside: file group 5, pty 0:5 (the alcove's): $out"
pass "ssh -tt in root mode: a pty of the alcove's devpts, the user's, group 5 inside"
assert_eq "$(awk -F: '$1 == "alcr3" {print $2 + 5; exit}' /etc/subgid) 2755" \
	"$(stat -c '%g %a' /home/alcr3/ttyprog)" \
	"ns gid 5 is a subordinate gid on the host: no setgid-tty file in the home"

# --- ns root's bind over its /dev/pts/ptmx is not what the relay opens: the lobby takes the
# devpts without the mounts on it, and alcove-enter checks what it opened (a devpts ptmx)
ssh_to alcr3 -- 'mount --bind /dev/null /dev/pts/ptmx' || fail "ns root could not bind over its ptmx"
out=$(ssh_to alcr3 -tt -- 'echo "P:$(stat -c %d:%t "$(tty)"):$(stat -c %d /dev/pts):P"' 2>&1 | tr -d '\r')
[[ $out =~ P:([0-9]+):88:([0-9]+):P ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
	fail "a bind over /dev/pts/ptmx: the login's terminal is not a pty of the alcove's devpts: $out"
pass "a bind over /dev/pts/ptmx: the login's terminal is still a pty of the alcove's devpts"
ssh_to alcr3 -- 'umount /dev/pts/ptmx' || fail "ns root could not remove its bind"

# --- ns root binds a directory over its home and removes it: the next login is refused with
# the removed-home message (its own alcove only); once the bind is gone, logins work again
ssh_to alcr3 -- 'mkdir /tmp/gone && mount --bind /tmp/gone /home/alcr3 && rmdir /tmp/gone' ||
	fail "ns root could not bind a directory over its home and remove it"
out=$(ssh_to alcr3 -- 'echo "H:in:H"' 2>&1) && fail "a login was let in over a removed home: $out"
assert_not_contains "$out" "H:in:H" "a removed directory bound over the home: the login is refused"
journal_wait "the alcove's home /home/alcr3 was removed after the alcove started" >/dev/null ||
	fail "no message about the removed home"
pass "the journal names the removed home"
init3=$(alcove_state_pid "/run/alcove/$(id -u alcr3)/state") || fail "alcr3's alcove is not running"
nsenter -t "$init3" -m umount /home/alcr3 || fail "umount of ns root's bind from the host"
out=$(ssh_to alcr3 -- 'echo "H:in:H"' 2>&1)
assert_contains "$out" "H:in:H" "the bind gone, the next login is let in"

# --- a /tmp the user mounted in its place is not taken into a lobby: the login is refused
ssh_to alcr3 -- 'umount -l /tmp && mount -t tmpfs -o mode=0777 mine /tmp' ||
	fail "ns root could not replace its /tmp (the test needs it to)"
out=$(ssh_to alcr3 -- 'echo "S:$(stat -c %a /tmp):S"' 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a login was let into a lobby with the user's own /tmp: $out"
assert_not_contains "$out" "S:" "the login is refused (exit $rc)"
line=$(journal_wait "the alcove's /tmp is not the one it was built with") ||
	fail "no message about the replaced /tmp"
assert_contains "$line" "owner $(id -u alcr3), mode 0777" "the message says whose /tmp it is"

# --- A lobby outliving its alcove (SECURITY.md, tenth review): a connection without a channel
# (ssh -N: a PAM session whose lobby holds a clone of the alcove's /tmp, which nothing inside
# ends) must not keep the /tmp of an alcove its root ended. The helper that finds the alcove
# ended (here the close of the login that killed init, or the next login) ends it.
kill $bg 2>/dev/null
wait $bg 2>/dev/null
wait_until 100 alcove_gone alcr3 || fail "alcr3's alcove outlived its last login: $(alcove_leftovers alcr3)"
ssh_bg alcr3 -N
idle=$SSH_BG_PID
on_exit "kill $idle"
wait_until 100 eval 'alcove_state_pid "/run/alcove/$(id -u alcr3)/state" >/dev/null' ||
	fail "the ssh -N login built no alcove"
old=$(alcove_pid alcr3)
out=$(ssh_to alcr3 -- 'head -c 20M /dev/zero >/tmp/fill && echo filled')
assert_eq filled "$out" "20 MiB written into the alcove's /tmp"
ssh_to alcr3 -- 'kill -TERM 1' >/dev/null 2>&1
wait_until 100 eval "! kill -0 $old 2>/dev/null" || fail "init $old did not end on its root's SIGTERM"
out=$(ssh_to alcr3 -- 'ls /tmp/fill 2>&1; cat /proc/1/comm')
assert_contains "$out" "No such file" "the next login has a new alcove, a new /tmp"
wait_until 100 eval "! kill -0 $idle 2>/dev/null" ||
	fail "the ssh -N connection outlived the alcove its root ended (it holds the old /tmp)"
pass "the ssh -N connection held on the ended alcove was ended"
wait_until 100 eval '! ps -e -o args= | grep -q "^sshd: alcr3 \[priv\]"' ||
	fail "an sshd monitor of alcr3 is left: $(ps -e -o pid=,args= | grep 'sshd: alcr3')"
pass "no sshd monitor of alcr3's connections is left"
journal_wait "of alcr3 held on the ended alcove $(id -u alcr3)" >/dev/null ||
	fail "no 'Ended the login' line in the journal"
pass "the journal says which login was ended"
