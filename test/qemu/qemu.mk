# test/qemu/qemu.mk - `make qemu-test`, included by the root Makefile.
#
#   make qemu-test L4RE_OBJ=<L4Re build dir> FIASCO_OBJ=<Fiasco build dir>
#
# builds the spmm package into that L4Re tree, boots the spmm-test and
# spmm-hello entries of conf/spm_modules.list in QEMU and checks the logs
# (see test/qemu/qemu-test.sh).  Without L4RE_OBJ it says it skipped and
# succeeds.  Optional: L4DIR=<L4Re sources> if the build directory has no
# `source` link, QEMU_TIMEOUT=<s> (default 120), ENTRIES="spmm-test
# spmm-stress" (the default).

L4RE_OBJ   ?=
FIASCO_OBJ ?=

.PHONY: qemu-test
qemu-test:
	@L4RE_OBJ="$(L4RE_OBJ)" FIASCO_OBJ="$(FIASCO_OBJ)" \
	  $(if $(L4DIR),L4DIR="$(L4DIR)") \
	  $(if $(QEMU_TIMEOUT),QEMU_TIMEOUT="$(QEMU_TIMEOUT)") \
	  $(if $(ENTRIES),ENTRIES="$(ENTRIES)") \
	  sh $(CURDIR)/test/qemu/qemu-test.sh
