#!/bin/bash
# pam_alcove's failure paths: every error refuses the session (fail closed) with the reason in
# the log, except with failure = "open" (the login goes on, uncontained, logged). Most cases
# through pamtester (the module in a plain process), the decisive ones through sshd too.
. "$(dirname "$0")/../lib/common.sh"
. "$ALCOVE_SRC/tests/lib/journal.sh"
in_private_mount_ns "$@"
. "$ALCOVE_SRC/tests/lib/sshd.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"
. "$ALCOVE_SRC/tests/lib/pam.sh"

journal_start
img=$(test_image bookworm-login)
pam_user alcd1
pam_user alcd2
MOD=$BUILD/pam_alcove.so
HELPER=$BUILD/alcove-helper
good=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcd*\"; profile = \"lab\"; } );
profiles = { lab = { }; };")

# pamtester against a service of our own: pam_permit first, so that a PAM_IGNORE of ours
# leaves the stack successful, as common-session's pam_permit does.
svc() { # name module-args
	sshd_pam_write "$1" "session required pam_permit.so
session required $MOD $2"
}
# Runs open+close for USER through SERVICE; prints pamtester's output; status as pamtester's.
pt() { pamtester -v "$1" "$2" open_session close_session 2>&1; }
# The journal line for USER, at STAGE, that contains TEXT (waits for it); fails otherwise.
logged() { # what user stage text
	journal_wait "user=$2 " >/dev/null
	local line
	line=$(grep -F "user=$2 " "$JOURNAL" | grep -F "stage=$3 " | grep -F -- "$4" | tail -1)
	[ -n "$line" ] || fail "$1: no log line for $2 at stage $3 with '$4'; log: $(cat "$JOURNAL")"
	pass "$1 (logged: ${line#*msg=})"
}

# --- a policy file with a syntax error: refused for users, root is let through
bad=$(make_config 'rules = ( { user = "alcd1"; profile = "lab"; } ;')
svc alcd-f-bad "config=$bad helper=$HELPER"
out=$(pt alcd-f-bad alcd1) && fail "invalid policy: session opened: $out"
assert_contains "$out" "Cannot make/remove an entry for the specified session" \
	"invalid policy: the session is refused (PAM_SESSION_ERR)"
logged "invalid policy: the reason names FILE:LINE" alcd1 policy "Invalid policy: $bad:"
out=$(pt alcd-f-bad root) || fail "invalid policy locks root out: $out"
logged "invalid policy: root's login goes on, and says why" root policy "root is not contained"

# --- a missing policy file
svc alcd-f-nofile "config=/run/alcove-tests/alcd-no-such.conf helper=$HELPER"
out=$(pt alcd-f-nofile alcd1) && fail "missing policy: session opened: $out"
logged "missing policy: refused" alcd1 policy "No such file or directory"

# --- the policy changed between the module's decision and the helper's (an editor rewriting
# the file): the helper skips the user the module decided to contain; refused, not let through
racy=$(make_config "$(cat "$good")")
wrap=/run/alcove-tests/alcd-rewriting-helper
printf '#!/bin/sh\nprintf %%s "rules = ( { user = \\"alcd-other\\"; profile = \\"lab\\"; } ); profiles = { lab = { }; };" >%s\nexec %s "$@"\n' \
	"$racy" "$HELPER" >"$wrap" && chmod 0755 "$wrap" || fail "write $wrap"
on_exit "rm -f $wrap"
svc alcd-f-racy "config=$racy helper=$wrap"
out=$(pt alcd-f-racy alcd1) && fail "policy changed under the helper: session opened: $out"
logged "policy changed under the helper: refused" alcd1 helper "but alcove-helper decided to skip it"

# --- the helper is missing
svc alcd-f-nohelper "config=$good helper=/usr/libexec/alcd-no-such-helper"
out=$(pt alcd-f-nohelper alcd1) && fail "missing helper: session opened: $out"
logged "missing helper: refused, naming the path" alcd1 helper \
	"Failed to run /usr/libexec/alcd-no-such-helper open: No such file or directory"

# --- the account deleted (its home removed) and made anew under the same name and uid while
# its alcove runs: the login must not join that alcove's stale home; refused, saying so
pam_user alcd3
keep=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = false;
	on_last_logout = \"keep\"; };
rules = ( { user = \"alcd3\"; profile = \"lab\"; } );
profiles = { lab = { }; };")
svc alcd-f-stale "config=$keep helper=$HELPER"
ALCOVE_HELPER=$HELPER "$BUILD/alcovectl" --config "$keep" enter alcd3 -- \
	/bin/sh -c 'setsid -f sleep 1d </dev/null >/dev/null 2>&1' || fail "a keeper in alcd3's alcove"
uid3=$(id -u alcd3)
userdel -r -f alcd3 2>/dev/null
useradd -m -u "$uid3" -s /bin/bash alcd3 || fail "useradd alcd3 anew"
journal_clear
out=$(pt alcd-f-stale alcd3) && fail "re-created account: session opened in the old alcove: $out"
logged "re-created account: refused, naming the removed home" alcd3 lobby \
	"the alcove's home /home/alcd3 was removed after the alcove started (the account deleted on the host"
ALCOVE_HELPER=$HELPER "$BUILD/alcovectl" --config "$keep" stop alcd3 || fail "alcovectl stop alcd3"
out=$(pt alcd-f-stale alcd3) || fail "re-created account: refused after its old alcove stopped: $out"
pass "re-created account: its login opens once the old alcove is stopped"

# --- a helper that dies without answering
WORK=$(mktemp -d /var/tmp/alcd-fail.XXXXXX)
on_exit "rm -rf $WORK"
printf '#!/bin/sh\nexit 3\n' >"$WORK/dying-helper"
chmod 755 "$WORK/dying-helper"
svc alcd-f-dying "config=$good helper=$WORK/dying-helper"
out=$(pt alcd-f-dying alcd1) && fail "dying helper: session opened: $out"
logged "a helper that exits without an answer: refused" alcd1 helper "Failed to run $WORK/dying-helper open"

# --- a helper whose ok answer carries no groups (the module would not know the alcove's for
# sshd's session process): refused, the hold released
cat >"$WORK/nogroups-helper" <<'PY'
#!/usr/bin/python3
import os, socket
s = socket.socket(fileno=3)
s.recv(65536)
fd = os.open("/proc/self/ns/mnt", os.O_RDONLY)
socket.send_fds(s, [b"status=ok\0name=alcd1\0session=s1\0profile=lab\0pid=1\0"], [fd])
PY
chmod 755 "$WORK/nogroups-helper"
svc alcd-f-nogroups "config=$good helper=$WORK/nogroups-helper"
out=$(pt alcd-f-nogroups alcd1) && fail "helper answer without groups: session opened: $out"
logged "an ok answer without groups: refused" alcd1 helper "alcove-helper open: no valid groups"

# --- relative paths and unknown arguments
svc alcd-f-rel "config=alcove.conf helper=$HELPER"
out=$(pt alcd-f-rel alcd1) && fail "relative config: session opened: $out"
logged "a relative config= is refused" alcd1 options "'config=alcove.conf' must be an absolute path"
svc alcd-f-unknown "config=$good helper=$HELPER frobnicate"
journal_clear
out=$(pt alcd-f-unknown alcd2) || fail "unknown argument: session refused: $out"
journal_wait "Unknown module argument 'frobnicate', ignored" >/dev/null ||
	fail "unknown argument not logged"
pass "an unknown argument is logged and ignored"
wait_until 100 alcove_gone alcd2 || fail "alcd2's alcove did not end: $(alcove_leftovers alcd2)"

# --- a multithreaded application cannot join a lobby: refused before anything is built
svc alcd-f-good "config=$good helper=$HELPER"
journal_clear
out=$("$BUILD/tests/pam-session" --thread alcd-f-good alcd1) && fail "multithreaded: opened: $out"
logged "a multithreaded PAM application is refused" alcd1 threads "is multithreaded (2 threads)"
alcove_gone alcd1 || fail "an alcove was built for a refused multithreaded open: $(alcove_leftovers alcd1)"
pass "and no alcove was built for it"
out=$("$BUILD/tests/pam-session" alcd-f-good alcd1) || fail "single-threaded: $out"
pass "the same service and user open and close from a single thread"
wait_until 100 alcove_gone alcd1 || fail "alcd1's alcove did not end: $(alcove_leftovers alcd1)"

# --- the image is missing
noimg=$(make_config "defaults = { cgroup = \"none\"; image = \"/var/lib/alcd-no-such-image\"; };
rules = ( { user = \"alcd*\"; profile = \"lab\"; } );
profiles = { lab = { }; open = { failure = \"open\"; }; };")
svc alcd-f-noimg "config=$noimg helper=$HELPER"
out=$(pt alcd-f-noimg alcd1) && fail "missing image: session opened: $out"
logged "missing image: refused, naming the image" alcd1 helper "/var/lib/alcd-no-such-image"

# --- a user without a subordinate id range
sed -i '/^alcd2:/d' /etc/subuid /etc/subgid
svc alcd-f-nosub "config=$good helper=$HELPER"
journal_clear
out=$(pt alcd-f-nosub alcd2) && fail "no subuid range: session opened: $out"
logged "a user without a subuid range: refused" alcd2 helper "subuid"

# --- through sshd: the client gets no shell, and the log says why
sshd_start 2242 "session required $MOD config=$noimg helper=$HELPER"
sshd_authorize alcd1
journal_clear
out=$(ssh_to alcd1 -- 'cat /proc/1/comm; echo reached' 2>&1)
rc=$?
assert_eq 254 "$rc" "sshd refuses the command of a refused session (exit 254)"
assert_not_contains "$out" "reached" "no command ran"
logged "and the log says why" alcd1 helper "/var/lib/alcd-no-such-image"
grep -q "pam_open_session(): Cannot make/remove an entry" "$SSHD_LOG" ||
	fail "sshd's log does not show the session failure"
pass "sshd logs the failed pam_open_session"

# --- failure = "open": the same broken image, but the login goes on uncontained
openconf=$(make_config "defaults = { cgroup = \"none\"; image = \"/var/lib/alcd-no-such-image\"; };
rules = ( { user = \"alcd*\"; profile = \"avail\"; } );
profiles = { avail = { failure = \"open\"; }; };")
svc alcd-f-open "config=$openconf helper=$HELPER"
journal_clear
out=$(pt alcd-f-open alcd1) || fail "failure = open: session refused: $out"
pass "failure = \"open\": pamtester's session opens"
logged "failure = \"open\": logged loudly as uncontained" alcd1 helper "UNCONTAINED login (failure = \"open\")"
grep -F "UNCONTAINED login" "$JOURNAL" | grep -q "^p=3 " || fail "UNCONTAINED is not logged at LOG_ERR"
pass "at LOG_ERR"
sshd_pam_write "$SSHD_SERVICE" "session required $MOD config=$openconf helper=$HELPER"
out=$(ssh_to alcd1 -- 'cat /proc/1/comm; echo "name=${ALCOVE_NAME:-none}"')
assert_eq "$(cat /proc/1/comm)"$'\n'"name=none" "$out" \
	"failure = \"open\" through sshd: the command runs, on the host, without ALCOVE_NAME"

# --- failure = "open" does not cover a helper that gave no answer: killed at the deadline or
# gone without a word, nothing says the failure was the host's, and a tenant can make a build
# slow (their other login holding the alcove's lock, a layer of millions of entries). The
# fault build SIGKILLed just after taking the lock, and a helper that exits at once.
printf '#!/bin/sh\nALCOVE_FAULT=lock exec %s "$@"\n' "$BUILD/tests/fault/alcove-helper-fault" \
	>"$WORK/killed-helper"
chmod 755 "$WORK/killed-helper"
for h in killed-helper dying-helper; do
	svc alcd-f-open-$h "config=$openconf helper=$WORK/$h"
	journal_clear
	out=$(pt alcd-f-open-$h alcd1) && fail "failure = open, $h: session opened: $out"
	logged "failure = \"open\", a helper that did not answer ($h): refused" alcd1 helper \
		"failure = \"open\" does not apply, the helper gave no answer, which the user may have caused"
	assert_eq "" "$(grep -F UNCONTAINED "$JOURNAL")" "failure = \"open\", $h: not let through uncontained"
done

# --- the PAM application gone between init's hold and the helper's record of it (a client
# that dropped its connection mid-login): the hold is let go, nothing is recorded, and the
# journal says why (the record is what ends such a login's lobby with its alcove)
printf '#!/bin/sh\nALCOVE_FAULT=caller-gone:record exec %s "$@"\n' \
	"$BUILD/tests/fault/alcove-helper-fault" >"$WORK/callergone-helper"
chmod 755 "$WORK/callergone-helper"
svc alcd-f-gone "config=$good helper=$WORK/callergone-helper"
journal_clear
pt alcd-f-gone alcd1 >/dev/null && fail "the application killed during its open: it opened"
logged "the application gone before its hold was recorded: refused" alcd1 hold \
	"Failed to record the hold of the caller (pid "
assert_contains "$(grep -F 'Failed to record the hold' "$JOURNAL")" "No such process" \
	"... because it is gone (ESRCH), not for another reason"
wait_until 100 alcove_gone alcd1 || fail "the alcove held by the gone application did not end"
pass "the alcove of the gone application's login ended (on_last_logout = \"stop\")"

# --- failure = "open" does not cover a refusal: the policy rewritten under the helper (it
# finds a broken file where the module read a good one; an editor's truncation), and a
# multithreaded application, whose logins can never be contained. Both were let through.
openracy=$(make_config "$(cat "$openconf")")
printf '#!/bin/sh\nprintf %%s "rules = ( { user = \\"alcd1\\"; " >%s\nexec %s "$@"\n' \
	"$openracy" "$HELPER" >"$WORK/breaking-helper" && chmod 0755 "$WORK/breaking-helper" ||
	fail "write $WORK/breaking-helper"
svc alcd-f-open-broken "config=$openracy helper=$WORK/breaking-helper"
journal_clear
out=$(pt alcd-f-open-broken alcd1) && fail "failure = open, the policy broken under the helper: session opened: $out"
logged "failure = \"open\", the policy broken under the helper: refused" alcd1 helper \
	"(a refusal: failure = \"open\" does not apply)"
assert_contains "$(grep -F 'a refusal' "$JOURNAL")" "Invalid policy $openracy" "... naming the policy"
assert_eq "" "$(grep -F UNCONTAINED "$JOURNAL")" "the policy broken under the helper: not let through uncontained"
svc alcd-f-open "config=$openconf helper=$HELPER"
journal_clear
out=$("$BUILD/tests/pam-session" --thread alcd-f-open alcd1) &&
	fail "failure = open, a multithreaded application: opened: $out"
logged "failure = \"open\", a multithreaded application: refused" alcd1 threads \
	"is multithreaded (2 threads); it cannot join a lobby (setns(CLONE_NEWNS) needs a single thread) (a refusal: failure = \"open\" does not apply)"
assert_eq "" "$(grep -F UNCONTAINED "$JOURNAL")" "a multithreaded application: not let through uncontained"

# --- failure = "open" does not cover an error any tenant can cause from inside (a limit the
# users share, a lock their alcove holds): the layer's lock held by a process the helper does
# not know of (in root mode ns root can copy init's lock fd with pidfd_getfd and keep it after
# init ends) fails the build with EBUSY, which refuses the login; once it is free, it goes in.
busyconf=$(make_config "defaults = { cgroup = \"none\"; image = \"$img\"; persist = true;
	on_last_logout = \"stop\"; };
rules = ( { user = \"alcd*\"; profile = \"busy\"; } );
profiles = { busy = { failure = \"open\"; }; };")
svc alcd-f-busy "config=$busyconf helper=$HELPER"
out=$(pt alcd-f-busy alcd1) || fail "persist: the first session of alcd1 failed: $out"
wait_until 50 alcove_gone alcd1 || fail "alcd1's alcove did not end: $(alcove_leftovers alcd1)"
[ -f /var/lib/alcove/alcd1/lock ] || setup_fail "no layer lock after alcd1's first session"
# the holder is the sleep itself (the lock's fd is its own), so killing it frees the lock
(exec 9</var/lib/alcove/alcd1/lock && flock -w 5 9 && exec sleep 60) 2>"$WORK/holder.err" &
holder=$!
wait_until 50 eval '! flock -n /var/lib/alcove/alcd1/lock true' || setup_fail "holding alcd1's layer lock: $(cat "$WORK/holder.err")"
on_exit "kill $holder"
journal_clear
out=$(pt alcd-f-busy alcd1) && fail "failure = open, the layer's lock held: session opened: $out"
logged "failure = \"open\", the layer's lock held elsewhere (EBUSY): refused" alcd1 helper \
	"failure = \"open\" does not apply, the user can cause this failure"
assert_contains "$(grep -F 'does not apply' "$JOURNAL")" "layer is in use by another alcove of alcd1" \
	"... naming the layer in use"
assert_eq "" "$(grep -F UNCONTAINED "$JOURNAL")" "the layer's lock held: not let through uncontained"
kill $holder
wait $holder 2>/dev/null
out=$(pt alcd-f-busy alcd1) || fail "the lock free again: session refused: $out"
pass "the lock free again: alcd1's session opens"
