#!/bin/bash
# sshd's own channels of a contained login land in the alcove (issue 13), through the real sshd
# and PAM stack, in both network modes: where each -L/-D connection, each -R and X11 listener
# ends up, agent forwarding, and the monitor's utmp/wtmp records and PAM close.
#   alcch1: network = "none" (the alcove's own network ns, with a decoy on the host's loopback)
#   alcch2: network = "host" (the editor pattern: a server started inside, a forward to it)
# Both: unix-socket forwards, X11 and agent forwarding; the host services' directories hidden.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcch1
pam_user alcch2
pam_user alcch3
pam_user alcch4
pam_user alcch5
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcch1\"; profile = \"isolated\"; },
	  { user = \"alcch2\"; profile = \"shared\"; },
	  { user = \"alcch3\"; profile = \"tunnels\"; },
	  { user = \"alcch4\"; profile = \"lenient\"; } );
profiles = { isolated = { network = \"none\"; };
	shared = { network = \"host\"; groups_passthrough = [ \"alcchsvc\" ]; };
	lenient = { inherit = \"shared\"; failure = \"open\"; };
	tunnels = { inherit = \"shared\"; tun = true; home = \"/var/lib/alcch-homes/%u\"; }; };")
# alcch1 and alcch2 hold a host group that owns a 0660 socket of a host service (incus-admin's
# /var/lib/incus/unix.socket): sshd's child has it (initgroups), the lobby must still refuse.
groupadd alcchsvc || fail "groupadd alcchsvc"
on_exit "groupdel alcchsvc"
usermod -aG alcchsvc alcch1 && usermod -aG alcchsvc alcch2 || fail "usermod -aG alcchsvc"
# alcch3's home volume is not its passwd home on the host (home = a pattern)
mkdir -p /var/lib/alcch-homes && chmod 0755 /var/lib/alcch-homes
on_exit "rm -rf /var/lib/alcch-homes"
# utmp exists on a booted host; here it is made so that `who` can show the monitor's record.
if [ ! -e /run/utmp ]; then
	install -m 0664 -g utmp /dev/null /run/utmp || fail "create /run/utmp"
	on_exit "rm -f /run/utmp"
fi
# PermitTunnel: sshd's default refuses ssh -w for everybody; an admin who allows it must still
# get the policy's answer for contained logins.
SSHD_X11_FORWARDING=yes sshd_start 2381 \
	"auth optional $BUILD/pam_alcove.so
session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper" \
	"PermitTunnel yes"
for u in alcch1 alcch2 alcch3; do sshd_authorize $u; done
# lastlog is indexed by uid, and uids of deleted test users come back: start from no record.
lastlog -C -u alcch1 || fail "lastlog -C -u alcch1"
WORK=$(mktemp -d /var/tmp/alcch.XXXXXX)
on_exit "rm -rf $WORK"
LOGINS=() # ssh clients of logins that stay; ended together at the end
on_exit 'kill "${LOGINS[@]}"'

. "$ALCOVE_SRC/tests/lib/line_tools.sh"

host_server() { # address word: a line server on the host (its loopback, or a unix socket)
	local out=$WORK/host-${1//\//_}.out
	case $1 in /*) rm -f "$1" && on_exit "rm -f $1" ;; esac
	perl -e "$SERVE" "$1" "$2" >"$out" 2>&1 </dev/null &
	on_exit "kill $!"
	wait_until 50 grep -q listening "$out" || fail "host server on $1 did not start: $(cat "$out")"
}
alcove_server() { # user address word: a line server inside, started over a login of its own
	local out=$WORK/alcove-${2//\//_}.out
	ssh_bg "$1" -tt -- "exec perl -e $(q "$SERVE") $2 $3" >"$out" 2>&1
	LOGINS+=("$SSH_BG_PID")
	wait_until 150 grep -q listening "$out" ||
		fail "server in $1's alcove on $2 did not start: $(cat "$out")"
}
forward() { # user ssh-options...: a login that only forwards, kept for the rest of the test
	local user=$1
	shift
	ssh_bg "$user" -N -o ExitOnForwardFailure=yes "$@" >>"$WORK/forward.log" 2>&1
	LOGINS+=("$SSH_BG_PID")
}
inside() { ssh_to "$1" -- "perl -e $(q "$CLIENT") $2 ${3:-100}" 2>&1; }

# ---- network = "none": the decoy on the host's loopback must never answer
host_server 2390 host
alcove_server alcch1 2390 alcove
assert_eq alcove "$(inside alcch1 2390)" "none: the server inside answers on the alcove's 127.0.0.1:2390"

forward alcch1 -L 2391:127.0.0.1:2390
assert_eq alcove "$(perl -e "$CLIENT" 2391 100 2>&1)" \
	"none: -L to 127.0.0.1:2390 reaches the server inside the alcove, not the host's"

forward alcch1 -D 2392
assert_eq alcove "$(perl -e "$SOCKS" 2392 2390 100 2>&1)" \
	"none: -D (SOCKS5) to 127.0.0.1:2390 reaches the server inside the alcove"

host_server 2393 client
forward alcch1 -R 2394:127.0.0.1:2393
assert_eq client "$(inside alcch1 2394)" \
	"none: the -R listener is on the alcove's loopback (reaches the client's side)"
out=$(perl -e "$CLIENT" 2394 1 2>&1)
assert_eq "connect 2394: Connection refused" "$out" "none: ... and not on the host's loopback"

# X11: sshd's listener (X11UseLocalhost) in the alcove's network ns, DISPLAY usable inside.
x11_login() { # user: a -Y terminal login that reports DISPLAY, the cookie and the listener
	DISPLAY=:77 ssh_bg "$1" -Y -tt -- "echo DISPLAY=\$DISPLAY; d=\${DISPLAY#localhost:}
	grep -aq \"\$(hostname)\" ~/.Xauthority && echo xauth-cookie
	perl -e $(q "$CLIENT") \$((6000 + \${d%.*})) 1 >/dev/null && echo x11-connected; exec sleep 600" \
		>"$WORK/x11-$1.out" 2>&1
	LOGINS+=("$SSH_BG_PID")
	wait_until 150 grep -q -e x11-connected -e "connect [0-9]" "$WORK/x11-$1.out" ||
		fail "the X11 login of $1 did not start: $(cat "$WORK/x11-$1.out")"
	x11=$(tr -d '\r' <"$WORK/x11-$1.out")
}
x11_login alcch1
assert_contains "$x11" "DISPLAY=localhost:" "none: ssh -Y sets DISPLAY=localhost:N inside"
assert_contains "$x11" x11-connected "none: the X11 listener answers on the alcove's loopback"
assert_contains "$x11" xauth-cookie \
	"none: sshd's xauth wrote the cookie to the home, under the alcove's hostname (clients inside find it)"
display=$(sed -n 's/^DISPLAY=localhost:\([0-9]*\)\..*/\1/p' <<<"$x11")
out=$(perl -e "$CLIENT" $((6000 + display)) 1 2>&1)
assert_eq "connect $((6000 + display)): Connection refused" "$out" \
	"none: nothing listens for display $display on the host's loopback"

# Agent forwarding: a unix socket in the alcove's /tmp; no network ns scopes it.
eval "$(ssh-agent -s -a "$WORK/agent.sock")" >/dev/null
on_exit "kill $SSH_AGENT_PID"
ssh-add -q "$SSHD_KEY" 2>/dev/null || fail "ssh-add"
out=$(ssh_to alcch1 -A -- 'ssh-add -l; cat /proc/1/comm')
assert_contains "$out" "alcove-test (ED25519)" "none: ssh -A: ssh-add -l inside lists the key"
assert_contains "$out" alcove-init "none: ... and ran inside"

# The monitor (root, now in the alcove's network ns) still writes utmp and wtmp.
assert_contains "$(who)" alcch1 "who on the host shows alcch1's terminal login"
assert_contains "$(last -w alcch1)" alcch1 "last on the host shows alcch1's logins"
# sshd writes lastlog itself for a pty login (record_login), whatever PrintLastLog says.
assert_contains "$(lastlog -u alcch1)" "pts/" "lastlog on the host shows alcch1's terminal login"

# ---- unix sockets (streamlocal): paths resolve in the lobby, which hides what the alcove hides
# A socket in the host's /run and one in a directory next to the homes, both 0666: before
# issue 13 alcch1's -L reached them.
host_server /run/alcch-hostonly.sock host-run
mkdir -p /home/alcch-shared
on_exit "rm -rf /home/alcch-shared"
host_server /home/alcch-shared/peer.sock host-home
alcove_server alcch1 /tmp/in.sock alcove-tmp
alcove_server alcch1 /home/alcch1/in.sock alcove-home
forward alcch1 -L "$WORK/tmp.sock:/tmp/in.sock" -L "$WORK/home.sock:/home/alcch1/in.sock" \
	-L "$WORK/run.sock:/run/alcch-hostonly.sock" \
	-L "$WORK/peer.sock:/home/alcch-shared/peer.sock"
assert_eq alcove-tmp "$(perl -e "$CLIENT" "$WORK/tmp.sock" 100 2>&1)" \
	"-L to a socket in /tmp reaches the one in the alcove's /tmp"
# The lobby shows the home's path empty (root code and sshd's child read files there: the
# ninth review); the alcove's home is on /run/alcove/home, for xauth.
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/home.sock" 100 2>&1)" \
	"-L to a socket in the home by its path gets nothing: the lobby's home is empty"
wait_until 50 grep -q "/home/alcch1/in.sock.*No such file or directory" "$SSHD_LOG" ||
	fail "sshd does not log ENOENT for /home/alcch1/in.sock: $(grep in.sock "$SSHD_LOG")"
pass "... (ENOENT in sshd's log)"
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/run.sock" 100 2>&1)" \
	"-L to a socket in the host's /run is refused"
wait_until 50 grep -q "/run/alcch-hostonly.sock.*Permission denied" "$SSHD_LOG" ||
	fail "sshd does not log EACCES for /run/alcch-hostonly.sock: $(tail -5 "$SSHD_LOG")"
pass "... by the lobby's masked /run (EACCES, in sshd's log)"
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/peer.sock" 100 2>&1)" \
	"-L to a socket next to the homes is refused"
wait_until 50 grep -q "/home/alcch-shared/peer.sock.*No such file or directory" "$SSHD_LOG" ||
	fail "sshd does not log ENOENT for /home/alcch-shared/peer.sock: $(grep peer.sock "$SSHD_LOG")"
pass "... by the lobby's /home, which holds only the user's own home (ENOENT)"
forward alcch1 -R /tmp/r.sock:127.0.0.1:2393
assert_eq client "$(inside alcch1 /tmp/r.sock)" \
	"-R to a socket in /tmp listens in the alcove's /tmp (reaches the client's side)"
# /run/lock is 1777: without the lobby's mask of /run, U's child could bind there.
on_exit "rm -f /run/lock/alcch-r.sock"
forward alcch1 -R /run/lock/alcch-r.sock:127.0.0.1:2393
pid=$SSH_BG_PID
wait_until 150 eval '! kill -0 $pid 2>/dev/null' || fail "-R into /run/lock did not fail"
wait $pid
assert_eq 255 $? "-R to a socket in the host's 1777 /run/lock fails (ExitOnForwardFailure)"
wait_until 50 grep -q "cannot bind to path /run/lock/alcch-r.sock: Permission denied" "$SSHD_LOG" ||
	fail "sshd does not log EACCES for /run/lock/alcch-r.sock: $(grep alcch-r "$SSHD_LOG")"
[ ! -e /run/lock/alcch-r.sock ] || fail "-R made /run/lock/alcch-r.sock on the host"
pass "... by the lobby's masked /run (EACCES in sshd's log), and makes nothing there"

# ---- host services' directories (image alcoves): sockets in the host's /var/lib and /srv, one
# 0666 and one root:alcchsvc 0660, in 1777 directories; the alcove shows none of them.
svc_dirs="/var/lib/alcch-svc /srv/alcch-svc"
mkdir -p $svc_dirs && chmod 1777 $svc_dirs || fail "mkdir $svc_dirs"
on_exit "rm -rf $svc_dirs"
for d in $svc_dirs; do
	host_server $d/open.sock host-open
	host_server $d/group.sock host-group
	chown root:alcchsvc $d/group.sock && chmod 0660 $d/group.sock || fail "chmod $d/group.sock"
done
svc_refused() { # user: its -L to the four sockets get nothing, sshd logs EACCES; -R makes nothing
	local d s n=0 args=() pid start
	start=$(wc -l <"$SSHD_LOG")
	for d in $svc_dirs; do for s in open group; do
		args+=(-L "$WORK/$1-$((n += 1)).sock:$d/$s.sock")
	done; done
	forward "$1" "${args[@]}"
	n=0
	for d in $svc_dirs; do for s in open group; do
		n=$((n + 1)) # not in $(...) below: a subshell's count is lost
		assert_eq EOF "$(perl -e "$CLIENT" "$WORK/$1-$n.sock" 100 2>&1)" \
			"$1: -L to the host's $d/$s.sock gets nothing"
		wait_until 50 eval 'tail -n +$((start + 1)) "$SSHD_LOG" |
			grep -q "$d/$s.sock.*Permission denied"' ||
			fail "sshd does not log EACCES for $d/$s.sock: $(grep "$d/$s" "$SSHD_LOG")"
	done; done
	pass "... by the lobby's masked service directories (EACCES in sshd's log, group or not)"
	for d in $svc_dirs; do
		forward "$1" -R "$d/r-$1.sock:127.0.0.1:2393"
		pid=$SSH_BG_PID
		wait_until 150 eval '! kill -0 $pid 2>/dev/null' || fail "$1: -R into $d did not fail"
		[ ! -e "$d/r-$1.sock" ] || fail "$1: -R made $d/r-$1.sock on the host"
	done
	pass "$1: -R makes no socket in the host's world-writable $svc_dirs"
}
svc_refused alcch1

# ---- network = "host": the same network ns inside and out; the editor pattern works
alcove_server alcch2 2395 alcove
forward alcch2 -L 2396:127.0.0.1:2395
assert_eq alcove "$(perl -e "$CLIENT" 2396 100 2>&1)" \
	"host: -L to a server started inside reaches it (the editor pattern)"
forward alcch2 -D 2397
assert_eq alcove "$(perl -e "$SOCKS" 2397 2395 100 2>&1)" "host: -D reaches it too"
forward alcch2 -R 2398:127.0.0.1:2393
assert_eq client "$(inside alcch2 2398)" "host: the -R listener answers inside"
x11_login alcch2
assert_contains "$x11" "DISPLAY=localhost:" "host: ssh -Y sets DISPLAY=localhost:N inside"
assert_contains "$x11" x11-connected "host: the X11 listener answers inside"
assert_contains "$x11" xauth-cookie "host: sshd's xauth wrote the cookie to the alcove's home"
assert_contains "$(ssh_to alcch2 -A -- 'ssh-add -l; cat /proc/1/comm')" "alcove-test (ED25519)" \
	"host: ssh -A: ssh-add -l inside lists the key"
alcove_server alcch2 /tmp/in2.sock alcove-tmp
forward alcch2 -L "$WORK/tmp2.sock:/tmp/in2.sock" -R /tmp/r2.sock:127.0.0.1:2393
assert_eq alcove-tmp "$(perl -e "$CLIENT" "$WORK/tmp2.sock" 100 2>&1)" \
	"host: -L to a socket in /tmp reaches the one in the alcove's /tmp"
assert_eq client "$(inside alcch2 /tmp/r2.sock)" \
	"host: -R to a socket in /tmp listens in the alcove's /tmp (reaches the client's side)"
svc_refused alcch2

# ---- X11's xauth: sshd runs it in the lobby, as the user, on the host (outside the alcove's
# cgroup and pid ns), on the ~/.Xauthority the tenant writes from inside. alcove-enter, bound
# over it, runs it with 64 MiB of address space, 5 s of CPU and a 10 s alarm. Before, a symlink
# to /dev/zero grew xauth without end, and a FIFO held it (and the lobby) for good.
xauth_live() { # user: its xauth processes, zombies not counted
	local p
	for p in $(pgrep -u "$1" -x xauth); do
		[ "$(awk '$1 == "State:" {print $2}' "/proc/$p/status" 2>/dev/null)" = Z ] || echo "$p"
	done
}
ssh_to alcch1 -- 'rm -f ~/.Xauthority && ln -s /dev/zero ~/.Xauthority' &&
	ssh_to alcch2 -- 'rm -f ~/.Xauthority && mkfifo ~/.Xauthority' || fail "a bad ~/.Xauthority"
mapfile -t xopts < <(_ssh_common_opts)
for u in alcch1 alcch2; do
	DISPLAY=:77 timeout 20 ssh "${xopts[@]}" -X -p "$SSHD_PORT" -l $u 127.0.0.1 'echo IN' \
		>"$WORK/xauth-$u.out" 2>&1 </dev/null &
	eval "xpid_$u=$!"
done
peak=0
for ((n = 0; n < 150; n++)); do # 15 s
	for p in $(xauth_live alcch1); do
		v=$(awk '$1 == "VmPeak:" {print $2}' "/proc/$p/status" 2>/dev/null)
		((${v:-0} > peak)) && peak=$v
		((${v:-0} > 65536)) && kill -9 "$p" # past the bound: not to eat the host's memory
	done
	! kill -0 "$xpid_alcch1" "$xpid_alcch2" 2>/dev/null &&
		[ -z "$(xauth_live alcch1)$(xauth_live alcch2)" ] && break
	sleep 0.1
done
bad=
((peak <= 65536)) || bad+="xauth on ~/.Xauthority -> /dev/zero reached VmPeak $peak kB; "
for u in alcch1 alcch2; do
	left=$(xauth_live $u)
	[ -z "$left" ] || bad+="xauth of $u still runs after 15 s ($left); "
	[ -n "$left" ] && kill -9 $left # nor hold the lobby
done
[ -z "$bad" ] || fail "$bad"
pass "xauth on ~/.Xauthority -> /dev/zero, and on a FIFO, is gone within 15 s (VmPeak seen: $peak kB)"
wait "$xpid_alcch1"
[ $? != 124 ] || fail "the ssh -X login of alcch1 (-> /dev/zero) did not end: $(cat "$WORK/xauth-alcch1.out")"
wait "$xpid_alcch2"
[ $? != 124 ] || fail "the ssh -X login of alcch2 (FIFO) did not end: $(cat "$WORK/xauth-alcch2.out")"
pass "... and both ssh -X logins end"

# ---- groups: sshd's session process (which serves every channel) has the alcove's groups,
# set by pam_alcove's setcred after sshd's initgroups, not U's host groups. A socket in a host
# directory (not masked in the lobby) that only alcchsvc may enter: alcch2's profile passes
# alcchsvc through, alcch1's does not; on the host both may reach it.
grpdir=/etc/alcch-grp
mkdir -m 0710 $grpdir && chgrp alcchsvc $grpdir || fail "mkdir $grpdir"
on_exit "rm -rf $grpdir"
host_server $grpdir/s.sock host-grp
chmod 0666 $grpdir/s.sock || fail "chmod $grpdir/s.sock"
svc=$(getent group alcchsvc | cut -d: -f3)
for u in alcch1 alcch2; do
	assert_eq host-grp "$(setpriv --reuid=$u --regid=$u --init-groups perl -e "$CLIENT" $grpdir/s.sock 100 2>&1)" \
		"$u on the host, with its groups, reaches $grpdir/s.sock"
done
groups_of() { # user: the distinct Groups of its sshd session processes, "|" between them
	local p ps
	ps=$(pgrep -u "$1" -xf "$SSHD_SERVICE: $1(@.*)?") || fail "no sshd session process of $1"
	for p in $ps; do
		awk '$1 == "Groups:" {$1 = ""; sub(/^ /, ""); print}' "/proc/$p/status"
	done | sort -u | paste -sd'|'
}
assert_eq "$(id -g alcch1)" "$(groups_of alcch1)" \
	"none: alcch1's sshd session processes hold only its primary group (no alcchsvc)"
assert_eq "$(printf '%s\n' "$(id -g alcch2)" "$svc" | sort -n | xargs)" "$(groups_of alcch2)" \
	"host: alcch2's hold its primary group and the passed-through alcchsvc"
start=$(wc -l <"$SSHD_LOG")
forward alcch1 -L "$WORK/grp1.sock:$grpdir/s.sock"
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/grp1.sock" 100 2>&1)" \
	"none: -L to $grpdir/s.sock gets nothing: the host group is not the alcove's"
wait_until 50 eval 'tail -n +$((start + 1)) "$SSHD_LOG" | grep -q "$grpdir/s.sock.*Permission denied"' ||
	fail "sshd does not log EACCES for $grpdir/s.sock: $(grep "$grpdir" "$SSHD_LOG")"
pass "... EACCES in sshd's log"
forward alcch2 -L "$WORK/grp2.sock:$grpdir/s.sock"
assert_eq host-grp "$(perl -e "$CLIENT" "$WORK/grp2.sock" 100 2>&1)" \
	"host: -L to $grpdir/s.sock connects: alcchsvc is passed through"
out=$("$BUILD/alcovectl" --config "$conf" explain alcch1 --service "$SSHD_SERVICE" 2>&1)
assert_contains "$out" "decision  contained" "explain through the test's sshd service: contained"
assert_not_contains "$out" "no auth line" "... and no warning: its auth stack names pam_alcove"

# ---- home = a pattern: the lobby's home anchor is the alcove's home volume, not the host's
# passwd home
alcove_server alcch3 /home/alcch3/in.sock alcove-volume
[ -S /var/lib/alcch-homes/alcch3/in.sock ] || fail "alcch3's socket is not in its home volume"
forward alcch3 -L "$WORK/vol.sock:/run/alcove/home/in.sock"
assert_eq alcove-volume "$(perl -e "$CLIENT" "$WORK/vol.sock" 100 2>&1)" \
	"home pattern: the lobby's /run/alcove/home is the alcove's home volume"

# ---- tun (-w): refused unless the profile says tun = true. sshd's child (U, no CAP_NET_ADMIN)
# can only attach a persistent tun device U owns, in the network ns it is in: each user here
# owns one there, and /dev/net/tun is 0666 (as on a stock Debian; bound so only in this test's
# mount ns), so that nothing but the lobby's /dev/net mask keeps alcch1 and alcch2 out.
mknod -m 0666 "$WORK/tun" c 10 200 && mount --bind "$WORK/tun" /dev/net/tun ||
	fail "a 0666 /dev/net/tun"
on_exit "umount /dev/net/tun"
for n in 2 3; do
	ip tuntap add dev alcchtun$n mode tun user alcch$n || fail "ip tuntap add alcchtun$n"
	on_exit "ip link del alcchtun$n"
done
tun_attached() { # user device: a process of user (sshd's child) holds the device open
	local p
	for p in $(pgrep -u "$1"); do
		grep -qs "iff:[[:space:]]*$2\$" /proc/$p/fdinfo/* && return 0
	done
	return 1
}
# sshd names the server's device tun<N>: rename ours around the login that asks for it.
ip link set alcchtun2 name tun92 && on_exit "ip link set tun92 name alcchtun2"
ssh_bg alcch2 -N -o Tunnel=point-to-point -w 93:92 >"$WORK/tun2.log" 2>&1
LOGINS+=("$SSH_BG_PID")
# sshd logs why only at debug level ("failed to open tunnel control device"); the client hears
# "Tunnel forwarding failed". The same request of alcch3 (tun = true) below succeeds.
wait_until 100 grep -q "Tunnel forwarding failed" "$WORK/tun2.log" ||
	fail "tun = false: ssh -w was not refused: $(cat "$WORK/tun2.log")"
pass "tun = false: ssh -w is refused (the lobby hides /dev/net/tun)"
tun_attached alcch2 tun92 && fail "tun = false: sshd's child of alcch2 holds tun92"
pass "... and holds no tun device"
# network none: the host's devices are in another network ns, out of reach whatever the mask;
# the one alcch1's child could attach is in the alcove's, made by host root (who holds every
# capability over the alcove's user ns) after the alcove started. It goes with that network ns.
init1=$(alcove_state_pid "/run/alcove/$(id -u alcch1)/state") || fail "alcch1's alcove is not running"
nsenter -t "$init1" -n ip tuntap add dev tun90 mode tun user alcch1 ||
	fail "ip tuntap add tun90 in alcch1's network ns"
ssh_bg alcch1 -N -o Tunnel=point-to-point -w 91:90 >"$WORK/tun1.log" 2>&1
LOGINS+=("$SSH_BG_PID")
wait_until 100 grep -q "Tunnel forwarding failed" "$WORK/tun1.log" ||
	fail "tun = false, network none: ssh -w was not refused: $(cat "$WORK/tun1.log")"
tun_attached alcch1 tun90 && fail "tun = false, network none: sshd's child holds tun90"
pass "tun = false, network none: ssh -w is refused, the user's tun90 in the alcove's network ns stays unattached"
ip link set alcchtun3 name tun94 && on_exit "ip link set tun94 name alcchtun3"
ssh_bg alcch3 -N -o Tunnel=point-to-point -w 95:94 >"$WORK/tun3.log" 2>&1
LOGINS+=("$SSH_BG_PID")
wait_until 100 tun_attached alcch3 tun94 ||
	fail "tun = true: sshd's child did not attach tun94: $(cat "$WORK/tun3.log")"
pass "tun = true: ssh -w attaches the user's own tun device"

# ---- internal-sftp: sshd would serve it in its own child, in the lobby, on the host's /etc,
# /usr and /var (DESIGN §9). PAM runs once per connection, before any channel: a global one
# refuses contained logins (the client and the journal name sftp-server, the journal the
# file:line), before anything is built; one in a Match block only when the block selects the
# login (54-sftp-match.sh); an uncontained login is not concerned. alcch4 has no alcove yet,
# and failure = "open" (a host's configuration that would hand out the host's view is no
# failure to let through); alcch5 matches no rule.
SSHD_SFTP=internal-sftp sshd_start 2382 \
	"session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
assert_contains "$("$BUILD/alcovectl" --config "$conf" explain alcch1 --service "$SSHD_SERVICE" 2>&1)" \
	"warning   PAM service $SSHD_SERVICE names pam_alcove.so in no auth line (/etc/pam.d/$SSHD_SERVICE and what it includes): sshd's session process, which serves the forwards, keeps the user's host groups" \
	"explain: a PAM service whose auth stack lacks pam_alcove is named, with what it costs"
# a PAM file anyone but root may change says nothing alcovectl trusts: it cannot tell
chmod g+w "/etc/pam.d/$SSHD_SERVICE" || fail "chmod g+w /etc/pam.d/$SSHD_SERVICE"
out=$("$BUILD/alcovectl" --config "$conf" explain alcch1 --service "$SSHD_SERVICE" 2>&1)
chmod g-w "/etc/pam.d/$SSHD_SERVICE"
assert_contains "$out" "warning   /etc/pam.d/$SSHD_SERVICE: Operation not permitted: alcove cannot tell whether the session stack of PAM service $SSHD_SERVICE names pam_alcove.so" \
	"explain: a group-writable PAM file is not read, and the warning says so"
# a service whose session stack lacks the module contains no login, whatever the policy says
printf 'auth optional %s\n' "$BUILD/pam_alcove.so" >"/etc/pam.d/${SSHD_SERVICE}-nosession"
on_exit "rm -f /etc/pam.d/${SSHD_SERVICE}-nosession"
assert_contains "$("$BUILD/alcovectl" --config "$conf" explain alcch1 --service "${SSHD_SERVICE}-nosession" 2>&1)" \
	"warning   PAM service ${SSHD_SERVICE}-nosession names pam_alcove.so in no session line (/etc/pam.d/${SSHD_SERVICE}-nosession and what it includes): its logins are not contained; \`pam-auth-update --enable alcove\`" \
	"explain: a PAM service whose session stack lacks pam_alcove is named: nothing is contained"
sftp_conf=$SSHD_DIR/sshd_config
line=$(grep -n '^Subsystem sftp internal-sftp' "$sftp_conf" | cut -d: -f1)
for u in alcch4 alcch5; do sshd_authorize $u; done
assert_fails_with 254 "can use sftp-server instead" "internal-sftp: the contained login is refused" \
	ssh_to alcch4 -- echo reached
logged=$(journal_wait "Refusing session: sshd serves sftp in-process, outside the alcove") ||
	fail "internal-sftp: no refusal in the journal"
assert_contains "$logged" "($sftp_conf:$line: Subsystem sftp internal-sftp); use Subsystem sftp /usr/lib/openssh/sftp-server" \
	"internal-sftp: the journal names the file:line and sftp-server"
# (sshd's child of alcch4 may still be exiting)
wait_until 50 alcove_gone alcch4 && [ ! -e "/run/alcove/$(id -u alcch4)" ] ||
	fail "internal-sftp: something was built for the refused login: $(alcove_leftovers alcch4) $(ls /run/alcove)"
pass "internal-sftp: nothing of alcch4's alcove was built"
mapfile -t sopts < <(scp_opts)
echo "ls /" >"$WORK/sftp.batch"
# sshd's refused child writes the refusal where sftp expects its first packet
assert_fails_with 255 "Received message too long" "internal-sftp: sftp of the contained user is refused" \
	sftp "${sopts[@]}" -b "$WORK/sftp.batch" alcch4@127.0.0.1
assert_eq reached "$(ssh_to alcch5 -- echo reached 2>&1)" "internal-sftp: an uncontained login is not concerned"
sshd_start 2383 \
	"session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper" \
	"Match User alcch-nobody
	ForceCommand internal-sftp"
sshd_authorize alcch4
assert_eq alcove-init "$(ssh_to alcch4 -- cat /proc/1/comm 2>&1)" \
	"internal-sftp in a Match block that does not select it: the contained login goes in"
# A global ForceCommand internal-sftp: every session of the connection would be sftp served
# in-process; refused the same way, the journal naming the ForceCommand line.
sshd_start 2386 \
	"session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper" \
	"ForceCommand internal-sftp"
sshd_authorize alcch4
line=$(grep -n '^ForceCommand internal-sftp' "$SSHD_DIR/sshd_config" | cut -d: -f1)
assert_fails_with 254 "can use sftp-server instead" \
	"global ForceCommand internal-sftp: the contained login is refused" ssh_to alcch4 -- echo reached
logged=$(journal_wait "($SSHD_DIR/sshd_config:$line: ForceCommand internal-sftp)") ||
	fail "global ForceCommand internal-sftp: no refusal naming the line in the journal"
assert_contains "$logged" "use ForceCommand /usr/lib/openssh/sftp-server" \
	"global ForceCommand internal-sftp: the journal names the file:line and sftp-server"

# ---- a key's own command="internal-sftp" (DESIGN §11): sshd would serve it in-process from
# the home's authorized_keys, which the tenant writes from inside; sshd never tells PAM a key's
# options. The module reads the key files again as the user and refuses the login when a line
# forces internal-sftp, or when they changed after the connection began (a tenant who swaps
# the file between sshd's read and the module's). failure = "open" (alcch4) does not apply.
kh=$(getent passwd alcch4 | cut -d: -f6)
install -d -o alcch4 -g alcch4 -m 0700 "$kh/.ssh" || setup_fail "$kh/.ssh"
put_keys() { # options: the key line, written as the tenant would (a new file renamed in)
	printf '%s %s\n' "$1" "$(cat "$SSHD_KEY.pub")" >"$kh/.ssh/k.new" &&
		chown alcch4: "$kh/.ssh/k.new" && chmod 0600 "$kh/.ssh/k.new" &&
		mv -f "$kh/.ssh/k.new" "${2:-$kh/.ssh/authorized_keys}" || setup_fail "writing alcch4's keys"
	sleep 0.1 # older than the next connection, with the check's 10 ms for the coarse clock
}
printf '%s\n' 'get /proc/1/comm' >"$WORK/comm.batch"
SSHD_KEYS_FILE=.ssh/authorized_keys sshd_start 2384 \
	"session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
mapfile -t sopts < <(scp_opts)
put_keys 'command="internal-sftp"'
assert_fails_with 254 'forces internal-sftp, which sshd serves outside your alcove; use command="/usr/lib/openssh/sftp-server"' \
	"key command=internal-sftp: the contained login is refused, naming sftp-server" ssh_to alcch4 -- true
logged=$(journal_wait "Refusing session: $kh/.ssh/authorized_keys:1 forces internal-sftp") ||
	fail "key command=internal-sftp: no refusal naming the file:line in the journal"
assert_fails_with 255 "Received message too long" "key command=internal-sftp: sftp of the contained user is refused" \
	sftp "${sopts[@]}" -b "$WORK/comm.batch" alcch4@127.0.0.1
wait_until 50 alcove_gone alcch4 || fail "key command=internal-sftp: an alcove was built"
pass "key command=internal-sftp: nothing of alcch4's alcove was built"
put_keys 'command="/usr/lib/openssh/sftp-server"'
(cd "$WORK" && sftp "${sopts[@]}" -b "$WORK/comm.batch" alcch4@127.0.0.1 >"$WORK/sftp.log" 2>&1)
assert_eq alcove-init "$(cat "$WORK/comm" 2>&1 || cat "$WORK/sftp.log")" \
	"key command=sftp-server: sftp is served in the alcove"
# The tenant's swap, done here by pam_exec between sshd's read and pam_alcove's
put_keys 'restrict' "$WORK/clean"
cat >"$WORK/swap" <<SWAP
#!/bin/sh
[ "\$PAM_USER" = alcch4 ] && cp -p "$WORK/clean" "$kh/.ssh/k.swap" && mv -f "$kh/.ssh/k.swap" "$kh/.ssh/authorized_keys"
exit 0
SWAP
chmod 0755 "$WORK/swap"
SSHD_KEYS_FILE=.ssh/authorized_keys sshd_start 2385 "session required pam_exec.so $WORK/swap
session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
put_keys 'command="internal-sftp"'
assert_fails_with 254 "changed during this login" "a key file swapped during the login: refused" \
	ssh_to alcch4 -- true
journal_wait "Refusing session: $kh/.ssh changed while this connection was being authenticated" >/dev/null ||
	fail "a key file swapped during the login: no refusal naming it in the journal"
pass "a key file swapped during the login: the journal names what changed"
rm -rf "$kh/.ssh"

# ---- the end: every login closes through PAM (logging through the journal's socket from the
# alcove's network ns), and nothing is left
kill "${LOGINS[@]}" 2>/dev/null
for u in alcch1 alcch2 alcch3 alcch4; do
	wait_until 150 alcove_gone $u || fail "alcove of $u still there: $(alcove_leftovers $u)"
	journal_wait "of alcove $(id -u $u)" >/dev/null || fail "no 'Closed session' line for $u"
	pass "$u: PAM close logged, no alcove left after the last logout"
done
