#!/bin/bash
# alcove-init and alcove-enter without the helper: tests/lib/init_launch.py starts init in
# fresh user/mount/PID namespaces with the control socket at its real place,
# /run/alcove/<uid>/control, and the test user runs build/alcove-enter as a login would.
. "$(dirname "$0")/../lib/common.sh"

[ -x "$BUILD/alcove-init" ] && [ -x "$BUILD/alcove-enter" ] || fail "build first (make)"
LIB=$ALCOVE_SRC/tests/lib
PY=/usr/bin/python3 # the distribution's (tests/install-deps.sh), reachable by the test users
USER1=alcb2a
USER2=alcb2b
make_user $USER1
make_user $USER2
U=$(id -u $USER1)
G=$(id -g $USER1)
U2=$(id -u $USER2)
G2=$(id -g $USER2)
HOME1=/home/$USER1
D=$(mktemp -d /run/alcove-tests/alcb2-XXXXXX)
chmod 1777 "$D" # sessions of the test user write markers here
on_exit "rm -rf $D"
mkdir -p -m 0755 /run/alcove
rm -rf "/run/alcove/$U"
mkdir -m 0711 "/run/alcove/$U"
on_exit "rm -rf /run/alcove/$U"
SOCK=/run/alcove/$U/control
ADMIN=/run/alcove/$U/admin

# HOLD, RELEASE, STOP and STATUS go to the admin socket (host root's); the user's control
# socket serves sessions only.
proto() { $PY "$LIB/alcove_proto.py" "$ADMIN" "$@"; }
uproto() { $PY "$LIB/alcove_proto.py" "$SOCK" "$@"; }

# Kills an alcove-init we started if it still runs (a pid is checked before it is killed).
kill_init() { # pid
	grep -qa "alcove-init.*--user=$USER1" "/proc/$1/cmdline" 2>/dev/null || return 0
	kill -KILL "$1"
	wait_until 100 eval "! test -e /proc/$1" # its cgroup is removed next
}

# start_init [--cgroup DIR] INIT-OPTIONS...: sets INIT_PID and LAUNCH_PID.
start_init() {
	local cg=()
	if [ "$1" = --cgroup ]; then
		cg=(--cgroup "$2")
		shift 2
	fi
	rm -f "$D/pid"
	$PY "$LIB/init_launch.py" --user $USER1 --socket "$SOCK" --admin "$ADMIN" --pidfile "$D/pid" \
		"${cg[@]}" \
		-- "$BUILD/alcove-init" --uid="$U" --gid="$G" --groups="$G,5" --home="$HOME1" \
		--no-new-privs --user=$USER1 "$@" >>"$D/init.log" 2>&1 &
	LAUNCH_PID=$!
	wait_until 100 test -s "$D/pid" || fail "alcove-init did not start: $(cat "$D/init.log")"
	INIT_PID=$(cat "$D/pid")
	on_exit "kill_init $INIT_PID"
	wait_until 100 proto status || fail "alcove-init does not answer: $(cat "$D/init.log")"
}

# Waits for the launcher, i.e. for init's end; sets INIT_RC to init's exit status.
wait_init() {
	INIT_RC=0
	wait "$LAUNCH_PID" || INIT_RC=$?
}

# alcove-enter as USER1, the way sshd execs a login's shell (clean env, ALCOVE_NAME set).
enter() {
	setpriv --reuid="$U" --regid="$G" --init-groups env -i HOME=$HOME1 \
		PATH=/usr/local/bin:/usr/bin:/bin ALCOVE_NAME="$U" "$BUILD/alcove-enter" "$@"
}
# The same for `enter_exec ... &`: $! is then alcove-enter itself, not a subshell.
enter_exec() {
	exec setpriv --reuid="$U" --regid="$G" --init-groups env -i HOME=$HOME1 \
		PATH=/usr/local/bin:/usr/bin:/bin ALCOVE_NAME="$U" "$BUILD/alcove-enter" "$@"
}

# A lobby as the helper builds it, in a private mount ns: /run/alcove/shell is the real
# shell, the alcove's run dir is there. Runs CMD... (as root; use setpriv inside).
in_lobby() {
	unshare -m --propagation private bash -c '
		set -e
		mkdir -p "$1/keep" && mount --bind "/run/alcove/$2" "$1/keep"
		mount -t tmpfs -o mode=0755 lobby /run/alcove
		mkdir -m 0711 "/run/alcove/$2" && mount --bind "$1/keep" "/run/alcove/$2"
		touch /run/alcove/shell && mount --bind /bin/bash /run/alcove/shell
		shift 2
		exec "$@"' lobby "$D" "$U" "$@"
}

# A client that makes init the last holder of a lingering TCP socket (see below): STATUS
# on the admin socket must still answer.
linger_attack() { # mode
	rm -f "$D/lingered"
	# refused: init stopped until the fd is queued, or it may refuse (and shut the
	# connection's reading side: EPIPE) before the attack has sent it
	[ "$1" != refused ] || kill -STOP "$INIT_PID"
	$PY "$LIB/linger_attack.py" "$1" "$SOCK" "$D/lingered" &
	linger=$!
	on_exit "kill $linger"
	wait_until 100 test -e "$D/lingered" || fail "$1: the lingering socket was not passed"
	[ "$1" != refused ] || kill -CONT "$INIT_PID"
	sleep 1 # init has read the packets by now, and its sessions ended
	out=$(timeout 3 $PY "$LIB/alcove_proto.py" "$ADMIN" status)
	assert_contains "$out" "sessions=" "$1: with a lingering TCP socket passed to it, init still answers STATUS"
	kill "$linger"
	wait "$linger" 2>/dev/null
}

# ---------------------------------------------------------------------------------------
# Part 1: on_last_logout=keep; most behaviour of a session. A hold stands for the PAM
# session that keeps a real alcove in use between its logins.
start_init --on-last-logout=keep
sleep 100000 &
holder=$!
on_exit "kill $holder"
assert_eq ok "$(proto hold pam-1 $holder)" "HOLD with the pidfd of a PAM application"

rc=0
enter -c 'exit 7' || rc=$?
assert_eq 7 "$rc" "exit status 7 passes through"

# A session that asks to be traced (PTRACE_TRACEME) has init as its tracer, and its stops reach
# init's waitpid: not its end (init took one for its exit, told the client so, and left the
# process frozen in a trace stop). Init lets it go with the signal that stopped it.
cat >"$D/traceme.py" <<'PY'
import ctypes, os, signal
signal.signal(signal.SIGUSR1, lambda *a: print("usr1", flush=True))
ctypes.CDLL(None).ptrace(0, 0, None, None)  # PTRACE_TRACEME
os.kill(os.getpid(), signal.SIGUSR1)
print("alive", flush=True)
os._exit(9)
PY
rc=0
# (into a file: a pipe would wait for the frozen process, which holds it)
enter -c "exec $PY $D/traceme.py" >"$D/traceme.out" || rc=$?
assert_eq "usr1
alive" "$(cat "$D/traceme.out")" "a traced session's signal stop is passed on to it, not taken for its end"
assert_eq 9 "$rc" "... and the client gets its own exit status"

# SO_PEERCRED (before the flood below, whose refusals use up the 10 s budget of such lines):
# a peer that gets through the file mode but is neither the login user nor
# unmapped (host root shows up as the overflow uid; so would any unmapped host uid, which
# is why the socket's 0600 mode matters) is refused: host uid S+5 is ns uid 5.
S=$(awk -F: -v u=$USER1 '$1 == u { print $2; exit }' /etc/subuid)
chmod 0666 "$SOCK"
out=$(setpriv --reuid=$((S + 5)) --regid=$((S + 5)) --clear-groups $PY "$LIB/alcove_proto.py" "$SOCK" connect)
chmod 0600 "$SOCK"
assert_eq closed "$out" "a peer that is ns uid 5 (not the user, not host root) is refused"
assert_contains "$(cat "$D/init.log")" "refusing a connection from uid 5" "the refusal is logged"

# The user's connections never take the descriptors the admin socket needs: at RLIMIT_NOFILE
# 200, 300 connections of the user's are refused past a reserve, and STATUS on the admin socket
# still answers (init failed every accept with EMFILE, the admin's too, a log line each time
# on a level-triggered listener: spinning).
soft=$(prlimit --pid "$INIT_PID" --nofile --output SOFT --noheadings) || fail "prlimit --pid"
prlimit --pid "$INIT_PID" --nofile=200: || fail "prlimit --nofile=200: on init"
# Each connect waits for room in the backlog (64), up to SO_SNDTIMEO: with a Python timeout
# instead the socket is non-blocking, and a full backlog fails the connect at once (EAGAIN),
# so how many were refused (and whether more than the 20 lines the log budget shows) was a
# race between this loop and init's accepts.
setpriv --reuid="$U" --regid="$G" --init-groups $PY -c '
import socket, struct, sys, time
held = []
for i in range(300):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", 5, 0))
    try:
        c.connect(sys.argv[1])
    except OSError:
        pass
    held.append(c)
open(sys.argv[2], "w").close()
time.sleep(30)' "$SOCK" "$D/flooded" &
flood=$!
on_exit "kill $flood"
wait_until 300 test -e "$D/flooded" || fail "the 300 connections were not made"
linger_attack refused # (a connection past the reserve, refused)
assert_eq ok "$(proto hold pam-fd $holder)" "with 300 connections of the user's, the admin socket serves HOLD"
assert_eq ok "$(proto release pam-fd)" "... and RELEASE"
kill "$flood"
wait "$flood" 2>/dev/null
assert_contains "$(cat "$D/init.log")" "refusing a connection on the control socket: " \
	"connections past the reserve are refused, logged"
# ... but not a line each: the tenant's only way into the host's journal, ~22000 lines/s (journald
# then rate-limits the alcove's real lines too); 20 per 10 s, then a count of those left out
n=$(grep -c "refusing a connection on the control socket: " "$D/init.log")
[ "$n" -le 20 ] || fail "init logged $n refused connections of one flood (at most 20 in 10 s)"
n=$(grep -c "Failed to accept" "$D/init.log")
[ "$n" -le 1 ] || fail "init logged $n failed accepts: $(grep "Failed to accept" "$D/init.log" | sort | uniq -c)"
pass "init did not spin on a failing accept ($n lines)"
# Holds take descriptors too (a PAM session without a shell, ssh -N): they stop short of the
# admin socket's, which then still answers (init's accepts failed with EMFILE: "closed").
out=$($PY -c '
import os, socket, sys
sys.path.insert(0, sys.argv[2])
from alcove_proto import packet, HOLD, RELEASE, answer, connect
fd = os.pidfd_open(int(sys.argv[3]))
first = "all 300 held"
for i in range(300):
    s = connect(sys.argv[1])
    socket.send_fds(s, [packet(HOLD, b"pam-fd%d\0" % i)], [fd])
    a = answer(s)
    s.close()
    if a != "ok":
        first = a
        break
print(first)
for i in range(300):
    s = connect(sys.argv[1])
    s.send(packet(RELEASE, b"pam-fd%d\0" % i))
    answer(s)
    s.close()' "$ADMIN" "$LIB" "$holder")
assert_contains "$out" "error 24 hold 'pam-fd" "holds stop short of the admin socket's descriptors (EMFILE): $out"
assert_contains "$(proto status)" "sessions=" "... which still answers STATUS"
prlimit --pid "$INIT_PID" --nofile="$soft:" || fail "prlimit back"

out=$(cd / && enter -c 'id -u; id -g; tr "\0" " " </proc/1/cmdline; echo; echo $$; grep NoNewPrivs /proc/self/status; id -G')
assert_eq "$U" "$(sed -n 1p <<<"$out")" "session runs as the login uid"
assert_eq "$G" "$(sed -n 2p <<<"$out")" "session runs as the login gid"
assert_contains "$(sed -n 3p <<<"$out")" "$BUILD/alcove-init" "PID 1 inside is alcove-init"
[ "$(sed -n 4p <<<"$out")" -gt 1 ] || fail "session pid is not in the alcove's PID ns: $out"
pass "session pid is small: in the alcove's PID ns"
assert_eq "NoNewPrivs:	1" "$(sed -n 5p <<<"$out")" "no_new_privs is set"
assert_eq "$G 5" "$(sed -n 6p <<<"$out")" "supplementary groups from --groups (tty = 5)"

out=$(cd / && setpriv --reuid="$U" --regid="$G" --init-groups env -i HOME=$HOME1 ALCOVE_NAME="$U" \
	PATH=/usr/bin:/bin bash -c "exec -a -bash $BUILD/alcove-enter -c 'shopt -q login_shell && echo login; echo \$0'")
assert_eq "login
-bash" "$out" "argv[0] '-bash' arrives: a login shell"

out=$(cd /root && enter -c pwd)
assert_eq "$HOME1" "$out" "a cwd the user cannot enter falls back to the home"
out=$(cd /usr/share && enter -c pwd)
assert_eq /usr/share "$out" "the cwd is kept"
out=$(enter -c 'echo "FOO=[$FOO]"' </dev/null)
assert_eq "FOO=[]" "$out" "environment is the caller's"
out=$(setpriv --reuid="$U" --regid="$G" --init-groups env -i FOO=bar ALCOVE_NAME="$U" \
	PATH=/usr/bin:/bin "$BUILD/alcove-enter" -c 'echo "$FOO"')
assert_eq bar "$out" "environment variables pass"

# The login's umask and resource limits (pam_umask/pam_limits set them on the client) are
# the session's, not init's. `ulimit -n` sets the soft and the hard limit; the sub-shell
# keeps them from this script.
out=$(ulimit -n 123 && umask 027 && enter -c 'ulimit -n; ulimit -Hn; umask')
assert_eq "123
123
0027" "$out" "the session has the client's umask 0027 and RLIMIT_NOFILE 123 (soft and hard)"
(ulimit -Sc 0 && ulimit -Ss 4096 && ulimit -Sq 4096 && cat /proc/self/limits >"$D/limits.client" &&
	enter -c 'cat /proc/self/limits' >"$D/limits.session")
[ "$(wc -l <"$D/limits.client")" -gt 16 ] || fail "no limits read: $(cat "$D/limits.client")"
diff -u "$D/limits.client" "$D/limits.session" || fail "the session's limits differ from the client's"
pass "every resource limit of the client reaches the session"

head -c 4M /dev/urandom >"$D/data"
want=$(sha256sum <"$D/data" | cut -d' ' -f1)
got=$(enter -c cat <"$D/data" | sha256sum | cut -d' ' -f1)
assert_eq "$want" "$got" "4 MiB through stdin/stdout unchanged"
got=$(enter -c 'cat >&2' <"$D/data" 2>&1 >/dev/null | sha256sum | cut -d' ' -f1)
assert_eq "$want" "$got" "4 MiB through stderr unchanged"

rc=0
enter -c 'kill -INT $$' || rc=$?
assert_eq 130 "$rc" "a session killed by SIGINT: the client dies of SIGINT too"
rc=0
enter -c 'kill -TERM $$' || rc=$?
assert_eq 143 "$rc" "a session killed by SIGTERM: the client dies of SIGTERM too"

# SIGTERM to the client (sshd's "signal" request, kill) is relayed to the session.
rm -f "$D/ready"
enter_exec -c "trap 'exit 42' TERM; touch $D/ready; while :; do sleep 0.1; done" &
cpid=$!
wait_until 100 test -e "$D/ready" || fail "session did not start"
kill -TERM $cpid
rc=0
wait $cpid || rc=$?
assert_eq 42 "$rc" "SIGTERM to alcove-enter reaches the session (trap exit 42)"

# The client vanishing (sshd killed) hangs up the session.
rm -f "$D/ready"
enter_exec -c "trap 'echo hup >$D/hup; exit 0' HUP; touch $D/ready; while :; do sleep 0.1; done" &
cpid=$!
wait_until 100 test -e "$D/ready" || fail "session did not start"
kill -KILL $cpid
wait $cpid 2>/dev/null
wait_until 100 test -e "$D/hup" || fail "session got no SIGHUP when its client died"
pass "a client that dies hangs up its session (SIGHUP)"

# Two concurrent sessions: A blocks on a fifo while B runs and sees A.
mkfifo -m 0666 "$D/fifo"
rm -f "$D/ready"
enter -c "touch $D/ready; read x <$D/fifo; echo A-done \$x" >"$D/a.out" &
apid=$!
wait_until 100 test -e "$D/ready" || fail "session A did not start"
out=$(enter -c 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\0" " "')
assert_contains "$out" "read x" "a second session runs while the first is open, and sees it"
assert_eq "sessions=1 holds=1 processes=2" "$(proto status)" "STATUS counts the open session"
echo go >"$D/fifo"
wait $apid || fail "session A failed"
assert_eq "A-done go" "$(cat "$D/a.out")" "the first session ends normally afterwards"

# An executable that does not exist: the error names it, nothing runs.
usermod -s /bin/alcb-nosuch $USER1
rc=0
err=$(enter -c 'echo ran' 2>&1) || rc=$?
usermod -s /bin/bash $USER1
assert_eq 1 "$rc" "ENOENT shell: alcove-enter exits 1"
assert_contains "$err" "exec '/bin/alcb-nosuch': No such file or directory" "ENOENT shell: the error names it"
assert_not_contains "$err" "ran" "ENOENT shell: nothing ran"

# Malformed and hostile requests close that connection only.
for kind in text magic version length oversized argc nonul answer; do
	assert_eq closed "$(uproto garbage $kind)" "malformed request ($kind) drops the connection"
done
# (an ENTER's fds are received by its session's child, never by init: the child counts them)
assert_eq "error 74 receive the ENTER request" "$(uproto garbage fds)" \
	"an ENTER with one fd instead of three is refused by the session's child"

# An fd a client passes is never init's to close: closing the last reference of a TCP socket
# with SO_LINGER and unsent data blocks until its peer reads (init's signals are blocked, so
# nothing ends the wait), and a FUSE file's flush blocks at every close(2). Each way of making
# init release one (tests/lib/linger_attack.py): a SIGNAL that carries it; an ENTER, then an
# empty packet (which reads as EOF) and the fd behind it; a connection that init refuses, sent
# before init accepts it. Released by a child of init's: STATUS on the admin socket answers
# (init sat in close() and every exchange timed out).
linger_attack signal
linger_attack empty-packet
# A path with a newline (an ENTER that fails to exec): init logs it on one line, escaped, so a
# client forges no line of init's in the journal
out=$(uproto garbage newline)
wait_until 50 grep -qF 'nonexistent\x0aalcove-init: forged' "$D/init.log" ||
	fail "init did not log the failed ENTER, its newline escaped (answer: $out): $(tail -3 "$D/init.log")"
assert_eq 0 "$(grep -c '^alcove-init: forged' "$D/init.log")" \
	"a newline in an ENTER's path forges no line of init's log (logged as \\x0a)"
kill -0 "$INIT_PID" || fail "alcove-init died of malformed requests"
rc=0
enter -c 'exit 3' || rc=$?
assert_eq 3 "$rc" "a session works after the malformed requests"
# (the flood of refused connections above, 10 s later: the count of the lines left out)
wait_until 150 grep -q "left out [0-9]* more lines of refused connections in 10 s" "$D/init.log" ||
	fail "no line with the count of the refusals left out: $(grep "refus" "$D/init.log" | tail -3)"
pass "a flood of refused connections wrote 20 lines, then the count of the rest"
assert_eq "error 1 HOLD is for the alcove helper only" "$(setpriv --reuid="$U" --regid="$G" \
	--init-groups $PY "$LIB/alcove_proto.py" "$SOCK" hold s1 $$)" "HOLD from the login user is refused"

# ns uid 65534 (host S+65534) looks like the overflow uid of host root, as every unmapped host
# uid does: HOLD and RELEASE are served on the admin socket only, whoever the peer seems to be.
chmod 0666 "$SOCK"
out=$(nsenter -t "$INIT_PID" -U -p -S 65534 -G 65534 -- $PY "$LIB/alcove_proto.py" "$SOCK" hold s2 1)
out2=$(nsenter -t "$INIT_PID" -U -p -S 65534 -G 65534 -- $PY "$LIB/alcove_proto.py" "$SOCK" release pam-1)
chmod 0600 "$SOCK"
assert_eq "error 1 HOLD is for the alcove helper only" "$out" \
	"HOLD from ns uid 65534 inside the alcove (the overflow uid, but a pid) is refused"
assert_eq "error 1 RELEASE is for the alcove helper only" "$out2" "... and so is RELEASE"

# Controlling terminal: ^C on the tty reaches the session. The caller's pty is not the
# alcove's (no lobby here): the session gets a pty of its own, relayed (issue 12, route 2).
out=$($PY - "$U" "$G" "$HOME1" "$BUILD/alcove-enter" <<'PY'
import fcntl, os, select, sys, termios
uid, gid, home, enter = sys.argv[1:]
m, s = os.openpty()
name = os.ttyname(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.execvp("setpriv", ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--init-groups",
              "env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", f"ALCOVE_NAME={uid}", enter,
              "-c", "tty; echo READY; sleep 1000; echo NOT-INTERRUPTED"])
os.close(s)
buf = b""
while b"READY" not in buf:
    r, _, _ = select.select([m], [], [], 30)
    if not r:
        sys.exit("no READY: " + repr(buf))
    buf += os.read(m, 1024)
os.write(m, b"\x03")
while True:
    r, _, _ = select.select([m], [], [], 30)
    if not r:
        sys.exit("session did not end")
    try:
        b = os.read(m, 1024)
    except OSError:
        break
    if not b:
        break
    buf += b
_, st = os.waitpid(pid, 0)
print(name)
print(buf.decode(errors="replace").replace("\r", ""))
print("signal", os.WTERMSIG(st) if os.WIFSIGNALED(st) else "none", "exit",
      os.WEXITSTATUS(st) if os.WIFEXITED(st) else "none")
PY
)
tty=$(sed -n 1p <<<"$out")
inner=$(sed -n 2p <<<"$out")
[[ $inner =~ ^/dev/pts/[0-9]+$ ]] && [ "$inner" != "$tty" ] ||
	fail "the session's terminal: '$inner' (the caller's: $tty)"
pass "the session has a pty of its own, not the caller's (tty prints $inner, the caller's is $tty)"
assert_not_contains "$out" NOT-INTERRUPTED "^C interrupts the session's foreground job"
assert_contains "$out" "signal 2 exit none" "^C: alcove-enter dies of SIGINT like the shell"

# A process left behind keeps the alcove (keep), until it ends.
out=$(enter -c 'sleep 100000 </dev/null >/dev/null 2>&1 & echo $!')
assert_eq ok "$(proto release pam-1)" "RELEASE of the hold"
assert_eq "sessions=0 holds=0 processes=2" "$(proto status)" "keep: a background process keeps the alcove"
kill -0 "$INIT_PID" || fail "keep: init exited with a process left"
enter -c "kill $out"
wait_init
assert_eq 0 "$INIT_RC" "keep: init exits (0) once the last process is gone"

# The stale socket of an ended alcove: fail closed, no shell.
rc=0
err=$(enter -c 'echo contained-shell' 2>&1) || rc=$?
assert_eq 1 "$rc" "no init behind an existing socket: exit 1 (fail closed)"
assert_contains "$err" "alcove-enter: your alcove is not running ($SOCK: Connection refused); log in again" \
	"no init behind an existing socket: one clear line"
assert_not_contains "$err" "contained-shell" "no init behind an existing socket: nothing ran"

# Without an alcove session alcove-enter is the real shell (in a lobby).
out=$(in_lobby setpriv --reuid="$U" --regid="$G" --init-groups env -i PATH=/usr/bin:/bin \
	"$BUILD/alcove-enter" -c 'echo real $BASH_VERSION')
assert_contains "$out" "real 5" "no ALCOVE_NAME: the real shell runs"
out=$(in_lobby setpriv --reuid="$U" --regid="$G" --init-groups env -i PATH=/usr/bin:/bin \
	ALCOVE_NAME=../$U "$BUILD/alcove-enter" -c 'echo real')
assert_eq real "$out" "an invalid ALCOVE_NAME: the real shell runs"
out=$(in_lobby setpriv --reuid="$U2" --regid="$G2" --init-groups env -i PATH=/usr/bin:/bin \
	ALCOVE_NAME="$U" "$BUILD/alcove-enter" -c 'echo real $(id -un)')
assert_eq "real $USER2" "$out" "another user's alcove: the real shell, as that user"
rc=0
err=$(setpriv --reuid="$U2" --regid="$G2" --init-groups env -i "$BUILD/alcove-enter" -c 'echo x' 2>&1) || rc=$?
assert_eq "1 alcove-enter: no alcove session and no real shell" "$rc $err" "no real shell either: one line, exit 1"

# ---------------------------------------------------------------------------------------
# Part 2: on_last_logout=stop with a delegated cgroup and a hold.
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
if [ -z "$CG2" ]; then
	mkdir -p "$D/cg2"
	mount -t cgroup2 cgroup2 "$D/cg2" || fail "cannot mount cgroup2"
	on_exit "umount $D/cg2"
	CG2=$D/cg2
fi
CG=$CG2/alcb2-init-test-$$
mkdir "$CG"
on_exit "rmdir $CG/login-* $CG/init $CG"

kill $holder
wait $holder 2>/dev/null
sleep 100000 &
holder=$!
on_exit "kill $holder"
start_init --cgroup "$CG" --on-last-logout=stop --cgroup
assert_eq ok "$(proto hold sess-1 $holder)" "HOLD in a stop alcove"
out=$(enter -c 'grep ^0:: /proc/self/cgroup /proc/1/cgroup')
assert_eq "/proc/self/cgroup:0::/login-1
/proc/1/cgroup:0::/init" "$out" "--cgroup: init lives in init/, the login in login-1/"
assert_eq 0 "$(cat "$CG/cgroup.procs" | wc -l)" "--cgroup: no process in the delegated root (no-internal-process rule)"
[ ! -e "$CG/login-1" ] || fail "the emptied login-1 cgroup was not removed"
pass "--cgroup: an emptied login cgroup is removed"
# A session that cannot be started (fork fails: init may have no second process) leaves no
# login cgroup behind either.
nproc=$(prlimit --pid "$INIT_PID" --nproc --raw --noheadings -o SOFT) || fail "prlimit on init"
prlimit --pid "$INIT_PID" --nproc=1: || fail "prlimit on init"
out=$(enter -c 'echo started' 2>&1) && fail "a session started without a process to spare: $out"
assert_contains "$out" "Resource temporarily unavailable" "a failed fork fails the ENTER"
prlimit --pid "$INIT_PID" --nproc="$nproc": || fail "prlimit on init"
assert_eq "" "$(cd "$CG" && ls -d login-* 2>/dev/null)" "a session that never started leaves no login cgroup"

enter -c 'exit 0'
assert_eq "sessions=0 holds=1 processes=1" "$(proto status)" "stop: a hold keeps the alcove after the last session"
assert_eq "error 2 release hold 'nosuch'" "$(proto release nosuch)" "RELEASE of an unknown hold: ENOENT"
rm -f "$D/ready"
enter -c "sleep 100000 </dev/null >/dev/null 2>&1 & touch $D/ready; read x" </dev/null >/dev/null &
wait_until 100 test -e "$D/ready" || fail "session did not start"
wait $!
kill $holder
wait $holder 2>/dev/null
wait_init
assert_eq 0 "$INIT_RC" "stop: the holder's exit ends the alcove, background process and all"

# ---------------------------------------------------------------------------------------
# Part 3: SIGTERM to init ends every session; idle ends an unused alcove by itself.
start_init --on-last-logout=keep
rm -f "$D/ready"
enter_exec -c "touch $D/ready; sleep 100000" &
cpid=$!
wait_until 100 test -e "$D/ready" || fail "session did not start"
kill -TERM "$INIT_PID"
rc=0
wait $cpid || rc=$?
assert_eq 143 "$rc" "SIGTERM to init: the session ends by SIGTERM, reported to the client"
wait_init
assert_eq 0 "$INIT_RC" "SIGTERM to init: init exits 0"

# A process that ignores SIGTERM is killed 3 s later.
start_init --on-last-logout=idle --idle-timeout=1
assert_eq ok "$(proto hold h $$)" "HOLD (by this script) in an idle alcove"
enter -c "trap '' TERM; setsid sleep 100000 </dev/null >/dev/null 2>&1 & echo started" >/dev/null
assert_eq ok "$(proto stop)" "STOP is accepted"
assert_contains "$(proto hold h2 $$)" "error 108" "HOLD while stopping: ESHUTDOWN"
wait_init
assert_eq 0 "$INIT_RC" "STOP: init exits 0"
assert_contains "$(cat "$D/init.log")" "SIGKILL to every process" "STOP: a process ignoring SIGTERM gets SIGKILL"

start_init --on-last-logout=idle --idle-timeout=1
enter -c 'true'
wait_init
assert_eq 0 "$INIT_RC" "idle: init ends itself after the idle timeout"

# A hard limit above init's cannot be raised from inside the alcove (the kernel asks for
# CAP_SYS_RESOURCE in the initial user ns): the login still starts, with init's hard limit
# and the soft limit it asked for, and the limits after that one are applied too. Init's
# limit is lowered from outside (raising it back would need CAP_SYS_RESOURCE): an alcove of
# its own.
start_init --on-last-logout=stop
prlimit --pid "$INIT_PID" --nofile=1024:2048 || fail "prlimit on alcove-init"
rc=0
out=$(ulimit -n 4096 && ulimit -Sn 1500 && ulimit -Sq 4096 &&
	enter -c 'ulimit -Sn; ulimit -Hn; ulimit -Sq; exit 5') || rc=$?
assert_eq "5" "$rc" "a client hard limit above init's does not fail the login"
assert_eq "1500
2048
4096" "$out" "hard limit above init's: init's (2048), the soft one asked for (1500), the later ones applied"
wait_init
assert_eq 0 "$INIT_RC" "stop: init ends after that login"
