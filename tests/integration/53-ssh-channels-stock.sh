#!/bin/bash
# sshd's channels of a contained login (issue 13) in a booted bookworm container, with Debian's
# stock sshd_config and PAM stack (pam_systemd before pam_alcove, pam_motd after), as an admin
# would have them: no sshd_config change. network = "none", image = "/", cgroup = "systemd".
# Asserts where -L, -R and a unix-socket -L land, and that what sshd's root monitor does in the
# lobby and the alcove's network ns still works: logind's session (open and close through
# D-Bus), utmp and wtmp (who, last); and that a key line of the user's forcing internal-sftp
# (the stock config reads keys from the home) refuses the login.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"

[ -x "$BUILD/alcove-helper" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"

ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q 2>&1 | grep -v -e 'run-u[0-9]*.service' | tail -60 |
		sed 's/^/#   /'
	fail "$@"
}

nspawn_boot
ct_user alcch5
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<'CONF'
defaults = { image = "/"; cgroup = "systemd"; persist = false; on_last_logout = "stop"; };
profiles = { isolated = { network = "none"; }; };
rules = ( { user = "alcch5"; profile = "isolated"; } );
CONF
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

# The line server and client of 49-ssh-channels, in perl (perl-base is in every image).
SOCK='use IO::Socket::INET; use IO::Socket::UNIX;
sub sock { my ($a, %o) = @_; $a =~ m{^/}
	? IO::Socket::UNIX->new(($o{Listen} ? "Local" : "Peer") => $a, %o)
	: IO::Socket::INET->new(($o{Listen} ? (LocalAddr => "127.0.0.1", LocalPort => $a,
		ReuseAddr => 1) : (PeerAddr => "127.0.0.1", PeerPort => $a)), %o) }'
SERVE="$SOCK"'
my ($addr, $word) = @ARGV; my $s = sock($addr, Listen => 16) or die "listen $addr: $!\n";
$| = 1; print "listening $addr\n";
while (my $c = $s->accept) { print $c "$word\n"; close $c }'
CLIENT="$SOCK"'
my ($addr, $tries) = @ARGV; my $c;
for (1 .. $tries) { $c = sock($addr) and last; select(undef, undef, undef, 0.1) }
$c or die "connect $addr: $!\n"; my $l = <$c>; print defined $l ? $l : "EOF\n"'
in_ct_net() { nsenter -t "$NSPAWN_LEADER" -n "$@"; } # the container's loopback, host's files

# The decoy: a server on the container's own loopback (the "host" of the alcove).
in_ct_net perl -e "$SERVE" 2390 host >"$WORK/decoy.out" 2>&1 </dev/null &
on_exit "kill $!"
wait_until 50 grep -q listening "$WORK/decoy.out" || fail "decoy did not start"
# The editor pattern: a server started inside over one login ...
ct_ssh -tt alcch5 "exec perl -e $(printf %q "$SERVE") 2390 alcove" </dev/null >"$WORK/srv.out" 2>&1 &
LOGINS+=($!)
wait_until 200 grep -q listening "$WORK/srv.out" || ct_fail "server inside: $(cat "$WORK/srv.out")"
# ... a forward to it over another (TCP, and a unix socket to the system bus, 0666).
ct_ssh -N -oExitOnForwardFailure=yes -L2391:127.0.0.1:2390 \
	-L"$WORK/bus.sock:/run/dbus/system_bus_socket" alcch5 </dev/null >"$WORK/fwd.log" 2>&1 &
LOGINS+=($!)
assert_eq alcove "$(in_ct_net perl -e "$CLIENT" 2391 150 2>&1)" \
	"-L to 127.0.0.1:2390 reaches the server inside the alcove, not the host's"
assert_eq EOF "$(perl -e "$CLIENT" "$WORK/bus.sock" 150 2>&1)" \
	"-L to the host's /run/dbus/system_bus_socket is refused (the lobby hides /run)"
in_ct_net perl -e "$SERVE" 2393 client >"$WORK/client.out" 2>&1 </dev/null &
on_exit "kill $!"
ct_ssh -N -oExitOnForwardFailure=yes -R2394:127.0.0.1:2393 alcch5 </dev/null >>"$WORK/fwd.log" 2>&1 &
LOGINS+=($!)
out=$(ct_ssh alcch5 "perl -e $(printf %q "$CLIENT") 2394 150" 2>&1)
assert_eq client "$out" "-R listens on the alcove's loopback"
assert_eq "connect 2394: Connection refused" "$(in_ct_net perl -e "$CLIENT" 2394 1 2>&1)" \
	"... and not on the host's"

# What the root monitor does after the session opened, in the lobby and the alcove's net ns.
sessions() { ct_run loginctl list-sessions --no-legend | awk '$3 == "alcch5"'; }
[ -n "$(sessions)" ] || ct_fail "loginctl lists no session of alcch5"
pass "loginctl lists alcch5's sessions (pam_systemd opened them)"
assert_contains "$(ct_run who)" alcch5 "who shows alcch5's terminal login (utmp by the monitor)"
assert_contains "$(ct_run last -w alcch5)" alcch5 "last shows alcch5's logins (wtmp)"
end_logins
wait_until 200 eval '[ -z "$(sessions)" ]' ||
	ct_fail "alcch5's sessions did not close: $(sessions)"
pass "every session closed in logind"
out=$(ct_run journalctl -b --no-pager -q -t sshd 2>&1)
assert_contains "$out" "pam_unix(sshd:session): session closed for user alcch5" \
	"sshd's monitor ran the PAM close stack"
assert_not_contains "$out" "pam_systemd(sshd:session): Failed" \
	"pam_systemd's close reached the system bus and logind from the lobby"
wait_until 200 eval '[ "$(ct_run systemctl show alcove-alcch5.scope -p LoadState --value)" = not-found ]' ||
	ct_fail "alcove-alcch5.scope still there after the last logout"
pass "the last logout ended the alcove (the helper's close reached it)"
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
