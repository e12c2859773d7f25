#!/bin/bash
# sshd's own channels of a contained login land in the alcove (issue 13), through the real sshd
# and PAM stack, in both network modes: where each -L/-D connection, each -R and X11 listener
# ends up, agent forwarding, and the monitor's utmp/wtmp records and PAM close.
#   alcch1: network = "none" (the alcove's own network ns, with a decoy on the host's loopback)
#   alcch2: network = "host" (the editor pattern: a server started inside, a forward to it)
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
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcch1\"; profile = \"isolated\"; },
	  { user = \"alcch2\"; profile = \"shared\"; } );
profiles = { isolated = { network = \"none\"; }; shared = { network = \"host\"; }; };")
# utmp exists on a booted host; here it is made so that `who` can show the monitor's record.
if [ ! -e /run/utmp ]; then
	install -m 0664 -g utmp /dev/null /run/utmp || fail "create /run/utmp"
	on_exit "rm -f /run/utmp"
fi
SSHD_X11_FORWARDING=yes sshd_start 2381 \
	"session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"
for u in alcch1 alcch2; do sshd_authorize $u; done
WORK=$(mktemp -d /var/tmp/alcch.XXXXXX)
on_exit "rm -rf $WORK"
LOGINS=() # ssh clients of logins that stay; ended together at the end
on_exit 'kill "${LOGINS[@]}"'

# A line server (one line per connection, then close) and its client, in perl: perl-base is in
# every image, and on the host. CLIENT retries a refused connect TRIES times, 0.1 s apart (a
# listener still starting); it prints the line, or "connect PORT: reason" on stderr (exit 1).
SERVE='use IO::Socket::INET; my ($port, $word) = @ARGV;
my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $port, Listen => 16,
	ReuseAddr => 1) or die "listen $port: $!\n";
$| = 1; print "listening $port\n";
while (my $c = $s->accept) { print $c "$word\n"; close $c }'
CLIENT='use IO::Socket::INET; my ($port, $tries) = @ARGV; my $c;
for (1 .. $tries) {
	$c = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) and last;
	select(undef, undef, undef, 0.1);
}
$c or die "connect $port: $!\n"; my $l = <$c>; print defined $l ? $l : "EOF\n"'
# A SOCKS5 client (RFC 1928, no authentication, CONNECT 127.0.0.1:TARGET) through -D's PORT.
SOCKS='use IO::Socket::INET; my ($port, $target, $tries) = @ARGV; my $c;
for (1 .. $tries) {
	$c = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) and last;
	select(undef, undef, undef, 0.1);
}
$c or die "connect $port: $!\n"; my $b;
print $c "\x05\x01\x00"; read($c, $b, 2) == 2 && $b eq "\x05\x00" or die "socks greeting\n";
print $c "\x05\x01\x00\x01\x7f\x00\x00\x01" . pack("n", $target);
read($c, $b, 10) == 10 or die "socks: short reply\n";
ord(substr($b, 1, 1)) == 0 or die "socks: refused (" . ord(substr($b, 1, 1)) . ")\n";
my $l = <$c>; print defined $l ? $l : "EOF\n"'
q() { printf '%q' "$1"; }

host_server() { # port word: a line server on the host's loopback
	perl -e "$SERVE" "$1" "$2" >"$WORK/host-$1.out" 2>&1 </dev/null &
	on_exit "kill $!"
	wait_until 50 grep -q listening "$WORK/host-$1.out" || fail "host server on $1 did not start"
}
alcove_server() { # user port word: a line server inside, started over a login of its own
	ssh_bg "$1" -tt -- "exec perl -e $(q "$SERVE") $2 $3" >"$WORK/alcove-$2.out" 2>&1
	LOGINS+=("$SSH_BG_PID")
	wait_until 150 grep -q listening "$WORK/alcove-$2.out" ||
		fail "server in $1's alcove on $2 did not start: $(cat "$WORK/alcove-$2.out")"
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
DISPLAY=:77 ssh_bg alcch1 -Y -tt -- "echo DISPLAY=\$DISPLAY; d=\${DISPLAY#localhost:}
	perl -e $(q "$CLIENT") \$((6000 + \${d%.*})) 1 >/dev/null && echo x11-connected; exec sleep 600" \
	>"$WORK/x11.out" 2>&1
LOGINS+=("$SSH_BG_PID")
wait_until 150 grep -q -e x11-connected -e connect "$WORK/x11.out" ||
	fail "the X11 login did not start: $(cat "$WORK/x11.out")"
x11=$(tr -d '\r' <"$WORK/x11.out")
assert_contains "$x11" "DISPLAY=localhost:" "none: ssh -Y sets DISPLAY=localhost:N inside"
assert_contains "$x11" x11-connected "none: the X11 listener answers on the alcove's loopback"
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

# ---- network = "host": the same network ns inside and out; the editor pattern works
alcove_server alcch2 2395 alcove
forward alcch2 -L 2396:127.0.0.1:2395
assert_eq alcove "$(perl -e "$CLIENT" 2396 100 2>&1)" \
	"host: -L to a server started inside reaches it (the editor pattern)"
forward alcch2 -D 2397
assert_eq alcove "$(perl -e "$SOCKS" 2397 2395 100 2>&1)" "host: -D reaches it too"
forward alcch2 -R 2398:127.0.0.1:2393
assert_eq client "$(inside alcch2 2398)" "host: the -R listener answers inside"

# ---- the end: every login closes through PAM (logging through the journal's socket from the
# alcove's network ns), and nothing is left
kill "${LOGINS[@]}" 2>/dev/null
for u in alcch1 alcch2; do
	wait_until 150 alcove_gone $u || fail "alcove of $u still there: $(alcove_leftovers $u)"
	journal_wait "of alcove $(id -u $u)" >/dev/null || fail "no 'Closed session' line for $u"
	pass "$u: PAM close logged, no alcove left after the last logout"
done
