#!/bin/bash
# The policy as admins meet it: alcovectl check-config on the shipped example and on a broken
# file, and alcovectl explain on real users (getpwnam + getgrouplist): one matched through a
# supplementary group, one skipped by a rule, one matched by nothing.
. "$(dirname "$0")/../lib/common.sh"

make -s -C "$ALCOVE_SRC" "$BUILD/alcovectl" >/dev/null || fail "build alcovectl"
CTL=$BUILD/alcovectl

# json FILTER: evaluates a Python expression on the JSON object read from stdin (j).
json() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# --- check-config ---
out=$("$CTL" check-config "$ALCOVE_SRC/config/alcove.conf" 2>&1)
assert_eq 0 $? "check-config accepts config/alcove.conf"
# (on a host whose /var/lib/alcove cannot enforce the builtin layer_quota, which the shipped
# file leaves as it is, check-config says so in a note of its own: 67 tests that line)
assert_eq "$ALCOVE_SRC/config/alcove.conf: OK" \
	"$(grep -v "^$ALCOVE_SRC/config/alcove.conf: note: the builtin layer_quota 10G is not enforced on /var/lib/alcove " <<<"$out")" \
	"check-config says OK"
out=$("$CTL" --config "$ALCOVE_SRC/config/alcove.conf" check-config 2>&1)
assert_eq 0 $? "check-config with a global --config"

bad=$(make_config 'defaults = {
	mode = "user";
	persist = "yes";
	limits = { MemoryMax = "12Q"; };
};
rules = ( { group = "x"; profile = "nope"; } );')
err=$("$CTL" check-config --config "$bad" 2>&1 >/dev/null)
assert_eq 1 $? "check-config exits 1 on a wrong type"
assert_contains "$err" "$bad:3: defaults.persist: expected a boolean" "the wrong type on line 3, with its key"
assert_contains "$err" "$bad:4: defaults.limits.MemoryMax: malformed size" "a second error is reported too"
assert_contains "$err" "$bad:6: rule #1.profile: unknown profile \"nope\"" "and a third"
out=$("$CTL" check-config --json "$bad")
assert_eq 1 $? "check-config --json exits 1"
assert_eq "False 3" "$(echo "$out" | json 'j["ok"], len(j["errors"])' | tr -d '(),')" "--json lists the errors"
# a bad option before --json, which getopt never reaches: the failure object all the same
out=$("$CTL" check-config --bogus --json "$bad" 2>/dev/null)
assert_eq 2 $? "check-config with an unknown option exits 2"
assert_eq "False alcovectl check-config: unrecognized option '--bogus'" \
	"$(echo "$out" | json 'j["ok"], j["error"]')" "--json after a bad option still gives the failure object"
assert_fails_with 1 "/nonexistent/alcove.conf: failed to open: No such file or directory" \
	"check-config on a missing file names it and the errno" "$CTL" check-config /nonexistent/alcove.conf

# --- explain on real users ---
groupdel alcag1 >/dev/null 2>&1 || true
groupadd alcag1 || fail "groupadd alcag1"
on_exit "groupdel alcag1"
make_user alca1 -G alcag1 # alcag1 is a supplementary group, not the primary one
make_user alca2 -G alcag1 # in the group too, but a skip rule comes first
make_user alca3

conf=$(make_config 'profiles = {
	lab = {
		persist = false;
		limits = { MemoryMax = "512M"; };
	};
};
defaults = { limits = { TasksMax = 256; }; };
rules = (
	{ user = "alca2"; action = "skip"; },
	{ group = "alcag1"; profile = "lab"; },
	{ user = "alca3"; service = "sshd"; profile = "lab"; }
);')

out=$("$CTL" explain alca1 --config "$conf")
assert_eq 0 $? "explain alca1"
assert_contains "$out" "alcag1" "alca1's supplementary group is listed"
assert_contains "$out" 'rule      #2, line 10: { group = "alcag1"; profile = "lab"; }' "rule #2 matched, with its text"
assert_contains "$out" "decision  contained" "alca1 is contained"
assert_contains "$out" "profile   lab (line 2)" "with profile lab"
assert_contains "$out" "$(printf '  limits.MemoryMax       %-40s lab:4' 512M)" "MemoryMax from lab:4"
assert_contains "$out" "$(printf '  limits.TasksMax        %-40s defaults:7' 256)" "TasksMax merged from defaults:7"
assert_contains "$out" "$(printf '  persist                %-40s lab:3' false)" "persist from lab:3"
assert_contains "$out" "$(printf '  mode                   %-40s builtin' user)" "mode from the builtin defaults"

out=$("$CTL" --json explain alca1 --config "$conf")
assert_eq "contain True lab 2 True" \
	"$(echo "$out" | json 'j["decision"], j["contained"], j["profile"]["name"], j["rule"]["index"], "alcag1" in j["groups"]' | tr -d "(),'")" \
	"explain --json: alca1 contained with lab by rule 2"
assert_eq "512M lab 4" \
	"$(echo "$out" | json 'j["profile"]["keys"]["limits"]["value"]["MemoryMax"]["value"], j["profile"]["keys"]["limits"]["value"]["MemoryMax"]["origin"]["section"], j["profile"]["keys"]["limits"]["value"]["MemoryMax"]["origin"]["line"]' | tr -d "(),'")" \
	"explain --json: MemoryMax with its origin"

out=$("$CTL" explain alca2 --config "$conf")
assert_contains "$out" "rule      #1, line 9" "alca2: rule #1 matched first"
assert_contains "$out" "decision  not contained" "alca2 is skipped"
assert_contains "$out" "profile   (none" "no profile for a skipped user"
assert_eq "skip 1 None" \
	"$(echo "$("$CTL" explain alca2 --config "$conf" --json)" | json 'j["decision"], j["rule"]["index"], j["profile"]' | tr -d "(),'")" \
	"explain --json: alca2 skipped by rule 1"

out=$("$CTL" explain alca3 --config "$conf")
assert_contains "$out" "rule      (none matched)" "alca3 without a service: no rule"
assert_contains "$out" "decision  not contained: no rule matched" "alca3 is not contained"
assert_eq "skip None None" \
	"$(echo "$("$CTL" explain alca3 --config "$conf" --json)" | json 'j["decision"], j["rule"], j["profile"]' | tr -d "(),'")" \
	"explain --json: alca3 matched by nothing"
out=$("$CTL" explain alca3 --service sshd --config "$conf")
assert_contains "$out" "decision  contained" "alca3 over sshd: rule #3 (service) matches"
assert_contains "$out" "service   sshd" "the service is shown"

out=$("$CTL" explain root --config "$conf")
assert_contains "$out" "decision  not contained" "root is never contained"
out=$("$CTL" explain ../alca1 --config "$conf")
assert_contains "$out" "decision  refused: user name \"../alca1\" is not safe" "a hostile name is refused"
err=$("$CTL" explain alca-nosuchuser --config "$conf" 2>&1)
assert_eq 1 $? "explain of an unknown user exits 1"
assert_contains "$err" "No such user 'alca-nosuchuser'" "and says so"
err=$("$CTL" explain alca1 --config "$bad" 2>&1)
assert_eq 1 $? "explain on a broken config exits 1"
assert_contains "$err" "$bad:3:" "and shows the errors"

# --- sshd serving sftp in-process: what pam_alcove refuses, check-config and explain say ---
sshdc=$(mktemp -d)
on_exit "rm -rf '$sshdc'"
printf 'Port 22\nSubsystem sftp internal-sftp\n' >"$sshdc/global"
printf 'Subsystem sftp /usr/lib/openssh/sftp-server\nMatch Group staff\n\tForceCommand internal-sftp\n' >"$sshdc/match"
err=$("$CTL" check-config --sshd-config "$sshdc/global" "$ALCOVE_SRC/config/alcove.conf" 2>&1)
assert_eq 1 $? "check-config fails when sshd serves sftp in-process to every connection"
assert_contains "$err" "$sshdc/global:2: Subsystem sftp internal-sftp: sshd serves sftp in-process" \
	"and names the file, line and directive"
assert_contains "$err" "use Subsystem sftp /usr/lib/openssh/sftp-server" "and what to write instead"
err=$("$CTL" check-config --sshd-config "$sshdc/match" "$ALCOVE_SRC/config/alcove.conf" 2>&1)
assert_eq 0 $? "internal-sftp in a Match block is a warning, not a failure"
assert_contains "$err" "$sshdc/match:3: ForceCommand internal-sftp" "the warning names the Match block's line"
out=$("$CTL" explain alca1 --service sshd --sshd-config "$sshdc/global" --config "$conf")
assert_contains "$out" "decision  refused: $sshdc/global:2:" "explain shows the ssh login refused, with the line"
out=$("$CTL" explain alca1 --service login --config "$conf")
assert_contains "$out" "decision  contained" "a login through another service than sshd is not affected"
# a key line of the user's own that forces internal-sftp (pam_alcove refuses logins through sshd)
printf 'Subsystem sftp /usr/lib/openssh/sftp-server\n' >"$sshdc/stock"
out=$("$CTL" explain alca1 --service sshd --sshd-config "$sshdc/stock" --config "$conf")
assert_contains "$out" "decision  contained" "keys read from the home do not refuse the login"
assert_not_contains "$out" "internal-sftp" "no key forces internal-sftp: nothing said"
ah=$(getent passwd alca1 | cut -d: -f6)
install -d -o alca1 -m 0700 "$ah/.ssh" &&
	printf 'ssh-ed25519 AAAA a\nrestrict,command="internal-sftp" ssh-ed25519 AAAA b\n' >"$ah/.ssh/authorized_keys2" &&
	chown alca1 "$ah/.ssh/authorized_keys2" || setup_fail "alca1's keys"
out=$("$CTL" explain alca1 --service sshd --sshd-config "$sshdc/stock" --config "$conf")
assert_contains "$out" "warning   $ah/.ssh/authorized_keys2:2 forces internal-sftp, which sshd serves in-process, outside the alcove: logins through sshd are refused" \
	"explain names the key line that forces internal-sftp"
printf 'AuthorizedKeysFile /etc/ssh/keys/%%u\n' >"$sshdc/keys"
out=$("$CTL" explain alca1 --service sshd --sshd-config "$sshdc/keys" --config "$conf")
assert_not_contains "$out" "internal-sftp" "keys read from elsewhere: the home's are not sshd's"
printf 'Match Group alcag1\n\tAuthorizedKeysFile .ssh/authorized_keys2\n' >"$sshdc/matchkeys"
printf 'AuthorizedKeysFile /etc/ssh/keys/%%u\n' >>"$sshdc/matchkeys"
out=$("$CTL" explain alca1 --service sshd --sshd-config "$sshdc/matchkeys" --config "$conf")
assert_contains "$out" "authorized_keys2:2 forces internal-sftp" \
	"a Match block's key files are read too (alcove cannot tell which block selects a login)"
rm -rf "$ah/.ssh"

# --- sshd runs ~/.ssh/rc through the host's /bin/sh with the login's environment: where that is
# bash, a setting that lets the tenant set it runs their code on the host (SECURITY.md) ---
printf 'AcceptEnv LANG LC_* BASH_FUNC_*\n' >"$sshdc/env"
if [ "$(basename "$(readlink -f /bin/sh)")" = dash ]; then
	err=$("$CTL" check-config --sshd-config "$sshdc/env" "$ALCOVE_SRC/config/alcove.conf" 2>&1)
	assert_not_contains "$err" "/bin/sh is bash" "dash reads no code from the environment: no warning"
fi
# bash as /bin/sh in a private mount namespace: /bin/sh's directory a tmpfs of links to its files
mkdir "$sshdc/bin" || setup_fail "mkdir $sshdc/bin"
err=$(unshare -m --propagation private bash -c '
	bindir=$(cd -P /bin && pwd) real=$1 && mount --bind "$bindir" "$real" &&
	mount -t tmpfs tmpfs "$bindir" && for f in "$real"/*; do "$real/ln" -s "$f" "$bindir/"; done &&
	"$real/ln" -sf "$real/bash" "$bindir/sh" && "$2" check-config --sshd-config "$3" "$4"' \
	_ "$sshdc/bin" "$CTL" "$sshdc/env" "$ALCOVE_SRC/config/alcove.conf" 2>&1)
assert_contains "$err" "warning: /bin/sh is bash (" "a bash /bin/sh: check-config warns"
assert_contains "$err" "$sshdc/env:1: AcceptEnv BASH_FUNC_* (the client's BASH_FUNC_x%%" \
	"and names the AcceptEnv pattern that lets the client's functions in"

# --- X11 forwarding runs sshd's XAuthLocation on the host: alcove bounds only /usr/bin/xauth ---
printf 'X11Forwarding yes\nXAuthLocation /opt/x/xauth\n' >"$sshdc/xauth"
err=$("$CTL" check-config --sshd-config "$sshdc/xauth" "$ALCOVE_SRC/config/alcove.conf" 2>&1)
assert_contains "$err" "warning: sshd_config $sshdc/xauth:2: XAuthLocation /opt/x/xauth: alcove bounds only /usr/bin/xauth" \
	"another XAuthLocation with X11Forwarding yes: check-config warns, naming its line"

# --- user-manager reads the pam_alcove.so lines libpam reads: the vendor directory's too ---
# (a private mount ns: a tmpfs over /usr/lib/pam.d with one service only it has, whose line
# names a policy that contains alca3; the --config policy contains nobody)
nobody=$(make_config 'rules = ( { user = "alca-none"; profile = "p"; } ); profiles = { p = { }; };')
only3=$(make_config 'defaults = { mode = "user"; image = "/"; };
rules = ( { user = "alca3"; profile = "defaults"; } );')
vendor() { # the vendor file's text
	unshare -m --propagation private sh -c 'mount -t tmpfs none /usr/lib/pam.d &&
		printf "%s\n" "$1" >/usr/lib/pam.d/alca-vendor && "$2" --config "$3" user-manager alca3' \
		sh "$1" "$CTL" "$nobody" 2>&1
}
assert_fails_with 1 "$only3" "user-manager: a policy named only in /usr/lib/pam.d contains alca3: no user manager" \
	vendor "session optional pam_alcove.so config=$only3"
assert_fails_with 1 "takes in a file from outside its directory's own names" \
	"user-manager: an absolute include (a file the check does not read): no user manager" \
	vendor "@include /srv/alca-pam/extra"
assert_fails_with 1 "takes in a file from outside its directory's own names" \
	"user-manager: a relative include out of the directory, keyword in capitals: no user manager" \
	vendor "session INCLUDE ../../srv/alca-pam/extra"
assert_fails_with 1 "$only3" \
	"user-manager: a continued line with a blank after its '\\' and a comment line between: read as libpam does" \
	vendor "session optional \\ 
# between
pam_alcove.so config=$only3"
out=$(vendor "session optional pam_permit.so"; echo "rc=$?")
assert_contains "$out" "rc=0" "user-manager: nothing of alcove's in the vendor directory: the manager may start"
