#!/usr/bin/env bash
# t_bench.sh BUILD_DIR - the benchmark builds and measures spmm on a small
# mix (KSM off here: the test must not need root or change the system).
set -u
B=$1
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if make -s "$B/bench/ksm_vs_spmm" >"$out" 2>&1 &&
	"$B/bench/ksm_vs_spmm" --no-ksm --regions 2 --mib 8 >"$out" 2>&1; then
	last=$(tail -n 1 "$out")
	case "$last" in
	spmm_cpu_us_per_page=*ksm_cpu_us_per_page=na*cpu_ratio=na*metadata_bytes_per_page=*)
		echo "PASS bench_small_mix_spmm_only" ;;
	*) echo "FAIL bench_small_mix_spmm_only: last line: $last" ;;
	esac
	grep -q "saving .* (100.0%)" "$out" && echo "PASS bench_spmm_reaches_full_saving" ||
		{ echo "FAIL bench_spmm_reaches_full_saving"; tail -n 20 "$out"; }
else
	echo "FAIL bench_small_mix_spmm_only"
	tail -n 20 "$out"
fi
if "$B/bench/ksm_vs_spmm" --regions 0 >"$out" 2>&1; then
	echo "FAIL bench_rejects_bad_option"
else
	[ $? -eq 2 ] && echo "PASS bench_rejects_bad_option" || echo "FAIL bench_rejects_bad_option (exit code)"
fi
