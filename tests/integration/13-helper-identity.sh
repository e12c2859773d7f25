#!/bin/bash
# The helper builds the alcove of the account the PAM module found, or none: the module sends
# the uid it resolved with the name, and a helper whose own lookup of that name gives another
# account (two accounts of one name in two NSS sources: a local alice and a directory's, as
# case-insensitive sssd answers "ALICE") refuses, as tenant-caused (failure = "open" does not
# apply). The real helper, over the socket the module speaks (docs/INTERNALS.md).
. "$(dirname "$0")/../lib/common.sh"
serialise_test "$@"

HELPER=$BUILD/alcove-helper
make_user alchi1
uid=$(id -u alchi1)
conf=$(make_config 'defaults = { mode = "user"; image = "/"; cgroup = "none"; failure = "open"; };
rules = ( { user = "alchi1"; profile = "defaults"; } );')

# open USER UID: the helper's answer, one key=value a line
open() {
	python3 - "$HELPER" "$conf" "$1" "$2" <<'PY'
import os, socket, subprocess, sys
helper, conf, user, uid = sys.argv[1:]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
req = {"user": user, "uid": uid, "service": "alcovectl", "config": conf, "lobby": "0"}
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
assert_contains "$out" "User 'alchi1' is uid $((uid + 1)) to the login but uid $uid here" \
	"... naming both uids"
assert_contains "$out" "tenant=1" "... as the user's doing: failure = \"open\" does not apply"
[ ! -e "/run/alcove/$uid/state" ] || fail "an alcove of alchi1 was built"
pass "no alcove was built"
