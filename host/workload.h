/*
 * workload.h - guest memory for spmm-sim and the benchmarks.
 *
 * The default workload imitates several virtual machines booted from the
 * same system: each guest's memory holds a page cache of the same shared
 * libraries (real files found on this machine, page-aligned, each guest
 * with its own choice and order), zero pages, private pages of random
 * content and heap-like pages (mostly zero, a few random words).
 */
#ifndef SPM_HOST_WORKLOAD_H
#define SPM_HOST_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* Real file content, page-aligned: file k covers pages
 * start[k] .. start[k+1]-1 of data. */
struct wl_corpus {
	unsigned char *data;
	uint64_t pages;
	uint64_t *start;
	uint32_t nfiles;
};

/* Reads regular files under the given directories (sorted, recursively)
 * until max_bytes are collected.  0, or -1 with err set. */
int wl_corpus_load(struct wl_corpus *c, const char *const *dirs,
		   uint64_t max_bytes, char *err, size_t errlen);
void wl_corpus_free(struct wl_corpus *c);

/* Shares of a guest's pages, in percent (the rest is library content). */
struct wl_mix {
	unsigned zero_pct;
	unsigned private_pct;
	unsigned heap_pct;
};

/* Fills img (pages pages) as guest number `guest` of the default
 * workload. */
void wl_guest_image(const struct wl_corpus *c, const struct wl_mix *mix,
		    unsigned guest, uint64_t seed, unsigned char *img,
		    uint64_t pages);

/* A small, fast random generator (xorshift64*). */
static inline uint64_t wl_rand(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

#endif
