# bench/bench.mk - the benchmarks, included by the root Makefile (after its
# variables: ENGINE_SRC, ENGINE_DIR, HOST_DIR, CPPFLAGS, WARN, B).
#
#   make bench [BENCH_ARGS="--regions 2 --mib 128 ..."]
#        Linux KSM against spmm's engine on one content mix
#        (bench/ksm_vs_spmm --help); needs root for the KSM side.
#   make bench-instructions [PASS_IR_ARGS=...]
#        instructions of one full spmm pass over fresh memory and of one
#        over unchanged memory (64 MiB, fixed seed), counted by valgrind's
#        callgrind.

BENCH_DIR    := bench
BENCH_CFLAGS ?= -O2 -g
BENCH_ARGS   ?=
PASS_IR_ARGS ?=
BENCH_LIB    := $(BENCH_DIR)/mix.c $(BENCH_DIR)/spmm_side.c $(HOST_DIR)/sim.c \
                spmm/server/src/args.c
BENCH_HDR    := $(wildcard $(BENCH_DIR)/*.h $(ENGINE_DIR)/*.h) $(HOST_DIR)/sim.h
BENCH_CG     := $(if $(wildcard /usr/include/valgrind/callgrind.h),-DHAVE_CALLGRIND_H)

.PHONY: bench bench-instructions

$(B)/bench/ksm_vs_spmm: $(BENCH_DIR)/ksm_vs_spmm.c $(BENCH_DIR)/ksm.c $(BENCH_LIB) $(ENGINE_SRC) $(BENCH_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(BENCH_DIR) $(WARN) $(BENCH_CFLAGS) -o $@ $(filter %.c,$^)

$(B)/bench/pass_ir: $(BENCH_DIR)/pass_ir.c $(BENCH_LIB) $(ENGINE_SRC) $(BENCH_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -I$(BENCH_DIR) $(BENCH_CG) $(WARN) $(BENCH_CFLAGS) -o $@ $(filter %.c,$^)

bench: $(B)/bench/ksm_vs_spmm
	$(B)/bench/ksm_vs_spmm $(BENCH_ARGS)

bench-instructions: $(B)/bench/pass_ir
	@printf 'first pass over fresh memory (hash, compare, merge):\n  '
	@sh $(BENCH_DIR)/pass_ir.sh $(B)/bench/pass_ir --pass 0 $(PASS_IR_ARGS)
	@printf 'a pass over unchanged memory after convergence:\n  '
	@sh $(BENCH_DIR)/pass_ir.sh $(B)/bench/pass_ir $(PASS_IR_ARGS)
