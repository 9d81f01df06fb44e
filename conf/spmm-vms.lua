-- vim:set ft=lua:
-- spmm-vms.lua - the ned part that all VM setups share: N identical Linux
-- guests in uvmm, their RAM from spmm or from moe.  The setups themselves
-- are one line each (conf/vm-1.cfg ... conf/vm-moe-4.cfg):
--
--   package.path = "rom/?.lua";
--   require("spmm-vms").run{ vms = 2, ram = "spmm" };
--
-- Options of run{} (test/vm/vm-test.sh adds memtest, cmdline, ram_mib and
-- spmm to its copy of the cfg):
--   vms        number of guests (1..4 with the DTB of test/vm/vm-test.sh)
--   ram        "spmm": each guest's RAM is a dataspace of spmm, all from
--              one spmm channel, i.e. one merge domain;
--              "moe": uvmm's default, a dataspace of moe (the baseline)
--   ram_mib    RAM of each guest, default 256
--   memtest    memtester size in each guest (kernel command line), "16M"
--   cmdline    more guest kernel command line, ""
--   spmm       spmm's binary and arguments, "rom/spmm --stats-interval 5"
--   moe_stats  seconds between two reports of moe's free memory, 5;
--              0: none
--
-- The RAM request is the one uvmm's vmm.lua makes of moe: size, flags
-- Continuous|Pinned|Super_pages (7), alignment 2^21.  spmm accepts and
-- ignores the flags and the alignment (README.md, "Virtual machines on
-- spmm").  start_vm takes the capability in `mem` as it is: ned holds a
-- created capability with R only in Lua, and uvmm needs W on its RAM, so
-- it is passed as ram:m("rw"), as vmm.lua does with its own.
--
-- Both kinds of setup start the same programs (cons, spmm, N x uvmm), so
-- moe's free memory compares them: ned asks moe for its debug output
-- (L4Re::Debug_obj on the user factory: "global: avail: <bytes>") once
-- before the first guest's RAM is created and then every moe_stats
-- seconds; test/vm/vm-test.sh subtracts.  That loop is the end of this
-- script: ned serves its children's exits from a thread of its own.
--
-- Guest files (test/vm/mkguest.sh, test/vm/vm-test.sh): vm-linux-Image,
-- vm-initramfs.cpio.gz, vm-virt-arm64.dtb.  The PL011 of guest i goes to
-- cons as "vm<i>", its virtio console (cap "hvc" in the DTB) as "hvc<i>".

local L4 = require "L4";
local vmm = require "vmm";

local M = {};

function M.run(o)
  local nvms = o.vms or 1;
  local on_spmm = (o.ram or "spmm") == "spmm";
  local ram_mib = o.ram_mib or 256;
  local memtest = o.memtest or "16M";
  local cmdline = o.cmdline or "";
  local moe_stats = o.moe_stats or 5;
  local ld = L4.default_loader;

  -- cons multiplexes the consoles of uvmm and the guests onto the log
  vmm.loader.log_fab = ld:new_channel();
  ld:start({ scheduler = vmm.new_sched(0x40), log = L4.Env.log,
             caps = { cons = vmm.loader.log_fab:svr() } }, "rom/cons -a");

  local spmm = ld:new_channel();
  ld:start({ caps = { spmm = spmm:svr() }, log = { "spmm", "g" } },
           o.spmm or "rom/spmm --stats-interval 5");

  local moe = L4.cast("L4Re::Debug_obj", L4.Env.user_factory);
  if moe_stats > 0 then
    print("spmm-vms: moe before the guests");
    moe:debug(0);
  end

  local flags = L4.Mem_alloc_flags.Continuous
              | L4.Mem_alloc_flags.Pinned
              | L4.Mem_alloc_flags.Super_pages;
  for i = 1, nvms do
    local mem = ram_mib;
    if on_spmm then
      mem = L4.cast(L4.Proto.Factory, spmm):create(L4.Proto.Dataspace,
                                                   ram_mib * 1024 * 1024,
                                                   flags, 21):m("rw");
    end
    vmm.start_vm{
      id = i,
      mem = mem,
      kernel = "rom/vm-linux-Image",
      rd = "rom/vm-initramfs.cpio.gz",
      fdt = "rom/vm-virt-arm64.dtb",
      bootargs = "console=ttyAMA0 earlycon=pl011,0x12000 rdinit=/init"
                 .. " memtest=" .. memtest
                 .. (cmdline ~= "" and " " .. cmdline or ""),
      ext_caps = { hvc = vmm.loader.log_fab:create(L4.Proto.Log,
                                                   "hvc" .. i, "c") },
    };
  end
  print("spmm-vms: started " .. nvms .. " guests of " .. ram_mib
        .. " MiB on " .. (on_spmm and "spmm" or "moe"));

  while moe_stats > 0 do
    L4.sleep(moe_stats);
    moe:debug(0);
  end
end

return M;
