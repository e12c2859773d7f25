#!/bin/bash
# Issue 12, route 5: a subordinate range that holds another account's ids. In root mode ns root
# can chown a file of the home to any id of its range and set it setuid: a range holding
# another account's uid hands that account to the tenant. Every build refuses such a range (the
# login is refused, naming what the range holds) and `alcovectl explain` says why: an account
# NSS knows (its uid, or its primary gid without a group entry), a range of the policy's reserved_ids (directory services that do not enumerate),
# another user's line in /etc/subuid. Logins through pamtester (the module in a real PAM stack),
# and through a real sshd for another account's uid, an overlapping range and one below 65536.
# Route 8: a second name of alcid1's uid that the policy treats otherwise is refused. At the end,
# through that sshd (UseDNS yes, the client's name in this test's own
# /etc/hosts), rhost rules match addresses and prefixes; the client's reverse DNS name, which
# it chooses, matches only toward containment, and a glob over it is no rule at all.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcid1
pam_user alcid3
MOD=$BUILD/pam_alcove.so
HELPER=$BUILD/alcove-helper
CTL=(env ALCOVE_HELPER="$HELPER" "$BUILD/alcovectl")

# Ranges of this test's own, far above every other test's (useradd allocates from 100000, test
# 33 uses 2^30): alcid1's uids at U1, its gids at G1; nothing else holds them yet.
U1=3100000000
G1=3100200000
# usermod edits /etc/subuid and /etc/subgid under shadow's lock, as useradd and userdel of
# the other tests running meanwhile do.
set_range() { # user file start
	local del=--del-subuids add=--add-subuids r
	[ "$2" = /etc/subgid ] && del=--del-subgids add=--add-subgids
	for r in $(awk -F: -v u="$1" '$1 == u {printf "%.0f-%.0f\n", $2, $2 + $3 - 1}' "$2"); do
		usermod "$del" "$r" "$1" || fail "usermod $del $r $1"
	done
	usermod "$add" "$3-$(($3 + 65535))" "$1" || fail "usermod $add $3 $1"
}
# Each step checks alcid1's lines first and sets them again if need be.
ensure_ranges() {
	local f s
	for f in /etc/subuid:$U1 /etc/subgid:$G1; do
		s=$(awk -F: '$1 == "alcid1" {print $2; exit}' "${f%%:*}")
		[ "$s" = "${f#*:}" ] || set_range alcid1 "${f%%:*}" "${f#*:}"
	done
}
ensure_ranges
set_range alcid3 /etc/subuid $((U1 + 400000))
set_range alcid3 /etc/subgid $((G1 + 400000))

policy() { # extra top-level settings
	make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"stop\"; };
rules = ( { user = \"alcid1\"; profile = \"lab\"; } );
profiles = { lab = { }; };
$1"
}
conf=$(policy "")
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$conf helper=$HELPER"
pt() { pamtester -v alcid-range "$1" open_session close_session 2>&1; }
# The journal line for alcid1 at the helper stage that contains TEXT; fails otherwise.
logged() { # what text
	journal_wait "$2" >/dev/null
	local line
	line=$(grep -F "user=alcid1 " "$JOURNAL" | grep -F -- "$2" | tail -1)
	[ -n "$line" ] || fail "$1: no log line with '$2'; log: $(cat "$JOURNAL")"
	pass "$1 (logged: ${line#*msg=})"
}
refused() { # what expected-text [config]
	local out
	journal_clear
	ensure_ranges
	out=$(pt alcid1) && fail "$1: the session opened: $out; alcid1's lines: $(grep -h '^alcid1:' /etc/subuid /etc/subgid | tr '\n' ' ')"
	logged "$1: the login is refused" "Refusing session: alcove-helper open: Failed to build the alcove of alcid1: $2"
	alcove_gone alcid1 || fail "$1: an alcove is left: $(alcove_leftovers alcid1)"
	out=$("${CTL[@]}" explain alcid1 --config "${3:-$conf}")
	assert_contains "$out" "decision  refused: $2" "$1: explain says why"
}

# --- the control: clean ranges build
out=$(pt alcid1) || fail "alcid1 with clean ranges: the session was refused: $out"
pass "a root-mode user whose ranges hold nobody else's ids logs in"
wait_until 100 alcove_gone alcid1 || fail "alcid1's alcove did not end: $(alcove_leftovers alcid1)"
assert_contains "$("${CTL[@]}" explain alcid1 --config "$conf")" "decision  contained" \
	"explain: contained"

# The sshd of this test. It resolves the client's name (UseDNS yes) from files only, in this
# mount ns: 127.0.0.1 is alcid-client.example, a name the client's owner chose.
HOSTS=$(mktemp /run/alcove-tests/hosts.XXXXXX) && NSS=$(mktemp /run/alcove-tests/nsswitch.XXXXXX) ||
	setup_fail "mktemp hosts, nsswitch.conf"
on_exit "rm -f $HOSTS $NSS"
printf '127.0.0.1 alcid-client.example\n' >"$HOSTS" &&
	sed 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf >"$NSS" && chmod 644 "$HOSTS" "$NSS" &&
	mount --bind "$HOSTS" /etc/hosts && mount --bind "$NSS" /etc/nsswitch.conf ||
	setup_fail "bind the test's /etc/hosts and nsswitch.conf"
sshd_start 2441 "session required $MOD config=$conf helper=$HELPER" "UseDNS yes"
sshd_authorize alcid1
ssh_refused() { # what expected-text
	local out rc
	journal_clear
	out=$(ssh_to alcid1 -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1)
	rc=$?
	[ $rc -ne 0 ] || fail "$1: the ssh login went through: $out"
	assert_not_contains "$out" "IN:" "$1: the ssh login is refused (exit $rc)"
	logged "$1: sshd's PAM session is refused" "Refusing session: alcove-helper open: Failed to build the alcove of alcid1: $2"
	wait_until 100 alcove_gone alcid1 || fail "$1: an alcove is left: $(alcove_leftovers alcid1)"
}

# --- an account NSS knows, with a uid inside alcid1's subordinate uids (through sshd)
userdel alcid2 >/dev/null 2>&1 || true
useradd -M -N -g nogroup -s /usr/sbin/nologin -u $((U1 + 5)) alcid2 >/dev/null 2>&1 ||
	fail "useradd alcid2"
on_exit "userdel -f alcid2"
why="the subordinate uid range $U1-$((U1 + 65535)) of alcid1 in /etc/subuid holds uid $((U1 + 5)) of account alcid2"
ensure_ranges
ssh_refused "ssh, another account's uid in the range" "$why"
assert_contains "$("${CTL[@]}" explain alcid1 --config "$conf")" "decision  refused: $why" \
	"ssh, another account's uid in the range: explain says why"
userdel -f alcid2

# --- a group NSS knows, with a gid inside alcid1's subordinate gids
groupdel alcidg >/dev/null 2>&1 || true
groupadd -g $((G1 + 7)) alcidg || fail "groupadd alcidg"
on_exit "groupdel alcidg"
refused "another group's gid in the range" \
	"the subordinate gid range $G1-$((G1 + 65535)) of alcid1 in /etc/subgid holds gid $((G1 + 7)) of group alcidg"
groupdel alcidg

# --- an account whose primary gid, with no group entry (groupdel --force), is in the range
userdel alcid4 >/dev/null 2>&1 || true
groupdel alcidp >/dev/null 2>&1 || true
groupadd -g $((G1 + 9)) alcidp && useradd -M -g alcidp -s /usr/sbin/nologin alcid4 >/dev/null &&
	groupdel --force alcidp || fail "an account alcid4 of primary gid $((G1 + 9)) without a group"
on_exit "userdel -f alcid4"
getent group $((G1 + 9)) >/dev/null && fail "gid $((G1 + 9)) still has a group entry"
refused "another account's primary gid in the range" \
	"the subordinate gid range $G1-$((G1 + 65535)) of alcid1 in /etc/subgid holds gid $((G1 + 9)), the primary group of account alcid4"
userdel -f alcid4

# --- a range the policy reserves for a directory service's accounts (LDAP, sssd)
resconf=$(policy "reserved_ids = ( \"1000-1999\",
	\"$((U1 + 60000))-$((U1 + 69999))\" );")
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$resconf helper=$HELPER"
refused "a reserved_ids range" \
	"the subordinate uid range $U1-$((U1 + 65535)) of alcid1 in /etc/subuid overlaps reserved_ids range $((U1 + 60000))-$((U1 + 69999)) ($resconf:6)" \
	"$resconf"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$conf helper=$HELPER"

# --- another user's line in /etc/subuid sharing ids with alcid1's
# (the line number is left out: other tests add and remove lines of /etc/subuid meanwhile)
set_range alcid3 /etc/subuid $((U1 + 30000))
refused "another user's subordinate range" \
	"the subordinate uid range $U1-$((U1 + 65535)) of alcid1 in /etc/subuid overlaps the range $((U1 + 30000))-$((U1 + 95535)) of alcid3 (line "

# --- through the sshd: the same overlap refused, and a range below 65536
ssh_refused "ssh, another user's subordinate range" \
	"the subordinate uid range $U1-$((U1 + 65535)) of alcid1 in /etc/subuid overlaps the range $((U1 + 30000))-$((U1 + 95535)) of alcid3 (line "
set_range alcid3 /etc/subuid $((U1 + 400000))
set_range alcid1 /etc/subuid 1000
ssh_refused "ssh, a range below 65536" \
	"the subordinate uid range of alcid1 in /etc/subuid starts at 1000, below 65536: it would give the alcove the host's own ids"
ensure_ranges

# --- and clean again: the same user logs in
out=$(pt alcid1) || fail "alcid1 with clean ranges again: the session was refused: $out"
pass "with the overlaps gone, alcid1 logs in again"

# --- route 8: alcid1's uid under a second name (useradd -o) that no rule selects. The
# alcove, the user manager and the host go by the uid: that name must not log in uncontained.
uid1=$(id -u alcid1)
userdel -f alcid1b >/dev/null 2>&1 || true
useradd -M -N -o -u "$uid1" -g "$(id -g alcid1)" -d "$(getent passwd alcid1 | cut -d: -f6)" \
	-s /bin/bash alcid1b >/dev/null || fail "useradd -o -u $uid1 alcid1b"
on_exit "userdel -f alcid1b"
sshd_authorize alcid1b
[ "$(getent passwd "$uid1" | cut -d: -f1)" = alcid1 ] || fail "uid $uid1's first name is not alcid1"
why="user alcid1b shares uid $uid1 with alcid1, and the policy treats the two names differently (alcid1b skipped, alcid1 contained); give both names the same rules"
journal_clear
out=$(ssh_to alcid1b -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1) &&
	fail "ssh as alcid1b, alcid1's uid by another name: the login went through: $out"
assert_not_contains "$out" "IN:" "ssh as alcid1b (alcid1's uid, no rule): the login is refused"
journal_wait "$why" >/dev/null
line=$(grep -F "user=alcid1b " "$JOURNAL" | grep -F "Refusing session: $why" | tail -1)
[ -n "$line" ] || fail "alcid1b: no refusal naming both names; ssh: $out; log: $(cat "$JOURNAL")"
pass "... sshd's PAM session is refused naming both names (logged: ${line#*msg=})"
assert_contains "$("${CTL[@]}" explain alcid1b --config "$conf")" "decision  refused: $why" \
	"explain alcid1b: refused, and why"
# the control: one rule for both names, skip, and alcid1b logs in (on the host, as the rule says)
skipconf=$(make_config "rules = ( { user = \"alcid1*\"; action = \"skip\"; } );")
out=$(pamtester -v alcid-range alcid1b open_session close_session 2>&1) &&
	fail "alcid1b under the policy that contains alcid1: the session opened: $out"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$skipconf helper=$HELPER"
out=$(pamtester -v alcid-range alcid1b open_session close_session 2>&1) ||
	fail "alcid1b, both names skipped: the session was refused: $out"
pass "with one rule for both names, alcid1b's login is not refused"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$conf helper=$HELPER"
userdel -f alcid1b

# --- numbers as names (useradd allows them): shadow's tools read a line of "$uid1" in
# /etc/subuid as the account named so and as uid $uid1's. An account named alcid1's uid, with
# the line useradd gives it by that name: alcid1, found by uid there, and that account both
# are refused.
userdel -f "$uid1" >/dev/null 2>&1 || true
useradd -M -N -g nogroup -s /usr/sbin/nologin "$uid1" >/dev/null || fail "useradd $uid1"
on_exit "userdel -f $uid1"
grep -q "^$uid1:" /etc/subuid || setup_fail "useradd gave $uid1 no /etc/subuid line"
numconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; };
rules = ( { user = \"$uid1\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
assert_contains "$("${CTL[@]}" explain "$uid1" --config "$numconf")" \
	"of $uid1 in /etc/subuid is found by the user's name, a number that is also uid $uid1's" \
	"an account named $uid1, a number that is another's uid: its range is refused"
for r in $(awk -F: '$1 == "alcid1" {printf "%.0f-%.0f\n", $2, $2 + $3 - 1}' /etc/subuid); do
	usermod --del-subuids "$r" alcid1 || fail "usermod --del-subuids $r alcid1"
done
journal_clear
out=$(pt alcid1) && fail "alcid1 by the line of $uid1 (also an account's name): the session opened: $out"
logged "alcid1, whose only /etc/subuid line is by its uid, which an account has as its name: refused" \
	"of alcid1 in /etc/subuid is found by uid $uid1, which is also the name of another account"
userdel -f "$uid1"
ensure_ranges
out=$(pt alcid1) || fail "alcid1 with its own lines again: refused: $out"
pass "with its own lines back, alcid1 logs in"

# --- a running alcove is joined only by a login of its own profile: rules by service give
# alcid1 a loose profile (the host's network) through one PAM service and a strict one
# (no network) through another; the strict login joined the loose alcove, lobby and all.
profconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"idle\"; idle_timeout = 120; };
rules = ( { user = \"alcid1\"; service = \"alcid-loose\"; profile = \"loose\"; },
	{ user = \"alcid1\"; profile = \"strict\"; } );
profiles = { loose = { network = \"host\"; }; strict = { network = \"none\"; }; };")
sshd_pam_write alcid-loose "session required pam_permit.so
session required $MOD config=$profconf helper=$HELPER"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$profconf helper=$HELPER"
out=$(pamtester -v alcid-loose alcid1 open_session close_session 2>&1) ||
	fail "alcid1 through alcid-loose: the session was refused: $out"
alcove_gone alcid1 && fail "alcid1's loose alcove did not stay (on_last_logout = idle)"
journal_clear
out=$(pt alcid1) && fail "a login of profile strict joined alcid1's alcove of profile loose: $out"
logged "a login of profile strict does not join alcid1's running alcove of profile loose" \
	"runs with profile loose, and this login's profile is strict: a login joins only an alcove of its own profile"
out=$(pamtester -v alcid-loose alcid1 open_session close_session 2>&1) ||
	fail "a second login of profile loose: refused: $out"
pass "a second login of profile loose joins it"
# The same profile name, tightened while the alcove runs: network "host" now "none", root
# mode now user. A login joined the alcove built under the looser profile (its lobby served
# sshd's forwards on the host's network, its sessions ran as ns root).
tight() { # what profile-loose-body expected-text
	local c
	c=$(make_config "$(sed "s|loose = { network = \"host\"; };|loose = { $2 };|" "$profconf")")
	sshd_pam_write alcid-loose "session required pam_permit.so
session required $MOD config=$c helper=$HELPER"
	journal_clear
	out=$(pamtester -v alcid-loose alcid1 open_session close_session 2>&1) &&
		fail "$1: a login joined the alcove built before: $out"
	logged "$1: the login is refused" "$3"
	alcove_gone alcid1 && fail "$1: the running alcove was stopped"
}
tight "profile loose now network = none" 'network = "none";' \
	"the alcove's network namespace is the host's, and its profile now says network = \"none\""
tight "profile loose now mode = user" 'network = "host"; mode = "user";' \
	"runs in root mode, and its profile loose now says mode = \"user\" (the policy changed"
sshd_pam_write alcid-loose "session required pam_permit.so
session required $MOD config=$profconf helper=$HELPER"
out=$("${CTL[@]}" --config "$profconf" enter alcid1 -- sh -c 'echo in' 2>&1)
assert_eq "in" "$out" "alcovectl enter (the admin's, no lobby; its rule says strict) joins it"
"${CTL[@]}" stop alcid1 >/dev/null 2>&1 || fail "alcovectl stop alcid1"
wait_until 100 alcove_gone alcid1 || fail "alcid1's alcove did not end: $(alcove_leftovers alcid1)"
out=$(pt alcid1) || fail "alcid1, profile strict, once the loose alcove ended: refused: $out"
pass "once it has ended, the strict login gets an alcove of its own"
"${CTL[@]}" stop alcid1 >/dev/null 2>&1
wait_until 100 alcove_gone alcid1 || fail "alcid1's strict alcove did not end: $(alcove_leftovers alcid1)"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$conf helper=$HELPER"
wait_until 100 alcove_gone alcid1 || fail "alcid1's alcove did not end: $(alcove_leftovers alcid1)"

# --- issue 12 route 8: with sshd's UseDNS yes PAM_RHOST is the client's reverse DNS name, which
# whoever owns its address chooses. A name matches every rhost rule that contains (the first:
# profile dns), never a skip rule; an address matches by prefix (rule #2: profile lab); an
# address outside both prefixes reaches the skip rule.
dnsconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"stop\"; };
rules = ( { rhost = \"192.0.2.0/24\"; profile = \"dns\"; },
	{ rhost = \"127.0.0.0/8\"; profile = \"lab\"; },
	{ user = \"alcid1\"; action = \"skip\"; } );
profiles = { lab = { }; dns = { }; };")
ssh_policy() { # config
	sshd_pam_write "$SSHD_SERVICE" "session required $MOD sshd_config=$SSHD_DIR/sshd_config config=$1 helper=$HELPER"
}
ssh_policy "$dnsconf"
ensure_ranges
# ssh_contained WHAT PROFILE: alcid1 logs in through the sshd, into an alcove of PROFILE
ssh_contained() {
	local out
	journal_clear
	out=$(ssh_to alcid1 -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1)
	assert_contains "$out" "IN:alcove-init" "$1: the ssh login lands in an alcove"
	logged "$1: contained with profile $2" "service $SSHD_SERVICE, profile $2;"
	wait_until 100 alcove_gone alcid1 || fail "$1: an alcove is left: $(alcove_leftovers alcid1)"
}
ssh_contained "ssh from 127.0.0.1 named alcid-client.example: the name is contained by the first rhost rule" dns
# (no line at all: glibc answers 127.0.0.1 with the name of a ::1 line)
printf '# 127.0.0.1 has no name: sshd passes the address\n' >"$HOSTS"
ssh_contained "ssh from 127.0.0.1 without a name: the address is matched by 127.0.0.0/8" lab
printf '127.0.0.1 alcid-client.example\n' >"$HOSTS"
sshd_pam_write alcid-range "session required pam_permit.so
session required $MOD config=$dnsconf helper=$HELPER"
journal_clear
out=$(pamtester -v -I rhost=203.0.113.9 alcid-range alcid1 open_session close_session 2>&1) ||
	fail "an address rhost: the session was refused: $out"
logged "an address outside both prefixes reaches the skip rule" \
	'Not contained: rule #3 (line 5): action = "skip"'
out=$("${CTL[@]}" explain alcid1 --rhost alcid-client.example --config "$dnsconf")
assert_contains "$out" "rhost     alcid-client.example (not an address: rhost rules matched toward containment" \
	"explain --rhost NAME: says the name is not an address"
assert_contains "$out" "decision  contained: rule #1 (line 3; rhost is a name, not an address: matched toward containment)" \
	"explain --rhost NAME: contained by the first rhost rule, and why"
# A skip rule globbing the client's name is no rule: the policy is refused, and so is the ssh
# login, not let through uncontained.
globconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	mode = \"root\"; on_last_logout = \"stop\"; };
rules = ( { rhost = \"*.example\"; action = \"skip\"; },
	{ user = \"alcid1\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
ssh_policy "$globconf"
journal_clear
out=$(ssh_to alcid1 -- 'echo "IN:$(cat /proc/1/comm)"' 2>&1) && fail "ssh under a glob rhost rule: the login went through: $out"
assert_not_contains "$out" "IN:" "ssh under a skip rule globbing the client's name: the login is refused"
logged "... the policy is invalid: the glob is not an address" \
	"\"*.example\": not an IPv4 or IPv6 address (names and globs are not matched: the client controls its reverse DNS name); refusing the session"
# check-config warns of UseDNS yes when rhost rules are there to meet names, not otherwise
dnsdir=$(mktemp -d)
on_exit "rm -rf '$dnsdir'"
printf 'Port 22\nUseDNS yes\n' >"$dnsdir/sshd_config"
err=$("${CTL[@]}" check-config --sshd-config "$dnsdir/sshd_config" "$dnsconf" 2>&1)
assert_eq 0 $? "check-config: UseDNS yes is a warning, not a failure"
assert_contains "$err" "$dnsdir/sshd_config:2: warning: UseDNS yes: PAM_RHOST is the client's reverse DNS name" \
	"check-config warns of UseDNS yes with rhost rules, naming the line"
err=$("${CTL[@]}" check-config --sshd-config "$dnsdir/sshd_config" "$conf" 2>&1)
assert_not_contains "$err" "UseDNS" "check-config: no UseDNS warning without rhost rules"
