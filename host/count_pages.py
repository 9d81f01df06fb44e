#!/usr/bin/env python3
"""count_pages.py - an exact count of what same-page merging can save.

Reads guest memory images, hashes every 4 KiB page (SHA-256, independent
of spmm's own hash and code) and counts, per merge domain, the distinct
non-zero page contents: that is the number of frames a perfect merger
needs (zero pages map the shared zero frame, every other content needs
one frame per domain).  With --summary it compares the count with the
frames_in_use of an spmm-sim summary line and fails on any difference.

usage: count_pages.py [--domains N] [--summary LOG] IMAGE...
Image i is in domain i mod N, as in spmm-sim.
"""
import argparse
import hashlib
import re
import sys

PAGE = 4096
ZERO = bytes(PAGE)


def count(images, domains):
    distinct = [set() for _ in range(domains)]
    pages = zero = 0
    for i, path in enumerate(images):
        seen = distinct[i % domains]
        with open(path, "rb") as f:
            while True:
                pg = f.read(PAGE)
                if not pg:
                    break
                pg = pg.ljust(PAGE, b"\0")
                pages += 1
                if pg == ZERO:
                    zero += 1
                else:
                    seen.add(hashlib.sha256(pg).digest())
    frames = sum(len(s) for s in distinct)
    return pages, zero, frames


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domains", type=int, default=1)
    ap.add_argument("--summary", help="spmm-sim output to compare with")
    ap.add_argument("images", nargs="+")
    a = ap.parse_args()
    if a.domains < 1:
        ap.error("--domains must be at least 1")
    pages, zero, frames = count(a.images, a.domains)
    saved = (pages - frames) * PAGE
    print(f"check: exact count pages_total={pages} zero_pages={zero} "
          f"frames_needed={frames} saved_bytes={saved}")
    if not a.summary:
        return 0
    with open(a.summary) as f:
        lines = [l for l in f if "frames_in_use=" in l]
    if not lines:
        print("check: FAIL no summary line in", a.summary)
        return 1
    kv = dict(re.findall(r"(\w+)=([0-9.]+)", lines[-1]))
    got = {k: int(kv[k]) for k in ("pages_total", "frames_in_use",
                                   "saved_bytes")}
    ok = (got["pages_total"] == pages and got["frames_in_use"] == frames
          and got["saved_bytes"] == saved)
    print(f"check: spmm-sim pages_total={got['pages_total']} "
          f"frames_in_use={got['frames_in_use']} "
          f"saved_bytes={got['saved_bytes']}: "
          + ("match" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
