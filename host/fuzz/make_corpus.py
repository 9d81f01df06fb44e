#!/usr/bin/env python3
"""make_corpus.py - write the seed corpora of the ipc fuzz targets.

usage: make_corpus.py [CORPUS_DIR]   (default: the corpus/ beside this file)

Each seed is a message as the target reads it (host/fuzz/fuzz.h): tag,
gate label, the target's parameter words, then the message registers, all
little-endian 64-bit words.  The messages are what L4Re clients send
(ned's Lua create, L4Re::Mem_alloc::alloc, the region manager's map,
uvmm's copy_in, ned's Meta query) plus a few that must fail, so that
mutations start next to every branch of the decoders.  The output is
deterministic: running the script again changes nothing.
"""
import os
import struct
import sys

M64 = (1 << 64) - 1

# cxx/ipc_varg tag words: type | length << 16
MWORD = 0x81 | 8 << 16
UMWORD = 0x01 | 8 << 16
STRING = 0x02
FPAGE = 0x03 | 8 << 16

FACTORY, META, DATASPACE, CONTROL = -15, -21, 0x4000, 0x5350
CAP_W, CAP_S = 1, 2


def tag(label, words, items=0):
    """l4_msgtag(label, words, items, 0)."""
    return ((label << 16) & M64) | words | items << 6


def pack(*words):
    return b"".join(struct.pack("<Q", w & M64) for w in words)


def message(label, mrs, items=0, gate=0x1000, env=(), words=None):
    """The seed of one message; words (default: all of mrs but the items)
    may be fewer than mrs holds, then the rest are registers the message
    does not own (the control target takes reply values from them)."""
    if words is None:
        words = len(mrs) - 2 * items
    return pack(tag(label, words, items), gate, *env, *mrs)


def string_words(s):
    b = s.encode() + b"\0"
    b += b"\0" * (-len(b) % 8)
    return [struct.unpack("<Q", b[i:i + 8])[0] for i in range(0, len(b), 8)]


def factory_seeds():
    gate = 0x1000 | CAP_W | CAP_S
    s = {}
    s["ned_create"] = message(FACTORY, [DATASPACE, MWORD, 0x40000000,
                                        MWORD, 7, MWORD, 21], gate=gate)
    s["mem_alloc_alloc"] = message(FACTORY, [DATASPACE, MWORD, 0x5000,
                                             UMWORD, 0, UMWORD, 0],
                                   gate=gate)
    s["size_only"] = message(FACTORY, [DATASPACE, UMWORD, 4096], gate=gate)
    s["no_s_right"] = message(FACTORY, [DATASPACE, MWORD, 4096],
                              gate=0x2000 | CAP_W)
    s["string_size"] = message(FACTORY, [DATASPACE, STRING | 5 << 16]
                               + string_words("4096"), gate=gate)
    s["string_flags"] = message(FACTORY, [DATASPACE, MWORD, 8192,
                                          STRING | 3 << 16]
                                + string_words("rw") + [FPAGE, 0x5000],
                                gate=gate)
    s["fixed_paddr"] = message(FACTORY, [DATASPACE, MWORD, 8192, UMWORD, 8,
                                         UMWORD, 0, UMWORD, 0x80000000],
                               gate=gate)
    s["nil_fourth"] = message(FACTORY, [DATASPACE, MWORD, 8192, UMWORD, 0,
                                        UMWORD, 12, 0x00 | 8 << 16, 0],
                              gate=gate)
    s["zero_tag_ends"] = message(FACTORY, [DATASPACE, MWORD, 8192, 0,
                                           MWORD, 7], gate=gate)
    s["size_zero"] = message(FACTORY, [DATASPACE, MWORD, 0], gate=gate)
    s["size_negative"] = message(FACTORY, [DATASPACE, MWORD, -4096],
                                 gate=gate)
    s["unknown_protocol"] = message(FACTORY, [0x4001, MWORD, 8192],
                                    gate=gate)
    s["truncated_arg"] = message(FACTORY, [DATASPACE, MWORD], gate=gate)
    s["with_item"] = message(FACTORY, [DATASPACE, MWORD, 8192, 8, 0x503f],
                             items=1, gate=gate)
    s["meta_label"] = message(META, [0], gate=gate)
    return s


def dataspace_seeds():
    # a 4 MiB RWX dataspace whose window is 1 GiB aligned; the block
    # callback takes orders up to 21; max_order 30
    env = (0x400000, 0x07 | 21 << 8, 0x40000000 | 30)
    rw = 0x3000 | CAP_W
    s = {}

    def ds(name, mrs, items=0, gate=rw):
        s[name] = message(DATASPACE, mrs, items=items, gate=gate, env=env)

    ds("map_read", [0, 0x123456, 0x123456, 0x4])
    ds("map_write", [0xdeadbeef00000000, 0x1000, 0x7f001000, 0x6])
    ds("map_rwx_bufferable", [0, 0x200000, 0x200000, 0x17])
    ds("map_w_without_w", [0, 0x1000, 0x1000, 0x6], gate=0x3000)
    ds("map_outside", [0, 0x400000, 0, 0x4])
    ds("clear", [1, 0x1800, 0x2000])
    ds("clear_read_only", [1, 0, 0x1000], gate=0x3000)
    ds("info", [2])
    ds("info_read_only", [2], gate=0x3000)
    ds("copy_in_own", [3, 0, 0x1000, 0x1000, 0x3c, 0x7001], items=1)
    ds("copy_in_foreign", [3, 0, 0, 0x1000, 0x38, 0x9000], items=1)
    ds("copy_in_no_item", [3, 0, 0, 0x1000])
    ds("allocate", [4, 0, 0x400000])
    ds("allocate_outside", [4, 0x3ff000, 0x2000])
    ds("map_info", [5])
    ds("unknown_op", [6])
    ds("short_map", [0, 0x1000])
    ds("map_with_item", [0, 0, 0, 4, 0x38, 0], items=1)
    return s


def meta_seeds():
    s = {}
    s["num_interfaces"] = message(META, [0])
    s["interface_0"] = message(META, [1, 0], gate=0x1000 | CAP_W | CAP_S)
    s["interface_1"] = message(META, [1, 1])
    s["interface_9"] = message(META, [1, 9])
    s["supports_factory"] = message(META, [2, FACTORY])
    s["supports_dataspace"] = message(META, [2, DATASPACE])
    s["unknown_op"] = message(META, [3])
    s["short_interface"] = message(META, [1])
    s["long_name"] = message(META, [1, 0] + [0x4141414141414141] * 61)
    return s


def control_seeds():
    s = {}
    for op, name in enumerate(["info", "stats", "ds_stats", "policy"]):
        vals = [op] + [0x1000 + i for i in range(15)]
        s[name] = message(CONTROL, vals, gate=0x8000 | CAP_S, words=1)
        s[name + "_no_s"] = message(CONTROL, vals[:1], gate=0x8000)
    s["unknown_op"] = message(CONTROL, [4])
    s["with_item"] = message(CONTROL, [1, 0x38, 0], items=1)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    targets = {
        "fuzz_factory": factory_seeds(),
        "fuzz_dataspace": dataspace_seeds(),
        "fuzz_meta": meta_seeds(),
        "fuzz_control": control_seeds(),
    }
    for target, seeds in targets.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds in {d}")


if __name__ == "__main__":
    main()
