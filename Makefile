# spmm host build: the engine, its simulated-MMU platform, spmm-sim, the
# tests, benchmarks and fuzz targets.  The L4Re side is built by BID in
# spmm/ (see README.md); `make qemu-test` and `make qemu-vms` drive it.

ENGINE_DIR := spmm/lib/engine
IPC_DIR    := spmm/lib/ipc
HOST_DIR   := host
B          := build

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS := -I$(ENGINE_DIR) -I$(IPC_DIR) -Ispmm/include -Ispmm/server/src \
            -I$(HOST_DIR) -D_GNU_SOURCE
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer

ENGINE_SRC := $(wildcard $(ENGINE_DIR)/*.c)
IPC_SRC    := $(wildcard $(IPC_DIR)/*.c)
HOST_LIB   := $(HOST_DIR)/sim.c $(HOST_DIR)/workload.c $(HOST_DIR)/cli.c \
              $(HOST_DIR)/server_sys.c spmm/server/src/args.c \
              spmm/server/src/core.c spmm/server/src/core_rm.c $(IPC_SRC)
TESTS      := $(patsubst $(HOST_DIR)/tests/%.c,%,$(wildcard $(HOST_DIR)/tests/test_*.c))

.PHONY: all run test check lint format bench fuzz clean qemu-test qemu-vms

all: $(B)/spmm-sim $(TESTS:%=$(B)/%) $(TESTS:%=$(B)/san/%)

$(B)/spmm-sim: $(HOST_DIR)/spmm_sim.c $(HOST_LIB) $(ENGINE_SRC) $(wildcard $(ENGINE_DIR)/*.h $(IPC_DIR)/*.h $(HOST_DIR)/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $(filter %.c,$^) -lm

$(B)/test_%: $(HOST_DIR)/tests/test_%.c $(HOST_DIR)/tests/check.h $(HOST_LIB) $(ENGINE_SRC) $(wildcard $(ENGINE_DIR)/*.h $(IPC_DIR)/*.h $(HOST_DIR)/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $(filter %.c,$^) -lm

$(B)/san/test_%: $(HOST_DIR)/tests/test_%.c $(HOST_DIR)/tests/check.h $(HOST_LIB) $(ENGINE_SRC) $(wildcard $(ENGINE_DIR)/*.h $(IPC_DIR)/*.h $(HOST_DIR)/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) -o $@ $(filter %.c,$^) -lm

# The main job: spmm-sim on its built-in workload; ends by itself.  Then
# an independent exact count of the duplicate pages in the same guest
# memory (dumped by spmm-sim) must match what spmm-sim saved.
run: $(B)/spmm-sim
	@rm -rf $(B)/run && mkdir -p $(B)/run
	$(B)/spmm-sim --dump $(B)/run $(RUN_ARGS) | tee $(B)/run/log
	@python3 host/count_pages.py --summary $(B)/run/log $(B)/run/guest*.img
	@rm -f $(B)/run/guest*.img

test: all
	@$(HOST_DIR)/tests/run.sh $(B)

SERVER_PURE := spmm/server/src/args.c spmm/server/src/core.c spmm/server/src/core_rm.c

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --std=c11 --inline-suppr -I$(ENGINE_DIR) -I$(IPC_DIR) -Ispmm/include \
	  $(ENGINE_DIR) $(IPC_DIR) $(SERVER_PURE) host/fuzz
	clang-tidy --quiet $(ENGINE_SRC) $(IPC_SRC) $(SERVER_PURE) -- $(CPPFLAGS) -Ispmm/server/src -std=c11

format:
	clang-format -i $(ENGINE_DIR)/*.[ch] $(IPC_DIR)/*.[ch] spmm/include/spmm/*.h \
	  spmm/server/src/*.[ch] $(HOST_DIR)/*.[ch] $(HOST_DIR)/tests/*.[ch] $(HOST_DIR)/fuzz/*.[ch]

clean:
	rm -rf $(B)

# fuzz targets (host/fuzz/fuzz.mk): make fuzz FUZZ_SECONDS=N
-include $(HOST_DIR)/fuzz/fuzz.mk

# benchmarks (bench/bench.mk): make bench, make bench-instructions
-include bench/bench.mk

# boot tests in QEMU against a user's L4Re build (test/qemu/qemu.mk):
#   make qemu-test L4RE_OBJ=<l4re build dir> FIASCO_OBJ=<fiasco build dir>
include test/qemu/qemu.mk
include test/vm/vm.mk
