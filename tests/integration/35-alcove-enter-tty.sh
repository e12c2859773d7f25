#!/bin/bash
# `alcovectl enter USER` on a terminal (a tmux pane): the session runs on a pty of its own that
# alcovectl relays, never on the admin's terminal: window size and its changes reach it, the
# exit status comes back, the terminal's modes are restored, and a process the user leaves
# behind cannot write to the admin's terminal afterwards.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"

image=$(test_image bookworm)
alcove_user alcr5
alcove_user alcy1
conf=$(make_config "
defaults = { image = \"$image\"; persist = false; cgroup = \"none\"; on_last_logout = \"keep\"; };
rules = ( { user = \"alcr5\"; profile = \"defaults\"; }, { user = \"alcy1\"; profile = \"lab\"; } );
profiles = { lab = { mode = \"root\"; }; };")
WORK=$(mktemp -d /var/tmp/alcr-tty.XXXXXX)
on_exit "rm -rf $WORK"

. "$ALCOVE_SRC/tests/lib/tmux.sh"
tmux_start "$WORK"

tm new-session -d -s t -x 120 -y 40 "env -i PATH=$PATH TERM=screen PS1='host\$ ' bash --norc"
P=t:0
wait_screen $P '^host\$' >/dev/null || fail "no host shell in the pane"
type_line $P "stty -g >$WORK/modes.before; ALCOVE_HELPER=$ALCOVE_HELPER $ALCOVECTL --config $conf enter alcr5; echo \"RC=\$?\"; stty -g >$WORK/modes.after"
wait_screen $P 'alcr5@alcr5-alcove' >/dev/null || fail "no prompt from the alcove"
pass "alcovectl enter on a terminal: a login shell in the alcove"
screen_of $P | grep -q "no job control" && fail "the shell has no job control: $(screen_of $P)"
pass "... with job control (the pty is its controlling terminal)"

type_line $P 'echo "T:$(test -t 0 && echo tty):$(stty size):$(readlink /proc/$$/fd/0):$(stat -L -c %d:%t:%T /proc/$$/fd/0):T"'
line=$(wait_screen $P '^T:.*:T$') || fail "terminal inside"
[[ $line =~ ^T:tty:40\ 120:/dev/pts/[0-9]+:[0-9]+:[0-9a-f]+:[0-9a-f]+:T$ ]] || fail "the session's terminal: $line"
pass "the session has a terminal of the pane's size ($line)"
# (a pty of the alcove's devpts may have the admin's number: the device tells them apart)
fd0=$(sed 's/^T:.*:\([0-9]*:[0-9a-f]*:[0-9a-f]*\):T$/\1/' <<<"$line")
admin_tty=$(tm display -p -t $P '#{pane_tty}')
[ "$fd0" != "$(stat -c %d:%t:%T "$admin_tty")" ] || fail "the session runs on the admin's terminal $admin_tty"
pass "... which is not the admin's terminal ($admin_tty)"

# the pty is the alcove's own (its devpts), so it has a name inside, owned by the login
type_line $P 'echo "Y:$(tty):$(stat -c %U "$(tty)"):$(ls /dev/pts | grep -c "^[0-9]"):Y"'
line=$(wait_screen $P '^Y:.*:Y$') || fail "tty inside"
[[ $line =~ ^Y:/dev/pts/[0-9]+:alcr5:[1-9][0-9]*:Y$ ]] || fail "tty inside the alcove: $line"
pass "tty inside prints the alcove's /dev/pts/N, owned by alcr5 ($line)"

tm resize-window -t t -x 100 -y 30
sleep 0.3
type_line $P 'echo "S:$(stty size):S"'
wait_screen $P '^S:30 100:S$' >/dev/null || fail "stty size after a resize"
pass "a window resize reaches the session (30 100)"

# A process left behind that ignores the hangup writes after enter has returned.
type_line $P 'sh -c "trap \"\" HUP; sleep 1; echo LEAK\"\"ED-TO-THE-ADMIN" & exit 3'
wait_screen $P '^RC=3$' >/dev/null || fail "enter did not exit with the session's status 3"
pass "enter exits with the session's status"
wait_until 100 sh -c '! pgrep -f "sleep 1[;] echo LEAK" >/dev/null' || fail "the left-behind process did not end"
sleep 0.3
screen_of $P | grep -q 'LEAKED-TO-THE-ADMIN' &&
	fail "a process the user left behind wrote to the admin's terminal after enter returned"
pass "nothing the user left behind reaches the admin's terminal"
wait_until 50 test -s "$WORK/modes.after" || fail "stty -g after enter did not run"
assert_eq "$(cat "$WORK/modes.before")" "$(cat "$WORK/modes.after")" "the terminal's modes are restored"

# Without a terminal, enter passes its fds through as before.
assert_eq "no-tty" "$(actl --config "$conf" enter alcr5 -- sh -c 'test -t 0 && echo tty || echo no-tty' </dev/null)" \
	"without a terminal, no pty"

# --- root mode: ns root may rearrange its /dev. alcovectl opens dev/pts/ptmx beneath init's
# root, never through a symlink, and takes it only if it is the ptmx (5:2) of a devpts; else
# the session gets a pty of the host's (a terminal, but without a name inside).
actl --config "$conf" enter alcy1 -- sleep 4735 </dev/null >/dev/null 2>&1 &
holder=$!
on_exit "kill $holder"
wait_until 100 pgrep -f "^sleep 4735" || fail "the holding session of alcy1 did not start"
enter_tty() { # marker: enters alcy1 in the pane; the session prints "marker:tty:term:marker"
	type_line $P "ALCOVE_HELPER=$ALCOVE_HELPER $ALCOVECTL --config $conf enter alcy1 -- sh -c 'echo \"$1:\$(tty):\$(test -t 0 && echo term):$1\"'"
	wait_screen $P "^$1:.*:$1\$"
}
line=$(enter_tty R1) || fail "root mode: enter on a terminal"
[[ $line =~ ^R1:/dev/pts/[0-9]+:term:R1$ ]] || fail "root mode: tty inside: $line"
pass "root mode: tty inside prints the alcove's /dev/pts/N ($line)"
n=2
for how in "ln -s /dev/null /dev/pts/ptmx:symbolic link" "mkfifo /dev/pts/ptmx:fifo" \
	"touch /dev/pts/ptmx:regular empty file" "touch /dev/pts/ptmx && mount --bind /dev/null /dev/pts/ptmx:character special file"; do
	out=$(actl --config "$conf" enter alcy1 -- sh -c "umount -l /dev/pts; mount -t tmpfs none /dev/pts &&
		${how%%:*} && stat -c %F /dev/pts/ptmx" </dev/null 2>&1)
	assert_eq "${how#*:}" "$out" "ns root put a ${how#*:} at /dev/pts/ptmx"
	line=$(enter_tty R$n) || fail "root mode, a ${how#*:} at ptmx: enter on a terminal"
	assert_eq "R$n:not a tty:term:R$n" "$line" \
		"a ${how#*:} at ptmx: not taken; the session has a host pty (a terminal without a name inside)"
	n=$((n + 1))
done
# a devpts of ns root's own making is a devpts: its pty is taken (the session is the user's)
out=$(actl --config "$conf" enter alcy1 -- sh -c 'umount -l /dev/pts; mount -t devpts -o newinstance,ptmxmode=0666 none /dev/pts && echo mounted' </dev/null 2>&1)
assert_eq mounted "$out" "ns root mounted a devpts of its own on /dev/pts"
line=$(enter_tty R9) || fail "root mode, own devpts: enter on a terminal"
[[ $line =~ ^R9:/dev/pts/[0-9]+:term:R9$ ]] || fail "root mode, own devpts: $line"
pass "... its ptmx is used ($line)"

# -- fds that are not terminals go through pipes of alcovectl's (pipe_relay.h) ---------------
# A process the session leaves behind holding its stdout must not keep the admin's pipeline
# waiting, nor write there later (its line "late" would be in the output), and gets EPIPE.
# (the file goes to the home: the alcove, and its /tmp, ends with the leftover)
leftover='trap "" PIPE; sleep 3; echo late || echo EPIPE >"$HOME/alcr-epipe"'
out=$(timeout 60 "$ALCOVECTL" --config "$conf" enter alcr5 -- sh -c \
	"setsid sh -c '$leftover' </dev/null & echo piped; exit 3" 2>&1 | cat
	echo "rc=${PIPESTATUS[0]}")
assert_eq "piped
rc=3" "$out" "a leftover process holding stdout: the pipeline ends with the session, its status kept"
wait_until 100 actl --config "$conf" enter alcr5 -- sh -c 'test -e "$HOME/alcr-epipe"' </dev/null ||
	fail "the leftover process did not meet EPIPE on the closed pipe"
pass "... and the leftover process's write meets EPIPE, not the admin's pipe"
# input through the relay: a file and a pipe
printf 'one\ntwo\n' >"$WORK/in"
assert_eq "2" "$(actl --config "$conf" enter alcr5 -- wc -l <"$WORK/in")" "stdin from a file"
assert_eq "abc" "$(echo abc | actl --config "$conf" enter alcr5 -- cat)" "stdin from a pipe"
