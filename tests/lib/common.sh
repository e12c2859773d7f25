# Shared helpers for the root integration tests (bash). Source it first:
#   . "$(dirname "$0")/../lib/common.sh"
# Every resource a test creates is registered with on_exit and removed when the script ends,
# in reverse order, whether it passes or fails.
set -u
ALCOVE_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ALCOVE_SRC/build}
TESTNAME=$(basename "$0" .sh)

_cleanups=()
on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
	local rc=$? i
	for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_cleanups[$i]}" >/dev/null 2>&1 || true
	done
	exit $rc
}
trap _run_cleanups EXIT

fail() {
	echo "FAIL [$TESTNAME]: $*" >&2
	exit 1
}
pass() { echo "ok - $*"; }

assert_eq() { # expected actual what
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
	pass "$3"
}
assert_contains() { # haystack needle what
	case "$1" in *"$2"*) pass "$3" ;; *) fail "$3: '$2' not in: $1" ;; esac
}
assert_not_contains() { # haystack needle what
	case "$1" in *"$2"*) fail "$3: '$2' unexpectedly in: $1" ;; *) pass "$3" ;; esac
}
assert_fails() { # what cmd...
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$what: command succeeded: $*"; fi
	pass "$what"
}

# make_user NAME [useradd options...]: a test user with a home, a locked password and a
# subordinate id range of 65536 in /etc/subuid and /etc/subgid; removed at exit.
# useradd allocates the ranges and userdel removes them, each under shadow's lock: tests run in
# parallel, and an unlocked edit of those files (sed -i, >>) loses another test's line or hands
# two users overlapping ranges, which the helper refuses.
make_user() {
	local name=$1
	shift
	userdel -r "$name" >/dev/null 2>&1 || true
	useradd -m -s /bin/bash "$@" "$name" || fail "useradd $name"
	on_exit "userdel -r -f $name"
	grep -q "^$name:" /etc/subuid && grep -q "^$name:" /etc/subgid ||
		fail "useradd gave $name no subordinate ids (SUB_UID_COUNT in /etc/login.defs)"
}

# A private config file for this test; prints its path. Not under /tmp: in a login's lobby
# /tmp is the alcove's, so the helper run by close_session would not find it there.
# Tests call it as conf=$(make_config ...), a subshell whose on_exit would be lost: the files
# go into a directory of this test's own, registered for removal here, in the test's shell.
mkdir -p /run/alcove-tests
ALCOVE_TEST_CONFDIR=$(mktemp -d "/run/alcove-tests/$TESTNAME.XXXXXX")
on_exit "rm -rf $ALCOVE_TEST_CONFDIR"
make_config() { # contents
	local f
	f=$(mktemp "$ALCOVE_TEST_CONFDIR/XXXXXX.conf")
	printf '%s\n' "$1" >"$f"
	echo "$f"
}

# Waits until a command succeeds, up to N tenths of a second.
wait_until() { # tenths cmd...
	local n=$1
	shift
	while ((n-- > 0)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

host_alcove_mounts() { grep -c alcove /proc/self/mountinfo || true; }

# Before a test re-runs itself with exec: the re-run makes its own config directory, and exec
# would skip this shell's cleanup.
before_reexec() {
	trap - EXIT
	rmdir "$ALCOVE_TEST_CONFDIR" 2>/dev/null || true
}

# One copy of this test at a time on the machine: every worktree has the same tests, with the
# same user names and ports. Call it first (it re-runs the script under a per-test lock).
serialise_test() {
	[ "${ALCOVE_TEST_SERIAL:-}" = "$TESTNAME" ] && return 0
	mkdir -p /run/alcove-tests
	before_reexec
	exec env ALCOVE_TEST_SERIAL="$TESTNAME" flock -o -w 1800 \
		"/run/alcove-tests/serial.$TESTNAME" bash "$0" "$@"
}
