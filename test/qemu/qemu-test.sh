#!/bin/sh
# qemu-test.sh - build spmm into a user's L4Re tree, boot it in QEMU (arm64
# virt) and check the logs.
#
# Usage:
#   make qemu-test L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir>
#   test/qemu/qemu-test.sh                 (same, with the variables in the
#                                           environment)
#
# Without L4RE_OBJ it prints "qemu-test: skipped (no L4RE_OBJ given)" and
# exits 0, so `make qemu-test` is harmless on a machine without L4Re.
#
# What it does:
#  1. Builds the spmm package (server and spmm-test) as an external package
#     of L4RE_OBJ: make -C spmm O=$L4RE_OBJ L4DIR=<the tree's sources>.
#     The sources are found through $L4RE_OBJ/source (the link L4Re's
#     build directory keeps), else the SRC line of $L4RE_OBJ/Makefile;
#     L4DIR=<dir> overrides.  This build output is the only thing written
#     into the user's tree.
#  2. Writes a Makeconf.boot snippet into a temporary directory
#     (MODULE_SEARCH_PATH: FIASCO_OBJ, this repository's conf/, the tree's
#     pkg/hello) and builds the images of the entries (ENTRIES) of
#     conf/spm_modules.list into that directory
#     (make elfimage, the snippet read through MAKEFILES; the user's own
#     Makeconf.boot is still read after it).
#  3. Boots each image in qemu-system-aarch64 -M virt,virtualization=true
#     -cpu cortex-a57 -m 2048 -smp 2 -nographic under `timeout`
#     (QEMU_TIMEOUT seconds, default 120), stops it as soon as the log
#     holds what the checks need, and checks:
#       spmm-test:  spmm started; spmm-test printed "spmm-test: N passed,
#                   0 failed"; spmm logged a stats line with sharing > 0;
#       spmm-hello: spmm started; hello1..hello3 each printed
#                   "Hello World!"; spmm logged a stats line with
#                   sharing > 0.  (The three run with mem and rm_fab =
#                   spmm: all their memory and their region maps are
#                   spmm's; see conf/spmm-hello.cfg.)
#       spmm-stress: (conf/spmm-stress.cfg: 6 workers and 8 dying clients
#                   at once, spmm/examples/stress) spmm started and logged
#                   sharing > 0; no crash anywhere in the log; each worker
#                   printed "spmm-stress worker I: N passed, 0 failed";
#                   every dier that lived to print a summary says 0
#                   failed; the watcher's verdict, the run's last client
#                   line, is "spmm-stress: N passed, 0 failed"; spmm
#                   logged a stats line after it.
#     A run also ends GRACE (15) seconds after the clients are through,
#     or as soon as the log shows a crash (FATAL, lua error, ...).
#
# Output: the relevant log lines, one "PASS <entry>/<check>" or "FAIL
# <entry>/<check>: detail" line per check, last "qemu-test: N passed,
# N failed".  Exit status 0 only if nothing failed.  Full logs are kept in
# build/qemu-test/<entry>.log of this repository.
#
# Without FIASCO_OBJ, the value the tree's Makeconf.boot sets is used.
#
# Environment: L4RE_OBJ, FIASCO_OBJ, L4DIR (optional), ENTRIES (default
# "spmm-test spmm-hello spmm-stress", about 40 s of QEMU here),
# QEMU (default qemu-system-aarch64),
# QEMU_TIMEOUT (default 120), KEEP=1 keeps the temporary directory.

set -u

L4RE_OBJ=${L4RE_OBJ:-}
FIASCO_OBJ=${FIASCO_OBJ:-}
ENTRIES=${ENTRIES:-"spmm-test spmm-hello spmm-stress"}
QEMU=${QEMU:-qemu-system-aarch64}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-120}

if [ -z "$L4RE_OBJ" ]; then
	echo "qemu-test: skipped (no L4RE_OBJ given)"
	exit 0
fi

REPO=$(cd "$(dirname "$0")/../.." && pwd)
LOGDIR=$REPO/build/qemu-test
npass=0
nfail=0

pass() { npass=$((npass + 1)); echo "PASS $1"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $1: $2"; }
summary() { echo "qemu-test: $npass passed, $nfail failed"; }
die() {
	fail "$1" "$2"
	summary
	exit 1
}

# ---- the trees ------------------------------------------------------------

. "$REPO/test/trees.sh"
find_trees || die setup "$TREES_ERR"
[ "$TREES_FIASCO_FROM_TREE" = 1 ] &&
	echo "qemu-test: FIASCO_OBJ=$FIASCO_OBJ (from the tree's Makeconf.boot)"
command -v "$QEMU" >/dev/null || die setup "$QEMU not found"
command -v timeout >/dev/null || die setup "timeout not found"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spmm-qemu.XXXXXX") || die setup "mktemp failed"
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "qemu-test: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$LOGDIR"

echo "qemu-test: L4RE_OBJ=$L4RE_OBJ L4DIR=$L4DIR FIASCO_OBJ=$FIASCO_OBJ"

# ---- 1. the package ---------------------------------------------------------

if make -C "$REPO/spmm" O="$L4RE_OBJ" L4DIR="$L4DIR" >"$LOGDIR/build.log" 2>&1; then
	pass build
else
	tail -n 30 "$LOGDIR/build.log"
	die build "make -C spmm failed (log: $LOGDIR/build.log)"
fi

# ---- 2. Makeconf.boot snippet and images ---------------------------------------

cat >"$TMP/Makeconf.boot" <<EOF
# Written by test/qemu/qemu-test.sh; read before the tree's own
# Makeconf.boot (through MAKEFILES), so these paths are searched first.
FIASCO_OBJ := $FIASCO_OBJ
SPM_CONFIG_DIR := $REPO/conf
MODULE_SEARCH_PATH += $FIASCO_OBJ $REPO/conf $L4DIR/pkg/hello
EOF

build_image() { # entry
	MAKEFILES="$TMP/Makeconf.boot" make -C "$L4RE_OBJ" elfimage E="$1" \
		MODULES_LIST="$REPO/conf/spm_modules.list" \
		BOOTSTRAP_OUTPUT_DIR="$TMP" IMAGE_NR_FILE="$TMP/.image_nr" \
		>"$LOGDIR/$1-image.log" 2>&1 && [ -f "$TMP/bootstrap_$1.elf" ]
}

# ---- 3. boot and check ---------------------------------------------------------

clean_log() { # raw log -> log without colours and carriage returns
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$1"
}

max_sharing() { # log -> largest sharing= of spmm's stats lines (0 if none)
	sed -n 's/.*spmm: stats .*sharing=\([0-9][0-9]*\).*/\1/p' "$1" |
		sort -n | tail -n 1 | grep . || echo 0
}

# An entry is "over" when its clients are through (then spmm gets a few
# more seconds for a statistics line), and "done" when everything the
# checks look for is in the log.
over_test() {
	grep -q 'spmm-test: [0-9]* passed, [0-9]* failed' "$1"
}

over_hello() {
	for i in 1 2 3; do
		grep -q "hello$i *|.*Hello World!" "$1" || return 1
	done
}

done_test() { over_test "$1" && [ "$(max_sharing "$1")" -gt 0 ]; }
done_hello() { over_hello "$1" && [ "$(max_sharing "$1")" -gt 0 ]; }

died() { # log -> 0 if the system can not get further
	grep -qE 'FATAL|Unhandled exception|mapping for page fault failed|KERNEL PANIC|lua error|stack traceback' "$1"
}

GRACE=15 # seconds after the clients are through, for a statistics line

boot() { # entry: boot its image, stop when done, over (+GRACE) or dead
	raw=$TMP/$1.raw
	log=$LOGDIR/$1.log
	timeout "$QEMU_TIMEOUT" "$QEMU" -M virt,virtualization=true -cpu cortex-a57 \
		-m 2048 -smp 2 -nographic -kernel "$TMP/bootstrap_$1.elf" \
		</dev/null >"$raw" 2>&1 &
	QPID=$!
	t=0
	over_at=
	while kill -0 "$QPID" 2>/dev/null; do
		sleep 1
		t=$((t + 1))
		clean_log "$raw" >"$log"
		if "done_$2" "$log"; then
			sleep 2 # a little more log after the last thing we wait for
			break
		fi
		if [ -z "$over_at" ] && "over_$2" "$log"; then
			over_at=$t
		fi
		[ -n "$over_at" ] && [ $((t - over_at)) -ge "$GRACE" ] && break
		died "$log" && { sleep 2; break; }
	done
	kill "$QPID" 2>/dev/null
	wait "$QPID" 2>/dev/null
	QPID=
	clean_log "$raw" >"$log"
	echo "qemu-test: $1 ran ${t}s (log: $log)"
}

show() { # log pattern: print matching lines (of spmm's periodic
	# statistics only the first three and the last three), at most 200
	grep -E "$2" "$1" | awk '
		/spmm: stats / { s[++ns] = $0; if (ns <= 3) print; next }
		{ print }
		END { if (ns > 6) print "  ... (" ns - 6 " more stats lines)";
		      for (i = (ns > 6 ? ns - 2 : 4); i <= ns; i++) if (i > 3) print s[i] }' |
		head -n 200 | sed 's/^/  | /'
}

check_common() { # entry log
	if grep -q 'spmm: serving' "$2"; then
		pass "$1/spmm_started"
	else
		fail "$1/spmm_started" "no 'spmm: serving' line"
	fi
	s=$(max_sharing "$2")
	if [ "$s" -gt 0 ]; then
		pass "$1/stats_sharing"
	elif grep -q 'spmm: stats ' "$2"; then
		fail "$1/stats_sharing" "stats lines, but sharing=0 in all of them"
	else
		fail "$1/stats_sharing" "no 'spmm: stats' line"
	fi
}

check_spmm_test() {
	log=$LOGDIR/spmm-test.log
	show "$log" 'spmm:|spmm-test:|FAIL |FATAL: (Fatal|Binary)|Unhandled|page fault|rror|lua'
	echo "  (and $(grep -c 'PASS ' "$log") PASS lines of spmm-test)"
	check_common spmm-test "$log"
	line=$(grep -o 'spmm-test: [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
	why=$(grep -m 1 'lua error' "$log" | sed 's/^ *//')
	if [ -z "$line" ]; then
		fail spmm-test/client "no summary line from spmm-test (crashed or hung?)${why:+ ($why)}"
	elif echo "$line" | grep -q ' 0 failed' &&
		! echo "$line" | grep -q ': 0 passed'; then
		pass spmm-test/client
	else
		fail spmm-test/client "$line"
	fi
}

check_spmm_hello() {
	log=$LOGDIR/spmm-hello.log
	show "$log" 'spmm:|Hello World|rror|FATAL: (Fatal|Binary)|Unhandled|page fault|failed|lua' | awk '
		/Hello World/ { n[$2]++; if (n[$2] > 2) next } { print }'
	check_common spmm-hello "$log"
	why=$(grep -m 1 'lua error' "$log" | sed 's/^ *//')
	for i in 1 2 3; do
		if grep -q "hello$i *|.*Hello World!" "$log"; then
			pass "spmm-hello/hello$i"
		else
			fail "spmm-hello/hello$i" "no 'Hello World!' from hello$i${why:+ ($why)}"
		fi
	done
}

# ---- spmm-stress (conf/spmm-stress.cfg, spmm/examples/stress) ---------------
# Over when the watcher printed the run's verdict, "spmm-stress: N passed,
# N failed"; done when spmm has also logged a statistics line after it.
over_stress() {
	grep -q 'spmm-stress: [0-9]* passed, [0-9]* failed' "$1"
}
stats_after_verdict() {
	awk '/spmm-stress: [0-9]+ passed, [0-9]+ failed/ { v = 1 }
	     v && /spmm: stats / { s = 1 } END { exit !s }' "$1"
}
done_stress() { over_stress "$1" && stats_after_verdict "$1"; }

summary_ok() { # "<who>: N passed, N failed" line -> 0 if N failed is 0
	echo "$1" | grep -q ': [0-9]* passed, 0 failed' &&
		! echo "$1" | grep -q ': 0 passed'
}

check_spmm_stress() {
	log=$LOGDIR/spmm-stress.log
	show "$log" 'spmm:|^watch |spmm-stress [^|]*: ([0-9]* passed|[0-9]* rounds:|exit)|spmm-stress.cfg|FAIL |FATAL: (Fatal|Binary)|Unhandled|page fault|lua'
	check_common spmm-stress "$log"
	crash=$(grep -m 1 -E 'FATAL|Unhandled exception|mapping for page fault failed|KERNEL PANIC|lua error|stack traceback' "$log")
	if [ -z "$crash" ]; then
		pass spmm-stress/no_crash
	else
		fail spmm-stress/no_crash "$crash"
	fi
	nw=$(sed -n 's/.*spmm-stress: watching \([0-9]*\) workers.*/\1/p' "$log" | head -n 1)
	[ -n "$nw" ] && [ "$nw" -gt 0 ] ||
		fail spmm-stress/workers "the watcher never said how many workers run"
	i=1
	while [ "$i" -le "${nw:-0}" ]; do
		line=$(grep -o "spmm-stress worker $i: [0-9]* passed, [0-9]* failed" "$log" | tail -n 1)
		if [ -z "$line" ]; then
			fail "spmm-stress/worker$i" "no summary line (crashed or hung?)"
		elif summary_ok "$line"; then
			pass "spmm-stress/worker$i"
		else
			fail "spmm-stress/worker$i" "$line"
		fi
		i=$((i + 1))
	done
	# A dier prints its summary unless ned killed it first.
	nd=$(grep -c 'spmm-stress dier [0-9]*: [0-9]* passed, [0-9]* failed' "$log")
	bad=$(grep -o 'spmm-stress dier [0-9]*: [0-9]* passed, [0-9]* failed' "$log" |
		grep -v ', 0 failed' | head -n 1)
	if [ "$nd" -gt 0 ] && [ -z "$bad" ]; then
		pass "spmm-stress/diers"
	else
		fail spmm-stress/diers "${bad:-no dier printed a summary line}"
	fi
	line=$(grep -o 'spmm-stress: [0-9]* passed, [0-9]* failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		fail spmm-stress/verdict "no verdict from the watcher (crashed or hung?)"
	elif summary_ok "$line"; then
		pass spmm-stress/verdict
	else
		fail spmm-stress/verdict "$line"
	fi
	if stats_after_verdict "$log"; then
		pass spmm-stress/serving_after_run
	else
		fail spmm-stress/serving_after_run "no statistics line from spmm after the verdict"
	fi
	grep 'spmm: stats ' "$log" | tail -n 1 | sed -n \
		's/.*requests=\([0-9]*\) errors=\([0-9]*\).*/  (spmm answered \1 requests in all, \2 of them with an error)/p'
}

for e in $ENTRIES; do
	case $e in
	spmm-test) kind=test check_fn=check_spmm_test ;;
	spmm-hello) kind=hello check_fn=check_spmm_hello ;;
	spmm-stress) kind=stress check_fn=check_spmm_stress ;;
	*) fail "$e" "unknown entry"; continue ;;
	esac
	if ! build_image "$e"; then
		tail -n 20 "$LOGDIR/$e-image.log"
		fail "$e/image" "make elfimage E=$e failed (log: $LOGDIR/$e-image.log)"
		continue
	fi
	pass "$e/image"
	boot "$e" "$kind"
	"$check_fn"
done

summary
[ "$nfail" -eq 0 ]
