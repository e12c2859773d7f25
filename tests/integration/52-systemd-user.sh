#!/bin/bash
# Issue 12, route 1: systemd --user must not run a contained user's units on the host. In a
# booted bookworm container (systemd 252, logind, pam_systemd before pam_alcove in
# common-session), a contained user plants a user unit wanted by default.target, from inside
# the alcove through ssh, in both places the user manager loads them from, and an
# environment.d file. At the next login, and with linger (another contained user, planted
# through alcovectl enter), user@UID.service must be skipped by the package's drop-in
# (ExecCondition= alcovectl user-manager): the planted units never run (they would leave a
# marker in the home; on main they do, seeing systemd as PID 1), `systemctl status` says why,
# and the login, logind's session and /run/user/UID are as before. A user the policy does
# not contain keeps a manager. A user contained only by a policy that a PAM line names with
# config= (not the default one) gets no manager either.
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"
. "$ALCOVE_SRC/tests/lib/nspawn.sh"
. "$ALCOVE_SRC/tests/lib/image.sh"

[ -x "$BUILD/alcovectl" ] && [ -x "$BUILD/pam_alcove.so" ] || fail "build alcove first (make)"

IN=alcsu1 OUT=alcsu2 LING=alcsu3 NAMED=alcsu4

ct_fail() {
	echo "# the container's journal:"
	ct_run journalctl -b --no-pager -q 2>&1 | grep -v -e 'run-u[0-9]*.service' | tail -60 |
		sed 's/^/#   /'
	fail "$@"
}

nspawn_boot
ct_user $IN
ct_user $OUT
ct_user $LING
ct_user $NAMED
uid_in=$(ct_run id -u $IN) uid_out=$(ct_run id -u $OUT) uid_ling=$(ct_run id -u $LING)
uid_named=$(ct_run id -u $NAMED)
cat >"$NSPAWN_DIR/etc/alcove/alcove.conf" <<CONF
defaults = { image = "/"; cgroup = "systemd"; persist = false; on_last_logout = "stop"; };
rules = ( { user = "$IN"; service = "sshd"; profile = "defaults"; },
          { user = "$LING"; profile = "defaults"; } );
CONF
out=$(ct_run alcovectl check-config) || fail "check-config: $out"
out=$(ct_sh 'DEBIAN_FRONTEND=noninteractive pam-auth-update --enable alcove 2>&1') ||
	fail "pam-auth-update: $out"
assert_contains "$(ct_run systemctl cat "user@$uid_in.service")" \
	"ExecCondition=+/usr/sbin/alcovectl user-manager %i" "user@.service has alcove's drop-in"

um() { ct_run systemctl show "user@$1.service" -p "$2" --value; }
um_inactive() { [ "$(um "$1" ActiveState)" = inactive ] && [ -z "$(um "$1" Job)" ]; }
marker=/home/$IN/alcsu-planted marker_ling=/home/$LING/alcsu-planted

# --- plant, from inside the alcove: two units wanted by default.target, one environment.d ---
plant='set -e
	test "$(cat /proc/1/comm)" = alcove-init
	for n in config share; do
		d=~/.config/systemd/user
		[ $n = config ] || d=~/.local/share/systemd/user
		mkdir -p "$d/default.target.wants"
		printf "[Service]\nType=oneshot\nExecStart=/bin/sh -c \"echo %s pid1=\$\$(cat /proc/1/comm) \$\$ALCSU_ENV >>%s\"\n" \
			"$n" "$HOME/alcsu-planted" >"$d/alcsu-$n.service"
		ln -sf "../alcsu-$n.service" "$d/default.target.wants/alcsu-$n.service"
	done
	mkdir -p ~/.config/environment.d
	echo ALCSU_ENV=from-environment.d >~/.config/environment.d/50-alcsu.conf
	echo planted'
out=$(ct_ssh $IN "$plant" 2>&1) || ct_fail "planting from inside the alcove: $out"
assert_eq planted "$out" "$IN planted user units and environment.d from inside the alcove"
# After the logout logind stops the user's manager (UserStopDelaySec, 10 s) if one ran.
wait_until 300 um_inactive "$uid_in" || ct_fail "user@$uid_in.service did not stop after the logout"

# --- the next login: no user manager, so nothing planted runs. A login held open keeps
# user@UID.service loaded (session-N.scope wants it), so its state can be read. ---
end_login() { pkill -TERM -P "$1"; kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
has_session() { ct_run loginctl list-sessions --no-legend | awk '{print $3}' | grep -qx "$1"; }
skips() { ct_run journalctl -b -q --no-pager -o cat -u "user@$1.service" | grep -c "Skipped due to 'exec-condition'"; }
ct_ssh -tt $IN 'sleep 600' </dev/null >/dev/null 2>&1 &
hold=$!
on_exit "end_login $hold"
wait_until 200 has_session $IN || ct_fail "loginctl lists no session of $IN"
pass "logind has $IN's session"
out=$(ct_ssh $IN 'cat /proc/1/comm' 2>&1) || ct_fail "ssh $IN after planting: $out"
assert_eq alcove-init "$out" "$IN still logs in, into the alcove"
if [ "$(um "$uid_in" ActiveState)" != inactive ] || [ "$(um "$uid_in" Result)" != exec-condition ]; then
	wait_until 100 test -s "$NSPAWN_DIR$marker"
	ct_fail "user@$uid_in.service is $(um "$uid_in" ActiveState) ($(um "$uid_in" Result)); the" \
		"planted units left: $(cat "$NSPAWN_DIR$marker" 2>&1)"
fi
pass "user@$uid_in.service: inactive, Result=exec-condition"
status=$(ct_run systemctl status --no-pager "user@$uid_in.service" 2>&1)
assert_contains "$status" "Condition: start condition failed" \
	"systemctl status user@$uid_in: the start condition failed"
assert_contains "$status" "ExecCondition=/usr/sbin/alcovectl user-manager $uid_in (code=exited, status=1/FAILURE)" \
	"systemctl status user@$uid_in: alcovectl user-manager exited 1"
assert_contains "$status" "$IN (uid $uid_in): no user manager on the host: rule #1 (line 2) may contain a login" \
	"systemctl status user@$uid_in: alcovectl's reason"
[ ! -e "$NSPAWN_DIR$marker" ] || ct_fail "a planted unit ran: $(cat "$NSPAWN_DIR$marker")"
pass "no planted unit ran (no $marker)"

# /run/user/UID: made by user-runtime-dir@ as before, and empty on the host (no bus, no
# manager); the alcove has its own /run, so the host's is not reached from inside.
assert_eq "active" "$(ct_run systemctl show "user-runtime-dir@$uid_in.service" -p ActiveState --value)" \
	"user-runtime-dir@$uid_in.service still runs"
assert_eq "" "$(ct_run ls -A "/run/user/$uid_in")" "/run/user/$uid_in on the host is empty"
ct_run touch "/run/user/$uid_in/alcsu-host" || ct_fail "touch /run/user/$uid_in/alcsu-host"
out=$(ct_ssh $IN 'echo "$XDG_RUNTIME_DIR"; test -e "$XDG_RUNTIME_DIR/alcsu-host" && echo reached' 2>&1)
assert_eq "/run/user/$uid_in" "$out" "inside, \$XDG_RUNTIME_DIR is not the host's /run/user/$uid_in"
ct_run rm "/run/user/$uid_in/alcsu-host"
end_login $hold

# --- linger starts the manager without a login: skipped too. $LING has never logged in (a
# user logind still holds after a logout is not started again when linger is enabled): the
# tenant's processes plant through the admin's door, alcovectl enter, inside the alcove. ---
out=$(ct_run alcovectl enter $LING -- /bin/bash -c "$plant" 2>&1) ||
	ct_fail "planting from inside $LING's alcove: $out"
assert_eq planted "$out" "$LING planted user units and environment.d from inside the alcove"
ct_run loginctl enable-linger $LING || ct_fail "loginctl enable-linger $LING"
on_exit "ct_run loginctl disable-linger $LING"
skipped_once() { [ "$(skips "$uid_ling")" -ge 1 ]; }
if ! wait_until 300 skipped_once; then
	wait_until 100 test -s "$NSPAWN_DIR$marker_ling"
	ct_fail "linger: user@$uid_ling.service is $(um "$uid_ling" ActiveState), not skipped; the" \
		"planted units left: $(cat "$NSPAWN_DIR$marker_ling" 2>&1)"
fi
pass "linger: user@$uid_ling.service skipped by its condition"
[ ! -e "$NSPAWN_DIR$marker_ling" ] || ct_fail "linger: a planted unit ran: $(cat "$NSPAWN_DIR$marker_ling")"
pass "linger: no planted unit ran"
ct_run loginctl disable-linger $LING

# --- contained only by a policy named with config= on a pam_alcove line (a continued one) ---
cat >"$NSPAWN_DIR/etc/alcove/named.conf" <<CONF
defaults = { image = "/"; };
rules = ( { user = "$NAMED"; profile = "defaults"; } );
CONF
printf 'session required \\\n\tpam_alcove.so config=/etc/alcove/named.conf\n' \
	>"$NSPAWN_DIR/etc/pam.d/alcsu-named"
marker_named=/home/$NAMED/alcsu-planted
ct_sh "d=/home/$NAMED/.config/systemd/user; mkdir -p \$d/default.target.wants &&
	printf '[Service]\nType=oneshot\nExecStart=/bin/sh -c \"echo ran >>$marker_named\"\n' >\$d/alcsu.service &&
	ln -s ../alcsu.service \$d/default.target.wants/ && chown -R $NAMED: /home/$NAMED/.config" ||
	ct_fail "planting $NAMED's unit"
ct_run loginctl enable-linger $NAMED || ct_fail "loginctl enable-linger $NAMED"
on_exit "ct_run loginctl disable-linger $NAMED"
named_skipped() { [ "$(skips "$uid_named")" -ge 1 ]; }
wait_until 300 named_skipped || ct_fail "config=: user@$uid_named.service is $(um "$uid_named" ActiveState), not skipped"
pass "config=: user@$uid_named.service skipped by its condition"
assert_contains "$(ct_run systemctl status --no-pager "user@$uid_named.service" 2>&1)" \
	"$NAMED (uid $uid_named): no user manager on the host: in /etc/alcove/named.conf (config= in a PAM stack): rule #1" \
	"config=: alcovectl names the policy that contains $NAMED"
[ ! -e "$NSPAWN_DIR$marker_named" ] || ct_fail "config=: a planted unit ran: $(cat "$NSPAWN_DIR$marker_named")"
pass "config=: no planted unit ran"
ct_run loginctl disable-linger $NAMED

# --- a user the policy does not contain keeps the manager ---
out=$(ct_ssh $OUT 'cat /proc/1/comm; systemctl --user is-system-running --wait' 2>&1)
assert_eq "systemd" "$(echo "$out" | head -1)" "$OUT logs in on the host"
state=$(echo "$out" | tail -1)
case $state in
running | degraded) pass "$OUT's own user manager answers ($state)" ;;
*) fail "$OUT's own user manager: is-system-running says '$state', not running or degraded: $out" ;;
esac
assert_eq "active" "$(um "$uid_out" ActiveState)" "user@$uid_out.service runs for the uncontained $OUT"

# === Enter against a root-mode tenant (SECURITY.md "A session cgroup named in advance, an
# enter that would not end", tenth review). A block of its own, with its own policy file and
# user; it only shares this file's booted container (root mode with cgroup = "systemd" in a
# booted systemd is what it needs). ===
ROOTU=alcsu5
ct_user $ROOTU
# root mode refuses image "/": the minbase test image, hard-linked in (the same ext4; the
# overlay never writes its lower layer)
cp -al "$(test_image bookworm)" "$NSPAWN_DIR/srv/enterhang-img" || setup_fail "image into the container"
cat >"$NSPAWN_DIR/etc/alcove/enterhang.conf" <<CONF
defaults = { image = "/srv/enterhang-img"; cgroup = "systemd"; persist = false; mode = "root";
             on_last_logout = "keep"; };
rules = ( { user = "$ROOTU"; profile = "defaults"; } );
CONF
on_exit "ct_run alcovectl --config /etc/alcove/enterhang.conf stop $ROOTU"
# Each enter bounded from outside: on a failure the test fails, it does not hang.
rt_enter() { ct_run timeout -k 5 60 alcovectl --config /etc/alcove/enterhang.conf enter "$@"; }

# The tenant (ns root) makes login-1..login-40 ahead, but for its own, and freezes them; a
# process left behind keeps the alcove (on_last_logout = "keep") for the next enter.
out=$(rt_enter $ROOTU -- /bin/sh -c 'set -e; me=$(sed -n "s|^0::/||p" /proc/self/cgroup)
	cd /sys/fs/cgroup; for i in $(seq 1 40); do [ "login-$i" = "$me" ] && continue
	mkdir -p login-$i; echo 1 >login-$i/cgroup.freeze; done
	setsid -f sleep 600 </dev/null >/dev/null 2>&1; echo frozen' 2>&1)
assert_eq "frozen" "$out" "root mode: the tenant froze login-1..login-40 of its own making"
# On main init joined such a login-N: the session froze before exec, and enter with it.
out=$(rt_enter $ROOTU -- /bin/sh -c 'echo ok; sed -n "s|^0::/login-||p" /proc/self/cgroup' 2>&1)
[ "$(echo "$out" | head -1)" = ok ] && [ "$(echo "$out" | tail -1)" -gt 40 ] 2>/dev/null ||
	ct_fail "enter after frozen login-N names: '$out' (not ok in a login-N above 40)"
pass "init skipped the tenant's login-N names: the session ran in login-$(echo "$out" | tail -1)"
# The next 1024 names all taken: that start fails at once, saying why (init tries 1024), and
# the one after runs (the counter moved past what was tried).
out=$(rt_enter $ROOTU -- /bin/sh -c 'set -e; me=$(sed -n "s|^0::/login-||p" /proc/self/cgroup)
	cd /sys/fs/cgroup; for i in $(seq $((me + 1)) $((me + 1024))); do mkdir login-$i; done
	echo taken' 2>&1)
assert_eq taken "$out" "root mode: the tenant took the next 1024 login-N names"
out=$(rt_enter $ROOTU -- /bin/echo ran 2>&1)
assert_contains "$out" "every login cgroup name tried is taken" "enter then fails at once, saying why"
assert_eq ran "$(rt_enter $ROOTU -- /bin/echo ran 2>&1)" "... and the enter after it runs"

# A session that ignores SIGTERM: timeout's SIGTERM is relayed, and ENTER_LEAVE_AFTER_MS
# (5 s) later enter leaves it and exits 128+15 (--preserve-status: enter's own status). On
# main enter waited for the session's own end (its sleep; 30 s bounds a failure here, as
# ct_run's unit outlives the outer timeout's SIGKILL of the inner one).
start=$(date +%s)
ct_run timeout -k 5 60 timeout --preserve-status -s TERM 3 \
	alcovectl --config /etc/alcove/enterhang.conf enter $ROOTU -- \
	/bin/sh -c 'trap "" TERM; sleep 30' >/dev/null 2>"$NSPAWN_DIR/enterhang.err"
rc=$? took=$(($(date +%s) - start))
assert_eq 143 "$rc" "enter whose session ignores SIGTERM ends with 128+15 after its grace (${took}s)"
assert_contains "$(cat "$NSPAWN_DIR/enterhang.err")" "did not end within 5 s of SIGTERM" \
	"enter says it left the session"
