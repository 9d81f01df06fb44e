#!/bin/sh
# vm-test.sh - boot Linux guests in uvmm whose RAM comes from spmm, in QEMU
# (arm64 virt), let each run memtester, and follow spmm's statistics.
#
# Usage:
#   L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir> test/vm/vm-test.sh [1|2|moe]
#
#   1    entry spmm-vm1 of conf/spm_modules.list (conf/vm-1.cfg): one guest
#   2    entry spmm-vm2 (conf/vm-2.cfg): two guests on one spmm channel,
#        i.e. one merge domain
#   moe  entry spmm-vm1-moe (conf/vm-moe-1.cfg): the same guest on moe's
#        memory, as a baseline (spmm runs but serves nothing)
#
# What it does:
#  1. Builds the spmm package into L4RE_OBJ (as test/qemu/qemu-test.sh).
#  2. Makes the guest files with test/vm/mkguest.sh if build/guest lacks
#     them (kernel Image, initramfs with memtester), and the guest DTB
#     vm-virt-arm64.dtb (temporary directory; a copy in build/vm-test/)
#     from uvmm's virt-arm_virt-64.dtb in L4RE_OBJ (virtio console on cap "hvc", no virtio net, 2 CPUs, guest
#     RAM at RAM_BASE, default 0x8200000 instead of uvmm's 0x8000000: see
#     below).
#  3. Writes a temporary Makeconf.boot (read through MAKEFILES, before the
#     tree's own) and a copy of the entry's ned script with the overrides
#     below, and builds the image with make elfimage.
#  4. Boots it: qemu-system-aarch64 -M virt,virtualization=true -cpu
#     cortex-a57 -m 3072 -smp 2 -nographic, under `timeout` (QEMU_TIMEOUT,
#     default 235 s).  Stops GRACE seconds (default 30) after every guest
#     printed GUEST-DONE, or when the log shows a crash.
#  5. Prints the relevant log lines (spmm, uvmm errors, guest markers,
#     memtester's results), a table of spmm's statistics lines with the
#     time (s since QEMU started) at which each appeared, and last:
#       vms=<n> guest_mib=<total> saved_mib=<last> guest_errors=<n> guests_done=<k>
#     guest_errors: memtester FAILURE lines of all guests (from their
#     "GUEST-DONE errors=<n>" line); guests_done: guests that got that far.
#     Exit status 0 only if every guest finished memtester without errors.
#     If the guests are not through 20 s before the timeout, the script
#     asks each uvmm's monitor (cons channel monN) for its vCPU registers,
#     so a hung guest shows where it hangs.
#
# Why RAM_BASE=0x8200000: on a stage-2 fault uvmm maps the largest block
# that guest and local addresses allow (Vmm::get_page_shift; it assumes the
# dataspace gave it superpages).  With uvmm's local RAM mapping 16 MiB
# aligned and the guest RAM at 0x8000000, that is a 16 MiB flexpage per
# fault; spmm backs RAM with 4 KiB pages, so the kernel walks 4096 entries
# for every fault (a few ms each under QEMU TCG) and the guest boots about
# 25 times slower than on moe.  A guest base that is 2 MiB but not 4 MiB
# aligned limits the block to 2 MiB (5 times faster here).
#
# Full log: build/vm-test/<entry>.log.
#
# Environment (all optional besides L4RE_OBJ):
#   FIASCO_OBJ    default: what the tree's Makeconf.boot sets
#   L4DIR         L4Re sources (default: L4RE_OBJ/source)
#   QEMU          default qemu-system-aarch64
#   QEMU_TIMEOUT  seconds, default 235
#   QEMU_MEM      MiB of the QEMU machine, default 3072
#   GRACE         seconds to keep running after the last GUEST-DONE (30)
#   MEMTEST       memtester size in the guests (default: 16M, 8M for 2)
#   SPMM_ARGS     spmm's arguments instead of the script's
#                 ("--stats-interval 5")
#   SPMM_MODULE   boot this binary of the L4Re build tree as spmm (default
#                 spmm), e.g. a patched build installed under another name
#   GUEST_DIR     guest files (default build/guest)
#   RAM_BASE      guest-physical RAM base in the DTB (default 0x8200000;
#                 0x8000000 is uvmm's own)
#   NO_BUILD=1    do not build the spmm package first
#   KEEP=1        keep the temporary directory
set -u

L4RE_OBJ=${L4RE_OBJ:-}
FIASCO_OBJ=${FIASCO_OBJ:-}
QEMU=${QEMU:-qemu-system-aarch64}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-235}
QEMU_MEM=${QEMU_MEM:-3072}
GRACE=${GRACE:-30}
SPMM_MODULE=${SPMM_MODULE:-spmm}
RAM_BASE=${RAM_BASE:-0x8200000}
MODE=${1:-1}

REPO=$(cd "$(dirname "$0")/../.." && pwd)
GUEST_DIR=${GUEST_DIR:-$REPO/build/guest}
LOGDIR=$REPO/build/vm-test

die() {
	echo "vm-test: $*" >&2
	exit 2
}

case $MODE in
1) ENTRY=spmm-vm1 CFG=vm-1.cfg NVMS=1 ;;
2) ENTRY=spmm-vm2 CFG=vm-2.cfg NVMS=2 ;;
moe) ENTRY=spmm-vm1-moe CFG=vm-moe-1.cfg NVMS=1 ;;
*) die "usage: L4RE_OBJ=... FIASCO_OBJ=... $0 [1|2|moe]" ;;
esac
if [ -z "${MEMTEST:-}" ]; then
	if [ "$NVMS" -gt 1 ]; then MEMTEST=8M; else MEMTEST=16M; fi
fi

# ---- the trees ------------------------------------------------------------

[ -n "$L4RE_OBJ" ] || die "no L4RE_OBJ given"
[ -d "$L4RE_OBJ" ] || die "L4RE_OBJ=$L4RE_OBJ is no directory"
L4RE_OBJ=$(cd "$L4RE_OBJ" && pwd)
if [ -z "${L4DIR:-}" ]; then
	if [ -d "$L4RE_OBJ/source" ]; then
		L4DIR=$(cd "$L4RE_OBJ/source" && pwd -P)
	elif [ -f "$L4RE_OBJ/Makefile" ]; then
		L4DIR=$(sed -n 's/^SRC *:= *//p' "$L4RE_OBJ/Makefile" | head -n 1)
	fi
fi
[ -n "${L4DIR:-}" ] && [ -f "$L4DIR/mk/Makeconf" ] ||
	die "cannot find the L4Re sources of $L4RE_OBJ (give L4DIR=<path to src/l4>)"
if [ -z "$FIASCO_OBJ" ] && [ -x "$L4DIR/tool/bin/makeconf" ]; then
	FIASCO_OBJ=$("$L4DIR/tool/bin/makeconf" "$L4RE_OBJ" FIASCO_OBJ 2>/dev/null |
		sed -n "s/^MAKECONF_FIASCO_OBJ='\(.*\)'$/\1/p")
fi
[ -n "$FIASCO_OBJ" ] && [ -f "$FIASCO_OBJ/fiasco" ] ||
	die "FIASCO_OBJ (the Fiasco build directory) not given or without fiasco binary"
FIASCO_OBJ=$(cd "$FIASCO_OBJ" && pwd)
command -v "$QEMU" >/dev/null || die "$QEMU not found"
command -v fdtput >/dev/null || die "fdtput not found (apt-get install device-tree-compiler)"
[ "$QEMU_TIMEOUT" -le 240 ] || die "QEMU_TIMEOUT=$QEMU_TIMEOUT: at most 240"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spmm-vm.XXXXXX") || die "mktemp failed"
QPID=
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "vm-test: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$LOGDIR" "$TMP/mods"

echo "vm-test: $ENTRY, L4RE_OBJ=$L4RE_OBJ FIASCO_OBJ=$FIASCO_OBJ"

# ---- 1. the package -----------------------------------------------------------

if [ "${NO_BUILD:-0}" != 1 ]; then
	make -C "$REPO/spmm" O="$L4RE_OBJ" L4DIR="$L4DIR" >"$LOGDIR/build.log" 2>&1 || {
		tail -n 30 "$LOGDIR/build.log"
		die "make -C spmm failed (log: $LOGDIR/build.log)"
	}
fi
[ -f "$L4RE_OBJ/bin/arm64_armv8a/l4f/$SPMM_MODULE" ] ||
	ls "$L4RE_OBJ"/bin/*/*/"$SPMM_MODULE" >/dev/null 2>&1 ||
	die "no $SPMM_MODULE in $L4RE_OBJ/bin"

# ---- 2. guest files ---------------------------------------------------------------

if [ ! -f "$GUEST_DIR/vm-linux-Image" ] || [ ! -f "$GUEST_DIR/vm-initramfs.cpio.gz" ]; then
	echo "vm-test: making the guest (test/vm/mkguest.sh $GUEST_DIR)"
	sh "$REPO/test/vm/mkguest.sh" "$GUEST_DIR" >"$LOGDIR/mkguest.log" 2>&1 || {
		tail -n 20 "$LOGDIR/mkguest.log"
		die "mkguest.sh failed (log: $LOGDIR/mkguest.log)"
	}
fi
SRC_DTB=$L4RE_OBJ/assets/dtb/virt-arm_virt-64.dtb
[ -f "$SRC_DTB" ] || die "no $SRC_DTB (uvmm not built in L4RE_OBJ?)"
DTB=$TMP/mods/vm-virt-arm64.dtb
cp "$SRC_DTB" "$DTB.tmp" &&
	fdtput -t s "$DTB.tmp" /l4vmm/virtio_uart@3000 status okay &&
	fdtput -t s "$DTB.tmp" /l4vmm/virtio_uart@3000 l4vmm,vcon_cap hvc &&
	fdtput -t s "$DTB.tmp" /l4vmm/virtio_net@4000 status disabled &&
	fdtput -t x "$DTB.tmp" /memory@0 reg 0 "$RAM_BASE" 0 0 &&
	{ fdtput -r "$DTB.tmp" /cpus/cpu@2 /cpus/cpu@3 2>/dev/null || true; } &&
	mv "$DTB.tmp" "$DTB" && cp "$DTB" "$LOGDIR/" || die "cannot make $DTB"

# ---- 3. image ---------------------------------------------------------------------

# the ned script with the overrides and the DTB are found in $TMP/mods
# before conf/ and GUEST_DIR (search path)
sed -e "s/memtest=[0-9A-Za-z]*/memtest=$MEMTEST/" \
	-e "s|\"rom/spmm \([^\"]*\)\"|\"rom/$SPMM_MODULE ${SPMM_ARGS:-\\1}\"|" \
	"$REPO/conf/$CFG" >"$TMP/mods/$CFG"
MLIST=$REPO/conf/spm_modules.list
if [ "$SPMM_MODULE" != spmm ]; then
	sed "s/^module spmm\$/module $SPMM_MODULE/" "$MLIST" >"$TMP/modules.list"
	MLIST=$TMP/modules.list
fi
RAM_MIB=$(sed -n 's/^local RAM_MIB = \([0-9]*\);.*/\1/p' "$TMP/mods/$CFG")
[ -n "$RAM_MIB" ] || RAM_MIB=$(sed -n 's/^ *mem = \([0-9][0-9]*\),.*/\1/p' "$TMP/mods/$CFG")
cat >"$TMP/Makeconf.boot" <<EOF
# Written by test/vm/vm-test.sh; read before the tree's own Makeconf.boot.
FIASCO_OBJ := $FIASCO_OBJ
MODULE_SEARCH_PATH += $TMP/mods $FIASCO_OBJ $REPO/conf $GUEST_DIR
EOF
MAKEFILES="$TMP/Makeconf.boot" make -C "$L4RE_OBJ" elfimage E="$ENTRY" \
	MODULES_LIST="$MLIST" BOOTSTRAP_OUTPUT_DIR="$TMP" \
	IMAGE_NR_FILE="$TMP/.image_nr" >"$LOGDIR/$ENTRY-image.log" 2>&1 &&
	[ -f "$TMP/bootstrap_$ENTRY.elf" ] || {
	tail -n 20 "$LOGDIR/$ENTRY-image.log"
	die "make elfimage E=$ENTRY failed (log: $LOGDIR/$ENTRY-image.log)"
}
echo "vm-test: image $ENTRY: $(grep -c '^mod[0-9]' "$LOGDIR/$ENTRY-image.log") modules," \
	"spmm=\"$SPMM_MODULE $(sed -n "s|.*\"rom/$SPMM_MODULE \([^\"]*\)\".*|\1|p" "$TMP/mods/$CFG")\"" \
	"memtest=$MEMTEST ram=${RAM_MIB}MiB x $NVMS at $RAM_BASE"

# ---- 4. boot ------------------------------------------------------------------------

RAW=$TMP/raw
LOG=$LOGDIR/$ENTRY.log
TIMES=$TMP/times # "<t> <line>" for every stats line and guest marker, when first seen
: >"$TIMES"
clean_log() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$RAW"
}
ndone() {
	grep -cE '^vm[0-9]+ *\| GUEST-DONE ' "$LOG"
}
died() {
	grep -qE 'FATAL|terminate called|Unhandled exception|KERNEL PANIC|Kernel panic|lua error|stack traceback|cannot handle VM memory access|Invalid access/execution' "$LOG"
}

# QEMU's stdin is a FIFO we keep open, so we can type into cons later
mkfifo "$TMP/in" || die "mkfifo failed"
exec 3<>"$TMP/in"
timeout "$QEMU_TIMEOUT" "$QEMU" -M virt,virtualization=true -cpu cortex-a57 \
	-m "$QEMU_MEM" -smp 2 -nographic -kernel "$TMP/bootstrap_$ENTRY.elf" \
	<"$TMP/in" >"$RAW" 2>&1 &
QPID=$!
t=0
seen=0
done_at=
asked=
ask_monitors() { # cons: connect to uvmm's monitor, dump the vCPUs, ctrl-e .
	i=1
	while [ "$i" -le "$NVMS" ]; do
		printf 'c mon%d\r' "$i" >&3
		sleep 1
		printf 'cpu all regs\r' >&3
		sleep 2
		printf '\005.' >&3
		sleep 1
		i=$((i + 1))
	done
}
why="timeout ${QEMU_TIMEOUT}s"
while kill -0 "$QPID" 2>/dev/null; do
	sleep 1
	t=$((t + 1))
	clean_log >"$LOG"
	# timestamp the new stats lines and guest markers
	grep -E 'spmm: stats |^vm[0-9]+ *\| GUEST-|^vm[0-9]+ *\| \[ *[0-9.]*\] Run /init' "$LOG" >"$TMP/marks"
	n=$(wc -l <"$TMP/marks")
	if [ "$n" -gt "$seen" ]; then
		tail -n $((n - seen)) "$TMP/marks" | sed "s/^/$t /" >>"$TIMES"
		seen=$n
	fi
	if [ -z "$done_at" ] && [ "$(ndone)" -ge "$NVMS" ]; then
		done_at=$t
	fi
	if [ -n "$done_at" ] && [ $((t - done_at)) -ge "$GRACE" ]; then
		why="all guests done + ${GRACE}s"
		break
	fi
	if died; then
		sleep 3
		why="crash in the log"
		break
	fi
	if [ -z "$done_at" ] && [ -z "$asked" ] && [ "$t" -ge $((QEMU_TIMEOUT - 20)) ]; then
		asked=$t
		echo "vm-test: guests not through after ${t}s, asking uvmm's monitors for the vCPU registers"
		ask_monitors
	fi
done
kill "$QPID" 2>/dev/null
wait "$QPID" 2>/dev/null
QPID=
exec 3>&-
clean_log >"$LOG"
echo "vm-test: ran ${t}s, stopped: $why (log: $LOG)"

# ---- 5. report ------------------------------------------------------------------------

echo "---- log (spmm, uvmm errors, guest markers, memtester results)"
grep -E 'spmm: serving|spmm: [^s]|^vm[0-9]+ *\| (VMM.*(rror|annot|nvalid|ailed)|GUEST|memtester: (  [A-Z0-9].*: *(ok|FAILURE)|FAILURE|Done|want|got)|.*(Kernel panic|Oops|BUG|Unable to handle))|^vm[0-9]+ *\| \[ *[0-9.]*\] (Run /init|Linux version)|FATAL|terminate called|what: |KERNEL PANIC|lua error|cannot handle|Invalid' "$LOG" |
	grep -v 'spmm: stats ' | sed 's/^/  | /' | head -n 300
if [ -n "$asked" ]; then
	echo "---- uvmm monitors (vCPU registers, asked at ${asked}s)"
	grep -E '(^|> )c mon[0-9]+$|^vCPU [0-9]+$|^pc=[0-9a-f]+ +sp=' "$LOG" | sed 's/^/  | /'
	echo "  last guest lines:"
	grep -E '^vm[0-9]+ *\| ' "$LOG" | awk '{ last[$1] = $0 } END { for (k in last) print "  | " last[k] }' | sort
fi
echo "---- spmm statistics over time (t = seconds since QEMU started; events in between)"
printf '%5s %7s %8s %7s %8s %7s %9s %10s %6s %8s %9s %6s\n' \
	t shared sharing zero volatile cow saved_mib scan_rate scans frames requests errors
awk '
	/spmm: stats / {
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "%5s %7s %8s %7s %8s %7s %9s %10s %6s %8s %9s %6s\n", $1,
		       v["shared"], v["sharing"], v["zero"], v["volatile"], v["cow"],
		       v["saved_mib"], v["scan_rate"], v["full_scans"], v["frames"],
		       v["requests"], v["errors"]
		next
	}
	{ t = $1; $1 = ""; sub(/^ +/, ""); printf "%5s   -- %s\n", t, $0 }' "$TIMES" |
	grep -v '| GUEST-IDLE'
last=$(grep 'spmm: stats ' "$LOG" | tail -n 1)
saved=$(echo "$last" | sed -n 's/.*saved_mib=\([0-9.]*\).*/\1/p')
errs=$(grep -E '^vm[0-9]+ *\| GUEST-DONE ' "$LOG" | sed -n 's/.*errors=\([0-9]*\).*/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
bad_rc=$(grep -E '^vm[0-9]+ *\| GUEST-DONE ' "$LOG" | grep -vc ' rc=0 ')
ndone=$(ndone)
echo "vms=$NVMS guest_mib=$((NVMS * RAM_MIB)) saved_mib=${saved:-0} guest_errors=$errs guests_done=$ndone"
[ "$ndone" -ge "$NVMS" ] && [ "$errs" -eq 0 ] && [ "$bad_rc" -eq 0 ]
