#!/bin/bash
# The packages' prerm scripts by themselves, with stubs (no dpkg, no container, ~1 s; 60-deb
# runs them for real under apt). On `remove`:
# - libpam-alcove's refuses while a PAM service file other than pam-auth-update's common-*
#   names pam_alcove.so (once the module is gone every login through it fails, root's too),
#   naming file and line, and leaves PAM alone; otherwise it runs pam-auth-update --remove. Its
#   directory comes from ALCOVE_PAMD_DIR here (the host's /etc/pam.d is not touched);
# - alcove's stops each running alcove (alcovectl stop, one line each: no tool is left to stop
#   them after), and refuses when one does not stop.
# On upgrade neither does anything.
. "$(dirname "$0")/../lib/common.sh"

W=$ALCOVE_TEST_CONFDIR
setup "stub directories" mkdir -p "$W/bin" "$W/pam.d"
# (stubs: each call is a line of $W/calls; alcovectl list prints $W/list, stop fails for $W/stuck)
printf '#!/bin/sh\necho "pam-auth-update $*" >>%s/calls\n' "$W" >"$W/bin/pam-auth-update"
cat >"$W/bin/alcovectl" <<STUB
#!/bin/sh
case \$1 in
list) cat $W/list ;;
stop) echo "alcovectl stop \$2" >>$W/calls; [ "\$2" != "\$(cat $W/stuck 2>/dev/null)" ] ;;
esac
STUB
chmod 755 "$W/bin/pam-auth-update" "$W/bin/alcovectl"
prerm() { # package args...
	local p=$1
	shift
	env PATH="$W/bin:$PATH" ALCOVE_PAMD_DIR="$W/pam.d" sh "$ALCOVE_SRC/debian/$p.prerm" "$@"
}
calls() { cat "$W/calls" 2>/dev/null; rm -f "$W/calls"; }

# --- libpam-alcove ---
printf '%s\n' 'auth required pam_unix.so' 'session required pam_alcove.so config=/etc/x.conf' \
	'# session required pam_alcove.so' '-session optional pam_alcove.so' >"$W/pam.d/sshd"
echo 'session required pam_alcove.so' >"$W/pam.d/common-session"
assert_fails_with 1 "  $W/pam.d/sshd:2: session required pam_alcove.so config=/etc/x.conf" \
	"remove with pam_alcove.so in a service file: refused, naming file and line" prerm libpam-alcove remove
assert_not_contains "$(prerm libpam-alcove remove 2>&1)" "pam.d/sshd:3" \
	"... not a comment, nor a '-' line (PAM skips a missing module there)"
assert_not_contains "$(prerm libpam-alcove remove 2>&1)" common-session "... nor pam-auth-update's common-*"
assert_eq "" "$(calls)" "... and PAM is left as it is"
assert_eq "0:" "$(prerm libpam-alcove upgrade 2>&1; echo "$?:$(calls)")" "upgrade: nothing checked, nothing done"
sed -i 2d "$W/pam.d/sshd"
assert_eq "0:pam-auth-update --package --remove alcove" "$(prerm libpam-alcove remove 2>&1; echo "$?:$(calls)")" \
	"remove with no service file naming it: the common-* profile is removed"

# --- alcove: alice runs, bob has two (share = "session"), carol's is dead ---
{
	"$BUILD/alcovectl" list | head -1 | grep '^USER  *NAME  *MODE  *PID  *SESSIONS ' ||
		setup_fail "alcovectl list's header is not USER NAME MODE PID SESSIONS ..."
	printf '%s\n' 'alice 1001 user 12 1 3s' 'bob 1002-1 user 13 0 1s' 'bob 1002-2 user 14 2 1s' \
		'carol 1003 user 15 dead -'
} >"$W/list"
out=$(prerm alcove remove 2>&1)
assert_eq 0 $? "remove with running alcoves: exit 0"
assert_eq "alcovectl stop alice
alcovectl stop bob" "$(calls)" "... each user's running alcoves stopped, once"
assert_eq 2 "$(grep -c "^alcove: stopping .*'s alcove" <<<"$out")" "... a line for each"
echo bob >"$W/stuck"
assert_fails_with 1 "alcove: not removed: the alcoves of bob did not stop" \
	"remove with an alcove that does not stop: refused, naming it" prerm alcove remove
calls >/dev/null
assert_eq "0:" "$(prerm alcove upgrade 2>&1; echo "$?:$(calls)")" "upgrade: no alcove stopped"
