#!/bin/sh
# plot.sh - the README's plot of the VM setups: saved memory over time on
# spmm for 1, 2 and 4 guests, and the memory moe handed out for the
# guests, on spmm and on moe.
#
# Usage: test/vm/plot.sh [LOGDIR [OUT]]
#   LOGDIR  where test/vm/vm-test.sh left <entry>.dat and <entry>.sum
#           (default build/vm-test)
#   OUT     output prefix (default doc/vm-saved): writes OUT.dat (the data
#           of all setups found, one gnuplot data block each) and OUT.png
# Needs gnuplot (Debian: gnuplot-nox) for the PNG; the .dat is written
# without it.
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
LOGDIR=${1:-$REPO/build/vm-test}
OUT=${2:-$REPO/doc/vm-saved}
DAT=$OUT.dat
PNG=$OUT.png

# ---- the data: one block per setup, two blank lines between blocks ------
i=0
{
	echo "# spmm VM setups over time, written by test/vm/plot.sh from test/vm/vm-test.sh's"
	echo "# build/vm-test/<entry>.dat; one block per setup (gnuplot: index 0, 1, ...)."
	echo "# t: s since QEMU started; MiB; moe_mib: memory moe handed out since just before"
	echo "# the guests' RAM was created; spmm_mib: frames spmm holds; sharing, zero: pages."
	for e in spmm-vm1 spmm-vm2 spmm-vm4 spmm-vm1-moe spmm-vm2-moe spmm-vm4-moe; do
		[ -f "$LOGDIR/$e.dat" ] || continue
		[ "$i" -gt 0 ] && printf '\n\n'
		echo "# block $i: $e"
		[ -f "$LOGDIR/$e.sum" ] && echo "# $(cat "$LOGDIR/$e.sum")"
		cat "$LOGDIR/$e.dat"
		i=$((i + 1))
	done
} >"$DAT.tmp"
mv "$DAT.tmp" "$DAT"
[ "$i" -gt 0 ] || { echo "plot: no <entry>.dat in $LOGDIR (run test/vm/vm-test.sh first)" >&2; exit 1; }
echo "plot: $DAT ($i setups)"

command -v gnuplot >/dev/null || { echo "plot: no gnuplot (apt-get install gnuplot-nox); no PNG" >&2; exit 1; }

# the plot commands for the blocks present
saved=
moe=
i=0
for e in $(sed -n 's/^# block [0-9]*: //p' "$DAT"); do
	case $e in
	*-moe) n=${e#spmm-vm}; n=${n%-moe}; lt=$n
		moe="$moe${moe:+, }'$DAT' index $i using 1:3 with lines dt 2 lw 2 lc $lt title '$n on moe: from moe'" ;;
	*) n=${e#spmm-vm}; lt=$n
		saved="$saved${saved:+, }'$DAT' index $i using 1:7 with lines lw 2 lc $lt title '$n x 256 MiB, saved', '$DAT' index $i using 1:2 with lines dt 3 lw 1.5 lc $lt title '$n x 256 MiB, guest RAM'"
		moe="$moe${moe:+, }'$DAT' index $i using 1:3 with lines lw 2 lc $lt title '$n on spmm: from moe', '$DAT' index $i using 1:4 with lines dt 3 lw 1.5 lc $lt title '$n on spmm: frames in use'" ;;
	esac
	i=$((i + 1))
done
[ -n "$saved" ] || saved="NaN notitle"
gnuplot <<EOF
set terminal pngcairo size 1000,900 font ",10"
set output '$PNG.tmp'
set datafile missing '-'
set key outside right top vertical Left reverse spacing 1.1
set grid
set linetype 1 lc rgb '#1f77b4'
set linetype 2 lc rgb '#2ca02c'
set linetype 4 lc rgb '#d62728'
set multiplot layout 2,1
set title 'Saved by spmm (saved\_mib) over time: 1, 2, 4 identical Linux guests of 256 MiB'
set xlabel 's since QEMU started'
set ylabel 'MiB'
set yrange [0:*]
plot $saved
set title 'Memory moe handed out for the guests (spmm returns wholly free 2 MiB chunks) and frames spmm holds'
plot $moe
unset multiplot
EOF
mv "$PNG.tmp" "$PNG"
echo "plot: $PNG"
