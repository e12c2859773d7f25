#!/bin/bash
# Runs every tests/integration/NN-*.sh in order, as root. Each script sets up and removes
# its own users, alcoves, sshd and containers; a script's non-zero exit fails the run.
set -u
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "integration tests need root (they create users, namespaces and an sshd)" >&2
	exit 1
fi
failed=0
for t in tests/integration/[0-9]*.sh; do
	[ -e "$t" ] || continue
	if [ -n "${ALCOVE_TESTS:-}" ] && ! echo "$t" | grep -qE "$ALCOVE_TESTS"; then
		continue
	fi
	echo "=== $t"
	start=$(date +%s)
	if bash "$t"; then
		echo "=== PASS $t ($(( $(date +%s) - start ))s)"
	else
		echo "=== FAIL $t"
		failed=1
	fi
done
exit $failed
