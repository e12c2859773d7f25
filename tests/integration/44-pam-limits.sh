#!/bin/bash
# A login's umask and resource limits through a real sshd: pam_limits (limits.conf) and
# pam_umask (login.defs' UMASK) run in the PAM application *after* pam_alcove, so the
# alcove's init, started by the helper before them, does not have them. The shell inside,
# a child of init, must: alcove-enter sends them with ENTER and init's child applies them.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcb2c
# not under /var/tmp or /tmp: the lobby, where pam_limits reads it, has empty ones of its own
WORK=$(mktemp -d /run/alcove-tests/alcb2-limits.XXXXXX)
on_exit "rm -rf $WORK"
# Lower than sshd's own (raising a hard limit would need CAP_SYS_RESOURCE in pam_limits
# already) and not what any process here has by default.
cat >"$WORK/limits.conf" <<LIMITS
alcb2c soft nofile 123
alcb2c hard nofile 456
alcb2c soft fsize 4000
alcb2c hard msgqueue 65432
LIMITS
conf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcb2c\"; service = \"sshd-alcovetest-*\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
sshd_start 2262 "session required $BUILD/pam_alcove.so config=$conf helper=$BUILD/alcove-helper
session optional pam_umask.so umask=0027"
# Debian's sshd stack runs pam_limits after common-session (where pam_alcove is): point that
# one at our limits.conf (a second pam_limits would reset the first one's limits to PID 1's).
sed -i "s|^\(session *required *pam_limits.so\)\$|\1 conf=$WORK/limits.conf|" "/etc/pam.d/$SSHD_SERVICE"
grep -q "pam_limits.so conf=$WORK/limits.conf" "/etc/pam.d/$SSHD_SERVICE" ||
	fail "no pam_limits line in /etc/pam.d/$SSHD_SERVICE"
sshd_authorize alcb2c

# A login that stays, so the logins below share one running alcove.
ssh_bg alcb2c -tt -- 'exec sleep 4711'
bg=$SSH_BG_PID
on_exit "kill $bg"
wait_until 100 alcove_has alcb2c "sleep 4711" || fail "the background login did not start"

out=$(ssh_to alcb2c -- 'cat /proc/1/comm; ulimit -Sn; ulimit -Hn; ulimit -Sf; ulimit -Hq; umask
	grep "^Max open files" /proc/1/limits')
assert_eq 0 $? "ssh alcb2c runs a command"
assert_eq alcove-init "$(sed -n 1p <<<"$out")" "the command runs in the alcove"
assert_eq "123 456" "$(sed -n 2,3p <<<"$out" | xargs)" "limits.conf's nofile 123/456 reaches the shell"
assert_eq 4000 "$(sed -n 4p <<<"$out")" "limits.conf's soft fsize reaches the shell"
assert_eq $((65432)) "$(sed -n 5p <<<"$out")" "limits.conf's hard msgqueue reaches the shell"
assert_eq 0027 "$(sed -n 6p <<<"$out")" "pam_umask's 0027 is the shell's umask"
# The test proves something only if init itself does not have them.
init_nofile=$(sed -n 7p <<<"$out" | awk '{print $4}')
[ -n "$init_nofile" ] && [ "$init_nofile" != 123 ] ||
	fail "init has the login's nofile limit itself ($init_nofile): the check above proves nothing"
pass "alcove-init keeps its own limit ($init_nofile open files): the shell's came with ENTER"

# A terminal login (sshd allocates the pty; the motd comes first) gets them as well.
out=$(ssh_to alcb2c -tt -- 'echo "limits: $(ulimit -Sn) $(umask)"' 2>&1 | tr -d '\r')
assert_contains "$out" "limits: 123 0027" "a terminal login (ssh -tt) gets the same umask and limits"

# (by init's --user=: a uid of a deleted user is reused on a shared machine, so processes of
# uid alcb2c may be another test's leftovers)
kill $bg
init_of_alcb2c() { pgrep -f -- "alcove-init .*--user=alcb2c( |\$)"; }
wait_until 100 eval '! init_of_alcb2c' || fail "alcb2c's alcove did not end: $(init_of_alcb2c)"
pass "the alcove ends after the last logout (on_last_logout = stop)"
