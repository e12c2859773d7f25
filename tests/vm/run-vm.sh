#!/bin/bash
# Layer 4: runs every tests/vm/NN-*.sh (each boots its own TCG VM, ~30 s), as root.
# `make check-vm`; .ci/run runs it after `make check`.
set -u
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "VM tests need root" >&2; exit 1; }
failed=0 passed=0
for t in tests/vm/[0-9]*.sh; do
	[ -e "$t" ] || continue
	echo "=== $t"
	start=$(date +%s)
	if bash "$t"; then
		echo "=== PASS $t ($(($(date +%s) - start))s)"
		passed=$((passed + 1))
	else
		echo "=== FAIL $t"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ]
