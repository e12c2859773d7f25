#!/bin/bash
# The packages' prerm scripts by themselves, with stubs (no dpkg, no container, ~1 s; 60-deb
# runs them for real under apt). On `remove`:
# - libpam-alcove's refuses while a PAM file names pam_alcove.so (once the module is gone every
#   login through it fails, root's too), naming file and line: a service file other than
#   common-* before anything is changed; a line of common-* that pam-auth-update --remove left
#   (added by hand, or a file it finds locally modified) after it ran, saying whether it took the
#   profile out. Its directory comes from ALCOVE_PAMD_DIR here (the host's /etc/pam.d is not
#   touched); the pam-auth-update stub deletes the lines marked "# profile";
# - alcove's stops each running alcove (alcovectl stop, one line each: no tool is left to stop
#   them after), and refuses when one does not stop or alcovectl list fails, unless
#   ALCOVE_FORCE_REMOVE=1; with no alcovectl it goes on with a warning (a prerm that can never
#   succeed leaves no way to remove the package).
# alcove's postrm removes the helper's anchors in /run/alcove, unless an alcove is left there.
# On upgrade none does anything.
. "$(dirname "$0")/../lib/common.sh"

W=$ALCOVE_TEST_CONFDIR
setup "stub directories" mkdir -p "$W/bin" "$W/pam.d" "$W/vendor" "$W/none" "$W/run"
# (stubs: each call is a line of $W/calls; alcovectl list prints $W/list, stop fails for $W/stuck)
cat >"$W/bin/pam-auth-update" <<STUB
#!/bin/sh
echo "pam-auth-update \$*" >>$W/calls
sed -i '/# profile\$/d' $W/pam.d/common-*
STUB
cat >"$W/bin/alcovectl" <<STUB
#!/bin/sh
case \$1 in
list) [ ! -e $W/listfail ] && cat $W/list ;;
stop) echo "alcovectl stop \$2" >>$W/calls; [ "\$2" != "\$(cat $W/stuck 2>/dev/null)" ] ;;
esac
STUB
chmod 755 "$W/bin/pam-auth-update" "$W/bin/alcovectl"
prerm() { # package args... (PATH from $path when set)
	local p=$1
	shift
	env PATH="${path:-$W/bin:$PATH}" ALCOVE_PAMD_DIR="$W/pam.d" ALCOVE_PAMD_VENDOR_DIR="$W/vendor" \
		ALCOVE_RUN_DIR="$W/run" \
		/bin/sh "$ALCOVE_SRC/debian/$p.prerm" "$@"
}
calls() { cat "$W/calls" 2>/dev/null; rm -f "$W/calls"; }

# --- libpam-alcove ---
printf '%s\n' 'auth required pam_unix.so' 'session required pam_alcove.so config=/etc/x.conf' \
	'# session required pam_alcove.so' '-session optional pam_alcove.so' >"$W/pam.d/sshd"
# (the profile's line, which pam-auth-update --remove takes out, and one added by hand)
printf '%s\n' 'session optional pam_alcove.so # profile' 'session required pam_alcove.so' \
	>"$W/pam.d/common-session"
cp "$W/pam.d/common-session" "$W/common-session.orig"
assert_fails_with 1 "  $W/pam.d/sshd:2: session required pam_alcove.so config=/etc/x.conf" \
	"remove with pam_alcove.so in a service file: refused, naming file and line" prerm libpam-alcove remove
out=$(prerm libpam-alcove remove 2>&1)
assert_not_contains "$out" "pam.d/sshd:3" "... not a comment, nor a '-' line (PAM skips a missing module there)"
assert_not_contains "$out" common-session "... common-* not judged yet (pam-auth-update may take its lines out)"
assert_eq "" "$(calls)" "... and PAM is left as it is: pam-auth-update not run"
assert_eq "0:" "$(prerm libpam-alcove upgrade 2>&1; echo "$?:$(calls)")" "upgrade: nothing checked, nothing done"
sed -i 2d "$W/pam.d/sshd"
# libpam reads /usr/lib/pam.d/SERVICE when /etc/pam.d has no SERVICE: that file counts, an
# overridden one does not
echo 'session required pam_alcove.so' >"$W/vendor/vsvc"
assert_fails_with 1 "  $W/vendor/vsvc:1: session required pam_alcove.so" \
	"remove with pam_alcove.so in a vendor service file: refused, naming it" prerm libpam-alcove remove
cp "$W/vendor/vsvc" "$W/vendor/sshd"
touch "$W/pam.d/vsvc"
assert_not_contains "$(prerm libpam-alcove remove 2>&1)" "$W/vendor/" \
	"... not once /etc/pam.d has a file of that name (libpam reads that one)"
rm "$W/vendor/vsvc" "$W/vendor/sshd" "$W/pam.d/vsvc"
calls >/dev/null
assert_fails_with 1 "  $W/pam.d/common-session:1: session required pam_alcove.so" \
	"remove with a common-session line pam-auth-update leaves (added by hand): refused, naming it" \
	prerm libpam-alcove remove
assert_eq "pam-auth-update --package --remove alcove" "$(calls)" "... after pam-auth-update --remove ran"
cp "$W/common-session.orig" "$W/pam.d/common-session"
out=$(prerm libpam-alcove remove 2>&1)
assert_contains "$out" "pam-auth-update --remove left these lines" "... said to be what pam-auth-update left"
assert_contains "$out" "already taken alcove's profile out" "... and that the profile is already out"
calls >/dev/null
sed -i '$d' "$W/pam.d/common-session"
echo 'session required pam_alcove.so' >>"$W/pam.d/common-auth"
assert_not_contains "$(prerm libpam-alcove remove 2>&1)" "already taken" \
	"a common-* file pam-auth-update left unchanged (local changes): not said to be changed"
rm "$W/pam.d/common-auth"
calls >/dev/null
assert_eq "0:pam-auth-update --package --remove alcove" "$(prerm libpam-alcove remove 2>&1; echo "$?:$(calls)")" \
	"remove with no line left naming it: the common-* profile is removed"

# --- alcove: alice runs, bob has two (share = "session"), carol's is dead; dave's line has a
# backslash (\c ended dash's echo there, and the lines after it were not read) ---
{
	"$BUILD/alcovectl" list | head -1 | grep '^USER  *NAME  *MODE  *PID  *SESSIONS ' ||
		setup_fail "alcovectl list's header is not USER NAME MODE PID SESSIONS ..."
	printf '%s\n' 'dave 10\c04 user 16 1 2s' 'alice 1001 user 12 1 3s' 'bob 1002-1 user 13 0 1s' \
		'bob 1002-2 user 14 2 1s' 'carol 1003 user 15 dead -'
} >"$W/list"
out=$(prerm alcove remove 2>&1)
assert_eq 0 $? "remove with running alcoves: exit 0"
assert_eq "alcovectl stop alice
alcovectl stop bob
alcovectl stop dave" "$(calls)" "... each user's running alcoves stopped, once"
assert_eq 3 "$(grep -c "^alcove: stopping .*'s alcove" <<<"$out")" "... a line for each"
echo bob >"$W/stuck"
assert_fails_with 1 "alcove: not removed: the alcoves of bob did not stop" \
	"remove with an alcove that does not stop: refused, naming it" prerm alcove remove
assert_contains "$(prerm alcove remove 2>&1)" "ALCOVE_FORCE_REMOVE=1 apt remove alcove" "... and the way to remove it anyway"
calls >/dev/null
assert_eq 0 "$(ALCOVE_FORCE_REMOVE=1 prerm alcove remove >/dev/null 2>&1; echo $?)" \
	"... ALCOVE_FORCE_REMOVE=1: removed anyway"
rm "$W/stuck"
calls >/dev/null
touch "$W/listfail"
assert_fails_with 1 "alcove: not removed: 'alcovectl list' failed" "remove with alcovectl list failing: refused" \
	prerm alcove remove
out=$(ALCOVE_FORCE_REMOVE=1 prerm alcove remove 2>&1)
assert_eq 0 $? "... ALCOVE_FORCE_REMOVE=1: removed anyway"
assert_contains "$out" "alcove: WARNING: 'alcovectl list' failed" "... with a warning"
rmdir "$W/run"
assert_eq 0 "$(prerm alcove remove >/dev/null 2>&1; echo $?)" "... no /run/alcove (nothing runs): removed"
mkdir "$W/run"
rm "$W/listfail"
out=$(path=$W/none prerm alcove remove 2>&1)
assert_eq 0 $? "remove with no alcovectl (a broken install): removed"
assert_contains "$out" "alcove: WARNING: alcovectl is missing" "... with a warning"
assert_eq "" "$(calls)" "... nothing stopped"
assert_eq "0:" "$(prerm alcove upgrade 2>&1; echo "$?:$(calls)")" "upgrade: no alcove stopped"

# --- alcove's postrm: the helper's anchors in /run/alcove go on remove, unless an alcove is
# left there (a live lobby's mounts on an anchor would be detached) ---
printf '#!/bin/sh\necho "systemctl $*" >>%s/calls\n' "$W" >"$W/bin/systemctl"
chmod 755 "$W/bin/systemctl"
postrm() { env PATH="$W/bin:$PATH" ALCOVE_RUN_DIR="$W/run" /bin/sh "$ALCOVE_SRC/debian/alcove.postrm" "$@"; }
mkdir "$W/run/lobby" "$W/run/home" "$W/run/alice"
touch "$W/run/shell" "$W/run/xauth" "$W/run/.sessions.lock"
out=$(postrm remove 2>&1)
assert_eq 0 $? "postrm remove with an alcove left running: exit 0"
assert_contains "$out" "is left as it is (an alcove still runs: alice)" "... says why the anchors stay"
assert_eq ".sessions.lock alice home lobby shell xauth" "$(ls -A "$W/run" | xargs)" "... and removes none of them"
rmdir "$W/run/alice"
out=$(postrm upgrade 2>&1)
assert_eq ".sessions.lock home lobby shell xauth" "$(ls -A "$W/run" | xargs)" "postrm upgrade: anchors kept"
out=$(postrm remove 2>&1)
assert_eq "0:" "$?:$out" "postrm remove with nothing running: exit 0, quietly"
assert_eq gone "$(test -e "$W/run" || echo gone)" "... the anchors and /run/alcove removed"
