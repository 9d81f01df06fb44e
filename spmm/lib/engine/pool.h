/*
 * pool.h - a pool of free frame numbers, for platforms.
 *
 * Platforms obtain frames from the system in chunks and keep the free ones
 * here: one bit per frame, so the pool costs 1/32768 of the memory it
 * manages.  A frame can be taken from the lowest free place (cheap, keeps
 * memory compact) or from a random place (secure mode: a client cannot
 * steer which frame backs its page).
 *
 * Invariant: free + used == obtained, and a frame is never given twice.
 */
#ifndef SPM_POOL_H
#define SPM_POOL_H

#include <stdbool.h>
#include <stdint.h>

struct spm_pool {
	uint64_t *bits;	  /* 1 = free */
	uint32_t nframes; /* frames obtained: numbers 0 .. nframes-1 */
	uint32_t nfree;
	uint32_t hint; /* no free frame below hint*64 */
	uint64_t rng;
};

void spm_pool_init(struct spm_pool *p, uint64_t seed);
void spm_pool_fini(struct spm_pool *p);
/* Frames nframes .. nframes+count-1 join the pool, free.  0 or -12. */
int spm_pool_grow(struct spm_pool *p, uint32_t count);
/* 0 and a frame, or -12 if none is free. */
int spm_pool_get(struct spm_pool *p, bool random, uint32_t *f);
void spm_pool_put(struct spm_pool *p, uint32_t f);
bool spm_pool_is_free(const struct spm_pool *p, uint32_t f);
/* Frames first .. first+64*words-1 (first a multiple of 64): if all are
 * free, they leave the pool (the platform gives their memory back) and
 * the result is 0; else -1 and nothing changes. */
int spm_pool_take_range(struct spm_pool *p, uint32_t first, uint32_t words);
/* Frames taken with spm_pool_take_range come back, free (the platform
 * obtained memory for them again). */
void spm_pool_return_range(struct spm_pool *p, uint32_t first, uint32_t words);

#endif
