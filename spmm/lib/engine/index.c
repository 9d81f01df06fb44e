/*
 * index.c - the stable and the unstable index.
 *
 * Both are open-addressing hash tables with linear probing, so a lookup
 * touches one or two cache lines where KSM's rb-trees walk a path of
 * memcmp()s.
 *
 * Stable index: one entry per stable (merged, read-only) frame, keyed by
 * (content sum, merge domain).  Entries stay valid as long as the frame
 * lives, because nobody can write a stable frame.  Several entries may have
 * the same key (max_sharing, or a sum collision between different
 * contents); a lookup takes the first that fits.
 *
 * Unstable index: the pages of this pass that found no partner yet.  Their
 * content may change at any time, so an entry is only a hint: the scanner
 * confirms every hit by write-protecting and comparing both pages.  The
 * table is emptied at the start of every pass (as KSM rebuilds its
 * unstable tree) and sized to the previous pass, so it never keeps stale
 * entries for long.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MIN_CAP 64u

static uint32_t slot_of(uint32_t key, uint32_t mask)
{
	return (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

static uint32_t stable_key(uint32_t sum, uint32_t domain)
{
	return sum ^ (domain * 0x85EBCA6Bu);
}

/* ---- stable index -------------------------------------------------- */

int spm__stable_init(struct spm_stable_index *ix)
{
	ix->slot = calloc(MIN_CAP, sizeof(*ix->slot));
	if (!ix->slot)
		return -SPM_ENOMEM;
	ix->mask = MIN_CAP - 1;
	ix->count = 0;
	return 0;
}

void spm__stable_fini(struct spm_stable_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
}

static void stable_put(struct spm_stable_index *ix, const struct spm_stable *v)
{
	uint32_t i = slot_of(stable_key(v->sum, v->domain), ix->mask);
	while (ix->slot[i].refs)
		i = (i + 1) & ix->mask;
	ix->slot[i] = *v;
}

static int stable_resize(struct spm_stable_index *ix, uint32_t cap)
{
	struct spm_stable *old = ix->slot;
	uint32_t oldcap = ix->mask + 1;
	struct spm_stable *n = calloc(cap, sizeof(*n));
	if (!n)
		return -SPM_ENOMEM;
	ix->slot = n;
	ix->mask = cap - 1;
	for (uint32_t i = 0; i < oldcap; i++)
		if (old[i].refs)
			stable_put(ix, &old[i]);
	free(old);
	return 0;
}

struct spm_stable *spm__stable_find(struct spm_stable_index *ix, uint32_t sum,
				    uint32_t domain, spm_frame_t frame,
				    uint32_t max_refs)
{
	uint32_t i = slot_of(stable_key(sum, domain), ix->mask);
	for (; ix->slot[i].refs; i = (i + 1) & ix->mask) {
		struct spm_stable *s = &ix->slot[i];
		if (s->sum != sum || s->domain != domain)
			continue;
		if (frame != SPM_NO_FRAME ? s->frame == frame
					  : (!max_refs || s->refs < max_refs))
			return s;
	}
	return NULL;
}

int spm__stable_insert(struct spm_stable_index *ix, uint32_t sum,
		       uint32_t domain, spm_frame_t frame, uint32_t refs)
{
	uint32_t cap = ix->mask + 1;
	if ((uint64_t)(ix->count + 1) * 4 > (uint64_t)cap * 3) {
		if (cap >= (1u << 31))
			return -SPM_ENOMEM;
		int r = stable_resize(ix, cap * 2);
		if (r)
			return r;
	}
	struct spm_stable v = {
	    .sum = sum, .frame = frame, .refs = refs, .domain = domain};
	stable_put(ix, &v);
	ix->count++;
	return 0;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
void spm__stable_remove(struct spm_stable_index *ix, struct spm_stable *ent)
{
	uint32_t hole = (uint32_t)(ent - ix->slot);
	uint32_t i = hole;
	for (;;) {
		i = (i + 1) & ix->mask;
		if (!ix->slot[i].refs)
			break;
		uint32_t home = slot_of(
		    stable_key(ix->slot[i].sum, ix->slot[i].domain), ix->mask);
		/* May the entry at i move to the hole?  Only if its home is
		 * not cyclically within (hole, i]. */
		if (((i - home) & ix->mask) >= ((i - hole) & ix->mask)) {
			ix->slot[hole] = ix->slot[i];
			hole = i;
		}
	}
	memset(&ix->slot[hole], 0, sizeof(ix->slot[hole]));
	ix->count--;
	uint32_t cap = ix->mask + 1;
	if (cap > MIN_CAP && (uint64_t)ix->count * 8 < cap)
		(void)stable_resize(ix,
				    cap / 2); /* failure: keep the big one */
}

/* ---- unstable index ------------------------------------------------ */

uint32_t spm__unstable_tag(uint32_t sum, uint32_t domain)
{
	return stable_key(sum, domain);
}

static void unstable_clear_slots(struct spm_unstable_index *ix)
{
	/* all-ones bytes: every id is SPM_NO_ID */
	memset(ix->slot, 0xff, ((size_t)ix->mask + 1) * sizeof(*ix->slot));
	ix->count = 0;
}

int spm__unstable_init(struct spm_unstable_index *ix)
{
	ix->slot = malloc(MIN_CAP * sizeof(*ix->slot));
	if (!ix->slot)
		return -SPM_ENOMEM;
	ix->mask = MIN_CAP - 1;
	unstable_clear_slots(ix);
	return 0;
}

void spm__unstable_fini(struct spm_unstable_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
}

/* Empty the table for a new pass, sized for as many entries as the last
 * pass ended with (so a steady state costs no reallocation). */
void spm__unstable_reset(struct spm_unstable_index *ix)
{
	uint32_t cap = ix->mask + 1;
	uint32_t want = MIN_CAP;
	while (want < (1u << 31) &&
	       (uint64_t)want * 3 < (uint64_t)ix->count * 4)
		want *= 2;
	if (want < cap / 2) {
		struct spm_unstable_slot *n = malloc(want * sizeof(*n));
		if (n) {
			free(ix->slot);
			ix->slot = n;
			ix->mask = want - 1;
		}
	}
	unstable_clear_slots(ix);
}

static void unstable_put(struct spm_unstable_index *ix, uint32_t tag,
			 uint32_t id)
{
	uint32_t i = slot_of(tag, ix->mask);
	while (ix->slot[i].id != SPM_NO_ID)
		i = (i + 1) & ix->mask;
	ix->slot[i].id = id;
	ix->slot[i].tag = tag;
}

uint32_t spm__unstable_find(const struct spm_unstable_index *ix, uint32_t tag,
			    bool (*match)(void *ctx, uint32_t id), void *ctx)
{
	uint32_t i = slot_of(tag, ix->mask);
	for (; ix->slot[i].id != SPM_NO_ID; i = (i + 1) & ix->mask)
		if (ix->slot[i].tag == tag && match(ctx, ix->slot[i].id))
			return ix->slot[i].id;
	return SPM_NO_ID;
}

int spm__unstable_insert(struct spm_unstable_index *ix, uint32_t tag,
			 uint32_t id)
{
	uint32_t cap = ix->mask + 1;
	if ((uint64_t)(ix->count + 1) * 4 > (uint64_t)cap * 3) {
		if (cap >= (1u << 31))
			return -SPM_ENOMEM;
		struct spm_unstable_slot *old = ix->slot;
		uint32_t ncap = 2 * cap;
		struct spm_unstable_slot *n = malloc((size_t)ncap * sizeof(*n));
		if (!n)
			return -SPM_ENOMEM;
		memset(n, 0xff, (size_t)ncap * sizeof(*n)); /* id = SPM_NO_ID */
		ix->slot = n;
		ix->mask = ncap - 1;
		for (uint32_t i = 0; i < cap; i++)
			if (old[i].id != SPM_NO_ID)
				unstable_put(ix, old[i].tag, old[i].id);
		free(old);
	}
	unstable_put(ix, tag, id);
	ix->count++;
	return 0;
}
