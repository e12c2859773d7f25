#!/bin/bash
# `sudo make demo`: one contained ssh login on this machine, with the build tree's programs,
# without touching the host's PAM or sshd configuration, and nothing left afterwards.
#
# It makes a throw-away user alcove-demo (with a free subordinate id range), a policy of its
# own (user mode on image = "/"), and a private sshd on 127.0.0.1 whose PAM service is a file
# of its own, /etc/pam.d/alcove-demo-sshd: Debian's sshd stack without pam_systemd, ending in
# the build's pam_alcove.so. On a terminal
# it logs you in (ssh -t); without one (stdin not a tty) it runs a short tour. Everything is
# removed on exit, Ctrl-C included.
#
# Environment: ALCOVE_DEMO_PORT (default: the first free port from 2401), BUILD (build/).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
. "$SRC/tests/lib/sshd_conf.sh"

USER_NAME=alcove-demo
NEIGHBOUR=alcove-demo2 # a second user whose home the login must not see
SERVICE=alcove-demo-sshd
PAM_FILE=/etc/pam.d/$SERVICE
MARK="alcove demo, removed when the demo ends"
# Under root's /run (0755), not the world-writable /run/lock, where anyone could plant a symlink
# or a file at the name: root would open that instead.
LOCK=/run/alcove-demo.lock
# Not under /tmp: the login's lobby has the alcove's /tmp, and sshd reads the keys there. One
# fixed name (the lock serialises demos), so that a demo killed with SIGKILL is found after.
RUN_DIR=/run/alcove-demo
export ALCOVE_HELPER=$BUILD/alcove-helper
CTL=$BUILD/alcovectl

say() { printf '%s\n' "$*"; }
die() {
	say "alcove demo: $*" >&2
	exit 1
}

# --- cleanup: each step undoes one thing the demo made, in reverse order; a step is armed only
# once its object exists, so an early failure or a Ctrl-C removes exactly what was made.
declare -A made=()
cleanup() {
	local rc=$? p
	trap '' INT TERM HUP
	[ -n "${made[client]:-}" ] && kill "${made[client]}" 2>/dev/null
	# (a TERM between sshd's start and the note of its pid: $! is that pid)
	[ "${made[sshd]:-}" = starting ] && made[sshd]=${!:-}
	[ -n "${made[sshd]:-}" ] && stop_sshd "${made[sshd]}"
	if [ -n "${made[user]:-}" ]; then
		stop_alcove
		remove_users
	fi
	[ -n "${made[pam]:-}" ] && rm -f "$PAM_FILE"
	[ -n "${made[dir]:-}" ] && rm -rf "${made[dir]}"
	# Directories the helper or sshd made because this machine had none: only if still empty.
	# /run/alcove holds, once the alcove is gone, the helper's empty anchor files "shell" and
	# "xauth" and directories "lobby" and "home" (the lobby's mount points); anything else
	# there is not the demo's.
	for p in ${made[rmdirs]:-}; do
		[ "$p" = /run/alcove ] && [ ! -s "$p/shell" ] && [ ! -s "$p/xauth" ] &&
			! find "$p" -mindepth 1 -maxdepth 1 ! -name shell ! -name xauth ! -name lobby \
				! -name home |
			grep -q . && rm -f "$p/shell" "$p/xauth"
		[ -d "$p" ] && find "$p" -depth -type d -empty -delete 2>/dev/null
	done
	[ -n "${made[lock]:-}" ] && rm -f "$LOCK"
	[ $rc = 0 ] && say "== Removed: the alcove, sshd, $PAM_FILE, the users and their ids."
	exit $rc
}
# The sessions first: they end by themselves once their client is gone (PAM closes them), or
# are sent a TERM; the listener reaps them (a session orphaned to PID 1 would linger as a
# zombie until PID 1 reaps it). Then the listener. All by pid.
stop_sshd() { # listener pid
	local n=50 p
	while [ -n "$(ps -o pid= --ppid "$1")" ] && ((n-- > 0)); do sleep 0.1; done
	for p in $(ps -o pid= --ppid "$1"); do kill "$p" 2>/dev/null; done
	n=50
	while [ -n "$(ps -o pid= --ppid "$1")" ] && ((n-- > 0)); do sleep 0.1; done
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

stop_alcove() {
	"$CTL" stop "$USER_NAME" >/dev/null 2>&1
	"$CTL" reset --yes "$USER_NAME" >/dev/null 2>&1
	rm -rf "/var/lib/alcove/$USER_NAME"
}

# userdel also removes the user's lines of /etc/subuid and /etc/subgid.
remove_users() {
	userdel -r -f "$USER_NAME" >/dev/null 2>&1
	userdel -r -f "$NEIGHBOUR" >/dev/null 2>&1
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

preflight() {
	local p
	[ "$(id -u)" = 0 ] || die "run it as root: sudo make demo"
	for p in alcove-helper alcove-init alcove-enter alcovectl pam_alcove.so; do
		[ -e "$BUILD/$p" ] || die "$BUILD/$p is missing: run make first"
		# The helper runs only from files and a directory that only root can write.
		[ "$(stat -c %u "$BUILD/$p")" = 0 ] ||
			die "$BUILD/$p is not root's (built by $(stat -c %U "$BUILD/$p")): the helper refuses programs others can replace; rebuild as root: make clean && sudo make demo"
	done
	for p in /usr/sbin/sshd ssh ssh-keygen useradd ss; do
		command -v "$p" >/dev/null || die "$p is missing: run make deps"
	done
	# One demo at a time on the machine (from any checkout): the names are fixed. The lock's
	# file goes with the demo; a second demo that opened it meanwhile still finds it locked.
	# Only root writes /run, so nothing can swap the name between the check and the open; the
	# open is checked again on the fd (a symlink followed would give another file's identity).
	# The lock is the path's file only if it still is once locked: a demo that ended between
	# this open and the flock removed the file, and a lock on a deleted file excludes no demo
	# that opens the name after (it creates and locks a new one). So the name is opened again.
	local try
	for try in 1 2 3; do
		if [ -L "$LOCK" ] || { [ -e "$LOCK" ] && { [ ! -f "$LOCK" ] || [ "$(stat -c %u "$LOCK")" != 0 ]; }; }; then
			die "$LOCK is not a regular file of root's (a symlink or someone else's file): not opening it"
		fi
		{ exec 9>>"$LOCK"; } 2>/dev/null || die "cannot open the demo's lock file $LOCK"
		[ "$(stat -L -c %d:%i /proc/$$/fd/9)" = "$(stat -c %d:%i "$LOCK")" ] && [ ! -L "$LOCK" ] ||
			die "$LOCK changed while it was opened: not using it"
		flock -n 9 || die "another demo is running ($LOCK)"
		[ "$(stat -L -c %d:%i /proc/$$/fd/9)" = "$(stat -c %d:%i "$LOCK" 2>/dev/null)" ] && break
		exec 9>&-
		[ "$try" = 3 ] && die "$LOCK was replaced each time it was locked (another demo starting and ending?): not using it"
	done
	made[lock]=1
	remove_stale_run_dir
	# Both names checked before either is removed: remove_users deletes both.
	local left=
	for p in "$USER_NAME" "$NEIGHBOUR"; do
		getent passwd "$p" >/dev/null || continue
		[ "$(getent passwd "$p" | cut -d: -f5)" = "$MARK" ] ||
			die "a user $p exists and is not the demo's: not touching it"
		left+=" $p"
	done
	if [ -n "$left" ]; then
		say "(removing what an interrupted demo left: the users$left)"
		stop_alcove
		remove_users
	fi
	# useradd -m only warns about a home that exists, and remove_users' userdel -r deletes it
	# and the mail spool, whoever made them: neither may exist for a user that does not.
	local home mail
	home=$(useradd -D 2>/dev/null | sed -n 's/^HOME=//p')
	mail=$(awk '$1 == "MAIL_DIR" { print $2 }' /etc/login.defs 2>/dev/null)
	for p in "${home:-/home}/$USER_NAME" "${home:-/home}/$NEIGHBOUR" \
		"${mail:-/var/mail}/$USER_NAME" "${mail:-/var/mail}/$NEIGHBOUR"; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		getent passwd "${p##*/}" >/dev/null ||
			die "$p exists and the user ${p##*/} does not: not touching it (the demo's cleanup would delete it)"
	done
	for p in /run/sshd /run/alcove /var/lib/alcove; do
		[ -e "$p" ] || made[rmdirs]+=" $p"
	done
}

# What a demo killed with SIGKILL left: its sshd (a session of its own, so it outlived the
# demo: stopped only if its pid file names a process running this sshd_config), its PAM file
# and its directory.
remove_stale_run_dir() {
	local pid
	[ -e "$RUN_DIR" ] || return 0
	[ -d "$RUN_DIR" ] && [ ! -L "$RUN_DIR" ] && [ "$(stat -c %u "$RUN_DIR")" = 0 ] ||
		die "$RUN_DIR exists and is not the demo's directory: not touching it"
	say "(removing what an interrupted demo left: $RUN_DIR)"
	pid=$(cat "$RUN_DIR/sshd.pid" 2>/dev/null)
	if [[ $pid =~ ^[0-9]+$ ]] &&
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-f $RUN_DIR/sshd_config "; then
		stop_sshd "$pid"
	fi
	grep -q "^# written by the alcove demo" "$PAM_FILE" 2>/dev/null && rm -f "$PAM_FILE"
	rm -rf "$RUN_DIR"
}

# The first 65536 ids from 100000 up that no subuid/subgid line and no account or group uses.
free_subid_start() {
	awk -F: -v n=65536 '
		FILENAME ~ /sub[ug]id$/ { lo[++k] = $2; hi[k] = $2 + $3; next }
		{ lo[++k] = $3; hi[k] = $3 + 1 }
		END {
			s = 100000
			do {
				moved = 0
				for (i = 1; i <= k; i++)
					if (lo[i] < s + n && hi[i] > s) { s = hi[i]; moved = 1 }
			} while (moved)
			print s
		}' /etc/subuid /etc/subgid /etc/passwd /etc/group
}

make_user() {
	local start
	# No range from useradd (SUB_UID_COUNT=0): the demo picks one that overlaps nothing.
	# Armed first: a Ctrl-C right after useradd still removes the user (preflight found
	# neither name taken by someone else's account).
	made[user]=1
	useradd -m -s /bin/bash -c "$MARK" -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$USER_NAME" ||
		die "useradd $USER_NAME failed"
	useradd -m -s /bin/bash -c "$MARK" -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 "$NEIGHBOUR" ||
		die "useradd $NEIGHBOUR failed"
	start=$(free_subid_start)
	SUBIDS="$start-$((start + 65535))"
	# usermod and userdel lock /etc/subuid and /etc/subgid (other tools may edit them now)
	usermod --add-subuids "$SUBIDS" --add-subgids "$SUBIDS" "$USER_NAME" ||
		die "usermod --add-subuids $SUBIDS failed"
}

# cgroup = "systemd" needs systemd as PID 1 and the system bus (the helper asks systemd for a
# scope); without them the demo runs without a scope, and so without resource limits.
pick_cgroup() {
	if [ -d /run/systemd/system ] && [ -S /run/dbus/system_bus_socket ]; then
		CGROUP=systemd
		# (the unit's name escapes the user name's "-", as systemd-escape does)
		CGROUP_WHY="a scope alcove-${USER_NAME//-/\\x2d}.scope (systemd is on the system bus)"
	else
		CGROUP=none
		CGROUP_WHY="none: no systemd on the system bus, so no scope and no resource limits"
	fi
}

write_policy() {
	POLICY=${made[dir]}/alcove.conf
	cat >"$POLICY" <<CONF
# The demo's policy (removed when the demo ends): alcove-demo is contained, nobody else.
defaults = {
	mode = "user";          # the user is themselves inside, with no capabilities on the host
	image = "/";            # the host's own system, read-only, others' files masked
	persist = false;        # changes to / live in a throw-away layer
	cgroup = "$CGROUP";
};
profiles = { demo = { }; };
rules = ( { user = "$USER_NAME"; profile = "demo"; } );
CONF
	# (its warnings are for a host's policy: that limits need cgroup = "systemd" is said above)
	local out
	out=$("$CTL" --config "$POLICY" check-config 2>&1) || die "the demo's policy does not load: $out"
}

# The first port from ALCOVE_DEMO_PORT (or 2401) that no socket listens on. A port is taken
# only on ss's word: when ss fails, the demo stops rather than start sshd on a port unchecked.
free_port() {
	local p out
	for p in $(seq "${ALCOVE_DEMO_PORT:-2401}" 2499); do
		out=$(ss -Htln "sport = :$p" 2>&1) ||
			die "ss -Htln failed, so no port can be checked: ${out:-no output}"
		[ -z "$out" ] && {
			echo "$p"
			return 0
		}
	done
	die "no free port in ${ALCOVE_DEMO_PORT:-2401}-2499"
}

# The demo's logins get no logind session: pam_systemd (in Debian's common-session) would
# start a systemd --user for alcove-demo on the host, outside the alcove, running what its home
# holds (the package's user@.service drop-in, config/systemd-user-manager.conf, prevents that
# for a contained user; a build tree installs none), and leave /run/user/UID behind for logind
# to remove later. So common-session's lines are copied in, pam_systemd's replaced by
# pam_permit: as many lines as before, so that a [success=N] jump still lands where it did.
pam_without_logind() {
	local line
	while IFS= read -r line; do
		if [ "$line" != "@include common-session" ]; then
			printf '%s\n' "$line"
			continue
		fi
		sed -E 's#^-?session[[:space:]].*[[:space:]](/[^[:space:]]*/)?pam_systemd\.so([[:space:]].*)?$#session optional pam_permit.so#' \
			/etc/pam.d/common-session || return 1
	done
}

start_sshd() {
	local dir=${made[dir]} pid n=100
	PORT=$(free_port) || exit 1 # (free_port said why)
	[ -e "$PAM_FILE" ] && ! grep -q "^# written by the alcove demo" "$PAM_FILE" &&
		die "$PAM_FILE exists and is not the demo's: not touching it"
	made[pam]=1
	sshd_pam_text "the alcove demo" "auth optional $BUILD/pam_alcove.so
session required $BUILD/pam_alcove.so config=$POLICY helper=$BUILD/alcove-helper sshd_config=$dir/sshd_config" |
		pam_without_logind >"$PAM_FILE" || die "Failed to write $PAM_FILE from /etc/pam.d/common-session"
	mkdir -p /run/sshd "$dir/keys"
	ln -s /usr/sbin/sshd "$dir/$SERVICE"
	ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key" || die "ssh-keygen failed"
	ssh-keygen -q -t ed25519 -N '' -C "$USER_NAME" -f "$dir/client_key" || die "ssh-keygen failed"
	install -m 0644 "$dir/client_key.pub" "$dir/keys/$USER_NAME"
	sshd_config_text "$PORT" "$dir" >"$dir/sshd_config"
	# A session of its own: the terminal's hangup must not reach sshd (on SIGHUP it re-executes
	# itself and leaves the sessions it had unreaped); the demo stops it by its pid.
	made[sshd]=starting
	setsid "$dir/$SERVICE" -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null 9>&- &
	pid=$!
	made[sshd]=$pid
	until grep -q "Server listening on 127.0.0.1 port $PORT" "$dir/sshd.log" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null || ((n-- == 0)); then
			die "sshd did not start: $(cat "$dir/sshd.log")"
		fi
		sleep 0.1
	done
}

demo_ssh() { # [-t] [command]; run it in the background: it becomes ssh (the pid to kill)
	local tty=()
	[ "${1:-}" = -t ] && tty=(-t) && shift
	exec ssh -F /dev/null -i "${made[dir]}/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
		"${tty[@]}" -p "$PORT" -l "$USER_NAME" 127.0.0.1 "$@"
}

# What the login sees, next to what the host has. The login waits on its stdin (a fifo) so that
# its alcove still runs when alcovectl lists it; closing the fifo ends the login.
tour() {
	local inside=() line dir=${made[dir]} pid to from st=0
	mkfifo "$dir/to" "$dir/from"
	demo_ssh 'exec 2>/dev/null; cat /proc/1/comm; hostname; id; ls /home | paste -sd " "
		test -e /home/'"$NEIGHBOUR"' && echo visible || echo absent; echo .; read -r _; exit 0' \
		<"$dir/to" >"$dir/from" &
	pid=$!
	made[client]=$pid
	exec {to}>"$dir/to" {from}<"$dir/from"
	while IFS= read -r -t 60 line <&$from || { st=$?; false; }; do
		[ "$line" = . ] && break
		inside+=("$line")
	done
	if [ ${#inside[@]} != 5 ]; then
		((st <= 128)) || kill "$pid" # silent for 60 s; else ssh closed its output: it ends
		wait "$pid"
		st=$?
		unset 'made[client]' # reaped: its pid may be another process's now
		login_failed $st
	fi
	say "== ssh $USER_NAME@127.0.0.1 -p $PORT runs in its alcove:"
	show "PID 1 (/proc/1/comm)" "${inside[0]}" "$(cat /proc/1/comm)"
	show "hostname" "${inside[1]}" "$(hostname)"
	show "id" "${inside[2]}"
	show "ls /home" "${inside[3]}" "$(ls /home | paste -sd ' ')"
	show "/home/$NEIGHBOUR" "${inside[4]}" "$(test -e "/home/$NEIGHBOUR" && echo visible)"
	say "== alcovectl list, from outside, while the login runs:"
	"$CTL" list | awk -v u="$USER_NAME" 'NR == 1 || $1 == u { print "   " $0 }'
	exec {to}>&- {from}<&-
	wait "$pid"
	st=$?
	unset 'made[client]'
	((st == 0)) || die "the ssh login ended with status $st"
}

show() { # what inside [host]
	if [ $# = 3 ]; then
		printf '   %-21s %-20s (on the host: %s)\n' "$1:" "$2" "$3"
	else
		printf '   %-21s %s\n' "$1:" "$2"
	fi
}

interactive() {
	say "== Logging you in as $USER_NAME, inside its alcove. Try: cat /proc/1/comm; ps -ef;"
	say "   hostname; ls /home ($NEIGHBOUR's home is not there); touch /usr/x (refused)."
	say "   From another terminal: sudo $CTL list. Leave with: exit (or Ctrl-D)."
	# In the background with the terminal as its stdin, so that a TERM or HUP to this script
	# cleans up at once: bash runs a trap only when its foreground child has ended, but
	# interrupts a wait. (Ctrl-C goes to the login: ssh -t puts the terminal in raw mode.)
	demo_ssh -t <&0 &
	made[client]=$!
	local rc=0
	wait $! || rc=$?
	unset 'made[client]'
	# ssh exits with the shell's status (the user's last command: not the demo's failure), 255
	# when ssh itself failed (the connection), or 254 when sshd's session child found the PAM
	# session not open (the login refused: OpenSSH's do_child), which sshd's log then says.
	((rc != 255)) && ! session_refused "$rc" || login_failed $rc
}

session_refused() { # ssh's exit status
	[ "$1" = 254 ] && grep -q '^PAM: pam_open_session()' "${made[dir]}/sshd.log"
}

# A login that did not happen, in one line: what failed, and why as alcove saw it. pam_alcove
# and alcove-helper log to the journal, not to sshd's log: their last error since the demo
# began; without a journal, sshd's own line on PAM (or its last).
login_failed() { # ssh's exit status
	local what why log=${made[dir]}/sshd.log
	if [ "$1" = 255 ]; then
		what="ssh exit 255: the connection failed or sshd closed it"
	elif session_refused "$1"; then
		what="ssh exit 254: sshd refused the login, its PAM session did not open"
	else
		what="ssh exit $1 before the tour's lines"
	fi
	why=$(journalctl -q --no-pager -o cat --since "@$DEMO_START" -t pam_alcove \
		-t alcove-helper -p err 2>/dev/null | tail -n 1)
	if [ -n "$why" ]; then
		why="journal: $why"
	else
		why=$(grep -E '^(PAM|error|fatal)' "$log" | tail -n 1)
		why="no journal line of alcove's; sshd's log: ${why:-$(tail -n 1 "$log")}"
	fi
	die "the ssh login as $USER_NAME failed ($what); $why"
}

DEMO_START=$(date +%s)
preflight
mkdir -m 755 "$RUN_DIR" || die "Failed to make $RUN_DIR"
made[dir]=$RUN_DIR
pick_cgroup
make_user
write_policy
start_sshd
say "== alcove demo: a contained ssh login on this machine (PAM and sshd config untouched)"
say "   user:    $USER_NAME (uid $(id -u "$USER_NAME"), subordinate ids $SUBIDS)"
say "   policy:  $POLICY: user mode on image = \"/\" (the host's system, read-only)"
say "   cgroup:  $CGROUP_WHY"
say "   sshd:    127.0.0.1:$PORT, PAM service $PAM_FILE -> $BUILD/pam_alcove.so"
if [ -t 0 ]; then
	interactive
else
	tour
fi
