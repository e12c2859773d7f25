#!/bin/bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) on a working copy of its seed
# corpus (tests/fuzz/corpus/NAME/ is read, never written), with its dictionary when there is
# one, and extra libFuzzer flags from tests/fuzz/NAME.options. Fails on the first crash,
# leak, timeout or failed oracle; the reproducer is left in build/fuzz/crashes/. Prints
# executions per second and the coverage each target reached.
#   tests/fuzz/run.sh build/fuzz/fuzz_proto build/fuzz/fuzz_policy ...
set -eu
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
for bin in "$@"; do
	name=${bin##*/fuzz_}
	work=${bin%/*}/corpus-$name
	crashes=${bin%/*}/crashes
	log=${bin%/*}/$name.log
	mkdir -p "$work" "$crashes"
	opts=()
	[ -e "tests/fuzz/$name.dict" ] && opts+=(-dict="tests/fuzz/$name.dict")
	[ -e "tests/fuzz/$name.options" ] && opts+=($(grep -v '^#' "tests/fuzz/$name.options"))
	echo "== fuzz $name for ${seconds}s"
	if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/$name-" "${opts[@]}" \
		"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1; then
		tail -n 60 "$log"
		echo "FAIL: fuzz $name found a crash; reproducer in $crashes/ (log: $log)" >&2
		exit 1
	fi
	# Every input found, once more with a leak scan after each (-runs=0: replay only).
	if ! ASAN_OPTIONS=detect_leaks=1 "$bin" -runs=0 -detect_leaks=1 \
		-artifact_prefix="$crashes/$name-" "$work" "tests/fuzz/corpus/$name" >"$log.replay" 2>&1; then
		tail -n 40 "$log.replay"
		echo "FAIL: replaying the $name corpus found a leak; reproducer in $crashes/" >&2
		exit 1
	fi
	# The last status line has the coverage (cov: edges, ft: features, corp: inputs).
	grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 1
	grep -E 'stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log"
done
