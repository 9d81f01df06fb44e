#!/usr/bin/env bash
# t_sim.sh BUILD_DIR - spmm-sim as a user meets it: its errors, its
# summary, and savings checked against an exact count of duplicate pages.
set -u
B=$1
SIM=$B/spmm-sim
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
ok() { echo "PASS $1"; }
bad() { echo "FAIL $1"; }
expect_rc() { # name rc-wanted message-pattern cmd...
	local name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>&1
	local rc=$?
	if [ "$rc" -eq "$want" ] && grep -q -- "$pat" "$T/out"; then ok "$name"; else
		bad "$name (rc $rc)"; cat "$T/out"; fi
}
expect_rc sim_help 0 "usage: spmm-sim" "$SIM" --help
expect_rc sim_unknown_option 2 "unknown option '--frobnicate'" "$SIM" --frobnicate
expect_rc sim_bad_number 2 "bad value 'abc'" "$SIM" --passes abc
expect_rc sim_negative_number 2 "bad value '-3'" "$SIM" --guests -3
expect_rc sim_number_out_of_range 2 "bad value '101'" "$SIM" --zero-pct 101
expect_rc sim_missing_value 2 "needs a value" "$SIM" --passes
expect_rc sim_missing_file 1 "no/such/file: No such file" "$SIM" "$T/no/such/file"
expect_rc sim_empty_file 1 "not a non-empty regular file" "$SIM" /dev/null
expect_rc sim_bad_policy 2 "invalid policy" "$SIM" --max-sharing 1

# Built-in workload, small: summary keys and the exact count.
"$SIM" --guests 4 --guest-mib 32 --passes 14 --sleep-ms 0 --dump "$T" >"$T/log" 2>"$T/err"
rc=$?
keys="pages_total= frames_in_use= saved_bytes= pages_shared= pages_sharing= zero_pages= full_scans= cow_breaks= metadata_bytes= cpu_s="
last=$(tail -n 1 "$T/log")
miss=""
for k in $keys; do case "$last" in *" $k"* | "$k"*) ;; *) miss="$miss $k" ;; esac; done
if [ "$rc" -eq 0 ] && [ -z "$miss" ] && grep -q '^\[ *[0-9.]*s\] pass' "$T/log"; then ok sim_summary_keys; else
	bad "sim_summary_keys (rc $rc, missing:$miss)"; cat "$T/log" "$T/err"; fi
if python3 host/count_pages.py --summary "$T/log" "$T"/guest*.img; then ok sim_default_exact_count; else bad sim_default_exact_count; fi
mpp=$(sed -n 's/.*metadata_per_page=\([0-9.]*\).*/\1/p' "$T/log")
if awk -v m="$mpp" 'BEGIN { exit !(m > 0 && m <= 16) }'; then ok "sim_metadata_per_page_${mpp}"; else bad "sim_metadata_per_page ($mpp > 16)"; fi
rm -f "$T"/guest*.img

# Image guests in two domains: images are not written, count is exact.
python3 - "$T" <<'PY'
import os, random, sys
d = sys.argv[1]
r = random.Random(5)
tmpl = [bytes(r.getrandbits(8) for _ in range(4096)) for _ in range(20)]
for g in range(4):
    with open(f"{d}/in{g}.img", "wb") as f:
        for i in range(700):
            k = r.random()
            f.write(bytes(4096) if k < .2 else tmpl[r.randrange(20)] if k < .7 else os.urandom(4096))
        f.write(b"tail")  # not a whole page
PY
sum_before=$(cat "$T"/in*.img | sha256sum)
mkdir -p "$T/d2"
"$SIM" --domains 2 --passes 4 --sleep-ms 0 --quiet --dump "$T/d2" "$T"/in0.img "$T"/in1.img "$T"/in2.img "$T"/in3.img >"$T/log2" 2>"$T/err2"
if [ "$(cat "$T"/in*.img | sha256sum)" = "$sum_before" ]; then ok sim_images_not_written; else bad sim_images_not_written; fi
if python3 host/count_pages.py --domains 2 --summary "$T/log2" "$T"/d2/guest*.img; then ok sim_images_two_domains_exact_count; else
	bad sim_images_two_domains_exact_count; cat "$T/log2" "$T/err2"; fi
# The dump reads back what the images held (page-padded).
same=1
for g in 0 1 2 3; do
	cmp -s -n "$(stat -c %s "$T/in$g.img")" "$T/in$g.img" "$T/d2/guest$g.img" || same=0
done
[ $same -eq 1 ] && ok sim_guests_read_back_unchanged || bad sim_guests_read_back_unchanged
