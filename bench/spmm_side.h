/*
 * spmm_side.h - the benchmark's mix in spmm's engine on the host platform:
 * one space per region, filled through sim_access() as a guest writing its
 * RAM, and the scanner driven in steps.
 */
#ifndef SPM_BENCH_SPMM_SIDE_H
#define SPM_BENCH_SPMM_SIDE_H

#include <stddef.h>
#include <stdint.h>

#include "mix.h"
#include "sim.h"
#include "spm.h"

struct spmm_side {
	struct sim sim;
	struct spm_engine *e;
	struct spm_space **s;
	unsigned n;
	uint64_t region_pages;
	double cpu_s; /* engine CPU spent in spmm_side_scan() */
};

double spmm_now(int clock); /* clock_gettime in seconds */

/* Engine, spaces and their content.  0, or -1 with err set. */
int spmm_side_init(struct spmm_side *b, const struct mix *m,
		   uint32_t pages_per_step, uint64_t key, char *err,
		   size_t errlen);
void spmm_side_fini(struct spmm_side *b);

/* One scanner step of `pages` (0: the policy's), timed on the thread's CPU
 * clock into b->cpu_s.  Returns spm_scan()'s result. */
long spmm_side_scan(struct spmm_side *b, uint32_t pages);
/* Pages that need no frame of their own: pages_total - frames_in_use. */
uint64_t spmm_side_saved(const struct spmm_side *b);
/* Scan on to the end of the current pass (nothing if at its start). */
void spmm_side_finish_pass(struct spmm_side *b);
/* One complete pass from a pass start; its engine CPU in *cpu_s.
 * Returns the pages scanned. */
uint64_t spmm_side_pass(struct spmm_side *b, double *cpu_s);
/* The writer: rewrite one word of every volatile page (a client's
 * access, not engine work).  0, or the engine's error. */
int spmm_side_rewrite(struct spmm_side *b, const struct mix *m,
		      uint64_t version);

#endif
