#!/bin/bash
# Who may steer a running alcove (issue 12, route 3): HOLD, RELEASE, STOP and STATUS are
# served only on the alcove's admin socket (/run/alcove/<name>/admin, root 0600), the user's
# control socket serves ENTER only. Tried through real ssh logins, from host processes of the
# user: with the user's own uid, with an id of the user's subordinate range that the alcove
# does not map (init sees it as the overflow uid, pid 0, exactly like host root) while
# passing the socket's permission check with the user's uid (the kernel checks a socket file
# with the fs uid; SO_PEERCRED reports the effective one), and with the first subordinate
# uid. Each is refused and the alcove runs on. User mode and root mode.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

PROTO=$ALCOVE_SRC/tests/lib/alcove_proto.py
img=$(test_image bookworm-login)
pam_user alcca1
pam_user alcca2
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
profiles = { rootmode = { mode = \"root\"; }; };
rules = ( { user = \"alcca1\"; profile = \"defaults\"; },
	  { user = \"alcca2\"; profile = \"rootmode\"; } );")
sshd_start 2341 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
sshd_authorize alcca1
sshd_authorize alcca2

# as RUID EUID FSUID GID SOCKET VERB...: the protocol spoken by a process with those ids
as() { python3 "$PROTO" --ids="$1:$2:$3:$4" "${@:5}"; }
subuid() { awk -F: -v n="$1" '$1 == n && $3 >= 65536 {print $2; exit}' /etc/subuid; }

# try USER HOLE: every way in for a host process of USER against USER's running alcove.
# HOLE is a host uid of the user's subordinate range that the alcove leaves unmapped.
try() {
	local user=$1 hole=$2 u g s run pid
	u=$(id -u "$user")
	g=$(id -g "$user")
	s=$(subuid "$user")
	run=/run/alcove/$u
	pid=$(alcove_pid "$user")
	[ -S "$run/control" ] && [ -n "$pid" ] || fail "$user: no running alcove"

	# Passing the control socket's check as the user, presenting the unmapped id: init sees
	# the overflow uid from outside its PID namespace, what host root looks like.
	for verb in "hold x $$" "release nosuch" status stop; do
		set -- $verb
		assert_eq "error 1 ${1^^} is for the alcove helper only" \
			"$(as "$u" "$hole" "$u" "$g" "$run/control" $verb)" \
			"$user: ${1^^} as unmapped uid $hole (fs uid $u) on the control socket: EPERM"
	done
	assert_eq "connect EACCES" "$(as "$u" "$hole" "$u" "$g" "$run/admin" stop)" \
		"$user: ... cannot connect to the admin socket (EACCES)"
	assert_eq "connect EACCES" "$(as "$hole" "$hole" "$hole" "$g" "$run/admin" stop)" \
		"$user: uid $hole alone cannot connect to the admin socket (EACCES)"

	# The user's own uid: the control socket is theirs, and serves ENTER only.
	for verb in stop status "release nosuch" "hold x $$"; do
		set -- $verb
		assert_eq "error 1 ${1^^} is for the alcove helper only" \
			"$(as "$u" "$u" "$u" "$g" "$run/control" $verb)" \
			"$user: ${1^^} from the user's uid on the control socket: EPERM"
	done
	assert_eq "connect EACCES" "$(as "$u" "$u" "$u" "$g" "$run/admin" status)" \
		"$user: the user's uid cannot connect to the admin socket (EACCES)"

	# The first subordinate uid: neither socket lets it in.
	assert_eq "connect EACCES" "$(as "$s" "$s" "$s" "$s" "$run/control" stop)" \
		"$user: the first subordinate uid $s cannot connect to the control socket"
	assert_eq "connect EACCES" "$(as "$s" "$s" "$s" "$s" "$run/admin" stop)" \
		"$user: ... nor to the admin socket"

	# Nothing of it counted: the same init runs, with the login's session and hold only.
	assert_eq "$pid" "$(alcove_pid "$user")" "$user: the alcove's init is the same"
	kill -0 "$pid" || fail "$user: the alcove's init is gone"
	assert_eq "sessions=1 holds=1" "$(python3 "$PROTO" "$run/admin" status | cut -d' ' -f1-2)" \
		"$user: host root's STATUS on the admin socket: the login's session and hold only"
	stat -c '%U %a %F' "$run/admin" | grep -qx 'root 600 socket' ||
		fail "$user: admin is not a root 0600 socket: $(stat -c '%U %a %F' "$run/admin")"
	pass "$user: the admin socket is root's, 0600"
	# init serves HOLD, RELEASE, STOP and STATUS on what it holds as fd 5: that must be the
	# listener bound at the root 0600 file (a file only host root passes), and init listens
	# nowhere else but on the user's control socket (fd 3)
	assert_eq "$run/admin fd=5
$run/control fd=3" "$(ss -xlpn | awk -v p="pid=$pid,fd=" '{ s = $0
		while ((i = index(s, p))) { s = substr(s, i + length(p)); fd = s
			sub(/[^0-9].*/, "", fd); print $5, "fd=" fd } }' | sort)" \
		"$user: init's listening sockets: fd 5 is the one at $run/admin, fd 3 the one at $run/control"
}

# --- user mode: ns U is host U, so host S+U (in the user's range) maps to nothing
ssh_bg alcca1 -tt -- 'exec sleep 4736'
bg1=$SSH_BG_PID
on_exit "kill $bg1"
wait_until 200 alcove_has alcca1 "sleep 4736" || fail "alcca1's login did not start"
try alcca1 $(($(subuid alcca1) + $(id -u alcca1)))

# --- root mode: ns 0 is host U, so host S (the first of the range) maps to nothing
ssh_bg alcca2 -tt -- 'exec sleep 4737'
bg2=$SSH_BG_PID
on_exit "kill $bg2"
wait_until 200 alcove_has alcca2 "sleep 4737" || fail "alcca2's login did not start"
try alcca2 "$(subuid alcca2)"

# Root mode: ns root holds init (ptrace, pidfd_getfd, /proc/1/fd), so none of init's fds may
# lead to the host: sockets (the two listeners, their connections), /dev/null and anonymous
# inodes only; a file or directory of the host's there would be reachable through
# /proc/1/fd/N. (A socket never reopens through /proc: ENXIO, whatever the fix.)
out=$(ssh_to alcca2 -- 'id -u; for f in /proc/1/fd/*; do t=$(stat -L -c %F "$f") || continue
	case $t in socket | "weird file") ;; *) [ "$(readlink "$f")" = /dev/null ] ||
		echo "fd ${f##*/}: $t $(readlink "$f")" ;; esac; done; echo "sockets $(ls -l /proc/1/fd | grep -c socket:)"')
assert_eq "0" "$(head -1 <<<"$out")" "root mode: the check runs as ns root"
[[ $(tail -1 <<<"$out") =~ ^sockets\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 2)) ||
	fail "root mode: ns root does not see init's fds: $out"
assert_eq "" "$(sed '1d;$d' <<<"$out")" \
	"root mode: every fd of init that ns root sees is a socket, /dev/null or an anonymous inode"

# The logins still work, and the alcoves end with their last logout (stop) as before.
assert_eq alcca1 "$(ssh_to alcca1 -- id -un)" "alcca1 logs in after all of it"
assert_eq root "$(ssh_to alcca2 -- id -un)" "alcca2 (root mode) logs in after all of it"
kill "$bg1" "$bg2"
wait_until 200 alcove_gone alcca1 || fail "alcca1's alcove did not end: $(alcove_leftovers alcca1)"
wait_until 200 alcove_gone alcca2 || fail "alcca2's alcove did not end: $(alcove_leftovers alcca2)"
pass "both alcoves end with their last logout"

# An alcove whose admin socket is gone (an init from before the admin socket existed, after a
# package upgrade) is not joined: the login fails closed, saying what ends it, and stop does.
ssh_bg alcca1 -tt -- 'exec sleep 4739'
bg1=$SSH_BG_PID
on_exit "kill $bg1"
wait_until 200 alcove_has alcca1 "sleep 4739" || fail "alcca1's login did not start"
rm "/run/alcove/$(id -u alcca1)/admin"
out=$(actl --config "$conf" enter alcca1 -- echo joined 2>&1)
assert_contains "$out" "runs without /run/alcove/$(id -u alcca1)/admin" \
	"no admin socket: the login is refused, naming the socket"
assert_contains "$out" "\`alcovectl stop alcca1\` ends it" "... and saying what ends it"
assert_not_contains "$out" joined "... nothing ran"
actl stop alcca1 || fail "alcovectl stop alcca1 without an admin socket"
wait_until 200 alcove_gone alcca1 || fail "alcca1's alcove did not end: $(alcove_leftovers alcca1)"
pass "alcovectl stop ends it (SIGKILL through init's pidfd)"
