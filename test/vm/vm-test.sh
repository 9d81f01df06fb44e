#!/bin/sh
# vm-test.sh - boot identical Linux guests in uvmm whose RAM comes from
# spmm (or, as the baseline, from moe) in QEMU (arm64 virt), let each run
# memtester, follow spmm's statistics and moe's free memory, and compare.
#
# Usage:
#   L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir> \
#     test/vm/vm-test.sh [SETUP ...]          (default: 1)
#
#   SETUP  1, 2, 4     entry spmm-vm<n> of conf/spm_modules.list
#                      (conf/vm-<n>.cfg): n guests whose RAM are dataspaces
#                      of one spmm channel, i.e. one merge domain
#          moe1, moe2, moe4 (moe = moe1)
#                      entry spmm-vm<n>-moe (conf/vm-moe-<n>.cfg): the same
#                      guests on moe's memory (spmm runs but serves nothing)
#   All setups start conf/spmm-vms.lua; they run one after the other.
#
# What it does:
#  1. Builds the spmm package into L4RE_OBJ (as test/qemu/qemu-test.sh).
#  2. Makes the guest files with test/vm/mkguest.sh if build/guest lacks
#     them (kernel Image, initramfs with memtester) or mkguest.sh is newer
#     than they are, and the guest DTB
#     vm-virt-arm64.dtb (temporary directory; a copy in build/vm-test/)
#     from uvmm's virt-arm_virt-64.dtb in L4RE_OBJ (virtio console on cap
#     "hvc", no virtio net, 2 CPUs, guest RAM at RAM_BASE, default
#     0x8200000 instead of uvmm's 0x8000000: see below).
#  3. Per setup: writes a temporary Makeconf.boot (read through MAKEFILES,
#     before the tree's own) and a copy of the setup's cfg with the
#     options below, and builds the image with make elfimage.
#  4. Boots it: qemu-system-aarch64 -M virt,virtualization=true -cpu
#     cortex-a57 -m QEMU_MEM -smp 2 -nographic, under `timeout`.  Stops
#     GRACE seconds after every guest printed GUEST-DONE, or when the log
#     shows a crash.  If the guests are not through 20 s before the
#     timeout, it asks each uvmm's monitor (cons channel monN) for its vCPU
#     registers, so a hung guest shows where it hangs.
#  5. Prints the relevant log lines and a table over time (t = seconds
#     since QEMU started; one row per spmm statistics line, on moe per moe
#     report; guest events in between):
#       guest_mib  RAM given to the guests (n x RAM_MIB)
#       moe_mib    memory moe handed out since just before the first
#                  guest's RAM was created (ned asks moe every 5 s, see
#                  conf/spmm-vms.lua): what the guests really cost, on
#                  spmm including spmm's frames and metadata
#       spmm_mib   frames spmm holds for the guests (frames x 4 KiB)
#       sharing    pages_sharing: pages mapping a merged frame, minus one
#                  per frame (the zero frame not included)
#       zero       pages on the zero frame (never written or found zero)
#       saved_mib  spmm's saved_mib: (guest pages - frames) in MiB
#       scans      full scans, cow: copy-on-write breaks since start,
#       cpu%       spmm's thread's share of one CPU since the last line
#     and writes the rows to build/vm-test/<entry>.dat (for plot.sh), a
#     summary line to build/vm-test/<entry>.sum.
#  6. After the last setup: a summary table of all setups run (also of
#     earlier runs whose .sum is in build/vm-test, marked "old"), and as the
#     very last line, for the largest spmm setup run this time:
#       vms=<n> guest_mib=<total guest RAM> saved_mib=<at the end> guest_errors=<n>
#     guest_errors: memtester FAILURE lines of all its guests (from their
#     "GUEST-DONE errors=<n>" lines).  Exit status 0 only if in every
#     setup every guest printed GUEST-DONE with errors=0 and rc=0 and
#     nothing crashed.
#
# Why RAM_BASE=0x8200000: on a stage-2 fault uvmm maps the largest block
# that guest and local addresses allow (Vmm::get_page_shift; it assumes the
# dataspace gave it superpages).  With uvmm's local RAM mapping 16 MiB
# aligned and the guest RAM at 0x8000000, that is a 16 MiB flexpage per
# fault; spmm backs RAM with 4 KiB pages, so the kernel walks 4096 entries
# for every fault (a few ms each under QEMU TCG) and the guest boots about
# 25 times slower than on moe.  A guest base that is 2 MiB but not 4 MiB
# aligned limits the block to 2 MiB (5 times faster here).  The moe
# baseline uses the same DTB.
#
# Logs: build/vm-test/<entry>.log (whole console), <entry>.out (this
# script's report of that setup).
#
# Environment (all optional besides L4RE_OBJ):
#   FIASCO_OBJ    default: what the tree's Makeconf.boot sets
#   L4DIR         L4Re sources (default: L4RE_OBJ/source)
#   QEMU          default qemu-system-aarch64
#   QEMU_TIMEOUT  seconds per setup (at most 1200); default by setup:
#                 spmm 1/2/4 guests 240/360/600, moe 150/200/300
#   QEMU_MEM      MiB of the QEMU machine, default 3072
#   GRACE         seconds to keep running after the last GUEST-DONE (30)
#   RAM_MIB       RAM of each guest (256)
#   MEMTEST       memtester size in each guest (16M in every setup)
#   GUEST_CMDLINE more guest kernel command line (none)
#   SPMM_ARGS     spmm's arguments ("--stats-interval 5 --sleep-ms 100":
#                 a fifth of spmm's default scan rate, see README.md,
#                 "Virtual machines on spmm")
#   SPMM_MODULE   boot this binary of the L4Re build tree as spmm (default
#                 spmm), e.g. a patched build installed under another name
#   SPMM_BIN      boot this file as spmm instead (e.g. a copy of a build,
#                 so that a rebuild during the runs does not change it);
#                 implies NO_BUILD=1
#   GUEST_DIR     guest files (default build/guest)
#   RAM_BASE      guest-physical RAM base in the DTB (default 0x8200000;
#                 0x8000000 is uvmm's own)
#   NO_BUILD=1    do not build the spmm package first
#   KEEP=1        keep the temporary directory
set -u


L4RE_OBJ=${L4RE_OBJ:-}
FIASCO_OBJ=${FIASCO_OBJ:-}
QEMU=${QEMU:-qemu-system-aarch64}
QEMU_MEM=${QEMU_MEM:-3072}
GRACE=${GRACE:-30}
RAM_MIB=${RAM_MIB:-256}
MEMTEST=${MEMTEST:-16M}
SPMM_ARGS=${SPMM_ARGS:---stats-interval 5 --sleep-ms 100}
SPMM_MODULE=${SPMM_MODULE:-spmm}
RAM_BASE=${RAM_BASE:-0x8200000}
[ $# -gt 0 ] || set -- 1

REPO=$(cd "$(dirname "$0")/../.." && pwd)
GUEST_DIR=${GUEST_DIR:-$REPO/build/guest}
LOGDIR=$REPO/build/vm-test

die() {
	echo "vm-test: $*" >&2
	exit 2
}

usage="usage: L4RE_OBJ=... FIASCO_OBJ=... $0 [1|2|4|moe1|moe2|moe4 ...]"
for s in "$@"; do
	case $s in
	1 | 2 | 4 | moe | moe1 | moe2 | moe4) ;;
	*) die "unknown setup '$s'; $usage" ;;
	esac
done
case $RAM_MIB in '' | *[!0-9]*) die "RAM_MIB=$RAM_MIB: a number of MiB" ;; esac
case ${QEMU_TIMEOUT:-0} in *[!0-9]*) die "QEMU_TIMEOUT=$QEMU_TIMEOUT: seconds" ;; esac
[ "${QEMU_TIMEOUT:-0}" -le 1200 ] || die "QEMU_TIMEOUT=$QEMU_TIMEOUT: at most 1200"

# ---- the trees ------------------------------------------------------------

. "$REPO/test/trees.sh"
find_trees || die "$TREES_ERR"
command -v "$QEMU" >/dev/null || die "$QEMU not found"
command -v fdtput >/dev/null || die "fdtput not found (apt-get install device-tree-compiler)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/spmm-vm.XXXXXX") || die "mktemp failed"
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then echo "vm-test: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$LOGDIR" "$TMP/mods"

echo "vm-test: setups $*, L4RE_OBJ=$L4RE_OBJ FIASCO_OBJ=$FIASCO_OBJ"

# ---- 1. the package -----------------------------------------------------------

if [ -n "${SPMM_BIN:-}" ]; then
	[ -f "$SPMM_BIN" ] || die "SPMM_BIN=$SPMM_BIN: no such file"
	NO_BUILD=1
fi
if [ "${NO_BUILD:-0}" != 1 ]; then
	make -C "$REPO/spmm" O="$L4RE_OBJ" L4DIR="$L4DIR" >"$LOGDIR/build.log" 2>&1 || {
		tail -n 30 "$LOGDIR/build.log"
		die "make -C spmm failed (log: $LOGDIR/build.log)"
	}
fi
if [ -n "${SPMM_BIN:-}" ]; then
	# $TMP/mods comes first in the module search path
	cp "$SPMM_BIN" "$TMP/mods/$SPMM_MODULE" || die "cannot copy $SPMM_BIN"
	SPMM_FILE=$SPMM_BIN
else
	SPMM_FILE=$(ls "$L4RE_OBJ"/bin/arm64_armv8a/l4f/"$SPMM_MODULE" "$L4RE_OBJ"/bin/*/*/"$SPMM_MODULE" 2>/dev/null | head -n 1)
	[ -n "$SPMM_FILE" ] || die "no $SPMM_MODULE in $L4RE_OBJ/bin"
fi
echo "vm-test: spmm binary $SPMM_FILE ($(ls -l --time-style=+%Y-%m-%dT%H:%M "$SPMM_FILE" | awk '{ print $6 }')," \
	"sha256 $(sha256sum "$SPMM_FILE" | cut -c1-16))"

# ---- 2. guest files ---------------------------------------------------------------

if [ ! -f "$GUEST_DIR/vm-linux-Image" ] || [ ! -f "$GUEST_DIR/vm-initramfs.cpio.gz" ] ||
	[ "$REPO/test/vm/mkguest.sh" -nt "$GUEST_DIR/vm-initramfs.cpio.gz" ]; then
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

MLIST=$REPO/conf/spm_modules.list
if [ "$SPMM_MODULE" != spmm ]; then
	sed "s/^module spmm\$/module $SPMM_MODULE/" "$MLIST" >"$TMP/modules.list"
	MLIST=$TMP/modules.list
fi
cat >"$TMP/Makeconf.boot" <<EOC
# Written by test/vm/vm-test.sh; read before the tree's own Makeconf.boot.
FIASCO_OBJ := $FIASCO_OBJ
MODULE_SEARCH_PATH += $TMP/mods $FIASCO_OBJ $REPO/conf $GUEST_DIR
EOC

# ---- 3.-5. one setup: image, boot, report ------------------------------------------

RAW=$TMP/raw
TIMES=$TMP/times # "<t> <line>" for every line of interest, when first seen

setup_vars() { # setup name -> NVMS RAMSRC ENTRY CFG tmo
	case $1 in
	moe | moe1) NVMS=1 RAMSRC=moe ;;
	moe2) NVMS=2 RAMSRC=moe ;;
	moe4) NVMS=4 RAMSRC=moe ;;
	*) NVMS=$1 RAMSRC=spmm ;;
	esac
	if [ "$RAMSRC" = moe ]; then
		ENTRY=spmm-vm$NVMS-moe CFG=vm-moe-$NVMS.cfg
		case $NVMS in 1) tmo=150 ;; 2) tmo=200 ;; *) tmo=300 ;; esac
	else
		ENTRY=spmm-vm$NVMS CFG=vm-$NVMS.cfg
		case $NVMS in 1) tmo=240 ;; 2) tmo=360 ;; *) tmo=600 ;; esac
	fi
}
clean_log() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' "$RAW"
}
ndone() {
	grep -cE '^vm[0-9]+ *\| GUEST-DONE ' "$LOG"
}
died() {
	grep -qE 'FATAL|terminate called|Unhandled exception|KERNEL PANIC|Kernel panic|lua error|stack traceback|cannot handle VM memory access|Invalid access/execution' "$LOG"
}
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

# The table over time from $TIMES.  $1: "spmm" (a row per spmm statistics
# line) or "moe" (a row per moe report).  Also writes the rows (without
# the events) to $2.
table() {
	awk -v rows="$1" -v dat="$2" -v guest_mib="$((NVMS * RAM_MIB))" '
	function row(t) {
		r = sprintf("%5s %9s %8s %8s %7s %7s %9s %5s %6s %5s", t,
		            guest_mib, moe, spmm, sharing, zero, saved, scans,
		            cow, cpu)
		print r
		print r >dat
	}
	BEGIN {
		moe = "-"; spmm = "0.0"; sharing = 0; zero = 0; saved = "0.0"
		scans = 0; cow = 0; cpu = "-"
		h = sprintf("%5s %9s %8s %8s %7s %7s %9s %5s %6s %5s", "t",
		            "guest_mib", "moe_mib", "spmm_mib", "sharing", "zero",
		            "saved_mib", "scans", "cow", "cpu%")
		print h
		print "#" substr(h, 2) >dat
	}
	/spmm: stats / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		spmm = sprintf("%.1f", v["frames"] * 4 / 1024)
		sharing = v["sharing"]; zero = v["zero"]; saved = v["saved_mib"]
		scans = v["full_scans"]; cow = v["cow"]
		cpu = v["cpu_pct"] == "" ? "-" : v["cpu_pct"]
		if (rows == "spmm")
			row($1)
		next
	}
	/global: avail: [0-9]+ bytes/ {
		a = $0; sub(/.*global: avail: /, "", a); a = a + 0
		if (base == "")
			base = a
		moe = sprintf("%.1f", (base - a) / 1048576)
		if (rows == "moe")
			row($1)
		next
	}
	{ t = $1; $1 = ""; sub(/^ +/, ""); printf "%5s   -- %s\n", t, $0 }' "$TIMES"
}

# One setup; runs in a subshell, its results go to $LOGDIR/$ENTRY.sum.
run_setup() {
	setup_vars "$1"
	TMO=${QEMU_TIMEOUT:-$tmo}
	LOG=$LOGDIR/$ENTRY.log
	QPID=
	trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null' EXIT
	echo
	echo "==== $ENTRY: $NVMS guest(s) x $RAM_MIB MiB on $RAMSRC (conf/$CFG)"

	# the cfg with this run's options, found in $TMP/mods before conf/
	opts="memtest = \"$MEMTEST\", cmdline = \"${GUEST_CMDLINE:-}\", ram_mib = $RAM_MIB, spmm = \"rom/$SPMM_MODULE $SPMM_ARGS\","
	awk -v o="$opts" '{ i = index($0, "run{")
		if (i) $0 = substr($0, 1, i + 3) " " o substr($0, i + 4)
		print }' "$REPO/conf/$CFG" >"$TMP/mods/$CFG"
	grep -q 'run{ memtest' "$TMP/mods/$CFG" || die "no run{ in conf/$CFG"
	MAKEFILES="$TMP/Makeconf.boot" make -C "$L4RE_OBJ" elfimage E="$ENTRY" \
		MODULES_LIST="$MLIST" BOOTSTRAP_OUTPUT_DIR="$TMP" \
		IMAGE_NR_FILE="$TMP/.image_nr" >"$LOGDIR/$ENTRY-image.log" 2>&1 &&
		[ -f "$TMP/bootstrap_$ENTRY.elf" ] || {
		tail -n 20 "$LOGDIR/$ENTRY-image.log"
		die "make elfimage E=$ENTRY failed (log: $LOGDIR/$ENTRY-image.log)"
	}
	echo "vm-test: image $ENTRY: $(grep -c '^mod[0-9]' "$LOGDIR/$ENTRY-image.log") modules," \
		"spmm=\"$SPMM_MODULE $SPMM_ARGS\" memtest=$MEMTEST${GUEST_CMDLINE:+ cmdline=\"$GUEST_CMDLINE\"}" \
		"ram=${RAM_MIB}MiB x $NVMS at $RAM_BASE, QEMU -m $QEMU_MEM, timeout ${TMO}s"

	: >"$TIMES"
	: >"$RAW"
	# QEMU's stdin is a FIFO we keep open, so we can type into cons later
	rm -f "$TMP/in"
	mkfifo "$TMP/in" || die "mkfifo failed"
	exec 3<>"$TMP/in"
	start=$(date +%s)
	timeout "$TMO" "$QEMU" -M virt,virtualization=true -cpu cortex-a57 \
		-m "$QEMU_MEM" -smp 2 -nographic -kernel "$TMP/bootstrap_$ENTRY.elf" \
		<"$TMP/in" >"$RAW" 2>&1 &
	QPID=$!
	t=0
	seen=0
	done_at=
	asked=
	why="timeout ${TMO}s"
	while kill -0 "$QPID" 2>/dev/null; do
		sleep 1
		t=$(($(date +%s) - start))
		clean_log >"$LOG"
		# timestamp the new lines of interest
		grep -E 'spmm: stats |global: avail: [0-9]+ bytes|spmm-vms: |^vm[0-9]+ *\| GUEST-(UP|MEMTEST|DONE)|^vm[0-9]+ *\| \[ *[0-9.]*\] Run /init' "$LOG" >"$TMP/marks"
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
		if [ -z "$done_at" ] && [ -z "$asked" ] && [ "$t" -ge $((TMO - 20)) ]; then
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

	echo "---- log (spmm, uvmm errors, guest markers, memtester results)"
	grep -E 'spmm: serving|spmm: [^s]|spmm-vms: |^vm[0-9]+ *\| (VMM.*(rror|annot|nvalid|ailed)|GUEST-(UP|DONE)|memtester: (  [A-Z0-9].*: *(ok|FAILURE)|FAILURE|Done|want|got)|.*(Kernel panic|Oops|BUG|Unable to handle))|^vm[0-9]+ *\| \[ *[0-9.]*\] Run /init|FATAL|terminate called|what: |KERNEL PANIC|lua error|cannot handle|Invalid' "$LOG" |
		grep -v 'spmm: stats ' | sed 's/^/  | /' | head -n 300
	if [ -n "$asked" ]; then
		echo "---- uvmm monitors (vCPU registers, asked at ${asked}s)"
		grep -E '(^|> )c mon[0-9]+$|^vCPU [0-9]+$|^pc=[0-9a-f]+ +sp=' "$LOG" | sed 's/^/  | /'
		echo "  last guest lines:"
		grep -E '^vm[0-9]+ *\| ' "$LOG" | awk '{ last[$1] = $0 } END { for (k in last) print "  | " last[k] }' | sort
	fi
	echo "---- $ENTRY over time (t: s since QEMU started; MiB; moe_mib: handed out by moe since just before the guests)"
	table "$RAMSRC" "$LOGDIR/$ENTRY.dat"

	# the summary of this setup
	last=$(grep 'spmm: stats ' "$LOG" | tail -n 1)
	saved=$(echo "$last" | sed -n 's/.*saved_mib=\([0-9.]*\).*/\1/p')
	[ "$RAMSRC" = moe ] && saved=0.0
	cpu_ms=$(echo "$last" | sed -n 's/.*cpu_ms=\([0-9]*\).*/\1/p')
	errs=$(grep -E '^vm[0-9]+ *\| GUEST-DONE ' "$LOG" | sed -n 's/.*errors=\([0-9]*\).*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	bad_rc=$(grep -E '^vm[0-9]+ *\| GUEST-DONE ' "$LOG" | grep -vc ' rc=0 ')
	nd=$(ndone)
	t_up=$(grep -E '^[0-9]+ vm[0-9]+ *\| GUEST-UP' "$TIMES" | tail -n 1 | cut -d' ' -f1)
	t_done=$(grep -E '^[0-9]+ vm[0-9]+ *\| GUEST-DONE' "$TIMES" | tail -n 1 | cut -d' ' -f1)
	ok=ok
	if [ "$nd" -lt "$NVMS" ] || [ "$errs" -ne 0 ] || [ "$bad_rc" -ne 0 ] ||
		[ "$why" = "crash in the log" ]; then
		ok=FAIL
	fi
	# half_at: the first row from the first full scan on at which
	# saved_mib >= half of the RAM of the guests beyond the first
	# ((n - 1) x RAM_MIB / 2), as "<t>s/<full scans>"; untouched guest RAM
	# counts as saved from the start, hence not before a full scan
	half=$(awk -v need="$(((NVMS - 1) * RAM_MIB / 2))" -v n="$NVMS" -v r="$RAMSRC" '
		!/^#/ && r == "spmm" && n > 1 && $8 >= 1 && $7 + 0 >= need { print $1 "s/" $8; exit }' \
		"$LOGDIR/$ENTRY.dat")
	peak=$(awk '!/^#/ && $4 + 0 > p { p = $4 + 0 } END { printf "%.1f", p }' "$LOGDIR/$ENTRY.dat")
	endrow=$(grep -v '^#' "$LOGDIR/$ENTRY.dat" | tail -n 1)
	[ -n "$endrow" ] || endrow="- - - - - - - - - -"
	echo "$endrow" | awk -v e="$ENTRY" -v n="$NVMS" -v ram="$RAMSRC" -v saved="${saved:-0.0}" \
		-v errs="$errs" -v nd="$nd" -v up="${t_up:--}" -v dn="${t_done:--}" -v ran="$t" \
		-v half="${half:--}" -v peak="$peak" -v cpu_ms="${cpu_ms:--}" -v ok="$ok" \
		-v gm="$((NVMS * RAM_MIB))" -v when="$(date -u +%Y-%m-%dT%H:%MZ)" '
		{ printf "entry=%s vms=%d ram=%s guest_mib=%s moe_mib=%s spmm_mib=%s spmm_peak_mib=%s sharing=%s zero=%s saved_mib=%s scans=%s cow=%s cpu_ms=%s half_at=%s up_s=%s done_s=%s ran_s=%s guest_errors=%s guests_done=%s result=%s when=%s\n",
		  e, n, ram, gm, $3, $4, peak, $5, $6, saved, $8, $9, cpu_ms, half, up, dn, ran, errs, nd, ok, when }' \
		>"$LOGDIR/$ENTRY.sum"
	echo "$ENTRY: vms=$NVMS guest_mib=$((NVMS * RAM_MIB)) saved_mib=${saved:-0.0}" \
		"guest_errors=$errs guests_done=$nd/$NVMS -> $ok"
}

FAILED=
: >"$TMP/ran"
for s in "$@"; do
	setup_vars "$s"
	rm -f "$LOGDIR/$ENTRY.sum" "$LOGDIR/$ENTRY.dat"
	run_setup "$s" 2>&1 | tee "$LOGDIR/$ENTRY.out"
	case $(cat "$LOGDIR/$ENTRY.sum" 2>/dev/null) in
	*result=ok*) ;;
	*) FAILED="$FAILED $ENTRY" ;;
	esac
	echo "$ENTRY" >>"$TMP/ran"
done

# ---- 6. summary ----------------------------------------------------------------------

echo
echo "==== summary (MiB at the end of each run; columns: test/vm/summary.sh)"
sh "$REPO/test/vm/summary.sh" "$LOGDIR" $(cat "$TMP/ran")
LAST_LINE=
last_n=0
for e in $(cat "$TMP/ran"); do
	v_n= v_ram= v_saved= v_err=
	eval "$(sed -n 's/^entry=[^ ]* vms=\([0-9]*\) ram=\([a-z]*\) .* saved_mib=\([0-9.]*\) .* guest_errors=\([0-9]*\) .*/v_n=\1 v_ram=\2 v_saved=\3 v_err=\4/p' "$LOGDIR/$e.sum" 2>/dev/null)"
	[ -n "$v_n" ] || continue
	if [ "$v_ram" = spmm ] && [ "$v_n" -ge "$last_n" ]; then
		last_n=$v_n
		LAST_LINE="vms=$v_n guest_mib=$((v_n * RAM_MIB)) saved_mib=$v_saved guest_errors=$v_err"
	elif [ "$last_n" -eq 0 ]; then # only moe setups so far
		LAST_LINE="vms=$v_n guest_mib=$((v_n * RAM_MIB)) saved_mib=0.0 guest_errors=$v_err"
	fi
done
[ -n "$FAILED" ] && echo "vm-test: FAILED:$FAILED"
[ -n "$LAST_LINE" ] || LAST_LINE="vms=0 guest_mib=0 saved_mib=0.0 guest_errors=0"
echo "$LAST_LINE"
[ -z "$FAILED" ]
