/*
 * pool.c - free frames as a bitmap (see pool.h).
 */
#include <stdlib.h>
#include <string.h>

#include "pool.h"

#define ENOMEM_ 12

void spm_pool_init(struct spm_pool *p, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->rng = seed | 1;
}

void spm_pool_fini(struct spm_pool *p)
{
	free(p->bits);
	p->bits = NULL;
}

static uint32_t words(uint32_t n)
{
	return (n + 63) / 64;
}

int spm_pool_grow(struct spm_pool *p, uint32_t count)
{
	if (count > UINT32_MAX - p->nframes)
		return -ENOMEM_;
	uint32_t n = p->nframes + count;
	if (words(n) > words(p->nframes)) {
		uint64_t *b = realloc(p->bits, (size_t)words(n) * 8);
		if (!b)
			return -ENOMEM_;
		memset(b + words(p->nframes), 0,
		       (size_t)(words(n) - words(p->nframes)) * 8);
		p->bits = b;
	}
	for (uint32_t f = p->nframes; f < n; f++)
		p->bits[f / 64] |= 1ull << (f % 64);
	if (p->nfree == 0 || p->nframes / 64 < p->hint)
		p->hint = p->nframes / 64;
	p->nframes = n;
	p->nfree += count;
	return 0;
}

static uint64_t next_rand(struct spm_pool *p)
{
	uint64_t x = p->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->rng = x;
	return x;
}

static int ctz64(uint64_t v)
{
	int n = 0;
	while (!(v & 1)) {
		v >>= 1;
		n++;
	}
	return n;
}

/* First free frame at or after word w (wrapping), or -1. */
static int64_t scan_from(const struct spm_pool *p, uint32_t w, uint64_t mask)
{
	uint32_t nw = words(p->nframes);
	for (uint32_t i = 0; i <= nw; i++) {
		uint32_t k = (w + i) % nw;
		uint64_t v = p->bits[k] & (i == 0 ? mask : ~0ull);
		if (v)
			return (int64_t)k * 64 + ctz64(v);
	}
	return -1;
}

int spm_pool_get(struct spm_pool *p, bool random, uint32_t *f)
{
	if (!p->nfree)
		return -ENOMEM_;
	int64_t r;
	if (random) {
		uint32_t start = (uint32_t)(next_rand(p) % p->nframes);
		r = scan_from(p, start / 64, ~0ull << (start % 64));
	} else {
		r = scan_from(p, p->hint, ~0ull);
		p->hint = (uint32_t)(r / 64);
	}
	if (r < 0)
		return -ENOMEM_; /* nfree says otherwise: never seen */
	*f = (uint32_t)r;
	p->bits[r / 64] &= ~(1ull << (r % 64));
	p->nfree--;
	return 0;
}

void spm_pool_put(struct spm_pool *p, uint32_t f)
{
	p->bits[f / 64] |= 1ull << (f % 64);
	p->nfree++;
	if (f / 64 < p->hint)
		p->hint = f / 64;
}

bool spm_pool_is_free(const struct spm_pool *p, uint32_t f)
{
	return f >= p->nframes || (p->bits[f / 64] >> (f % 64)) & 1;
}

int spm_pool_take_range(struct spm_pool *p, uint32_t first, uint32_t words)
{
	uint32_t w0 = first / 64;
	if (first % 64 || first > p->nframes || words > (p->nframes - first) / 64)
		return -1;
	for (uint32_t i = 0; i < words; i++)
		if (p->bits[w0 + i] != ~0ull)
			return -1;
	for (uint32_t i = 0; i < words; i++)
		p->bits[w0 + i] = 0;
	p->nfree -= words * 64;
	return 0;
}

void spm_pool_return_range(struct spm_pool *p, uint32_t first, uint32_t words)
{
	uint32_t w0 = first / 64;
	for (uint32_t i = 0; i < words; i++)
		p->bits[w0 + i] = ~0ull;
	p->nfree += words * 64;
	if (w0 < p->hint)
		p->hint = w0;
}
