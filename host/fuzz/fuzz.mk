# host/fuzz/fuzz.mk - libFuzzer targets for the decoders of untrusted
# input (the ipc layer), included by the root Makefile.
#
#   make fuzz                   every target FUZZ_SECONDS (60) seconds
#   make fuzz FUZZ_SECONDS=600
#   make fuzz-smoke             every target 5 seconds (the test runner)
#   make fuzz-corpus            rewrite the seed corpora (make_corpus.py)
#
# Each target runs on a fresh copy of host/fuzz/corpus/<target> under
# $(B)/fuzz/work, so the committed seeds never change; run.sh prints one
# line per target and fails if any target crashed.

FUZZ_DIR     := $(HOST_DIR)/fuzz
FUZZ_TARGETS := fuzz_factory fuzz_dataspace fuzz_meta fuzz_control fuzz_rm \
                fuzz_args fuzz_server
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -O1 -g -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-corpus

fuzz-build: $(FUZZ_TARGETS:%=$(B)/fuzz/%)

# The ipc directories again after CPPFLAGS: harmless when CPPFLAGS has
# them, needed while it does not.
$(B)/fuzz/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz.h $(IPC_SRC) \
                  $(wildcard $(IPC_DIR)/*.h) spmm/include/spmm/control.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -I$(IPC_DIR) -Ispmm/include $(WARN) \
	  $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

# The command lines (server and spmm-sim), with the engine's policy check.
$(B)/fuzz/fuzz_args: $(FUZZ_DIR)/fuzz_args.c spmm/server/src/args.c \
                     $(HOST_DIR)/cli.c $(ENGINE_SRC) \
                     $(wildcard $(ENGINE_DIR)/*.h) spmm/server/src/args.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) -Ispmm/server/src $(WARN) \
	  $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

# The server core behind its gates, with the engine on the simulated MMU.
$(B)/fuzz/fuzz_server: $(FUZZ_DIR)/fuzz_server.c spmm/server/src/core.c \
                       spmm/server/src/core_rm.c \
                       $(HOST_DIR)/server_sys.c $(HOST_DIR)/sim.c \
                       $(IPC_SRC) $(ENGINE_SRC) \
                       $(wildcard $(ENGINE_DIR)/*.h $(IPC_DIR)/*.h) \
                       spmm/server/src/core.h $(HOST_DIR)/server_sys.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -o $@ $(filter %.c,$^)

fuzz: fuzz-build
	@$(FUZZ_DIR)/run.sh $(FUZZ_SECONDS) $(B)/fuzz $(FUZZ_DIR)/corpus \
	  $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@$(FUZZ_DIR)/run.sh 5 $(B)/fuzz $(FUZZ_DIR)/corpus $(FUZZ_TARGETS)

fuzz-corpus:
	python3 $(FUZZ_DIR)/make_corpus.py $(FUZZ_DIR)/corpus
