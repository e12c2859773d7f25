# shellcheck shell=bash
# Line servers and clients of the ssh channel tests (49-ssh-channels, 53-ssh-channels-stock),
# as perl programs in variables, for `perl -e "$SERVE" ...` on the host or, quoted with q, in a
# login's command.
#
# A line server (one line per connection, then close) and its client, in perl: perl-base is in
# every image, and on the host. An address is a TCP port on 127.0.0.1 or a unix socket path
# (made 0666, so that only the directories decide who reaches it). CLIENT retries a refused
# connect TRIES times, 0.1 s apart (a listener still starting); it prints the line ("EOF" when
# the connection closes without one), or "connect ADDR: reason" on stderr (exit 1).
SOCK='use IO::Socket::INET; use IO::Socket::UNIX;
sub sock { my ($a, %o) = @_; $a =~ m{^/}
	? IO::Socket::UNIX->new(($o{Listen} ? "Local" : "Peer") => $a, %o)
	: IO::Socket::INET->new(($o{Listen} ? (LocalAddr => "127.0.0.1", LocalPort => $a,
		ReuseAddr => 1) : (PeerAddr => "127.0.0.1", PeerPort => $a)), %o) }
sub try { my ($a, $tries) = @_; my $c;
	for (1 .. $tries) { $c = sock($a) and last; select(undef, undef, undef, 0.1) }
	$c or die "connect $a: $!\n"; $c }'
SERVE="$SOCK"'
my ($addr, $word) = @ARGV; my $s = sock($addr, Listen => 16) or die "listen $addr: $!\n";
chmod 0666, $addr if $addr =~ m{^/};
$| = 1; print "listening $addr\n";
while (my $c = $s->accept) { print $c "$word\n"; close $c }'
CLIENT="$SOCK"'
my $c = try(@ARGV); my $l = <$c>; print defined $l ? $l : "EOF\n"'
# A SOCKS5 client (RFC 1928, no authentication, CONNECT 127.0.0.1:TARGET) through -D's PORT.
SOCKS="$SOCK"'
my ($port, $target, $tries) = @ARGV; my $c = try($port, $tries); my $b;
print $c "\x05\x01\x00"; read($c, $b, 2) == 2 && $b eq "\x05\x00" or die "socks greeting\n";
print $c "\x05\x01\x00\x01\x7f\x00\x00\x01" . pack("n", $target);
read($c, $b, 10) == 10 or die "socks: short reply\n";
ord(substr($b, 1, 1)) == 0 or die "socks: refused (" . ord(substr($b, 1, 1)) . ")\n";
my $l = <$c>; print defined $l ? $l : "EOF\n"'
q() { printf '%q' "$1"; }
