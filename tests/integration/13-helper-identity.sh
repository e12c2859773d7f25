#!/bin/bash
# The helper builds the alcove of the account the PAM module found, or none: the module sends
# the uid, home and shell it resolved with the name (as sshd did), and a helper whose own
# lookup of that name gives another account (two accounts of one name in two NSS sources: a local alice and a directory's, as
# case-insensitive sssd answers "ALICE") refuses, as tenant-caused (failure = "open" does not
# apply). The real helper, over the socket the module speaks (docs/INTERNALS.md).
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"

HELPER=$BUILD/alcove-helper
make_user alchi1
uid=$(id -u alchi1)
conf=$(make_config 'defaults = { mode = "user"; image = "/"; cgroup = "none"; failure = "open"; };
rules = ( { user = "alchi1"; profile = "defaults"; } );')

# open USER UID [KEY=VALUE...]: the helper's answer, one key=value a line
open() {
	python3 - "$HELPER" "$conf" "$@" <<'PY'
import os, socket, subprocess, sys
helper, conf, user, uid = sys.argv[1:5]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
req = {"user": user, "uid": uid, "service": "alcovectl", "config": conf, "lobby": "0"}
req.update(kv.split("=", 1) for kv in sys.argv[5:])
# the helper's end on fd 3 of the child only (every other fd of ours is close-on-exec)
p = subprocess.Popen([helper, "open"], close_fds=False, env={}, stdin=subprocess.DEVNULL,
                     preexec_fn=lambda: os.dup2(b.fileno(), 3))
b.close()
a.send(b"".join(f"{k}={v}".encode() + b"\0" for k, v in req.items()))
ans = a.recv(65536)
p.wait()
print("\n".join(x.decode() for x in ans.split(b"\0") if x))
PY
}

out=$(open alchi1 $((uid + 1)))
assert_contains "$out" "status=error" "a uid that is not the helper's account: refused"
assert_contains "$out" "User 'alchi1' has uid '$((uid + 1))' to the login but '$uid' here" \
	"... naming both uids"
assert_contains "$out" "tenant=1" "... as the user's doing: failure = \"open\" does not apply"
[ ! -e "/run/alcove/$uid/state" ] || fail "an alcove of alchi1 was built"
pass "no alcove was built"

# the same uid, but another home or shell than sshd found: the lobby would cover the helper's
# shell while sshd runs its own on the host (a local override of a directory's account)
out=$(open alchi1 "$uid" shell=/bin/zsh)
assert_contains "$out" "User 'alchi1' has shell '/bin/zsh' to the login but '/bin/bash' here" \
	"another shell than the login's lookup: refused, naming both"
assert_contains "$out" "tenant=1" "... as the user's doing"
out=$(open alchi1 "$uid" home=/srv/alchi1 shell=/bin/bash)
assert_contains "$out" "User 'alchi1' has home '/srv/alchi1' to the login but '/home/alchi1' here" \
	"another home than the login's lookup: refused, naming both"
[ ! -e "/run/alcove/$uid/state" ] || fail "an alcove of alchi1 was built"
pass "no alcove was built for a mismatch"
