#!/bin/bash
# internal-sftp and tunnels in sshd_config's Match blocks, through the real sshd (issue 13).
# internal-sftp runs in sshd's own child, in the lobby, on the host's files: a Match block that
# selects a contained login (as sshd decides it: here Group) refuses the login, naming its
# file:line; one that provably does not select it (the shared host's sftp-only group) lets it
# in, its sftp through sftp-server in the alcove; a criterion PAM cannot know (LocalPort) is
# assumed to select it. PermitTunnel with tun = false: ssh -w fails, the journal says why. A
# cert-authority key line without command= lets a certificate force internal-sftp: refused.
#   alcsm1: in the group alcsmgrp      alcsm2: not in it
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
groupdel alcsmgrp >/dev/null 2>&1
groupadd alcsmgrp || setup_fail "groupadd alcsmgrp"
on_exit "groupdel alcsmgrp"
pam_user alcsm1 -G alcsmgrp
pam_user alcsm2
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcsm1\"; profile = \"p\"; }, { user = \"alcsm2\"; profile = \"p\"; } );
profiles = { p = { network = \"host\"; }; };")
WORK=$(mktemp -d /var/tmp/alcsm.XXXXXX)
on_exit "rm -rf $WORK"
PAM="session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper"

sshd_start 2420 "$PAM" "PermitTunnel yes
Match Group alcsmgrp
	ForceCommand internal-sftp"
cf=$SSHD_DIR/sshd_config
line=$(grep -n 'ForceCommand internal-sftp' "$cf" | cut -d: -f1)
tline=$(grep -n '^PermitTunnel yes' "$cf" | cut -d: -f1)
for u in alcsm1 alcsm2; do sshd_authorize $u; done

# refused WHAT USER CLIENT JOURNAL [ssh options]: USER's login is refused (exit 254, CLIENT on
# the client's side), and the journal has JOURNAL
refused() {
	local what=$1 user=$2 client=$3 journal=$4
	shift 4
	assert_fails_with 254 "$client" "$what: the contained login is refused" \
		ssh_to "$user" "$@" -- echo reached
	journal_wait "$journal" >/dev/null || fail "$what: the journal does not say: $journal"
	pass "$what: the journal says why, naming the file:line"
}

# ---- the Match block selects alcsm1: refused before anything is built
refused "Match Group" alcsm1 "can use sftp-server instead" \
	"Refusing session: sshd serves sftp in-process, outside the alcove ($cf:$line: ForceCommand internal-sftp, in a Match block that selects this login); use ForceCommand /usr/lib/openssh/sftp-server"
wait_until 50 alcove_gone alcsm1 || fail "Match Group: something was built for alcsm1: $(alcove_leftovers alcsm1)"
pass "Match Group: nothing of alcsm1's alcove was built"

# ---- ... and not alcsm2: it logs in, its sftp is sftp-server in the alcove
mapfile -t sopts < <(scp_opts)
printf 'get /proc/1/comm %s\n' "$WORK/comm" >"$WORK/batch"
sftp -q "${sopts[@]}" -b "$WORK/batch" alcsm2@127.0.0.1 >"$WORK/sftp.log" 2>&1 ||
	fail "Match Group: sftp of alcsm2 (not in the group) failed: $(cat "$WORK/sftp.log")"
assert_eq alcove-init "$(cat "$WORK/comm")" \
	"Match Group: alcsm2 is not selected, its sftp lands in the alcove (/proc/1/comm)"

# ---- alcovectl explain says it per user
CTL=$BUILD/alcovectl
explain_sftp() { # user sshd_config [explain options]: explain's output, errors too
	"$CTL" explain "$1" --service sshd --sshd-config "$2" "${@:3}" --config "$conf" 2>&1
}
out=$(explain_sftp alcsm1 "$cf")
assert_contains "$out" "$cf:$line: ForceCommand internal-sftp: sshd serves sftp in-process, outside the alcove, from a Match block that selects this user" \
	"explain: the Match block selects alcsm1"
out=$(explain_sftp alcsm2 "$cf")
assert_contains "$out" "from a Match block that selects none of this user's logins: they are not refused" \
	"explain: the Match block selects none of alcsm2's logins"
printf 'Match Address 10.0.0.0/8\n\tForceCommand internal-sftp\n' >"$WORK/addr"
out=$(explain_sftp alcsm2 "$WORK/addr" --rhost 192.0.2.7)
assert_contains "$out" "decision  contained" "explain --rhost: a Match Address that does not select the host"
out=$(explain_sftp alcsm2 "$WORK/addr")
assert_contains "$out" "selects this user (assumed for what alcovectl cannot know: Address)" \
	"explain without --rhost: a Match Address is assumed to select the user"

# ---- tun = false, PermitTunnel yes: ssh -w fails, the journal says why
ssh_bg alcsm2 -N -o Tunnel=point-to-point -w any >"$WORK/tun.log" 2>&1
wait_until 100 grep -q "Tunnel forwarding failed" "$WORK/tun.log" ||
	fail "tun = false: ssh -w was not refused: $(cat "$WORK/tun.log")"
kill "$SSH_BG_PID"
wait "$SSH_BG_PID" 2>/dev/null
pass "tun = false: ssh -w fails (Tunnel forwarding failed)"
# The client is gone, so is sshd's side of that connection once PAM's close returned (bounded
# by the helper's 30 s). One run of the whole suite found it still there minutes later, under
# a later test's reused uid: here it would fail with what it was waiting for.
if ! wait_until 350 eval '[ -z "$(pgrep -u alcsm2 -f alcovetest-2420)" ]'; then
	for p in $(pgrep -u alcsm2 -f alcovetest-2420); do
		echo "# $(ps -o pid=,stat=,etime=,wchan:32=,args= -p "$p"); $(tr '\n' ' ' <"/proc/$p/stack" 2>/dev/null)"
	done
	echo "# sshd's log: $(tail -5 "$SSHD_LOG" | xargs)"
	fail "an sshd process of alcsm2's ended connections (sftp, tunnel) is still there"
fi
journal_wait "ssh -w (tunnels) is refused for this login: sshd permits them ($cf:$tline: PermitTunnel yes)" >/dev/null ||
	fail "tun = false: no journal line says why ssh -w failed"
pass "tun = false: the journal says ssh -w is refused, naming PermitTunnel's file:line"

# ---- a cert-authority line without command= in the user's key file: the CA key is the
# tenant's, and a certificate it signs brings its own force-command, which sshd applies when
# the line has none (auth-options.c sshauthopt_merge()): internal-sftp, in-process
ssh-keygen -q -t ed25519 -N '' -C alcsm-ca -f "$WORK/ca" &&
	ssh-keygen -q -t ed25519 -N '' -C alcsm2 -f "$WORK/ck" &&
	ssh-keygen -q -s "$WORK/ca" -I alcsm2-sftp -n alcsm2 -O force-command=internal-sftp "$WORK/ck.pub" ||
	setup_fail "ssh-keygen: the CA key, the user's key and its certificate"
printf 'cert-authority %s\n' "$(cat "$WORK/ca.pub")" >"$SSHD_DIR/keys/alcsm2" ||
	setup_fail "writing $SSHD_DIR/keys/alcsm2"
refused "cert-authority without command=, a certificate forcing internal-sftp" alcsm2 \
	"the cert-authority line in $SSHD_DIR/keys/alcsm2 has no command=: a certificate it signs may force internal-sftp" \
	"Refusing session: $SSHD_DIR/keys/alcsm2:1 is cert-authority without command=: a certificate it signs may force internal-sftp" \
	-n -i "$WORK/ck" -o CertificateFile="$WORK/ck-cert.pub"
out=$(explain_sftp alcsm2 "$cf")
assert_contains "$out" "$SSHD_DIR/keys/alcsm2:1 is cert-authority without command=: a certificate it signs may force internal-sftp" \
	"explain: names the cert-authority line without command="

# ---- a criterion PAM cannot know is assumed to select the login
# sshd_block PORT BLOCK NEEDLE: a sshd on PORT with BLOCK in its config, alcsm2's key in it;
# sets line, NEEDLE's line there
sshd_block() {
	sshd_start "$1" "$PAM" "$2"
	sshd_authorize alcsm2
	line=$(grep -n -- "$3" "$SSHD_DIR/sshd_config" | cut -d: -f1)
}
sshd_block 2421 "Match LocalPort 2421
	ForceCommand internal-sftp" 'ForceCommand internal-sftp'
refused "Match LocalPort (assumed to select the login)" alcsm2 "can use sftp-server instead" \
	"($SSHD_DIR/sshd_config:$line: ForceCommand internal-sftp, in a Match block that selects this login, assumed for what PAM cannot know: LocalPort)"
out=$(explain_sftp alcsm2 "$SSHD_DIR/sshd_config")
assert_contains "$out" "decision  refused: $SSHD_DIR/sshd_config:$line: ForceCommand internal-sftp: sshd serves sftp in-process, outside the alcove, from a Match block that selects this user (assumed for what alcovectl cannot know: LocalPort)" \
	"explain: the LocalPort block is assumed to select alcsm2, and says so"

# ---- ChrootDirectory: sshd chroots the session child and runs the user's shell in the jail,
# where the lobby's alcove-enter is not (the login would run on the host, in the jail): refused
sshd_block 2422 "Match User alcsm2
	ChrootDirectory /usr/share" 'ChrootDirectory /usr/share'
refused "ChrootDirectory in a Match block" alcsm2 "this sshd chroots your login (ChrootDirectory), outside your alcove" \
	"Refusing session: sshd chroots the login and runs its shell in the jail, outside the alcove ($SSHD_DIR/sshd_config:$line: ChrootDirectory /usr/share, in a Match block that selects this login); use ChrootDirectory none for contained users"
out=$(explain_sftp alcsm2 "$SSHD_DIR/sshd_config")
assert_contains "$out" "$SSHD_DIR/sshd_config:$line: ChrootDirectory /usr/share: sshd chroots the login and runs its shell in the jail, outside the alcove, from a Match block that selects this user" \
	"explain: ChrootDirectory refuses the login, naming its file:line"

# ---- sshd known by its executable, not by its PAM service's name (a link of another name, or
# OpenSSH 9.8's PAMServiceName): without sshd_config=, the module reads /etc/ssh/sshd_config
# (here, in this test's mount namespace, a file with a global internal-sftp) and refuses
printf 'Subsystem sftp internal-sftp\n' >"$WORK/etc-sshd_config" && : >>/etc/pam.d/alcsmsvc &&
	mount --bind "$WORK/etc-sshd_config" /etc/ssh/sshd_config || setup_fail "the bound sshd_config"
on_exit "umount /etc/ssh/sshd_config; rm -f /etc/pam.d/alcsmsvc"
SSHD_SERVICE_NAME=alcsmsvc sshd_start 2423 "$PAM"
sshd_pam_text "alcove's tests ($TESTNAME): no sshd_config=" "$PAM" >/etc/pam.d/alcsmsvc ||
	setup_fail "the PAM service alcsmsvc"
sshd_authorize alcsm2
refused "a PAM service not named sshd, no sshd_config=" alcsm2 "can use sftp-server instead" \
	"Refusing session: sshd serves sftp in-process, outside the alcove (/etc/ssh/sshd_config:1: Subsystem sftp internal-sftp); use Subsystem sftp /usr/lib/openssh/sftp-server"
