/*
 * mix.h - the benchmark's content mix, laid out once and written twice
 * (into Linux anonymous memory for KSM, into spmm spaces on the simulated
 * MMU), page for page the same.
 *
 * The pages of all regions are shuffled into four kinds, in exact shares
 * of the total:
 *  - zero pages (all bytes 0),
 *  - duplicates: copies of one of T template pages (random content),
 *  - volatile pages: unique content, rewritten every tick by the writer,
 *  - unique pages: random content of their own.
 * Every non-zero page carries its kind and number in its first word, so
 * no two pages are equal by accident: the saving the mix allows is exact,
 * not a probability (zero pages all, and each template's copies but one).
 */
#ifndef SPM_BENCH_MIX_H
#define SPM_BENCH_MIX_H

#include <stdint.h>

#define MIX_PAGE 4096u

struct mix_params {
	unsigned regions;
	uint64_t mib; /* per region */
	unsigned zero_pct, dup_pct, rewrite_pct;
	uint32_t templates;
	uint64_t seed;
};

struct mix {
	struct mix_params p;
	uint64_t npages;       /* all regions */
	uint64_t region_pages; /* per region */
	uint32_t *desc;	       /* per page: kind and template (below) */
	uint64_t nzero, ndup, nvolatile, nunique;
	uint32_t templates_used;  /* templates with at least one copy */
	uint32_t max_copies;	  /* most copies of one template */
	uint64_t expected_saving; /* pages that need no frame of their own */
	uint64_t *volatile_pages; /* global numbers of the volatile pages */
};

/* 0, or -1 (out of memory). */
int mix_build(struct mix *m, const struct mix_params *p);
void mix_free(struct mix *m);

/* Content of global page `page` as first written. */
void mix_page(const struct mix *m, uint64_t page, unsigned char *out);

/* Rewrite number `version` of a volatile page changes one 64-bit word (a
 * guest dirtying a page): the byte offset of that word and its new value.
 * The first word, which keeps the page unique, is never touched. */
struct mix_rewrite {
	unsigned offset;
	uint64_t value;
};
struct mix_rewrite mix_rewrite(uint64_t page, uint64_t version);

#endif
