/*
 * pass_ir.c - one full spmm pass over unchanged memory, to be counted by
 * valgrind's callgrind (bench/pass_ir.sh): a repeatable instruction count
 * where timings on a shared machine are noise.
 *
 * A fixed small mix (default 4 x 16 MiB, the benchmark's shares, seed 1)
 * is filled, merged to convergence and the pass under way finished; then
 * exactly one complete pass runs with callgrind's instrumentation on
 * (client requests if valgrind/callgrind.h was found at build time, else
 * the pass is the function `measured_pass` for --toggle-collect).
 * Prints pass_pages=N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "mix.h"
#include "spmm_side.h"

#ifdef HAVE_CALLGRIND_H
#include <valgrind/callgrind.h>
#define CLIENT_REQUESTS "yes"
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#define CLIENT_REQUESTS "no"
#endif

static uint64_t full_scans(struct spm_engine *e)
{
	struct spm_stats st;
	spm_stats(e, &st);
	return st.full_scans;
}

/* The measured work: spm_scan() steps until one pass is complete. */
__attribute__((noinline)) static uint64_t measured_pass(struct spm_engine *e)
{
	uint64_t pages = 0, target = full_scans(e) + 1;
	while (full_scans(e) < target) {
		long n = spm_scan(e, 0);
		if (n < 0)
			break;
		pages += (uint64_t)n;
	}
	return pages;
}

int main(int argc, char **argv)
{
	struct mix_params p = {.regions = 4,
			       .mib = 16,
			       .zero_pct = 20,
			       .dup_pct = 50,
			       .templates = 64,
			       .seed = 1};
	uint64_t which = 1, regions = p.regions, pps = 5000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;
		if (!strcmp(a, "--client-requests")) {
			puts(CLIENT_REQUESTS);
			return 0;
		} else if (!strcmp(a, "--regions")) {
			bad = spmm_parse_u64(v, 1, 64, &regions);
		} else if (!strcmp(a, "--mib")) {
			bad = spmm_parse_u64(v, 1, 1u << 16, &p.mib);
		} else if (!strcmp(a, "--pass")) {
			bad = spmm_parse_u64(v, 0, 100, &which);
		} else if (!strcmp(a, "--pages-per-step")) {
			bad = spmm_parse_u64(v, 1, 1u << 24, &pps);
		} else {
			fprintf(stderr,
				"usage: pass_ir [--regions N] [--mib N] "
				"[--pass N (0: first pass over fresh memory, "
				"1: first pass after convergence)] "
				"[--pages-per-step N] [--client-requests]\n");
			return 2;
		}
		if (bad) {
			fprintf(stderr, "pass_ir: %s: bad value '%s'\n", a,
				v ? v : "");
			return 2;
		}
		i++;
	}
	p.regions = (unsigned)regions;
	struct mix m;
	struct spmm_side b;
	char err[256];
	if (mix_build(&m, &p) || spmm_side_init(&b, &m, (uint32_t)pps,
						0x5eedull, err, sizeof(err))) {
		fprintf(stderr, "pass_ir: cannot set up the mix\n");
		return 1;
	}
	/* --pass 0 measures the first pass over fresh memory (hashing and
	 * merging); the others run to convergence first. */
	for (unsigned k = 0;
	     which > 0 && k < 20 && spmm_side_saved(&b) < m.expected_saving;
	     k++) {
		double cpu;
		spmm_side_pass(&b, &cpu);
	}
	if (which > 0 && spmm_side_saved(&b) != m.expected_saving) {
		fprintf(stderr, "pass_ir: did not converge\n");
		return 1;
	}
	if (which > 0)
		spmm_side_finish_pass(&b);
	for (uint64_t k = 1; k < which; k++) {
		double cpu;
		spmm_side_pass(&b, &cpu);
	}
	CALLGRIND_START_INSTRUMENTATION;
	uint64_t pages = measured_pass(b.e);
	CALLGRIND_STOP_INSTRUMENTATION;
	printf("pass_pages=%llu pass=%llu\n", (unsigned long long)pages,
	       (unsigned long long)which);
	spmm_side_fini(&b);
	mix_free(&m);
	return 0;
}
