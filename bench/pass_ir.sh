#!/bin/sh
# pass_ir.sh PASS_IR [ARGS...] - instructions of one full spmm pass over
# unchanged memory, counted by callgrind; prints
#   instructions: pass_ir=<n> pages=<n> ir_per_page=<x>
set -eu
prog=$1
shift
if ! command -v valgrind >/dev/null 2>&1; then
	echo "bench-instructions: valgrind not found (apt-get install valgrind)" >&2
	exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ "$("$prog" --client-requests)" = yes ]; then
	mode=--instr-atstart=no
else
	mode=--toggle-collect=measured_pass
fi
if ! valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" $mode \
	--dump-instr=no "$prog" "$@" >"$dir/out" 2>"$dir/err"; then
	cat "$dir/err" "$dir/out" >&2
	exit 1
fi
pages=$(sed -n 's/^pass_pages=\([0-9]*\).*/\1/p' "$dir/out")
# "totals:" is what was collected (with instrumentation toggled on and
# off, "summary:" may stay 0)
ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$dir/cg.out" | tail -n 1)
if [ -z "$ir" ] || [ "$ir" = 0 ]; then
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$dir/cg.out" | tail -n 1)
fi
if [ -z "$pages" ] || [ -z "$ir" ] || [ "$pages" -eq 0 ]; then
	echo "bench-instructions: no count (pages='$pages' ir='$ir')" >&2
	exit 1
fi
awk -v ir="$ir" -v pages="$pages" \
	'BEGIN { printf "instructions: pass_ir=%s pages=%s ir_per_page=%.1f\n", ir, pages, ir / pages }'
