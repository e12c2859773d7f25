#!/bin/bash
# sshd's channels of a contained login (issue 13) in a booted bookworm container, with Debian's
# stock sshd_config (X11Forwarding yes) and PAM stack (pam_systemd before pam_alcove, pam_motd
# after), as an admin would have them: no sshd_config change. image = "/", cgroup = "systemd",
# one boot, two users:
#   alcch5: network = "none" (the alcove's own network ns; a decoy on the container's loopback)
#   alcch6: network = "host" (the container's network ns: the alcove's loopback is the
#           container's, so a forward reaches what listens there, inside or not)
# For each: the editor pattern (a server started inside over one login, -L and -D to it over
# another), -R, unix-socket forwards (-L to the system bus and -R into /run/lock refused, by
# EACCES in sshd's log; -R in the alcove's /tmp),
# X11 (DISPLAY and xauth's cookie inside, a connection to DISPLAY reaching the client's X
# server) and agent forwarding (ssh-add -l inside). And that what sshd's root monitor does in
# the lobby and the alcove's network ns still works: logind's sessions (open and close through
# D-Bus), utmp, wtmp and lastlog (who, last, lastlog); a key line of the user's forcing
# internal-sftp (the stock config reads keys from the home) refuses the login.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

[ -x "$BUILD/alcove-helper" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"

# xauth: sshd refuses X11 forwarding without its XAuthLocation (/usr/bin/xauth).
NSPAWN_ROOTFS_ARGS=("$NSPAWN_PACKAGES,xauth")
nspawn_boot
ct_user alcch5
ct_sh "usermod -aG users alcch5" || setup_fail "usermod -aG users alcch5"
ct_user alcch6
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = false; on_last_logout = "stop"; };
profiles = { isolated = { network = "none"; }; shared = { network = "host"; }; };
rules = ( { user = "alcch5"; profile = "isolated"; }, { user = "alcch6"; profile = "shared"; } );
CONF
# An installed Debian's /etc/hosts (mmdebstrap writes none): xauth looks up DISPLAY's
# "localhost", and the alcove shows the host's hosts file.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
	>"$NSPAWN_DIR/etc/hosts" || setup_fail "the container's /etc/hosts"
out=$(ct_run alcovectl check-config) || fail "check-config: $out"
out=$(ct_sh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "pam-auth-update: $out"
assert_eq "" "$(cmp "$NSPAWN_DIR/etc/ssh/sshd_config" "$NSPAWN_DIR/usr/share/openssh/sshd_config" 2>&1)" \
	"the container's sshd_config is Debian's stock one"
WORK=$(mktemp -d /var/tmp/alcch-stock.XXXXXX)
on_exit "rm -rf $WORK"
# ssh clients of logins that stay: ct_ssh runs in a subshell when sent to the background, the
# client is its child.
LOGINS=()
end_logins() { local p; for p in "${LOGINS[@]}"; do pkill -TERM -P "$p"; kill "$p"; done 2>/dev/null; }
on_exit end_logins

# The line server and clients of 49-ssh-channels, in perl (perl-base is in every image).
. "$ALCOVE_SRC/tests/lib/line_tools.sh"
# X11's connection setup (byte order "l", protocol 11.0, MIT-MAGIC-COOKIE-1 and the cookie's
# 16 bytes) to DISPLAY=localhost:N, as any X client inside sends it; the ssh client checks
# the cookie against the fake one sshd's xauth wrote inside, swaps in the real one and connects
# to its own $DISPLAY. Prints the line that X server answers.
XCLIENT="$SOCK"'
my ($display, $hex) = @ARGV; $display =~ /^localhost:(\d+)/ or die "no X display: \"$display\"\n";
my $c = try(6000 + $1, 1); my $n = "MIT-MAGIC-COOKIE-1";
print $c pack("a1 x v v v v x2", "l", 11, 0, length $n, 16) . $n . "\0\0" . pack("H32", $hex);
my $l = <$c>; print "x11 reply: ", defined $l ? $l : "EOF\n"'
# The ssh client's X server: reads each connection's setup, logs it, answers a line.
XSERVE="$SOCK"'
my $s = sock($ARGV[0], Listen => 16) or die "listen: $!\n"; $| = 1; print "listening\n";
while (my $c = $s->accept) { my ($b, $r); read($c, $b, 12) == 12 or next;
	my ($o, $maj, $n, $d) = unpack("a1 x v x2 v v", $b); read($c, $r, (($n + 3) & ~3) + $d);
	print "x11 setup order=$o major=$maj auth=" . substr($r, 0, $n) . "\n";
	print $c "fake-x\n"; close $c }'
# the container's loopback, host's files (a server in the background: nsenter itself, which
# execs it, so that $! is the server and on_exit's kill reaches it; the function's subshell
# would leave it running)
in_ct_net() { nsenter -t "$NSPAWN_LEADER" -n "$@"; }
in_ct_mnt() { nsenter -t "$NSPAWN_LEADER" -m "$@"; } # the container's files

ct_server() { # user address word: a line server inside, started over a login of its own
	local out=$WORK/srv-$1-${2//\//_}.out
	ct_ssh -tt "$1" "exec perl -e $(q "$SERVE") $2 $3" </dev/null >"$out" 2>&1 &
	LOGINS+=($!)
	wait_until 200 grep -q listening "$out" || ct_fail "server in $1's alcove on $2: $(cat "$out")"
}
forward() { # user ssh-options...: a login that only forwards, kept for the rest of the test
	local user=$1
	shift
	ct_ssh -N -oExitOnForwardFailure=yes "$@" "$user" </dev/null >>"$WORK/fwd.log" 2>&1 &
	LOGINS+=($!)
}
inside() { ct_ssh "$1" "perl -e $(q "$CLIENT") $2 ${3:-150}" 2>&1; }

# The ssh clients' X server (DISPLAY=127.0.0.1:77 where they run) and agent.
nsenter -t "$NSPAWN_LEADER" -n perl -e "$XSERVE" 6077 >"$WORK/x.out" 2>&1 </dev/null &
on_exit "kill $!"
wait_until 50 grep -q listening "$WORK/x.out" || fail "the client's X server did not start"
eval "$(ssh-agent -s -a "$WORK/agent.sock")" >/dev/null || setup_fail "ssh-agent"
on_exit "kill $SSH_AGENT_PID"
ssh-add -q "$NSPAWN_DIR.key" 2>/dev/null || setup_fail "ssh-add"
keyprint=$(ssh-keygen -lf "$NSPAWN_DIR.key.pub" | awk '{print $2}')
x11_login() { # user: a -Y terminal login that reports DISPLAY, xauth's entry and the X reply
	local n
	n=$(grep -c "x11 setup" "$WORK/x.out")
	DISPLAY=127.0.0.1:77 ct_ssh -Y -tt "$1" "echo DISPLAY=\$DISPLAY; xauth list \"\$DISPLAY\"
	perl -e $(q "$XCLIENT") \"\$DISPLAY\" \$(xauth list \"\$DISPLAY\" | awk '{print \$3}')
	exec sleep 600" </dev/null >"$WORK/x11-$1.out" 2>&1 &
	LOGINS+=($!)
	wait_until 250 grep -q -e "x11 reply" -e "connect " -e "no X display" "$WORK/x11-$1.out" ||
		ct_fail "the X11 login of $1 did not report: $(cat "$WORK/x11-$1.out")"
	x11=$(tr -d '\r' <"$WORK/x11-$1.out")
	display=$(sed -n 's/^DISPLAY=localhost:\([0-9]*\)\..*/\1/p' <<<"$x11")
	assert_contains "$x11" "DISPLAY=localhost:" "$2: ssh -Y sets DISPLAY=localhost:N inside"
	assert_contains "$x11" "/unix:$display  MIT-MAGIC-COOKIE-1  " \
		"$2: xauth list inside shows sshd's cookie for display $display"
	assert_eq "x11 reply: fake-x" "$(grep "x11 reply" <<<"$x11")" \
		"$2: a connection to DISPLAY inside reaches the ssh client's X server"
	assert_eq "x11 setup order=l major=11 auth=MIT-MAGIC-COOKIE-1" \
		"$(grep "x11 setup" "$WORK/x.out" | tail -n +$((n + 1)))" \
		"$2: ... one connection, with the X setup as sent inside (the client swapped the cookie)"
}
agent() { # user mode: ssh -A, the agent's socket usable inside
	local out
	out=$(SSH_AUTH_SOCK=$WORK/agent.sock ct_ssh -A "$1" 'ssh-add -l; cat /proc/1/comm' 2>&1)
	assert_contains "$out" "$keyprint" "$2: ssh -A: ssh-add -l inside lists the client's key"
	assert_contains "$out" alcove-init "$2: ... and ran inside"
}
tty_records() { # user mode: utmp, wtmp and lastlog of the user's terminal logins
	assert_contains "$(ct_run who)" "$1 " "$2: who shows $1's terminal login (utmp by the monitor)"
	assert_contains "$(ct_run last -w "$1")" "$1 " "$2: last shows $1's logins (wtmp)"
	assert_contains "$(ct_run lastlog -u "$1")" "pts/" "$2: lastlog shows $1's terminal login"
}

# ---- network = "none": the decoy on the container's own loopback (the alcove's "host") must
# never answer
nsenter -t "$NSPAWN_LEADER" -n perl -e "$SERVE" 2390 host >"$WORK/decoy.out" 2>&1 </dev/null &
on_exit "kill $!"
wait_until 50 grep -q listening "$WORK/decoy.out" || fail "decoy did not start"
# The editor pattern: a server started inside over one login ...
ct_server alcch5 2390 alcove
# ... forwards to it over another (TCP, SOCKS, and a unix socket to the system bus, 0666).
forward alcch5 -L2391:127.0.0.1:2390 -D2392 -L"$WORK/bus.sock:/run/dbus/system_bus_socket"
assert_eq alcove "$(in_ct_net perl -e "$CLIENT" 2391 150 2>&1)" \
	"none: -L to 127.0.0.1:2390 reaches the server inside the alcove, not the host's"
assert_eq alcove "$(in_ct_net perl -e "$SOCKS" 2392 2390 150 2>&1)" \
	"none: -D (SOCKS5) to 127.0.0.1:2390 reaches the server inside the alcove"
# (the bus says nothing before the client's auth: EOF alone would not tell a refusal)
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/bus.sock" 150 2>&1)" \
	"none: -L to the host's /run/dbus/system_bus_socket gets nothing"
wait_until 50 eval 'ct_run journalctl -b --no-pager -q -t sshd |
	grep -q "connect to /run/dbus/system_bus_socket port -2 failed: Permission denied"' ||
	ct_fail "sshd logs no EACCES for the system bus socket"
pass "... sshd's connect is refused by the lobby's masked /run (EACCES in the journal)"
# The profile's auth line (pam-auth-update): sshd's session process serving those forwards
# holds the alcove's groups, not the host group "users" alcch5 is a member of.
assert_contains "$(ct_run grep pam_alcove /etc/pam.d/common-auth 2>&1)" "optional" \
	"pam-auth-update put pam_alcove in common-auth"
out=$(ct_sh 'for p in $(pgrep -u alcch5 -xf "sshd: alcch5(@.*)?"); do
	awk '\''$1 == "Groups:" {$1 = ""; sub(/^ /, ""); print}'\'' /proc/$p/status; done | sort -u')
assert_eq "$(ct_sh 'id -g alcch5') 100" "$(ct_sh 'id -G alcch5')" "alcch5 is in users (gid 100) on the host"
assert_eq "$(ct_sh 'id -g alcch5')" "$out" \
	"stock PAM stack: alcch5's sshd session processes hold only its primary group (not users)"
nsenter -t "$NSPAWN_LEADER" -n perl -e "$SERVE" 2393 client >"$WORK/client.out" 2>&1 </dev/null &
on_exit "kill $!"
forward alcch5 -R2394:127.0.0.1:2393 -R/tmp/r5.sock:127.0.0.1:2393
assert_eq client "$(inside alcch5 2394)" "none: -R listens on the alcove's loopback"
assert_eq "connect 2394: Connection refused" "$(in_ct_net perl -e "$CLIENT" 2394 1 2>&1)" \
	"none: ... and not on the host's"
assert_eq client "$(inside alcch5 /tmp/r5.sock)" \
	"none: -R to a socket in /tmp listens in the alcove's /tmp (reaches the client's side)"
# -R into the host's /run/lock (1777 on Debian: without the lobby's mask of /run, U could bind)
forward alcch5 -R/run/lock/alcch5-r.sock:127.0.0.1:2393
pid=${LOGINS[-1]}
wait_until 200 eval '! kill -0 $pid 2>/dev/null' || ct_fail "none: -R into /run/lock did not fail"
wait $pid
assert_eq 255 $? "none: -R to a socket in the host's /run/lock fails (ExitOnForwardFailure)"
wait_until 50 eval 'ct_run journalctl -b --no-pager -q -t sshd |
	grep -q "cannot bind to path /run/lock/alcch5-r.sock: Permission denied"' ||
	ct_fail "sshd logs no EACCES for /run/lock/alcch5-r.sock: $(tail -3 "$WORK/fwd.log")"
out=$(in_ct_mnt ls -A /run/lock 2>&1) || fail "the host's /run/lock: $out"
assert_not_contains "$out" alcch5-r.sock \
	"none: ... by the lobby's masked /run (EACCES in the journal); nothing made in the host's /run/lock"
x11_login alcch5 none
assert_eq "connect $((6000 + display)): Connection refused" \
	"$(in_ct_net perl -e "$CLIENT" $((6000 + display)) 1 2>&1)" \
	"none: nothing listens for display $display on the host's loopback"
agent alcch5 none
tty_records alcch5 none

# ---- network = "host": the alcove's loopback is the container's; the editor pattern works
ct_server alcch6 2395 alcove6
forward alcch6 -L2396:127.0.0.1:2395 -D2397
assert_eq alcove6 "$(in_ct_net perl -e "$CLIENT" 2396 150 2>&1)" \
	"host: -L to 127.0.0.1:2395 reaches the server started inside (the editor pattern)"
assert_eq alcove6 "$(in_ct_net perl -e "$SOCKS" 2397 2395 150 2>&1)" "host: -D reaches it too"
assert_eq alcove6 "$(in_ct_net perl -e "$CLIENT" 2395 1 2>&1)" \
	"host: ... which listens on the host's loopback itself (one network ns)"
ct_server alcch6 /tmp/in6.sock alcove6-tmp
forward alcch6 -R2398:127.0.0.1:2393 -R/tmp/r6.sock:127.0.0.1:2393 -L"$WORK/in6.sock:/tmp/in6.sock"
assert_eq client "$(inside alcch6 2398)" "host: the -R listener answers inside"
assert_eq client "$(in_ct_net perl -e "$CLIENT" 2398 1 2>&1)" \
	"host: ... on the host's loopback, the alcove's network"
assert_eq client "$(inside alcch6 /tmp/r6.sock)" \
	"host: -R to a socket in /tmp listens in the alcove's /tmp (reaches the client's side)"
out=$(in_ct_mnt ls -A /tmp 2>&1) || fail "the host's /tmp: $out"
assert_not_contains "$out" r6.sock "host: ... not in the host's /tmp"
assert_eq alcove6-tmp "$(perl -e "$CLIENT" "$WORK/in6.sock" 150 2>&1)" \
	"host: -L to a socket in /tmp reaches the one in the alcove's /tmp"
x11_login alcch6 host
agent alcch6 host
tty_records alcch6 host
# Each alcove's devpts numbers its ptys from 0, but sshd's pty is a host terminal (the lobby
# keeps the host's /dev/pts; alcove-enter relays): alcch5's open X11 terminal and alcch6's have
# utmp lines of their own.
out=$(ct_run who)
assert_contains "$out" "alcch5 " "who lists alcch5's open terminal beside alcch6's (its own utmp line)"
assert_contains "$out" "alcch6 " "... and alcch6's: $(awk '$1 ~ /^alcch[56]$/ {print $1, $2}' <<<"$out" | xargs)"

# What the root monitor does after the session opened, in the lobby and the alcove's net ns.
sessions() { ct_run loginctl list-sessions --no-legend | awk '$3 ~ /^alcch[56]$/'; }
for u in alcch5 alcch6; do
	[ -n "$(sessions | awk -v u=$u '$3 == u')" ] || ct_fail "loginctl lists no session of $u"
done
pass "loginctl lists alcch5's and alcch6's sessions (pam_systemd opened them)"
end_logins
wait_until 200 eval '[ -z "$(sessions)" ]' ||
	ct_fail "the sessions did not close: $(sessions)"
pass "every session closed in logind"
out=$(ct_run journalctl -b --no-pager -q -t sshd 2>&1)
for u in alcch5 alcch6; do
	assert_contains "$out" "pam_unix(sshd:session): session closed for user $u" \
		"$u: sshd's monitor ran the PAM close stack"
done
assert_not_contains "$out" "pam_systemd(sshd:session): Failed" \
	"pam_systemd's close reached the system bus and logind from the lobby"
for u in alcch5 alcch6; do
	wait_until 200 eval '[ "$(ct_run systemctl show alcove-$u.scope -p LoadState --value)" = not-found ]' ||
		ct_fail "alcove-$u.scope still there after the last logout"
done
pass "the last logouts ended the alcoves (the helper's close reached them)"
out=$(ct_run journalctl -b --no-pager -q -t pam_alcove 2>&1)
assert_contains "$out" "Closed session" "pam_alcove's close logged to the journal"

# ---- a key's own command="internal-sftp", with the stock sshd_config (keys in the home): the
# module reads the key files again as the user and refuses the login (DESIGN §11)
printf 'command="internal-sftp" %s\n' "$(cat "$NSPAWN_DIR.key.pub")" \
	>"$NSPAWN_DIR/home/alcch5/.ssh/authorized_keys" || setup_fail "alcch5's key line"
sleep 0.2 # older than the connection
assert_fails_with 254 "forces internal-sftp, which sshd serves outside your alcove" \
	"a key line forcing internal-sftp: the login is refused" ct_ssh -s alcch5 sftp
out=$(ct_run journalctl -b --no-pager -q -t pam_alcove 2>&1)
assert_contains "$out" "/home/alcch5/.ssh/authorized_keys:1 forces internal-sftp" \
	"... and the container's journal names the file:line"
