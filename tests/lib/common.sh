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
# A setup step that failed in a subshell (conf=$(make_config ...), img=$(test_image ...))
# printed its line and sent this: the test ends here, exit 2, its cleanups run.
trap 'exit 2' USR1

fail() {
	echo "FAIL [$TESTNAME]: $*" >&2
	exit 1
}
pass() { echo "ok - $*"; }

# setup_fail STEP: a step the test needs before it can assert anything failed (a user, a
# policy, sshd, an image): one line naming it, and the test ends at once with exit 2, also
# when called in a command substitution; the cleanups registered so far run. Asserting on
# after a failed setup step would only print failures that say nothing about the product.
setup_fail() {
	echo "SETUP FAILED [$TESTNAME]: $*" >&2
	# $$ is the test's own shell even in a subshell; BASHPID is the one running this.
	[ "$BASHPID" = "$$" ] || kill -USR1 $$
	exit 2
}
# setup STEP cmd...: runs cmd in this shell (its variables and on_exit stay) as a setup step.
setup() {
	local step=$1 rc
	shift
	"$@" && return 0
	rc=$?
	setup_fail "$step (exit $rc: $*)"
}

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

# assert_fails_with STATUS TEXT WHAT cmd...: cmd must fail for the reason the test names:
# exit with STATUS (a number, not 0) and print TEXT (a fixed string: the errno's text, the
# product's message) on its stdout or stderr. A command that fails otherwise (an enter that
# did not work, a typo, a missing file) fails the assertion, showing what was expected and
# what came. For a command run inside an alcove or through ssh, TEXT is what the command
# itself prints there, and the test proves the same enter works first.
assert_fails_with() {
	local status=$1 text=$2 what=$3 out rc
	case $status in '' | *[!0-9]* | 0) fail "assert_fails_with: STATUS '$status' is not a failing exit status (usage: assert_fails_with STATUS TEXT WHAT cmd...)" ;; esac
	[ -n "$text" ] && [ -n "$what" ] && [ $# -gt 3 ] ||
		fail "assert_fails_with: needs STATUS TEXT WHAT cmd... (got: $*)"
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" = "$status" ] && [[ $out == *"$text"* ]] && { pass "$what"; return 0; }
	fail "$what: expected exit $status and '$text', got exit $rc and: ${out:-(no output)}"
}
# Gone: it passed for any failure at all (an enter that did not work, a typo). Defined only to
# refuse, so that a call left in a test fails it instead of being "command not found".
assert_fails() {
	fail "assert_fails is gone (any failure passed): use assert_fails_with STATUS TEXT WHAT cmd..."
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
	useradd -m -s /bin/bash "$@" "$name" || setup_fail "useradd $name"
	on_exit "userdel -r -f $name"
	grep -q "^$name:" /etc/subuid && grep -q "^$name:" /etc/subgid ||
		setup_fail "useradd gave $name no subordinate ids (SUB_UID_COUNT in /etc/login.defs)"
}

# A private config file for this test; prints its path. Not under /tmp: in a login's lobby
# /tmp is the alcove's, so the helper run by close_session would not find it there.
# Tests call it as conf=$(make_config ...), a subshell whose on_exit would be lost: the files
# go into a directory of this test's own, registered for removal here, in the test's shell.
mkdir -p /run/alcove-tests || setup_fail "mkdir /run/alcove-tests"
ALCOVE_TEST_CONFDIR=$(mktemp -d "/run/alcove-tests/$TESTNAME.XXXXXX") ||
	setup_fail "the test's config directory in /run/alcove-tests"
on_exit "rm -rf $ALCOVE_TEST_CONFDIR"
make_config() { # contents
	local f
	f=$(mktemp "$ALCOVE_TEST_CONFDIR/XXXXXX.conf") && printf '%s\n' "$1" >"$f" ||
		setup_fail "make_config: writing a policy in $ALCOVE_TEST_CONFDIR"
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
