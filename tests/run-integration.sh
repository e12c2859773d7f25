#!/bin/bash
# Runs every tests/integration/NN-*.sh in order, as root. Each script sets up and removes
# its own users, alcoves, sshd and containers; a script's non-zero exit fails the run (exit 2:
# a setup step failed, see tests/lib/common.sh's setup).
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "integration tests need root (they create users, namespaces and an sshd)" >&2
	exit 1
fi
# The harness first: a test whose setup failed must stop there, and assert_fails_with must
# fail for the wrong reason (tests/lib/selftest.sh, about a second).
echo "=== tests/lib/selftest.sh"
if ! bash tests/lib/selftest.sh; then
	echo "=== FAIL tests/lib/selftest.sh: the harness itself is broken; no test would mean anything"
	exit 1
fi
# ALCOVE_TESTS: an extended regex on the script's path; words separated by spaces are
# alternatives ('30-alcove 42-' runs both).
read -ra words <<<"${ALCOVE_TESTS:-}"
filter=$(IFS='|' && echo "${words[*]}")
BUILD=${BUILD:-$PWD/build}
. tests/lib/leftovers.sh
failed=0
for t in tests/integration/[0-9]*.sh; do
	[ -e "$t" ] || continue
	if [ -n "$filter" ] && ! echo "$t" | grep -qE "$filter"; then
		continue
	fi
	echo "=== $t"
	before=$(leftovers_list)
	start=$(date +%s)
	bash "$t"
	rc=$?
	case $rc in
	0) echo "=== PASS $t ($(($(date +%s) - start))s)" ;;
	2) echo "=== FAIL $t (a setup step failed: its SETUP FAILED line above names it)" ;;
	*) echo "=== FAIL $t (exit $rc)" ;;
	esac
	[ $rc = 0 ] || failed=1
	# what the test left running fails it here, not the next test that reuses the uid
	left=$(leftovers_new "$before" 100)
	if [ -n "$left" ]; then
		echo "=== LEFTOVER of $t (ended now):"
		cut -d' ' -f2- <<<"$left"
		leftovers_end "$left"
		failed=1
	fi
done
exit $failed
