# test/vm/vm.mk - `make qemu-vms` and `make qemu-vms-plot`, for the root
# Makefile to include (`include test/vm/vm.mk`, next to test/qemu/qemu.mk).
#
#   make qemu-vms L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir> \
#        [VMS="1 2 4 moe1 moe2 moe4"]
#
# runs test/vm/vm-test.sh with the setups of VMS, one after the other (1,
# 2, 4: that many identical Linux guests on spmm memory, one merge domain;
# moe1, moe2, moe4: the same on moe's memory, the baseline), each booting
# in QEMU under a time limit (QEMU_TIMEOUT, default per setup, at most 600
# s), prints a table over time for each and a summary table, and last
#   vms=<n> guest_mib=<total guest RAM> saved_mib=<at the end> guest_errors=<n>
# for the largest spmm setup.  All six took 11 minutes here (2 cores).
# Without L4RE_OBJ it says it skipped and succeeds.  Passed on when set:
# L4DIR, QEMU_TIMEOUT, QEMU_MEM, RAM_MIB, MEMTEST, GUEST_CMDLINE, SPMM_ARGS,
# SPMM_MODULE, SPMM_BIN, RAM_BASE, GRACE, NO_BUILD (see test/vm/vm-test.sh).
#
#   make qemu-vms-plot
#
# draws doc/vm-saved.png (and writes doc/vm-saved.dat) from the data of the
# last runs in build/vm-test (test/vm/plot.sh; needs gnuplot).

VMS ?= 1 2 4 moe1 moe2 moe4

.PHONY: qemu-vms qemu-vms-plot
qemu-vms:
	@if [ -z "$(L4RE_OBJ)" ]; then echo "qemu-vms: skipped (no L4RE_OBJ given)"; exit 0; fi; \
	L4RE_OBJ="$(L4RE_OBJ)" FIASCO_OBJ="$(FIASCO_OBJ)" \
	  $(foreach v,L4DIR QEMU_TIMEOUT QEMU_MEM RAM_MIB MEMTEST GUEST_CMDLINE SPMM_ARGS SPMM_MODULE SPMM_BIN RAM_BASE GRACE NO_BUILD,$(if $($(v)),$(v)="$($(v))")) \
	  sh $(CURDIR)/test/vm/vm-test.sh $(VMS)

qemu-vms-plot:
	sh $(CURDIR)/test/vm/plot.sh
