/*
 * cli.h - the command line of spmm-sim, parsed by a pure function so that
 * it can be unit-tested and fuzzed.
 */
#ifndef SPM_HOST_CLI_H
#define SPM_HOST_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "spm.h"

#define SIM_MAX_GUESTS 64

struct sim_opts {
	struct spm_policy pol;
	uint64_t passes;    /* stop after this many full scans */
	double seconds;	    /* or after this much wall time */
	unsigned guests;    /* default workload: number of guests */
	uint64_t guest_mib; /* default workload: MiB per guest */
	unsigned zero_pct, private_pct, heap_pct;
	double write_rate;  /* pages per second the writer dirties */
	int write_rate_set; /* given on the command line */
	double write_share; /* share of the run the writer is active */
	unsigned domains;   /* guest i is in domain i % domains */
	uint64_t seed;
	uint64_t max_mib; /* memory limit of the engine, 0: none */
	double interval;  /* seconds between progress lines */
	int quiet;
	const char *dump_dir; /* write guest memory here at the end */
	const char *files[SIM_MAX_GUESTS];
	unsigned nfiles;
	int help;
};

void sim_opts_default(struct sim_opts *o);
/* 0, or -1 with a one-line message in err. */
int sim_opts_parse(struct sim_opts *o, int argc, char *const *argv, char *err,
		   size_t errlen);
extern const char sim_usage[];

#endif
