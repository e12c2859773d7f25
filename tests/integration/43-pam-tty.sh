#!/bin/bash
# Terminal logins into the alcove, driven through tmux: ssh -tt (tty, job control, Ctrl-C,
# window resize), su - from root in a pty, login -f in a pane (console-style), sudo -i, and
# pamtester. su, login and sudo use the system's PAM files plus one pam_alcove line, bound
# over /etc/pam.d/* in this test's private mount namespace only.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcd1
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	hostname = \"%u-box\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcd1\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
LINE="session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_start 2241 "$LINE"
sshd_authorize alcd1
WORK=$(mktemp -d /var/tmp/alcd-tty.XXXXXX)
on_exit "rm -rf $WORK"

# --- tmux: a private server; each check types a command and waits for its marked output
. "$ALCOVE_SRC/tests/lib/tmux.sh"
tmux_start "$WORK"

# The ssh client, in a pane of its own (a script, so tmux's shell need not know ssh_to).
{
	echo "#!/bin/bash"
	declare -f _ssh_common_opts ssh_to
	echo "SSHD_KEY=$SSHD_KEY SSHD_PORT=$SSHD_PORT"
	echo 'ssh_to "$@"'
} >"$WORK/ssh"
chmod 755 "$WORK/ssh"
tm new-session -d -s t -x 120 -y 40 "$WORK/ssh alcd1 -tt"
P=t:0
wait_screen $P 'alcd1@alcd1-box' >/dev/null || fail "no prompt from the alcove over ssh -tt"
pass "ssh -tt: a login shell in the alcove (prompt alcd1@alcd1-box)"

type_line $P 'echo "T:$(tty):$(cat /proc/1/comm):T"'
line=$(wait_screen $P '^T:.*:T$') || fail "tty"
[[ $line =~ ^T:/dev/pts/[0-9]+:alcove-init:T$ ]] || fail "tty inside: $line"
pass "tty is a /dev/pts path of the alcove's devpts ($line)"

# job control
type_line $P 'sleep 1001 &'
wait_screen $P '^\[1\] [0-9]+$' >/dev/null || fail "sleep & did not start a job"
type_line $P 'jobs'
wait_screen $P '^\[1\]\+ +Running +sleep 1001 &$' >/dev/null || fail "jobs: not running"
type_line $P 'fg'
wait_screen $P '^sleep 1001$' >/dev/null || fail "fg did not bring the job back"
sleep 0.3
tm send-keys -t $P C-z
wait_screen $P '^\[1\]\+ +Stopped +sleep 1001$' >/dev/null || fail "Ctrl-Z did not stop the job"
type_line $P 'bg'
wait_screen $P '^\[1\]\+ sleep 1001 &$' >/dev/null || fail "bg"
type_line $P 'jobs; echo "J:$(jobs -r | wc -l):J"'
wait_screen $P '^J:1:J$' >/dev/null || fail "the job is not running again after bg"
type_line $P 'kill %1'
pass "job control: sleep &, jobs, fg, Ctrl-Z, bg"

# Ctrl-C: the foreground program dies of SIGINT, the shell reports 130
# (bash abandons the rest of a line whose program died of SIGINT: ask for $? on the next one)
type_line $P 'sleep 1002'
wait_until 50 alcove_has alcd1 "sleep 1002" || fail "sleep 1002 did not start"
tm send-keys -t $P C-c
type_line $P 'echo "C:$?:C"'
wait_screen $P '^C:130:C$' >/dev/null || fail "Ctrl-C did not give 130"
pass "Ctrl-C interrupts the foreground program: status 130"

# window resize reaches the alcove's pty
tm resize-window -t t -x 100 -y 30
sleep 0.3
type_line $P 'echo "S:$(stty size):S"'
wait_screen $P '^S:30 100:S$' >/dev/null || fail "stty size after resize"
pass "a window resize shows in stty size (30 100)"
type_line $P 'exit'
wait_until 100 sh -c "! tmux -S $TMUX_SOCK has-session -t t 2>/dev/null" ||
	fail "ssh -tt session did not end with exit"
pass "exit ends the ssh -tt session"

# The next logins build the alcove anew: wait until the last one has ended (stop).
wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 did not end: $(alcove_leftovers alcd1)"

# --- su - alcd1, run by root in a pty; `su -` is PAM service su-l
pam_service_with su-l "$LINE"
tm new-session -d -s su -x 120 -y 40 "su - alcd1"
P=su:0
wait_screen $P 'alcd1@alcd1-box' >/dev/null || fail "no prompt from the alcove after su -"
type_line $P 'echo "U:$(id -un):$(cat /proc/1/comm):$(tty):U"'
line=$(wait_screen $P '^U:.*:U$') || fail "su: identity"
echo "# $line"
assert_contains "$line" "U:alcd1:alcove-init:" "su - alcd1 lands in the alcove, as alcd1"
type_line $P 'exit'
wait_until 100 sh -c "! tmux -S $TMUX_SOCK has-session -t su 2>/dev/null" || fail "su did not end"
wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 did not end: $(alcove_leftovers alcd1)"
out=$(su - alcd1 -c 'cat /proc/1/comm; echo "n=$ALCOVE_NAME"' </dev/null 2>&1)
assert_contains "$out" "alcove-init" "su - alcd1 -c CMD (no pty) runs in the alcove"
assert_contains "$out" "n=$(id -u alcd1)" "ALCOVE_NAME is exported to su's command"

wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 did not end: $(alcove_leftovers alcd1)"

# --- login -f alcd1 in a pane: a console-style login
pam_service_with login "$LINE"
tm new-session -d -s login -x 120 -y 40 "login -f alcd1"
P=login:0
wait_screen $P 'alcd1@alcd1-box' >/dev/null || fail "no prompt from the alcove after login -f"
type_line $P 'echo "L:$(id -un):$(cat /proc/1/comm):$(tty):L"'
line=$(wait_screen $P '^L:.*:L$') || fail "login: identity"
echo "# $line"
assert_contains "$line" "L:alcd1:alcove-init:" "login -f alcd1 lands in the alcove, as alcd1"
type_line $P 'exit'
wait_until 100 sh -c "! tmux -S $TMUX_SOCK has-session -t login 2>/dev/null" ||
	fail "login did not end"

wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 did not end: $(alcove_leftovers alcd1)"

# --- sudo -i -u alcd1 (PAM service sudo-i); sudo gives the command a pty of its own (use_pty)
pam_service_with sudo-i "$LINE"
tm new-session -d -s sudo -x 120 -y 40 "sudo -i -u alcd1"
P=sudo:0
wait_screen $P 'alcd1@alcd1-box' >/dev/null || fail "no prompt from the alcove after sudo -i"
type_line $P 'echo "S:$(id -un):$(cat /proc/1/comm):$(tty):S"'
line=$(wait_screen $P '^S:.*:S$') || fail "sudo: identity"
echo "# $line"
assert_contains "$line" "S:alcd1:alcove-init:" "sudo -i -u alcd1 lands in the alcove, as alcd1"
type_line $P 'exit'
wait_until 100 sh -c "! tmux -S $TMUX_SOCK has-session -t sudo 2>/dev/null" ||
	fail "sudo did not end"

wait_until 100 alcove_gone alcd1 || fail "alcove of alcd1 did not end: $(alcove_leftovers alcd1)"

# --- pamtester: open and close in a plain process
svc=alcd-pamtester
sshd_pam_write $svc "$LINE"
out=$(pamtester -v $svc alcd1 open_session close_session 2>&1)
assert_contains "$out" "successfully opened a session" "pamtester open_session"
assert_contains "$out" "session has successfully been closed" "pamtester close_session"
journal_wait "user=alcd1 service=$svc profile=lab stage=open" >/dev/null ||
	fail "no 'Contained' line for pamtester"
journal_wait "user=alcd1 service=$svc profile= stage=close" >/dev/null ||
	fail "no 'Closed' line for pamtester"
pass "both are logged"
wait_until 100 alcove_gone alcd1 || fail "pamtester's alcove did not end: $(alcove_leftovers alcd1)"
pass "the alcove ends after pamtester's close (on_last_logout = stop, no login ever entered)"
out=$(pamtester -v $svc alcd1 close_session 2>&1)
assert_contains "$out" "session has successfully been closed" \
	"a close without an open is harmless (PAM_SUCCESS)"
