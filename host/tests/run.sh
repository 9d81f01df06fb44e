#!/usr/bin/env bash
# run.sh BUILD_DIR - runs every host test and ends with "N passed, N failed".
#
# Each step prints PASS/FAIL lines; a program that exits non-zero without
# saying FAIL counts as one failure, so a crash is never silent.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
passed=0
failed=0
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

# step NAME CMD... : run, echo its PASS/FAIL lines, count them
step() {
	local name=$1
	shift
	local t0=$SECONDS
	"$@" >"$LOG" 2>&1
	local rc=$?
	local p f
	p=$(grep -c '^PASS ' "$LOG")
	f=$(grep -c '^FAIL ' "$LOG")
	grep -E '^(PASS|FAIL) ' "$LOG" | sed "s|^|[$name] |"
	grep -vE '^(PASS|FAIL) ' "$LOG" | grep -E '^(model|faultinj|fuzz|sim|check):' | sed "s|^|[$name] |"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "[$name] FAIL $name: exited with status $rc"
		tail -n 20 "$LOG" | sed "s|^|[$name]   |"
		f=1
	fi
	if [ "$f" -ne 0 ]; then
		grep -vE '^(PASS|FAIL) ' "$LOG" | tail -n 15 | sed "s|^|[$name]   |"
	fi
	echo "[$name] $((SECONDS - t0))s"
	passed=$((passed + p))
	failed=$((failed + f))
}

# check NAME CMD... : a command that must succeed is one test
check() {
	local name=$1
	shift
	if "$@" >"$LOG" 2>&1; then
		echo "PASS $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name"
		tail -n 30 "$LOG" | sed 's/^/   /'
		failed=$((failed + 1))
	fi
}

MODEL_STEPS=${MODEL_STEPS:-1000000}
SAN_MODEL_STEPS=${SAN_MODEL_STEPS:-1000000}

for t in "$B"/test_*; do
	n=$(basename "$t")
	case $n in
	test_model) step "$n" "$t" "$MODEL_STEPS" 1 ;;
	test_faultinj) step "$n" "$t" 1000 7 ;;
	*) step "$n" "$t" ;;
	esac
done
step test_model_seeds bash -c "for s in 2 3 4 5 6; do '$B/test_model' 200000 \$s; done"
for t in "$B"/san/test_*; do
	n=san/$(basename "$t")
	case $n in
	san/test_model) step "$n" "$t" "$SAN_MODEL_STEPS" 11 ;;
	san/test_faultinj) step "$n" "$t" 400 9 ;;
	*) step "$n" "$t" ;;
	esac
done

for s in host/tests/t_*.sh; do
	[ -e "$s" ] || continue
	step "$(basename "$s" .sh)" bash "$s" "$B"
done

check lint_cppcheck_clang_tidy make -s lint
if command -v clang >/dev/null && [ -f host/fuzz/fuzz.mk ]; then
	# each target that ran without a crash is a pass
	step fuzz_smoke bash -c 'set -o pipefail; make -s fuzz-smoke | sed -e "p" -e "s/^fuzz: \([a-z_]*\) execs=[1-9][0-9]* crashes=0$/PASS \1_smoke/;t" -e d'

fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
