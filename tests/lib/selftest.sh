#!/bin/bash
# Self-test of the harness in common.sh (run first by run-integration.sh, so by make check and
# make check-integration; ~1 s, as root: common.sh makes its directory in /run/alcove-tests).
# Each case is a tiny test script run as the runner runs one; the case checks its exit
# status, what it printed, and that its on_exit cleanup ran:
#   - a failed setup step ends the script at once with one line naming the step (exit 2),
#     also from a command substitution, and nothing after it runs;
#   - assert_fails_with passes only for the named exit status and text, and its failure
#     shows what was expected and what came; a call without an expectation is refused;
#   - assert_fails (no expected error) is refused.
set -u
LIB=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/alcove-harness-selftest.XXXXXX) || exit 1
trap 'rm -rf "$WORK"' EXIT
failed=0

# case NAME EXPECTED_RC EXPECTED_STDERR_LINES MUST_NOT_PRINT BODY
# EXPECTED_STDERR_LINES: its FAIL and SETUP FAILED lines, exactly ('' for none); a tool's own
# error message before them is fine.
run_case() {
	local name=$1 want_rc=$2 want_err=$3 never=$4 body=$5 script rc err out
	script=$WORK/$name.sh
	printf '. %q\non_exit "echo cleanup-ran >>%q"\n%s\n' "$LIB/common.sh" "$WORK/$name.marker" \
		"$body" >"$script"
	out=$(bash "$script" 2>"$WORK/$name.err")
	rc=$?
	err=$(grep -E '^(FAIL|SETUP FAILED) ' "$WORK/$name.err")
	local why=
	[ "$rc" = "$want_rc" ] || why+=" exit $rc, expected $want_rc;"
	[ "$err" = "$want_err" ] || why+=" printed '$err', expected '$want_err';"
	grep -qx cleanup-ran "$WORK/$name.marker" 2>/dev/null || why+=" its on_exit cleanup did not run;"
	if [ -n "$never" ] && [[ "$out$err" == *"$never"* ]]; then why+=" it went on past the failure ('$never');"; fi
	if [ -n "$why" ]; then
		echo "FAIL [harness-selftest] $name:$why"
		failed=1
	else
		echo "ok - harness: $name"
	fi
}

run_case setup-step 2 "SETUP FAILED [setup-step]: policy install (exit 1: false)" after \
	'setup "policy install" false; echo after'
run_case setup-in-subshell 2 "SETUP FAILED [setup-in-subshell]: sshd start" after \
	'x=$(setup_fail "sshd start"); echo after; echo after >&2'
run_case make-config-fails 2 \
	"SETUP FAILED [make-config-fails]: make_config: writing a policy in /nonexistent-alcove-test" \
	after 'ALCOVE_TEST_CONFDIR=/nonexistent-alcove-test
conf=$(make_config "defaults = { };"); echo after'
run_case setup-passes 0 "" "SETUP FAILED" 'setup "a step that works" true; x=$(setup "in a subshell" true); pass done'
run_case fails-with-right-reason 0 "" FAIL \
	'assert_fails_with 1 "Permission denied" "denied" sh -c "echo x: Permission denied >&2; exit 1"'
run_case fails-with-wrong-text 1 \
	"FAIL [fails-with-wrong-text]: denied: expected exit 1 and 'Permission denied', got exit 2 and: sh: 1: cannot open /nonexistent: No such file" \
	"ok - denied" 'assert_fails_with 1 "Permission denied" "denied" sh -c "cat </nonexistent"; echo after'
run_case fails-with-wrong-status 1 \
	"FAIL [fails-with-wrong-status]: denied: expected exit 1 and 'Permission denied', got exit 255 and: enter: Permission denied" \
	"ok - denied" 'assert_fails_with 1 "Permission denied" "denied" sh -c "echo enter: Permission denied; exit 255"'
run_case fails-with-success 1 \
	"FAIL [fails-with-success]: denied: expected exit 1 and 'Permission denied', got exit 0 and: (no output)" \
	"ok - denied" 'assert_fails_with 1 "Permission denied" "denied" true'
run_case fails-with-no-text 1 \
	"FAIL [fails-with-no-text]: assert_fails_with: needs STATUS TEXT WHAT cmd... (got: 1  denied false)" \
	"ok - denied" 'assert_fails_with 1 "" denied false'
run_case fails-with-status-0 1 \
	"FAIL [fails-with-status-0]: assert_fails_with: STATUS '0' is not a failing exit status (usage: assert_fails_with STATUS TEXT WHAT cmd...)" \
	"ok - denied" 'assert_fails_with 0 "x" denied false'
run_case assert-fails-refused 1 \
	"FAIL [assert-fails-refused]: assert_fails is gone (any failure passed): use assert_fails_with STATUS TEXT WHAT cmd..." \
	after 'assert_fails "denied" false; echo after'
exit $failed
