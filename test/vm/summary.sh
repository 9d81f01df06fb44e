#!/bin/sh
# summary.sh - the summary table of test/vm/vm-test.sh, from the
# <entry>.sum files it writes (one line of key=value per setup run).
#
# Usage: test/vm/summary.sh [LOGDIR [ENTRY ...]]
#   LOGDIR  default build/vm-test; ENTRY: the entries run just now (e.g.
#   spmm-vm2 spmm-vm2-moe); other .sum files in LOGDIR are shown too,
#   marked "(old)".  Without ENTRY all are shown unmarked.
#
# Columns (MiB, at the end of each run unless said otherwise):
#   guest     RAM given to the guests
#   moe_used  memory moe handed out since just before the first guest's RAM
#             was created: on moe the guests' RAM (+ uvmm), on spmm what
#             spmm took for frames and metadata (+ uvmm).  spmm keeps the
#             2 MiB chunks it got, so on spmm this is its high-water mark
#   spmm      frames spmm holds for the guests; peak: the most during the run
#   sharing   pages_sharing (pages merged with a page of the same or another
#             guest, minus one per frame), zero: pages on the zero frame
#   saved     spmm's saved_mib (0 on moe)
#   +g_spmm   frames each guest beyond the first adds: (spmm(n) -
#             spmm(1)) / (n - 1), and in % the part of its RAM that is saved
#   +g_moe    the same from moe_used: what each further guest costs the
#             system (on spmm dominated by the boot peak)
#             (both from the 1-guest setup with the same RAM source)
#   half_at   "<t>s/<k>": first statistics line, from the first full scan on,
#             at which saved >= half the RAM of the guests beyond the first
#   scans, cow (copy-on-write breaks), cpu_s: spmm's CPU seconds
#   up_s, done_s  s after QEMU started when the last guest printed
#             GUEST-UP (/init runs) and GUEST-DONE (memtester finished)
#   errors    memtester FAILURE lines of all guests, done: guests that
#             printed GUEST-DONE / guests
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
LOGDIR=${1:-$REPO/build/vm-test}
[ $# -gt 0 ] && shift
NOW=" $* "
[ "$NOW" = "  " ] && NOW=all

for ram in spmm moe; do
	for n in 1 2 4; do
		if [ "$ram" = spmm ]; then e=spmm-vm$n; else e=spmm-vm$n-moe; fi
		f=$LOGDIR/$e.sum
		[ -f "$f" ] || continue
		case $NOW in all | *" $e "*) old= ;; *) old=old ;; esac
		echo "$(cat "$f") old=$old"
	done
done | awk '
	function val(k,   i, kv) {
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == k)
				return kv[2]
		}
		return "-"
	}
	function num(x) { return x ~ /^[0-9.]+$/ }
	function added(x, x1, k,   c, p) {
		if (n[k] < 2 || !num(x) || !num(x1))
			return "-"
		c = (x - x1) / (n[k] - 1)
		p = 100 * (1 - c / (g[k] / n[k]))
		if (p > -0.5 && p < 0.5)
			p = 0
		return sprintf("%.1f(%.0f%%)", c, p)
	}
	function line(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13,
	              a14, a15, a16, a17, a18, a19, a20) {
		printf "%-13s %3s %4s %5s %8s %6s %5s %7s %6s %6s %12s %12s %8s %5s %6s %5s %4s %6s %6s %4s %s\n",
		       a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13,
		       a14, a15, a16, a17, a18, a19, a20, a21
	}
	{
		k = NR
		e[k] = val("entry"); n[k] = val("vms"); r[k] = val("ram")
		g[k] = val("guest_mib"); mu[k] = val("moe_mib"); sp[k] = val("spmm_mib")
		pk[k] = val("spmm_peak_mib")
		sh[k] = val("sharing"); ze[k] = val("zero"); sv[k] = val("saved_mib")
		ha[k] = val("half_at"); sc[k] = val("scans"); co[k] = val("cow")
		cm[k] = val("cpu_ms"); up[k] = val("up_s"); dn[k] = val("done_s")
		er[k] = val("guest_errors"); gd[k] = val("guests_done")
		rs[k] = val("result"); od[k] = val("old")
		if (n[k] == 1) {
			one_moe[r[k]] = mu[k]
			one_spmm[r[k]] = sp[k]
		}
	}
	END {
		a21 = "result"
		line("setup", "vms", "ram", "guest", "moe_used", "spmm", "peak",
		     "sharing", "zero", "saved", "+g_spmm", "+g_moe", "half_at",
		     "scans", "cow", "cpu_s", "up_s", "done_s", "errors", "done")
		for (k = 1; k <= NR; k++) {
			pg = num(sh[k]) ? sprintf("%.1f", sh[k] * 4 / 1024) : "-"
			pz = num(ze[k]) ? sprintf("%.1f", ze[k] * 4 / 1024) : "-"
			cs = num(cm[k]) ? sprintf("%.1f", cm[k] / 1000) : "-"
			a21 = rs[k] (od[k] == "old" ? " (old)" : "")
			line(e[k], n[k], r[k], g[k], mu[k],
			     r[k] == "spmm" ? sp[k] : "-", r[k] == "spmm" ? pk[k] : "-",
			     pg, pz, sv[k],
			     r[k] == "spmm" ? added(sp[k], one_spmm[r[k]], k) : "-",
			     added(mu[k], one_moe[r[k]], k), ha[k], sc[k], co[k], cs,
			     up[k], dn[k], er[k], gd[k] "/" n[k])
		}
	}'
