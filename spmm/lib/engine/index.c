/*
 * index.c - the stable and the unstable index.
 *
 * Both are open-addressing hash tables with Robin Hood linear probing, so
 * a lookup touches one or two cache lines where KSM's rb-trees walk a path
 * of memcmp()s, and the tables can run 95% full: they are a good part of
 * the engine's metadata.  Robin Hood keeps every entry at most as far from
 * its home slot as the entries it passed, so a search stops as soon as it
 * meets an entry closer to home than itself would be.
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

/* Tables fill to 95% before they grow by a quarter (Robin Hood keeps
 * probe sequences short even so); capacities are not powers of two, and a
 * key maps to a slot by multiply-shift range reduction. */
static bool too_full(uint32_t count, uint32_t cap)
{
	return (uint64_t)count * 20 > (uint64_t)cap * 19;
}

static uint32_t grown(uint32_t cap)
{
	return cap + cap / 4;
}

/* Capacity for n entries right after a rebuild: 90% full. */
static uint32_t cap_for(uint32_t n)
{
	uint64_t c = (uint64_t)n * 10 / 9 + 1;
	return c < MIN_CAP ? MIN_CAP : (uint32_t)c;
}

static uint32_t slot_of(uint32_t key, uint32_t cap)
{
	uint32_t h = (uint32_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32);
	return (uint32_t)(((uint64_t)h * cap) >> 32);
}

static uint32_t next(uint32_t i, uint32_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}

/* Probe distance from slot a forward to slot b. */
static uint32_t dist(uint32_t a, uint32_t b, uint32_t cap)
{
	return b >= a ? b - a : b + cap - a;
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
	ix->cap = MIN_CAP;
	ix->count = 0;
	return 0;
}

void spm__stable_fini(struct spm_stable_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
}

static uint32_t stable_home(const struct spm_stable_index *ix,
			    const struct spm_stable *v)
{
	return slot_of(stable_key(v->sum, v->domain), ix->cap);
}

static void stable_put(struct spm_stable_index *ix, const struct spm_stable *v)
{
	struct spm_stable cur = *v;
	uint32_t i = stable_home(ix, &cur), d = 0;
	while (ix->slot[i].refs) {
		uint32_t od = dist(stable_home(ix, &ix->slot[i]), i, ix->cap);
		if (od < d) { /* the richer entry moves on */
			struct spm_stable t = ix->slot[i];
			ix->slot[i] = cur;
			cur = t;
			d = od;
		}
		i = next(i, ix->cap);
		d++;
	}
	ix->slot[i] = cur;
}

static int stable_resize(struct spm_stable_index *ix, uint32_t cap)
{
	struct spm_stable *old = ix->slot;
	uint32_t oldcap = ix->cap;
	struct spm_stable *n = calloc(cap, sizeof(*n));
	if (!n)
		return -SPM_ENOMEM;
	ix->slot = n;
	ix->cap = cap;
	for (uint32_t i = 0; i < oldcap; i++)
		if (old[i].refs)
			stable_put(ix, &old[i]);
	free(old);
	return 0;
}

struct spm_stable *
spm__stable_each(struct spm_stable_index *ix, uint32_t sum, uint32_t domain,
		 bool (*match)(void *ctx, struct spm_stable *s), void *ctx)
{
	uint32_t i = slot_of(stable_key(sum, domain), ix->cap);
	for (uint32_t d = 0; ix->slot[i].refs; i = next(i, ix->cap), d++) {
		struct spm_stable *s = &ix->slot[i];
		if (dist(stable_home(ix, s), i, ix->cap) < d)
			break; /* ours would have taken this slot */
		if (s->sum == sum && s->domain == domain && match(ctx, s))
			return s;
	}
	return NULL;
}

struct find_ctx {
	spm_frame_t frame;
	uint32_t max_refs;
};

static bool match_find(void *vctx, struct spm_stable *s)
{
	const struct find_ctx *c = vctx;
	return c->frame != SPM_NO_FRAME
		   ? s->frame == c->frame
		   : (!c->max_refs || s->refs < c->max_refs);
}

struct spm_stable *spm__stable_find(struct spm_stable_index *ix, uint32_t sum,
				    uint32_t domain, spm_frame_t frame,
				    uint32_t max_refs)
{
	struct find_ctx c = {.frame = frame, .max_refs = max_refs};
	return spm__stable_each(ix, sum, domain, match_find, &c);
}

int spm__stable_insert(struct spm_stable_index *ix, uint32_t sum,
		       uint32_t domain, spm_frame_t frame, uint32_t refs)
{
	if (too_full(ix->count + 1, ix->cap)) {
		if (ix->cap >= (1u << 30))
			return -SPM_ENOMEM;
		int r = stable_resize(ix, grown(ix->cap));
		if (r)
			return r;
	}
	struct spm_stable v = {
	    .sum = sum, .frame = frame, .refs = refs, .domain = domain};
	stable_put(ix, &v);
	ix->count++;
	return 0;
}

/* Backward-shift deletion: the entries after the hole move back one slot
 * until one is at its home, which keeps the Robin Hood order. */
void spm__stable_remove(struct spm_stable_index *ix, struct spm_stable *ent)
{
	uint32_t hole = (uint32_t)(ent - ix->slot);
	for (;;) {
		uint32_t i = next(hole, ix->cap);
		if (!ix->slot[i].refs || stable_home(ix, &ix->slot[i]) == i)
			break;
		ix->slot[hole] = ix->slot[i];
		hole = i;
	}
	memset(&ix->slot[hole], 0, sizeof(ix->slot[hole]));
	ix->count--;
	if (ix->cap > MIN_CAP && (uint64_t)ix->count * 3 < ix->cap)
		(void)stable_resize(ix, cap_for(ix->count));
	/* on failure the big table stays: still correct */
}

/* ---- unstable index ------------------------------------------------ */

uint32_t spm__unstable_tag(uint32_t sum, uint32_t domain)
{
	return stable_key(sum, domain);
}

static void unstable_clear_slots(struct spm_unstable_index *ix)
{
	/* all-ones bytes: every id is SPM_NO_ID */
	memset(ix->slot, 0xff, (size_t)ix->cap * sizeof(*ix->slot));
	ix->count = 0;
}

int spm__unstable_init(struct spm_unstable_index *ix)
{
	ix->slot = malloc(MIN_CAP * sizeof(*ix->slot));
	if (!ix->slot)
		return -SPM_ENOMEM;
	ix->cap = MIN_CAP;
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
	uint32_t want = cap_for(ix->count);
	if ((uint64_t)want * 5 < (uint64_t)ix->cap * 4 ||
	    too_full(ix->count, ix->cap)) {
		struct spm_unstable_slot *n = malloc(want * sizeof(*n));
		if (n) {
			free(ix->slot);
			ix->slot = n;
			ix->cap = want;
		}
	}
	unstable_clear_slots(ix);
}

static void unstable_put(struct spm_unstable_index *ix, uint32_t tag,
			 uint32_t id)
{
	struct spm_unstable_slot cur = {.id = id, .tag = tag};
	uint32_t i = slot_of(tag, ix->cap), d = 0;
	while (ix->slot[i].id != SPM_NO_ID) {
		uint32_t od =
		    dist(slot_of(ix->slot[i].tag, ix->cap), i, ix->cap);
		if (od < d) {
			struct spm_unstable_slot t = ix->slot[i];
			ix->slot[i] = cur;
			cur = t;
			d = od;
		}
		i = next(i, ix->cap);
		d++;
	}
	ix->slot[i] = cur;
}

uint32_t spm__unstable_find(const struct spm_unstable_index *ix, uint32_t tag,
			    bool (*match)(void *ctx, uint32_t id), void *ctx)
{
	uint32_t i = slot_of(tag, ix->cap);
	for (uint32_t d = 0; ix->slot[i].id != SPM_NO_ID;
	     i = next(i, ix->cap), d++) {
		const struct spm_unstable_slot *e = &ix->slot[i];
		if (dist(slot_of(e->tag, ix->cap), i, ix->cap) < d)
			break;
		if (e->tag == tag && match(ctx, e->id))
			return e->id;
	}
	return SPM_NO_ID;
}

int spm__unstable_insert(struct spm_unstable_index *ix, uint32_t tag,
			 uint32_t id)
{
	if (too_full(ix->count + 1, ix->cap)) {
		if (ix->cap >= (1u << 30))
			return -SPM_ENOMEM;
		struct spm_unstable_slot *old = ix->slot;
		uint32_t oldcap = ix->cap, ncap = grown(ix->cap);
		struct spm_unstable_slot *n = malloc((size_t)ncap * sizeof(*n));
		if (!n)
			return -SPM_ENOMEM;
		memset(n, 0xff, (size_t)ncap * sizeof(*n)); /* id = SPM_NO_ID */
		ix->slot = n;
		ix->cap = ncap;
		for (uint32_t i = 0; i < oldcap; i++)
			if (old[i].id != SPM_NO_ID)
				unstable_put(ix, old[i].tag, old[i].id);
		free(old);
	}
	unstable_put(ix, tag, id);
	ix->count++;
	return 0;
}
