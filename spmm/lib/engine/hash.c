/*
 * hash.c - the keyed 64-bit content hash of a 4 KiB page.
 *
 * The scanner reads every candidate page once per look, so this function
 * decides how close a pass comes to memory bandwidth.  It is built like the
 * accumulate loop of XXH3: eight independent 64-bit lanes, each taking one
 * word per 64-byte stripe, multiplied 32x32->64 with a per-lane key, with a
 * scramble every 1 KiB so that no lane can saturate.  Compilers turn the
 * inner loop into vector code (SSE2/AVX2 pmuludq, NEON umlal) without any
 * intrinsics.
 *
 * The keys derive from a seed chosen at start-up.  A client that does not
 * know the seed cannot build pages that collide on purpose; a collision
 * that happens anyway costs time only, since every merge is confirmed by a
 * full comparison of the two pages.
 */
#include <string.h>

#include "spm.h"

#define LANES		  8
#define STRIPE		  (LANES * 8)
#define STRIPES_PER_BLOCK 16

static const uint64_t P1 = 0x9E3779B185EBCA87ull;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
static const uint64_t P3 = 0x165667B19E3779F9ull;

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= P2;
	x ^= x >> 29;
	x *= P3;
	x ^= x >> 32;
	return x;
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void derive_keys(uint64_t seed, uint64_t key[LANES])
{
	for (unsigned i = 0; i < LANES; i++)
		key[i] = mix64(seed + P1 * (i + 1));
}

/* The lanes live in locals so that the compiler keeps them in (vector)
 * registers for a whole 1 KiB block; each lane adds its neighbour's word
 * too, so that no 32-bit half of the input can cancel out. */
static void accumulate_block(uint64_t acc[LANES], const unsigned char *p,
			     const uint64_t key[LANES])
{
	uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
	uint64_t a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
	for (unsigned s = 0; s < STRIPES_PER_BLOCK; s++) {
		const unsigned char *q = p + (size_t)s * (size_t)STRIPE;
		uint64_t d0 = load64(q), d1 = load64(q + 8);
		uint64_t d2 = load64(q + 16), d3 = load64(q + 24);
		uint64_t d4 = load64(q + 32), d5 = load64(q + 40);
		uint64_t d6 = load64(q + 48), d7 = load64(q + 56);
		uint64_t k0 = d0 ^ key[0], k1 = d1 ^ key[1];
		uint64_t k2 = d2 ^ key[2], k3 = d3 ^ key[3];
		uint64_t k4 = d4 ^ key[4], k5 = d5 ^ key[5];
		uint64_t k6 = d6 ^ key[6], k7 = d7 ^ key[7];
		a0 += (k0 & 0xffffffffu) * (k0 >> 32) + d1;
		a1 += (k1 & 0xffffffffu) * (k1 >> 32) + d0;
		a2 += (k2 & 0xffffffffu) * (k2 >> 32) + d3;
		a3 += (k3 & 0xffffffffu) * (k3 >> 32) + d2;
		a4 += (k4 & 0xffffffffu) * (k4 >> 32) + d5;
		a5 += (k5 & 0xffffffffu) * (k5 >> 32) + d4;
		a6 += (k6 & 0xffffffffu) * (k6 >> 32) + d7;
		a7 += (k7 & 0xffffffffu) * (k7 >> 32) + d6;
	}
	acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
	acc[4] = a4, acc[5] = a5, acc[6] = a6, acc[7] = a7;
}

static void scramble(uint64_t acc[LANES], const uint64_t key[LANES])
{
	for (unsigned i = 0; i < LANES; i++) {
		uint64_t a = acc[i];
		a ^= a >> 47;
		a ^= key[i];
		acc[i] = a * 0x9E3779B1u;
	}
}

uint64_t spm_hash_page(const void *page, uint64_t seed)
{
	const unsigned char *p = page;
	uint64_t key[LANES];
	uint64_t acc[LANES];
	const size_t block = (size_t)STRIPE * STRIPES_PER_BLOCK;

	derive_keys(seed, key);
	for (unsigned i = 0; i < LANES; i++)
		acc[i] = key[(i + 3) % LANES];
	for (size_t off = 0; off < SPM_PAGE_SIZE; off += block) {
		accumulate_block(acc, p + off, key);
		scramble(acc, key);
	}
	uint64_t h = seed ^ P1;
	for (unsigned i = 0; i < LANES; i++)
		h = mix64(h ^ acc[i]) + P3;
	return mix64(h);
}
