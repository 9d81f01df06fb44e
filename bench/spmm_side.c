/*
 * spmm_side.c - the benchmark's mix in spmm's engine (see spmm_side.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "spmm_side.h"

double spmm_now(int clock)
{
	struct timespec ts;
	clock_gettime((clockid_t)clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int spmm_side_init(struct spmm_side *b, const struct mix *m,
		   uint32_t pages_per_step, uint64_t key, char *err,
		   size_t errlen)
{
	memset(b, 0, sizeof(*b));
	sim_init(&b->sim, 0, key);
	struct spm_platform pl;
	sim_platform(&b->sim, &pl);
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.pages_per_step = pages_per_step;
	int rc = spm_engine_create(&b->e, &pl, &pol, key);
	if (rc) {
		snprintf(err, errlen, "cannot start the engine (%d)", rc);
		sim_fini(&b->sim);
		return -1;
	}
	b->region_pages = m->region_pages;
	b->s = calloc(m->p.regions, sizeof(struct spm_space *));
	if (!b->s) {
		snprintf(err, errlen, "out of memory");
		spmm_side_fini(b);
		return -1;
	}
	static unsigned char buf[MIX_PAGE];
	for (unsigned r = 0; r < m->p.regions; r++) {
		struct sim_space *sp = sim_space_new(m->region_pages);
		rc = sp ? spm_space_create(b->e, m->region_pages * MIX_PAGE, 0,
					   sp, &b->s[r])
			: -SPM_ENOMEM;
		if (rc) {
			sim_space_free(sp);
			snprintf(err, errlen, "region %u: no space (%d)", r,
				 rc);
			spmm_side_fini(b);
			return -1;
		}
		b->n++;
		for (uint64_t pg = 0; pg < m->region_pages; pg++) {
			mix_page(m, r * m->region_pages + pg, buf);
			rc = sim_access(&b->sim, b->e, b->s[r], pg * MIX_PAGE,
					buf, MIX_PAGE, true);
			if (rc) {
				snprintf(err, errlen,
					 "region %u: filling failed (%d)", r,
					 rc);
				spmm_side_fini(b);
				return -1;
			}
		}
	}
	return 0;
}

void spmm_side_fini(struct spmm_side *b)
{
	for (unsigned r = 0; b->s && r < b->n; r++) {
		struct sim_space *sp = spm_space_priv(b->s[r]);
		spm_space_destroy(b->e, b->s[r]);
		sim_space_free(sp);
	}
	free(b->s);
	b->s = NULL;
	b->n = 0;
	if (b->e)
		spm_engine_destroy(b->e);
	b->e = NULL;
	sim_fini(&b->sim);
}

long spmm_side_scan(struct spmm_side *b, uint32_t pages)
{
	double t0 = spmm_now(CLOCK_THREAD_CPUTIME_ID);
	long n = spm_scan(b->e, pages);
	b->cpu_s += spmm_now(CLOCK_THREAD_CPUTIME_ID) - t0;
	return n;
}

uint64_t spmm_side_saved(const struct spmm_side *b)
{
	struct spm_stats st;
	spm_stats(b->e, &st);
	return st.pages_total - st.frames_in_use;
}

static uint64_t full_scans(const struct spmm_side *b)
{
	struct spm_stats st;
	spm_stats(b->e, &st);
	return st.full_scans;
}

void spmm_side_finish_pass(struct spmm_side *b)
{
	struct spm_stats st;
	spm_stats(b->e, &st);
	uint64_t done_in_pass = st.pages_scanned % st.pages_total;
	if (!done_in_pass)
		return;
	uint64_t target = st.full_scans + 1;
	while (full_scans(b) < target)
		if (spmm_side_scan(b, 0) < 0)
			return;
}

uint64_t spmm_side_pass(struct spmm_side *b, double *cpu_s)
{
	double before = b->cpu_s;
	uint64_t pages = 0, target = full_scans(b) + 1;
	while (full_scans(b) < target) {
		long n = spmm_side_scan(b, 0);
		if (n < 0)
			break;
		pages += (uint64_t)n;
	}
	*cpu_s = b->cpu_s - before;
	return pages;
}

int spmm_side_rewrite(struct spmm_side *b, const struct mix *m,
		      uint64_t version)
{
	for (uint64_t k = 0; k < m->nvolatile; k++) {
		uint64_t g = m->volatile_pages[k];
		struct mix_rewrite w = mix_rewrite(g, version);
		uint64_t off = (g % b->region_pages) * MIX_PAGE + w.offset;
		int rc = sim_access(&b->sim, b->e, b->s[g / b->region_pages],
				    off, &w.value, sizeof(w.value), true);
		if (rc)
			return rc;
	}
	return 0;
}
