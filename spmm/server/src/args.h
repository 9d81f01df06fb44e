/*
 * args.h - the spmm server's command line, parsed by a pure function (no
 * L4Re header) so that the host tests and a fuzzer can run it.
 *
 *   spmm [options] [CAP[=DOMAIN] ...]
 *
 * Each CAP names a capability of spmm's environment (a channel ned gave
 * with :svr()) that spmm serves as a factory.  Dataspaces created through
 * one channel form one merge domain; CAP=N puts the channel into numbered
 * domain N, so that channels can share one.  Without CAP: "spmm".
 */
#ifndef SPMM_ARGS_H
#define SPMM_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "spm.h"

#define SPMM_MAX_FACTORIES 32
#define SPMM_CAP_NAME_MAX  63

struct spmm_args {
	struct spm_policy pol;
	uint64_t max_mib;	 /* memory spmm may take from moe; 0: any */
	uint64_t max_ds_mib;	 /* largest dataspace a client may create */
	uint32_t stats_interval; /* seconds between log lines; 0: off */
	uint32_t max_map_order;	 /* largest read-only block per map, log2 */
	uint32_t lazy_zero;	 /* defer a zero page's first W map */
	int verbose;
	unsigned nfactories;
	struct {
		char cap[SPMM_CAP_NAME_MAX + 1];
		uint32_t domain;
		int secure; /* its domain was named by --secure-domain */
	} factory[SPMM_MAX_FACTORIES];
	unsigned nsecure;
	uint32_t secure_domain[SPMM_MAX_FACTORIES];
};

/* A plain decimal number in [lo, hi]: digits only, no sign, no blanks,
 * nothing after it.  0, or -1 and *out untouched. */
int spmm_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* 0, or -1 with a one-line message in err (nothing else is touched). */
int spmm_args_parse(struct spmm_args *a, int argc, char *const *argv, char *err,
		    size_t errlen);
extern const char spmm_args_usage[];

#endif
