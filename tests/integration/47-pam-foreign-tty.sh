#!/bin/bash
# Issue 12, route 2: a terminal that is not the login's own never goes into the alcove.
# `su - USER` on an admin's terminal (a tmux pane; su is PAM service su-l with pam_alcove
# added) and `alcovectl enter USER -- CMD </dev/null` with stdout on that terminal: the session
# gets a pty of the alcove's devpts, relayed, and a process it leaves behind holds no fd of the
# admin's terminal and reads nothing typed there afterwards. The relay is a working terminal:
# `tty` names the alcove's pty, job control, ^C, window size, the exit status.
# `sudo -i -u USER` and `login -f USER` too: the tty is a pty of the alcove's devpts, and what
# they leave behind holds no fd of the terminal they ran on.
# `alcovectl enter USER -- CMD </dev/null >FILE` with only stderr on that terminal: stderr is
# the relayed pty, and what the session writes there reaches the admin's terminal.
# Route 8 (alcove-enter static): it has no ELF interpreter, and an LD_PRELOAD in the login's
# environment (su's, ssh's SetEnv) is not loaded into it, while it runs as the user on the
# host; the same library loads into su and into the programs inside.
# The ninth review: the lobby shows the home's path empty, so ~/.pam_environment (pam_env
# user_readenv=1, as Debian's sshd stack has it) and ~/.ssh/rc are not read for a contained
# login: not a marker variable, not a host file through a symlink, not a FIFO (no root monitor
# left blocked); nor for a home right below /.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@" # (also: one copy of this test at a time on a shared machine)
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/sshd.sh"

ALCOVECTL=$BUILD/alcovectl
export ALCOVE_HELPER=$BUILD/alcove-helper
img=$(test_image bookworm-login)
pam_user alctt1
HOME1=/home/alctt1
# Route 8's preload library: where the lobby shows the host's tree as it is (not /var/tmp,
# /tmp or the home: the lobby hides or mounts them noexec), and mounted into the alcove at the
# same path, so that one LD_PRELOAD names it in the lobby and inside.
LIBDIR=$(mktemp -d /usr/local/lib/alctt-XXXXXX) && chmod 755 "$LIBDIR" || setup_fail "mktemp $LIBDIR"
on_exit "rm -rf $LIBDIR"
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	hostname = \"%u-box\"; on_last_logout = \"keep\"; };
rules = ( { user = \"alctt1\"; profile = \"lab\"; } );
profiles = { lab = { mounts = ( { source = \"$LIBDIR\"; } ); }; };")
LINE="session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
pam_service_with su-l "$LINE
session required pam_env.so user_readenv=1"
# (its PAM stack has pam_env user_readenv=1, as Debian's; AcceptEnv LD_PRELOAD for route 8)
sshd_start 2331 "$LINE" "AcceptEnv LD_PRELOAD"
sshd_authorize alctt1
WORK=$(mktemp -d /var/tmp/alctt-tty.XXXXXX)
chmod 755 "$WORK"
on_exit "rm -rf $WORK"

# The session's view of its terminal: fd 0's name, fd 1's device, the devpts of /dev/pts,
# after the step's tag (the line of an earlier step may still be on the screen).
cat >"$HOME1/probe.sh" <<'EOF'
echo "$1 P:$(tty):$(stat -L -c %d /proc/$$/fd/1):$(stat -c %d /dev/pts):P"
EOF
# Left behind by a session with its fds: once ~/go-TAG exists it reads what comes on its
# stderr, the session's terminal (setsid: no hangup signal reaches it).
cat >"$HOME1/leave.sh" <<'EOF'
setsid sh -c 'while [ ! -e ~/go-$1 ]; do sleep 0.1; done
	cat <&2 >~/typed-$1; echo "rc=$?" >~/done-$1' "alctt-left-$1" "$1" &
EOF
# With only stderr on a terminal: stderr's device and the devpts of /dev/pts on stderr, fd 0's
# name on stdout.
cat >"$HOME1/err.sh" <<'EOF'
echo "E:$(stat -L -c %d /proc/$$/fd/2):$(stat -c %d /dev/pts):E" >&2
echo "O:$(tty):O"
EOF
chown alctt1: "$HOME1/probe.sh" "$HOME1/leave.sh" "$HOME1/err.sh"

. "$ALCOVE_SRC/tests/lib/tmux.sh"
tmux_start "$WORK"

# The probe's line of step TAG on PANE, without the tag.
probe_line() { # pane tag
	local line
	line=$(wait_screen "$1" "^$2 P:.*:P\$") || return 1
	echo "${line#"$2 "}"
}

# The admin's terminal: a root shell in a pane.
tm new-session -d -s adm -x 120 -y 40 "env -i PATH=$PATH TERM=screen PS1='adm\$ ' bash --norc"
P=adm:0
wait_screen $P '^adm\$' >/dev/null || fail "no admin shell in the pane"
ADMIN_TTY=$(tm display -p -t $P '#{pane_tty}')
ADMIN_DEV=$(stat -c %d:%t:%T "$ADMIN_TTY")

# left_behind TAG WHAT: the process TAG left behind holds no fd of the admin's terminal; once
# told to read, it finds its terminal hung up, and a line the admin types afterwards reaches
# the admin's shell, not it.
holds_no_admin_fd() { # tag what dev
	local pid fd
	pid=$(pgrep -o -u alctt1 -f "alctt-left-$1") || fail "$2: no process was left behind"
	for fd in /proc/$pid/fd/*; do
		[ "$(stat -L -c %d:%t:%T "$fd" 2>/dev/null)" != "$3" ] ||
			fail "$2: the left-behind process $pid holds the admin's terminal as ${fd##*/}"
	done
	pass "$2: the process left behind holds no fd of the admin's terminal"
}
left_behind() {
	local tag=$1 what=$2 secret="alctt-secret-$1-$$"
	holds_no_admin_fd "$tag" "$what" "$ADMIN_DEV"
	touch "$HOME1/go-$tag"
	wait_until 100 test -s "$HOME1/done-$tag" ||
		fail "$what: the left-behind process still reads the admin's terminal"
	type_line $P 'read -r x; echo "ADMIN:$x:ADMIN"'
	type_line $P "$secret"
	wait_screen $P "^ADMIN:$secret:ADMIN\$" >/dev/null || fail "$what: the admin's shell did not get its line"
	assert_not_contains "$(cat "$HOME1/typed-$tag")" "$secret" \
		"$what: a line typed on the admin's terminal afterwards is not read by it"
}

# --- su - alctt1 on the admin's terminal: alcove-enter relays through a pty of the alcove's
type_line $P 'su - alctt1; echo "SU-RC:$?:SU-RC"'
wait_screen $P 'alctt1@alctt1-box' >/dev/null || fail "no prompt from the alcove after su -"
screen_of $P | grep -q "no job control" && fail "the shell has no job control: $(screen_of $P)"
type_line $P 'sh ~/probe.sh su'
line=$(probe_line $P su) || fail "su: the probe"
[[ $line =~ ^P:/dev/pts/[0-9]+:([0-9]+):([0-9]+):P$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
	fail "su: the session's terminal is not a pty of the alcove's devpts: $line"
pass "su: tty names a pty of the alcove's devpts, with job control ($line)"

type_line $P 'sleep 1002'
wait_until 100 alcove_has alctt1 "sleep 1002" || fail "su: sleep 1002 did not start"
tm send-keys -t $P C-c
type_line $P 'echo "C:$?:C"'
wait_screen $P '^C:130:C$' >/dev/null || fail "su: Ctrl-C did not give 130"
pass "su: Ctrl-C interrupts the foreground program (130)"
tm resize-window -t adm -x 100 -y 30
sleep 0.3
type_line $P 'echo "S:$(stty size):S"'
wait_screen $P '^S:30 100:S$' >/dev/null || fail "su: stty size after a resize"
pass "su: a window resize reaches the session (30 100)"

type_line $P 'sh ~/leave.sh su; exit 5'
wait_screen $P '^SU-RC:5:SU-RC$' >/dev/null || fail "su did not end with the session's status 5"
pass "su: the session's exit status comes back (5)"
left_behind su "su"

# --- alcovectl enter with stdin not a terminal, stdout and stderr on the admin's terminal
type_line $P "ALCOVE_HELPER=$ALCOVE_HELPER $ALCOVECTL --config $conf enter alctt1 -- sh -c 'sh ~/probe.sh ctl; sh ~/leave.sh ctl; exit 4' </dev/null; echo \"CTL-RC:\$?:CTL-RC\""
wait_screen $P '^CTL-RC:4:CTL-RC$' >/dev/null || fail "alcovectl enter did not end with status 4"
line=$(probe_line $P ctl) || fail "alcovectl: the probe"
[[ $line =~ ^P:not\ a\ tty:([0-9]+):([0-9]+):P$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
	fail "alcovectl: stdout is not a pty of the alcove's devpts: $line"
pass "alcovectl enter </dev/null: stdin stays /dev/null, stdout is a pty of the alcove's ($line)"
left_behind ctl "alcovectl enter </dev/null"

# --- alcovectl enter with stdin and stdout not terminals, stderr on the admin's terminal: the
# relay's output goes to fd 2
type_line $P "clear; ALCOVE_HELPER=$ALCOVE_HELPER $ALCOVECTL --config $conf enter alctt1 -- sh -c 'sh ~/err.sh; sh ~/leave.sh err; exit 7' </dev/null >$WORK/err-out; echo \"ERR-RC:\$?:ERR-RC\""
wait_screen $P '^ERR-RC:7:ERR-RC$' >/dev/null || fail "alcovectl enter >file did not end with status 7"
line=$(wait_screen $P '^E:.*:E$') || fail "alcovectl enter >file: the session's stderr did not reach the admin's terminal"
[[ $line =~ ^E:([0-9]+):([0-9]+):E$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
	fail "alcovectl enter >file: stderr is not a pty of the alcove's devpts: $line"
pass "alcovectl enter </dev/null >file: stderr is a pty of the alcove's devpts, relayed to the admin's terminal ($line)"
assert_eq "O:not a tty:O" "$(cat "$WORK/err-out")" "... stdin stays /dev/null, stdout the file"
left_behind err "alcovectl enter </dev/null >file"

# the session's tty is a pty of the alcove's devpts (probe.sh's line)
alcove_pty() { # what line
	[[ $2 =~ ^P:/dev/pts/[0-9]+:([0-9]+):([0-9]+):P$ ]] && [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] ||
		fail "$1: the session's terminal is not a pty of the alcove's devpts: $2"
	pass "$1: tty names a pty of the alcove's devpts ($2)"
}
# --- sudo -i -u alctt1 on the admin's terminal (PAM service sudo-i)
pam_service_with sudo-i "$LINE"
type_line $P 'sudo -i -u alctt1; echo "SUDO-RC:$?:SUDO-RC"'
wait_screen $P 'alctt1@alctt1-box' >/dev/null || fail "no prompt from the alcove after sudo -i"
tm send-keys -t $P C-l
type_line $P 'sh ~/probe.sh sudo; sh ~/leave.sh sudo; exit 6'
line=$(probe_line $P sudo) || fail "sudo -i: the probe"
alcove_pty "sudo -i" "$line"
wait_screen $P '^SUDO-RC:6:SUDO-RC$' >/dev/null || fail "sudo -i did not end with the session's status 6"
left_behind sudo "sudo -i"

# --- login -f alctt1 (PAM service login), the login program on a terminal of its own
pam_service_with login "$LINE"
tm new-session -d -s lg -x 120 -y 40 "login -f alctt1"
L=lg:0
LOGIN_DEV=$(stat -c %d:%t:%T "$(tm display -p -t $L '#{pane_tty}')")
wait_screen $L 'alctt1@alctt1-box' >/dev/null || fail "no prompt from the alcove after login -f"
type_line $L 'sh ~/probe.sh login; sh ~/leave.sh login'
line=$(probe_line $L login) || fail "login -f: the probe"
alcove_pty "login -f" "$line"
wait_until 100 pgrep -u alctt1 -f alctt-left-login || fail "login -f: nothing left behind"
type_line $L 'exit'
holds_no_admin_fd login "login -f" "$LOGIN_DEV"

# A process left behind that writes without end does not keep the relay (and the admin's
# terminal) busy: enter returns, and the writer finds its terminal hung up.
type_line $P "clear; ALCOVE_HELPER=$ALCOVE_HELPER $ALCOVECTL --config $conf enter alctt1 -- sh -c 'setsid sh -c \"while echo alctt-flood; do :; done; echo hung-up >~/flood-end\" & sleep 0.2; exit 6' </dev/null; echo \"FLOOD-RC:\$?:FLOOD-RC\""
# (not at the start of a line: the flood may be cut mid-line)
wait_screen $P 'FLOOD-RC:6:FLOOD-RC$' 300 >/dev/null ||
	fail "alcovectl enter did not return while a process it left behind kept writing"
wait_until 100 test -s "$HOME1/flood-end" || fail "the flooding process still writes to a terminal"
pass "a process left behind writing without end: enter returns (6), its writes fail afterwards"

# --- sshd's pty is a host terminal (utmp names it as on any login): the session is on a pty of
# the alcove's devpts, relayed, and SSH_TTY inside names that one
out=$(ssh_to alctt1 -tt -- 'echo "X:$(tty):$SSH_TTY:$(stat -c %d "$(tty)"):$(stat -c %d /dev/pts/ptmx):X"' \
	</dev/null | tr -d '\r')
[[ $out =~ X:(/dev/pts/[0-9]+):(/dev/pts/[0-9]+):([0-9]+):([0-9]+):X ]] &&
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ] && [ "${BASH_REMATCH[3]}" = "${BASH_REMATCH[4]}" ] ||
	fail "ssh -tt: the session's terminal is not the alcove's pty named by SSH_TTY: $out"
pass "ssh -tt: the session is on a pty of the alcove's devpts, SSH_TTY names it inside"

# --- alcove-enter is not dumpable from its exec on. Run by su, sudo or login it holds the
# admin's terminal as the user; while dumpable, any process of the user's may open its fds
# through /proc (PTRACE_MODE_READ; the object's own mode still applies) and, where Yama does not
# restrict attaching, take them with pidfd_getfd (the terminal itself, whatever its mode).
# Installed 0711 the kernel makes it non-dumpable at the exec (would_dump(): the user may not
# read the file); its first statement does so too, for a copy others may read. strace (root)
# holds it 2 s at its first brk (static startup, before main) or at its first openat (main's
# first call before the prctl came first); meanwhile alctt1 tries its fd 0 and its environ.
# fd 0 is /dev/null, which alctt1 may open itself: only the dumpable check can refuse. (Outside
# a lobby it execs the real shell: it never reached the relay's prctl, which used to be the only
# one. strace delays no call of the exec that starts its command: the first brk is the first
# call after that exec.)
command -v strace >/dev/null || setup_fail "strace is missing: run tests/install-deps.sh"
assert_eq 711 "$(stat -c %a "$BUILD/alcove-enter")" "build/alcove-enter is mode 0711"
PEEK='my $pid = $ARGV[0];
	print open(my $f, "<", "/proc/$pid/fd/0") ? "fd 0 opened\n" : "fd 0: $!\n";
	my ($e, $b);
	print open($e, "<", "/proc/$pid/environ") && defined(sysread($e, $b, 4096)) ?
		"environ read\n" : "environ: $!\n";
	my $p = syscall(434, $pid + 0, 0); # pidfd_open, then pidfd_getfd of fd 0
	print $p >= 0 && syscall(438, $p, 0, 0) >= 0 ? "fd 0 taken\n" : "pidfd_getfd: $!\n";'
held_try() { # BIN INJECT NR: what alctt1 gets from BIN held at INJECT, in syscall NR (x86-64)
	local sp pid= i
	strace -u alctt1 -o /dev/null -e inject="$2" "$1" -c true </dev/null >/dev/null 2>&1 &
	sp=$!
	for ((i = 0; i < 50; i++)); do
		pid=$(ps -o pid= --ppid "$sp" | tr -d ' ')
		[ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe")" = "$1" ] &&
			[ "$(cut -d' ' -f1 "/proc/$pid/syscall" 2>/dev/null)" = "$3" ] && break
		pid=
		sleep 0.1
	done
	[ -n "$pid" ] || { kill "$sp"; wait "$sp"; fail "$1 never stopped at $2 under strace"; }
	setpriv --reuid=alctt1 --regid="$(id -g alctt1)" --clear-groups -- perl -e "$PEEK" "$pid" 2>&1
	wait "$sp"
}
denied="fd 0: Permission denied
environ: Permission denied
pidfd_getfd: Operation not permitted"
assert_eq "$denied" "$(held_try "$BUILD/alcove-enter" brk:delay_enter=2000000:when=1 12)" \
	"alctt1 cannot open or take fd 0, nor read environ, of alcove-enter in its static startup"
install -m 0755 "$BUILD/alcove-enter" "$WORK/alcove-enter-0755"
assert_eq "$denied" "$(held_try "$WORK/alcove-enter-0755" openat:delay_enter=2000000:when=1 257)" \
	"... nor of a copy others may read, at its first openat (after main's first statement)"
# the control: that copy in its static startup, the window the mode 0711 closes (pidfd_getfd
# unless Yama restricts attaching)
taken="fd 0 taken"
[ "$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo 0)" = 0 ] ||
	taken="pidfd_getfd: Operation not permitted"
assert_eq "fd 0 opened
environ read
$taken" "$(held_try "$WORK/alcove-enter-0755" brk:delay_enter=2000000:when=1 12)" \
	"(a copy others may read is open to alctt1 in its static startup: the check can fail)"

# --- route 8: alcove-enter is static, and the login's LD_PRELOAD does not reach it
readelf -l "$BUILD/alcove-enter" | grep -q INTERP && fail "alcove-enter has an ELF interpreter"
[ -z "$(readelf -d "$BUILD/alcove-enter" | grep NEEDED)" ] || fail "alcove-enter needs shared libraries"
pass "alcove-enter is static: no interpreter, no shared library (libconfig neither)"
install -d -o alctt1 -g alctt1 -m 0755 "$HOME1/marks" "$HOME1/.ssh"
# Loaded: a line "pid-namespace executable" in the home (written, never executed).
cat >"$WORK/mark.c" <<MARK
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void)
{
	char path[256], ns[64] = "", exe[256] = "";
	ssize_t n;
	int fd;

	if ((n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1)) > 0) ns[n] = 0;
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) exe[n] = 0;
	snprintf(path, sizeof(path), "$HOME1/marks/%d", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) { dprintf(fd, "%s %s\\n", ns, exe); close(fd); }
}
MARK
cc -shared -fPIC -o "$LIBDIR/libmark.so" "$WORK/mark.c" || setup_fail "cc libmark.so"
chmod 755 "$LIBDIR/libmark.so"
host_ns=$(readlink /proc/self/ns/pid)
# LD_PRELOAD in the login's environment: su keeps root's (-w), sshd takes the client's (the
# test's AcceptEnv LD_PRELOAD, as a permissive AcceptEnv would). su itself, dynamic, loads it
# on the host: the control; alcove-enter, the user's shell there, must not.
out=$(LD_PRELOAD=$LIBDIR/libmark.so su - alctt1 -w LD_PRELOAD -c 'cat /proc/1/comm; echo "pre=$LD_PRELOAD"' </dev/null 2>&1)
assert_contains "$out" "alcove-init" "su - with LD_PRELOAD lands in the alcove"
assert_contains "$out" "pre=$LIBDIR/libmark.so" "... with LD_PRELOAD in the session's environment"
out=$(ssh_to alctt1 -o SetEnv=LD_PRELOAD=$LIBDIR/libmark.so -- 'cat /proc/1/comm; echo "pre=$LD_PRELOAD"' 2>&1)
assert_contains "$out" "alcove-init" "ssh with LD_PRELOAD lands in the alcove"
assert_contains "$out" "pre=$LIBDIR/libmark.so" "... with LD_PRELOAD in the session's environment"
assert_not_contains "$out" "cannot be preloaded" "... and nothing failed to load it"
marks=$(cat "$HOME1"/marks/* 2>/dev/null)
on_host=$(awk -v ns="$host_ns" '$1 == ns' <<<"$marks")
assert_contains "$on_host" "$host_ns $(readlink -f "$(command -v su)")" \
	"control: su, a dynamic program on the host, loaded the library"
[ -n "$(awk -v ns="$host_ns" '$1 != ns' <<<"$marks")" ] ||
	fail "the library loaded into no program inside the alcove: $marks"
pass "... and the programs inside the alcove loaded it"
assert_eq "" "$(awk -v su="$(readlink -f "$(command -v su)")" '$2 != su' <<<"$on_host")" \
	"su, ssh: alcove-enter, the user's shell on the host, loaded no LD_PRELOAD"
rm -f "$HOME1"/marks/*

# --- the ninth review: the lobby shows the home's path empty, for root code and sshd's child
# alike; ~/.pam_environment (pam_env user_readenv=1 in this sshd's and su's stacks, as Debian's)
# and ~/.ssh/rc are not read. (They were, as files of the tenant's: a symlink there to a host
# file read it into the login's environment with U's host groups, a FIFO held sshd's root
# monitor in fopen() for good.)
homes_unread() { # user home what: a marker in ~/.pam_environment, ~/.ssh/rc leaving a file
	local out
	install -d -o "$1" -g "$1" -m 0755 "$2/.ssh"
	echo "ALCTT_MARK DEFAULT=from-home" >"$2/.pam_environment"
	echo 'touch ~/rc-ran' >"$2/.ssh/rc"
	chown "$1:$1" "$2/.pam_environment" "$2/.ssh/rc"
	# the key check takes a change of ~/.ssh up to 20 ms before the connection's process
	# started (its 10 ms slack for ctime's coarse clock, and the start's 10 ms ticks) as made
	# during the login, and refuses it ("changed during this login"): the change goes first,
	# as put_keys in 49-ssh-channels does
	sleep 0.1
	out=$(ssh_to "$1" -- 'cat /proc/1/comm; pwd; echo "mark=[$ALCTT_MARK]"' 2>&1)
	assert_contains "$out" "alcove-init
$2
mark=[]" "$3: ssh lands in the alcove, at home, with no variable from ~/.pam_environment"
	[ ! -e "$2/rc-ran" ] || fail "$3: sshd ran ~/.ssh/rc"
	pass "$3: ~/.ssh/rc did not run"
	rm -f "$2/.pam_environment" "$2/.ssh/rc"
}
homes_unread alctt1 "$HOME1" "a home in /home"
echo "ALCTT_MARK DEFAULT=from-home" >"$HOME1/.pam_environment" && chown alctt1: "$HOME1/.pam_environment"
assert_contains "$(su - alctt1 -c 'cat /proc/1/comm; echo "mark=[$ALCTT_MARK]"' </dev/null 2>&1)" "alcove-init
mark=[]" "su -: no variable from ~/.pam_environment"
# A host file only a host group of alctt1's may read, which the profile does not pass through:
# pam_env read it with U's host groups (initgroups) through the tenant's symlink.
groupadd alcttsec || setup_fail "groupadd alcttsec"
on_exit "groupdel alcttsec"
usermod -aG alcttsec alctt1 || setup_fail "usermod -aG alcttsec alctt1"
echo "ALCTT_SECRET DEFAULT=host-secret" >/etc/alctt-secret && chgrp alcttsec /etc/alctt-secret &&
	chmod 0640 /etc/alctt-secret || setup_fail "/etc/alctt-secret"
on_exit "rm -f /etc/alctt-secret"
ln -sfn /etc/alctt-secret "$HOME1/.pam_environment" && chown -h alctt1: "$HOME1/.pam_environment"
assert_contains "$(setpriv --reuid alctt1 --regid alctt1 --init-groups cat "$HOME1/.pam_environment" 2>&1)" \
	host-secret "control: alctt1's host groups read the host file through the symlink"
assert_contains "$(ssh_to alctt1 -- 'cat /proc/1/comm; echo "secret=[$ALCTT_SECRET]"' 2>&1)" "alcove-init
secret=[]" "~/.pam_environment -> a host file of a host group's: not in the session's environment"
# A FIFO: the login goes through, and no root monitor of alctt1's stays blocked in it.
rm -f "$HOME1/.pam_environment" && mkfifo -m 0644 "$HOME1/.pam_environment" &&
	chown alctt1: "$HOME1/.pam_environment" || setup_fail "mkfifo ~/.pam_environment"
mapfile -t sshopts < <(_ssh_common_opts)
assert_eq alcove-init "$(timeout 30 ssh "${sshopts[@]}" -p "$SSHD_PORT" -l alctt1 127.0.0.1 cat /proc/1/comm 2>&1)" \
	"~/.pam_environment a FIFO: ssh lands in the alcove"
sleep 1
assert_eq 0 "$(pgrep -u 0 -cf 'alctt1 \[priv\]')" "... and no root sshd monitor of alctt1's is left"
rm -f "$HOME1/.pam_environment"

# ... nor through /proc/PID/root of an alcove process in root mode: U's host processes (sshd's
# child in the lobby, what it runs) reached the alcove's own tree there while U owned the
# alcove's user namespace (every capability over it: a library there loaded into the host's
# /bin/sh for ~/.ssh/rc); its owner is now S, an id no process holds. Named through a tenant
# process that is dumpable and U's own (the login's sleep), not only through init (not
# dumpable): the namespace's owner is what refuses it.
"$ALCOVECTL" --config "$conf" stop alctt1 >/dev/null 2>&1
rootconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"keep\"; };
rules = ( { user = \"alctt1\"; profile = \"defaults\"; } );")
sshd_pam_write "$SSHD_SERVICE" "session required $BUILD/pam_alcove.so config=$rootconf helper=$BUILD/alcove-helper"
ssh_bg alctt1 -- sleep 600
on_exit "kill $SSH_BG_PID"
state=/run/alcove/$(id -u alctt1)/state
wait_until 100 grep -q "^pid=" "$state" || fail "the root-mode alcove of alctt1 is not running"
wait_until 100 pgrep -u alctt1 -x sleep || fail "no sleep of alctt1's in its alcove"
pid=$(pgrep -u alctt1 -x sleep | head -1)
assert_eq 1 "$(awk '/^NSpid:/ {print ($3 != "")}' "/proc/$pid/status")" "the sleep is the alcove's (a pid in its namespace too)"
assert_eq in "$(ssh_to alctt1 -- 'cp /bin/true /opt/alctt-mine && echo in' 2>&1)" \
	"root mode: a file copied into the alcove's own tree"
[ -e "/proc/$pid/root/opt/alctt-mine" ] || fail "no /proc/$pid/root/opt/alctt-mine to name"
assert_contains "$(setpriv --reuid alctt1 --regid alctt1 --init-groups head -c1 "/proc/$pid/root/opt/alctt-mine" 2>&1)" \
	"Permission denied" "root mode: alctt1 on the host cannot open the alcove's tree through /proc/PID/root"
kill "$SSH_BG_PID" 2>/dev/null
"$ALCOVECTL" --config "$rootconf" stop alctt1 >/dev/null 2>&1

# ... and a host directory the alcove writes (a writable profile mount; a home pattern's
# directory alike), which the lobby shows at its host path, is noexec there
WDIR=$(mktemp -d /usr/local/lib/alctt-w-XXXXXX) && chown alctt1: "$WDIR" || setup_fail "mktemp $WDIR"
on_exit "rm -rf $WDIR"
wconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; mounts = ( { source = \"$WDIR\"; target = \"/w\"; writable = true; } ); };
rules = ( { user = \"alctt1\"; profile = \"defaults\"; } );")
sshd_pam_write "$SSHD_SERVICE" "session required $BUILD/pam_alcove.so config=$wconf helper=$BUILD/alcove-helper"
ssh_bg alctt1 -- sleep 600
on_exit "kill $SSH_BG_PID"
wait_until 100 pgrep -u alctt1 -x sleep || fail "no sleep of alctt1's in its alcove"
child=$(pgrep -u alctt1 -xf "$SSHD_SERVICE: alctt1(@.*)?" | head -1)
[ -n "$child" ] || fail "no sshd session process of alctt1's"
assert_contains "$(awk -v d="$WDIR" '$5 == d {print $6}' "/proc/$child/mountinfo")" noexec \
	"a writable mount: the lobby shows its host path noexec"
kill "$SSH_BG_PID" 2>/dev/null

# ... a home right below / (/alctt2): it has no parent to mask, so the lobby covers the home
# itself with an empty directory (it showed the host's directory, executable: found by a
# fifth review; then the alcove's volume, the tenant's files)
pam_user alctt2 -d /alctt2
hconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alctt2\"; profile = \"defaults\"; } );")
sshd_pam_write "$SSHD_SERVICE" "session required $BUILD/pam_alcove.so config=$hconf helper=$BUILD/alcove-helper"
sshd_authorize alctt2
homes_unread alctt2 /alctt2 "a home right below /"
