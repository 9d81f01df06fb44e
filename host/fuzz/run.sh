#!/bin/sh
# run.sh - run libFuzzer targets, each for a while on a fresh copy of its
# seed corpus, and print one line per target:
#     fuzz: <target> execs=<n> crashes=<n>
# (execs is libFuzzer's final stat::number_of_executed_units).  Exits 1 if
# any target crashed, leaked, timed out or did not run; its log tail and
# the crashing input's path go to stderr.
#
# usage: run.sh SECONDS BINDIR CORPUSDIR TARGET...
set -u
secs=$1 bindir=$2 corpus=$3
shift 3
fail=0
for t in "$@"; do
	work=$bindir/work/$t
	rm -rf "$work"
	mkdir -p "$work/corpus" "$work/artifacts"
	if [ -d "$corpus/$t" ]; then
		cp "$corpus/$t"/* "$work/corpus/" 2>/dev/null
	fi
	"$bindir/$t" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		"$work/log" | tail -n 1)
	crashes=$(find "$work/artifacts" -type f | wc -l)
	# a run that failed without leaving an input still counts
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1
	fi
	echo "fuzz: $t execs=${execs:-0} crashes=$crashes"
	if [ "$crashes" -ne 0 ]; then
		fail=1
		tail -n 40 "$work/log" >&2
		find "$work/artifacts" -type f >&2
	fi
done
exit $fail
