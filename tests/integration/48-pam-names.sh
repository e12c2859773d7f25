#!/bin/bash
# Issue 12, items 8b and 8c, through the real sshd and PAM stack, against a directory service
# as sssd presents one: tests/tools/nss-alcidtest.c, put after `files` in a private copy of
# nsswitch.conf, answers a user name in any case with the account's own lower-case name
# (sssd's case_sensitive = false), and knows one account by a long name of the form
# first.last@domain (sssd's full names; useradd cannot make one: it limits names to 32 bytes).
#  - 8b: PAM_USER is what the client typed ("ALCIDX"); the policy's rule names the account
#    (alcidx). The login must be matched, contained and logged as alcidx.
#  - 8c: a long sssd-style name no rule selects gets PAM_IGNORE: the login works, uncontained,
#    and the journal says it was not contained. A rule that selects it refuses the login with
#    one line naming the name.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"
. "$ALCOVE_SRC/tests/lib/alcove.sh"

LONG=alcid.firstname.lastname@corp.example.com
journal_start
img=$(test_image bookworm-login)
pam_user alcidx
pam_user alcidl # the account behind $LONG

# The fake directory service: its library where glibc's NSS looks for modules (a file only
# this test's private nsswitch.conf names), and that nsswitch.conf, seen in this mount ns only.
libdir=/usr/lib/$(gcc -print-multiarch)
install -m 0644 "$BUILD/tests/libnss_alcidtest.so.2" "$libdir/libnss_alcidtest.so.2" ||
	fail "install the test NSS module"
on_exit "rm -f $libdir/libnss_alcidtest.so.2"
nss=$(mktemp /run/alcove-tests/nsswitch.XXXXXX)
on_exit "rm -f $nss"
sed 's/^passwd:.*/& alcidtest/' /etc/nsswitch.conf >"$nss"
chmod 644 "$nss"
mount --bind "$nss" /etc/nsswitch.conf || fail "bind the test's nsswitch.conf"
assert_eq "alcidx:$(id -u alcidx)" "$(getent passwd ALCIDX | cut -d: -f1,3)" \
	"NSS answers ALCIDX with the account alcidx (as sssd with case_sensitive = false)"
assert_eq "$LONG:$(id -u alcidl)" "$(getent passwd "$LONG" | cut -d: -f1,3)" \
	"NSS knows $LONG (${#LONG} bytes)"

MOD=$BUILD/pam_alcove.so
HELPER=$BUILD/alcove-helper
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
profiles = { lab = { }; };
rules = ( { user = \"alcidx\"; profile = \"lab\"; } );")
sshd_start 2361 "session required $MOD config=$conf helper=$HELPER"
sshd_authorize alcidx # AuthorizedKeysFile .../%u: sshd expands %u to the passwd name
sshd_authorize "$LONG"

# --- 8b: typed ALCIDX, contained as alcidx
journal_clear
out=$(ssh_to ALCIDX -- 'echo "comm=$(cat /proc/1/comm) name=${ALCOVE_NAME:-none} user=$(id -un)"' 2>&1)
assert_eq "comm=alcove-init name=$(id -u alcidx) user=alcidx" "$out" \
	"ssh as ALCIDX: the rule for alcidx contains the login, in alcidx's alcove"
line=$(journal_wait "Contained in alcove $(id -u alcidx)") || fail "no 'Contained' line: $(cat "$JOURNAL")"
assert_contains "$line" "user=alcidx " "the journal names the account alcidx, not ALCIDX"
grep -F "user=ALCIDX" "$JOURNAL" && fail "a journal line names the typed spelling ALCIDX"
pass "no journal line names ALCIDX"
wait_until 100 alcove_gone alcidx || fail "alcidx's alcove did not end: $(alcove_leftovers alcidx)"
out=$(env ALCOVE_HELPER="$HELPER" "$BUILD/alcovectl" explain AlcidX --config "$conf")
assert_contains "$out" "user      alcidx (uid $(id -u alcidx)" "explain AlcidX explains alcidx"
assert_contains "$out" "decision  contained" "and alcidx's rule contains it"

# --- 8c: the long name, selected by no rule: PAM_IGNORE, the login goes on uncontained
journal_clear
out=$(ssh_to "$LONG" -- 'echo "name=${ALCOVE_NAME:-none} uid=$(id -u)"' 2>&1)
assert_eq "name=none uid=$(id -u alcidl)" "$out" \
	"ssh as $LONG with no rule for it: the login works, uncontained"
line=$(journal_wait "Not contained: no rule matched") || fail "no 'Not contained' line: $(cat "$JOURNAL")"
assert_contains "$line" "user=$LONG " "the journal says it was skipped, naming $LONG"

# --- 8c: a rule that selects it: refused, with one line naming the name
conf2=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false; };
profiles = { lab = { }; };
rules = ( { user = \"*@corp.example.com\"; profile = \"lab\"; } );")
sshd_pam_write "$SSHD_SERVICE" "session required $MOD config=$conf2 helper=$HELPER"
journal_clear
out=$(ssh_to "$LONG" -- 'echo reached' 2>&1)
rc=$?
assert_eq 254 "$rc" "ssh as $LONG with a rule selecting it: the session is refused (exit 254)"
assert_not_contains "$out" "reached" "no command ran"
line=$(journal_wait "Refusing session: rule #1 (line 3): user name \"$LONG\" cannot be contained") ||
	fail "no refusal naming $LONG: $(cat "$JOURNAL")"
pass "the refusal names the login: ${line#*msg=}"

# --- the admin's verbs take the spelling NSS takes: reset ALCIDX wipes alcidx's layer (it
# deleted /var/lib/alcove/ALCIDX, which does not exist, and said "ok")
conf3=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = true; };
profiles = { lab = { }; };
rules = ( { user = \"alcidx\"; profile = \"lab\"; } );")
in_alcove "$conf3" alcidx 'echo planted >/var/tmp/alcid-planted' || fail "write into alcidx's layer"
"$ALCOVECTL" --config "$conf3" stop alcidx
[ -e /var/lib/alcove/alcidx/layer/upper/var/tmp/alcid-planted ] ||
	fail "setup: the file is not in /var/lib/alcove/alcidx's layer"
out=$("$ALCOVECTL" --config "$conf3" layer diff ALCIDX 2>&1) || fail "layer diff ALCIDX: $out"
assert_contains "$out" "/var/tmp/alcid-planted" "layer diff ALCIDX reads alcidx's layer"
out=$("$ALCOVECTL" --config "$conf3" reset --yes ALCIDX 2>&1) || fail "reset ALCIDX: $out"
[ ! -e /var/lib/alcove/alcidx ] || fail "reset ALCIDX left alcidx's layer: $(ls /var/lib/alcove/alcidx)"
pass "reset ALCIDX removes alcidx's layer"

# --- ... but never onto alcove's own directories: NSS answers IMAGES with an account named
# images, and /var/lib/alcove/images is the directory images' (reset emptied it). Here a
# directory of the test's is bound there (this mount ns's only), so a regression empties that.
keep=$(mktemp -d /run/alcove-tests/images.XXXXXX)
on_exit "rm -rf $keep"
touch "$keep/kept"
if [ ! -e /var/lib/alcove/images ]; then
	mkdir -p /var/lib/alcove/images || fail "mkdir /var/lib/alcove/images"
	on_exit "rmdir /var/lib/alcove/images"
fi
mount --bind "$keep" /var/lib/alcove/images || fail "bind over /var/lib/alcove/images"
out=$("$ALCOVECTL" --config "$conf3" reset --yes IMAGES 2>&1) && fail "reset IMAGES succeeded: $out"
assert_contains "$out" "/var/lib/alcove/images is alcove's own directory, not a user's layer: not reset" \
	"reset IMAGES, which NSS names images, is refused"
[ -e /var/lib/alcove/images/kept ] || fail "reset IMAGES touched /var/lib/alcove/images"
umount /var/lib/alcove/images

# --- The account changed during a login. sshd looks the account up once, at the first
# userauth request, and runs that copy's shell as that copy's uid; the module and the helper
# look it up again when the session opens. A client holds the window open (an agent that asks
# before it signs: ssh-add -c, an askpass that takes 4 s) while the admin runs usermod: with
# -s, sshd ran the old shell, not covered by the lobby, on the host; with -u, alcove-enter
# took the old uid for root code and ran the real shell. Both logins must be refused.
pam_user alczw
sshd_authorize alczw
confz=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
profiles = { lab = { }; };
rules = ( { user = \"alczw\"; profile = \"lab\"; } );")
sshd_pam_write "$SSHD_SERVICE" \
	"session required $MOD sshd_config=$SSHD_DIR/sshd_config config=$confz helper=$HELPER"
W=$(mktemp -d /run/alcove-tests/zw.XXXXXX) || setup_fail "mktemp -d"
on_exit "rm -rf $W"
printf '#!/bin/sh\nsleep 4\nexit 0\n' >"$W/askpass" && chmod 755 "$W/askpass" || setup_fail "askpass"
agent=$(DISPLAY=:0 SSH_ASKPASS=$W/askpass SSH_ASKPASS_REQUIRE=force ssh-agent -s -a "$W/agent.sock") ||
	setup_fail "ssh-agent"
agent_pid=$(echo "$agent" | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')
[ -n "$agent_pid" ] || setup_fail "ssh-agent's pid: $agent"
on_exit "kill $agent_pid"
SSH_AUTH_SOCK=$W/agent.sock ssh-add -q -c "$SSHD_KEY" || setup_fail "ssh-add -c"
PROBE='echo "probe pid1=$(cat /proc/1/comm) name=${ALCOVE_NAME:-none}"'
race_login() { # what cmd...: a login during which cmd changes alczw's account
	local what=$1 pid rc line
	shift
	journal_clear
	ssh_to alczw -o IdentityAgent="$W/agent.sock" -- "$PROBE" >"$W/out" 2>&1 &
	pid=$!
	sleep 1.5 # sshd has looked alczw up; the agent signs at 4 s
	"$@" || fail "$*"
	wait $pid
	rc=$?
	[ "$rc" != 0 ] || fail "$what during the login: it ran: $(cat "$W/out")"
	assert_not_contains "$(cat "$W/out")" "probe" "$what during the login: no command ran (exit $rc)"
	line=$(journal_wait "the account of alczw changed during this login") ||
		fail "$what: no refusal in the journal: $(cat "$JOURNAL")"
	pass "$what: refused: ${line#*msg=}"
}
# A copy prepared before the login and renamed in during it, keeping an old mtime (cp -p,
# rsync -a, a restore; vipw renames at quit with the save's mtime): the rename set its ctime.
old_mtime_swap() {
	local new=/etc/passwd.alcove-test
	cp -p /etc/passwd $new && sed -i 's|^\(alczw:.*:\)[^:]*$|\1/bin/bash|' $new &&
		touch -d '1 min ago' $new && mv $new /etc/passwd
}
race_login "a passwd with a shell changed and an old mtime renamed in" old_mtime_swap
race_login "usermod -s" usermod -s /bin/sh alczw
race_login "usermod -u" usermod -u $(($(id -u alczw) + 500)) alczw

# Afterwards a login is contained, and in its lobby (sshd's monitor's mount ns) the shell
# path gives root the real shell and refuses any other uid (it ran the real shell for them).
journal_clear
ssh_bg alczw -- "$PROBE; sleep 30" >"$W/out"
wait_until 100 grep -q probe "$W/out" || fail "the next login printed nothing: $(cat "$JOURNAL")"
assert_eq "probe pid1=alcove-init name=$(id -u alczw)" "$(cat "$W/out")" \
	"the next login of alczw (its new shell and uid) is contained"
mon=$(ps -e -o pid=,args= | awk '$2 ~ /:$/ && $3 == "alczw" && $4 == "[priv]" {print $1}')
[ -n "$mon" ] || fail "no sshd monitor for alczw: $(ps -e -o pid=,args= | grep sshd)"
out=$(nsenter -t "$mon" -m -- /bin/sh -c 'echo root-shell' 2>&1)
assert_eq root-shell "$out" "root in the lobby runs alczw's shell path: the real shell"
out=$(nsenter -t "$mon" -m -- setpriv --reuid=65534 --regid=65534 --clear-groups \
	/bin/sh -c 'echo other-shell' 2>&1)
rc=$?
assert_eq 1 "$rc" "uid 65534 in the lobby runs alczw's shell path: refused ($out)"
assert_contains "$out" "alcove-enter: refused: uid 65534 is neither root nor the user of this lobby" \
	"alcove-enter says why"
kill "$SSH_BG_PID"
wait "$SSH_BG_PID" || true
