# test/vm/vm.mk - `make qemu-vms`, for the root Makefile to include
# (`include test/vm/vm.mk`, next to test/qemu/qemu.mk).
#
#   make qemu-vms L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir> [VMS="1 2"]
#
# runs test/vm/vm-test.sh once per word of VMS (1: one Linux guest on spmm
# memory, 2: two guests in one merge domain, moe: the baseline on moe's
# memory), each booting in QEMU for at most QEMU_TIMEOUT (235) seconds.
# Without L4RE_OBJ it says it skipped and succeeds.  Passed on when set:
# L4DIR, QEMU_TIMEOUT, MEMTEST, SPMM_ARGS, SPMM_MODULE, RAM_BASE, GRACE.

VMS ?= 1 2

.PHONY: qemu-vms
qemu-vms:
	@if [ -z "$(L4RE_OBJ)" ]; then echo "qemu-vms: skipped (no L4RE_OBJ given)"; exit 0; fi; \
	rc=0; for n in $(VMS); do \
	  L4RE_OBJ="$(L4RE_OBJ)" FIASCO_OBJ="$(FIASCO_OBJ)" \
	  $(foreach v,L4DIR QEMU_TIMEOUT MEMTEST SPMM_ARGS SPMM_MODULE RAM_BASE GRACE,$(if $($(v)),$(v)="$($(v))")) \
	  sh $(CURDIR)/test/vm/vm-test.sh $$n || rc=1; \
	done; exit $$rc
