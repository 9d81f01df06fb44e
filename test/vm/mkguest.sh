#!/bin/sh
# mkguest.sh - prepare the Linux guest that test/vm/vm-test.sh boots in uvmm
# on spmm memory: a Debian arm64 kernel and a busybox initramfs that runs
# memtester.
#
# Usage:
#   test/vm/mkguest.sh [OUT]          (OUT default: <repo>/build/guest)
#
# Needs: apt-get with the arm64 architecture known to dpkg
# (`dpkg --add-architecture arm64 && apt-get update`, done once as root),
# dpkg-deb, cpio, gzip.  No root needed for the script itself.
#
# Downloads with `apt-get download` (into OUT/debs, kept for next time):
#   linux-image-<ver>-arm64   (KPKG=..., default: what the meta package
#                              linux-image-arm64:arm64 depends on)
#   busybox-static:arm64      (the shell and tools of /init)
#   memtester:arm64, libc6:arm64  (memtester is linked against glibc)
# A .deb already present in DEB_CACHE (a directory, optional) is copied
# instead of downloaded.
#
# Writes into OUT:
#   vm-linux-Image        the kernel (Debian's arm64 vmlinuz is the raw
#                         Image already; a gzip one is unpacked)
#   vm-initramfs.cpio.gz  busybox, memtester + glibc, virtio_mmio.ko,
#                         virtio_console.ko, /init (below)
#   vm-guest.ver          the kernel version
#
# /init mounts proc/sys/devtmpfs, prints "GUEST-UP ...", loads the virtio
# console modules, then runs `memtester <size> <loops>` (kernel command
# line `memtest=<size>`, default 16M, `memtest_loops=<n>`, default 1) and
# prints its output, then "GUEST-DONE errors=<FAILURE lines> rc=<exit
# status> seconds=<s>".  It then starts an interactive shell on the
# virtio console ("GUEST-SHELL"; its prompt appears in the log as hvc<i>)
# and idles (with `guest_poweroff` on the command line it powers off),
# printing "GUEST-IDLE t=<s>" every 30 s.
# Every GUEST- line also goes to /dev/hvc0 (the virtio console).
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$REPO/build/guest}
DEB_CACHE=${DEB_CACHE:-}
mkdir -p "$OUT/debs"
OUT=$(cd "$OUT" && pwd)

if [ -z "${KPKG:-}" ]; then
	KPKG=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^: ]*-arm64\).*/\1/p' | head -n 1)
	[ -n "$KPKG" ] || {
		echo "mkguest: cannot resolve linux-image-arm64:arm64 (dpkg --add-architecture arm64; apt-get update?)" >&2
		exit 1
	}
fi
KVER=${KPKG#linux-image-}

fetch() { # package name (without :arm64): into OUT/debs unless there
	pkg=$1
	if ls "$OUT/debs/${pkg}_"*_arm64.deb >/dev/null 2>&1; then
		return 0
	fi
	if [ -n "$DEB_CACHE" ] && ls "$DEB_CACHE/${pkg}_"*_arm64.deb >/dev/null 2>&1; then
		cp "$DEB_CACHE/${pkg}_"*_arm64.deb "$OUT/debs/"
		echo "mkguest: $pkg from $DEB_CACHE"
		return 0
	fi
	(cd "$OUT/debs" && apt-get download "$pkg:arm64")
}

for p in "$KPKG" busybox-static memtester libc6; do
	fetch "$p"
done

X=$OUT/x
rm -rf "$X"
mkdir -p "$X/k" "$X/bb" "$X/mt" "$X/libc"
dpkg-deb -x "$(ls "$OUT/debs/${KPKG}_"*_arm64.deb | tail -n 1)" "$X/k"
dpkg-deb -x "$(ls "$OUT/debs/busybox-static_"*_arm64.deb | tail -n 1)" "$X/bb"
dpkg-deb -x "$(ls "$OUT/debs/memtester_"*_arm64.deb | tail -n 1)" "$X/mt"
dpkg-deb -x "$(ls "$OUT/debs/libc6_"*_arm64.deb | tail -n 1)" "$X/libc"

# ---- kernel -------------------------------------------------------------
K=$X/k/boot/vmlinuz-$KVER
[ -f "$K" ] || { echo "mkguest: no $K in $KPKG" >&2; exit 1; }
if [ "$(od -An -tx1 -N2 "$K" | tr -d ' ')" = 1f8b ]; then
	gzip -dc "$K" >"$X/Image"
else
	cp "$K" "$X/Image"
fi
# an arm64 Image has "ARMd" at offset 56
[ "$(dd if="$X/Image" bs=1 skip=56 count=4 2>/dev/null)" = ARMd ] || {
	echo "mkguest: $K is no raw arm64 Image (EFI zboot?)" >&2
	exit 1
}

# ---- initramfs ------------------------------------------------------------
R=$X/root
mkdir -p "$R/bin" "$R/sbin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" \
	"$R/lib/modules" "$R/lib/aarch64-linux-gnu" "$R/etc" "$R/usr/bin"
cp "$X/bb/bin/busybox" "$R/bin/busybox"
cp "$(find "$X/mt" -name memtester -type f | head -n 1)" "$R/usr/bin/memtester"
# glibc: the dynamic loader and libc (memtester needs nothing else)
L=$X/libc/usr/lib/aarch64-linux-gnu
[ -f "$L/libc.so.6" ] || L=$X/libc/lib/aarch64-linux-gnu
cp -L "$L/ld-linux-aarch64.so.1" "$L/libc.so.6" "$R/lib/aarch64-linux-gnu/"
ln -s aarch64-linux-gnu/ld-linux-aarch64.so.1 "$R/lib/ld-linux-aarch64.so.1"
M=$X/k/lib/modules/$KVER/kernel
for m in drivers/virtio/virtio_mmio.ko drivers/char/virtio_console.ko; do
	if [ -f "$M/$m" ]; then
		cp "$M/$m" "$R/lib/modules/"
	elif [ -f "$M/$m.xz" ]; then
		xz -dc "$M/$m.xz" >"$R/lib/modules/$(basename "$m")"
	fi
done

cat >"$R/init" <<'EOF'
#!/bin/busybox sh
# /init of the spmm VM test guest (written by test/vm/mkguest.sh)
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
[ -t 1 ] || exec </dev/console >/dev/console 2>&1
T0=$(cut -d. -f1 /proc/uptime)
say() { # to the console (ttyAMA0) and to the virtio console if present
	echo "$*"
	[ -c /dev/hvc0 ] && echo "$*" >/dev/hvc0 2>/dev/null
	return 0
}
arg() { # kernel command line option value, or $2
	v=$(tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | tail -n 1)
	echo "${v:-$2}"
}
say "GUEST-UP kernel=$(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
for m in virtio_mmio virtio_console; do
	[ -f /lib/modules/$m.ko ] && insmod /lib/modules/$m.ko 2>/dev/null
done
sleep 1
[ -c /dev/hvc0 ] && say "GUEST-HVC /dev/hvc0 present"
SIZE=$(arg memtest 16M)
LOOPS=$(arg memtest_loops 1)
say "GUEST-MEMTEST start size=$SIZE loops=$LOOPS"
t1=$(cut -d. -f1 /proc/uptime)
memtester "$SIZE" "$LOOPS" >/tmp/mt.log 2>&1
rc=$?
t2=$(cut -d. -f1 /proc/uptime)
# memtester draws its progress with backspaces: apply them (each ~ eats
# the character before it), then print what is left
tr '\b' '~' </tmp/mt.log | sed -e ':a' -e 's/[^~]~//g' -e 'ta' -e 's/~//g' |
	grep -v '^[ ]*$' | sed 's/^/memtester: /'
errors=$(grep -c FAILURE /tmp/mt.log)
say "GUEST-DONE errors=$errors rc=$rc seconds=$((t2 - t1))"
free | sed 's/^/free: /'
if grep -q guest_poweroff /proc/cmdline; then
	say "GUEST: powering off"
	sync
	poweroff -f
fi
# a shell on the virtio console (cons shows it as "hvc<i>"; attach to it
# there to type), started again whenever it ends
if [ -c /dev/hvc0 ]; then
	(while :; do
		setsid sh -c 'exec sh -i </dev/hvc0 >/dev/hvc0 2>&1'
		sleep 5
	done) &
	say "GUEST-SHELL sh -i on /dev/hvc0"
fi
while :; do
	sleep 30
	say "GUEST-IDLE t=$(($(cut -d. -f1 /proc/uptime) - T0))"
done
EOF
chmod 755 "$R/init"

# the kernel opens /dev/console before /init mounts devtmpfs: as root the
# node goes into the archive; without root /init reopens the console after
# mounting devtmpfs (output before that is lost, /init prints nothing there)
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$R/dev/console" c 5 1
fi
(cd "$R" && find . | sort | cpio -o -H newc -R 0:0 --quiet) >"$X/root.cpio"
gzip -9 <"$X/root.cpio" >"$X/initramfs.cpio.gz"
# the outputs appear whole or not at all
mv "$X/Image" "$OUT/vm-linux-Image"
mv "$X/initramfs.cpio.gz" "$OUT/vm-initramfs.cpio.gz"
echo "$KVER" >"$OUT/vm-guest.ver"
rm -rf "$X"
ls -l "$OUT/vm-linux-Image" "$OUT/vm-initramfs.cpio.gz"
echo "mkguest: kernel $KVER, guest files in $OUT"
