/*
 * engine.c - the engine object: policy, frames, statistics, self-check.
 *
 * Owns: the platform handle, the policy, the zero frame, the count of
 * frames taken from the platform, and the global counters.  Every other
 * module keeps its state in the engine object too, so several engines can
 * live side by side (the tests do that).
 *
 * Invariant: frames_held == frames_in_use + 1 (the zero frame), where
 * frames_in_use counts private pages plus stable frames.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void spm_policy_default(struct spm_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->pages_per_step = 1024;
	p->sleep_ms = 20;
	p->merge_zero = 1;
	p->merge_first_pass = 1;
	p->track_dirty = 1;
	p->secure = 0;
	p->max_backoff = 8;
	p->max_sharing = 0;
	p->max_frames = 0;
	p->target_pass_ms = 0;
}

int spm_policy_check(const struct spm_policy *p)
{
	if (!p->pages_per_step || p->pages_per_step > (1u << 24))
		return -SPM_EINVAL;
	if (p->merge_zero > 1 || p->merge_first_pass > 1 ||
	    p->track_dirty > 1 || p->secure > 1)
		return -SPM_EINVAL;
	if (p->max_backoff > (1u << 15))
		return -SPM_EINVAL;
	if (p->max_frames == 1 || p->max_frames > SPM_FRAME_LIMIT)
		return -SPM_EINVAL; /* the zero frame alone needs one */
	if (p->max_sharing == 1)
		return -SPM_EINVAL; /* sharing by one is no sharing */
	if (p->target_pass_ms && p->target_pass_ms < p->sleep_ms)
		return -SPM_EINVAL; /* a pass takes one step at least */
	return 0;
}

int spm__frame_alloc(struct spm_engine *e, bool random, spm_frame_t *f)
{
	if (e->pol.max_frames && e->frames_held >= e->pol.max_frames) {
		e->alloc_failures++;
		return -SPM_ENOMEM;
	}
	unsigned flags = random ? SPM_ALLOC_RANDOM : 0;
	int r = e->pl.frame_alloc(e->pl.ctx, flags, f);
	if (r == 0 && *f >= SPM_FRAME_LIMIT) {
		e->pl.frame_free(e->pl.ctx, *f);
		r = -SPM_ENOMEM;
	}
	if (r) {
		e->alloc_failures++;
		return r < 0 ? r : -SPM_ENOMEM;
	}
	e->frames_held++;
	return 0;
}

void spm__frame_free(struct spm_engine *e, spm_frame_t f)
{
	e->pl.frame_free(e->pl.ctx, f);
	e->frames_held--;
}

void *spm__frame(struct spm_engine *e, spm_frame_t f)
{
	return e->pl.frame_ptr(e->pl.ctx, f);
}

int spm_engine_create(struct spm_engine **out, const struct spm_platform *pl,
		      const struct spm_policy *policy, uint64_t seed)
{
	struct spm_policy def;
	if (!policy) {
		spm_policy_default(&def);
		policy = &def;
	}
	if (spm_policy_check(policy))
		return -SPM_EINVAL;
	struct spm_engine *e = calloc(1, sizeof(*e));
	if (!e)
		return -SPM_ENOMEM;
	e->pl = *pl;
	e->pol = *policy;
	e->seed = seed;
	e->rng = seed ^ 0x2545F4914F6CDD1Dull;
	if (!e->rng)
		e->rng = 1;
	int r = spm__stable_init(&e->stable);
	if (!r)
		r = spm__unstable_init(&e->unstable);
	if (!r)
		r = spm__frame_alloc(e, false, &e->zero_frame);
	if (r) {
		spm__unstable_fini(&e->unstable);
		spm__stable_fini(&e->stable);
		free(e);
		return r;
	}
	memset(spm__frame(e, e->zero_frame), 0, SPM_PAGE_SIZE);
	e->zero_sum =
	    (uint32_t)spm_hash_page(spm__frame(e, e->zero_frame), seed) &
	    SPM_SUM_MASK;
	*out = e;
	return 0;
}

void spm_engine_destroy(struct spm_engine *e)
{
	if (!e)
		return;
	while (e->nspaces)
		spm_space_destroy(e, e->spaces[e->nspaces - 1]);
	spm__frame_free(e, e->zero_frame);
	spm__unstable_fini(&e->unstable);
	spm__stable_fini(&e->stable);
	free(e->spaces);
	free(e);
}

int spm_engine_set_policy(struct spm_engine *e, const struct spm_policy *p)
{
	if (spm_policy_check(p))
		return -SPM_EINVAL;
	e->pol = *p;
	return 0;
}

const struct spm_policy *spm_engine_policy(const struct spm_engine *e)
{
	return &e->pol;
}

spm_frame_t spm_zero_frame(const struct spm_engine *e)
{
	return e->zero_frame;
}

/* Spaces are sorted by id_base, so a binary search finds the owner. */
struct spm_space *spm__space_of_id(struct spm_engine *e, uint32_t id,
				   uint64_t *page)
{
	uint32_t lo = 0, hi = e->nspaces;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		struct spm_space *s = e->spaces[mid];
		if (id < s->id_base)
			hi = mid;
		else if ((uint64_t)id >= s->id_base + s->npages)
			lo = mid + 1;
		else {
			*page = id - s->id_base;
			return s;
		}
	}
	return NULL;
}

static uint64_t metadata_bytes(const struct spm_engine *e)
{
	uint64_t b = sizeof(*e);
	b += (uint64_t)e->spaces_cap * sizeof(struct spm_space *);
	for (uint32_t i = 0; i < e->nspaces; i++)
		b += sizeof(struct spm_space) +
		     e->spaces[i]->npages * sizeof(struct spm_pte);
	b += (uint64_t)e->stable.cap * sizeof(e->stable.slot[0]);
	b += (uint64_t)e->unstable.cap * sizeof(e->unstable.slot[0]);
	return b;
}

void spm_stats(const struct spm_engine *e, struct spm_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->pages_total = e->pages_total;
	st->pages_shared = e->stable.count;
	st->pages_sharing = e->stable_pages - e->stable.count;
	st->pages_unshared = e->unstable.count;
	st->pages_volatile = e->full_scans ? e->volatile_last : e->volatile_cur;
	st->zero_pages = e->zero_pages;
	st->pages_private = e->private_pages;
	st->full_scans = e->full_scans;
	st->pages_scanned = e->pages_scanned;
	st->pages_hashed = e->pages_hashed;
	st->merges = e->merges;
	st->cow_breaks = e->cow_breaks;
	st->alloc_failures = e->alloc_failures;
	st->frames_in_use = e->private_pages + e->stable.count;
	st->metadata_bytes = metadata_bytes(e);
}

void spm_space_stats(const struct spm_space *s, struct spm_space_stats *st)
{
	*st = s->st;
}

/* ---- self-check ---------------------------------------------------- */

#define FAIL(...)                                   \
	do {                                        \
		snprintf(msg, msglen, __VA_ARGS__); \
		return -SPM_EINVAL;                 \
	} while (0)

static int check_page(struct spm_engine *e, struct spm_space *s, uint64_t i,
		      char *msg, size_t msglen)
{
	const struct spm_pte *p = &s->pt[i];
	switch (p->state) {
	case PS_ZERO:
		if (p->frame != e->zero_frame)
			FAIL("space %u page %llu: zero page maps frame %u",
			     s->id_base, (unsigned long long)i, p->frame);
		if (p->flags & PF_WRITABLE)
			FAIL("space %u page %llu: zero page writable",
			     s->id_base, (unsigned long long)i);
		break;
	case PS_PRIVATE:
		if (p->frame == e->zero_frame)
			FAIL("private page maps the zero frame");
		break;
	case PS_STABLE: {
		if (p->flags & PF_WRITABLE)
			FAIL("space %u page %llu: stable page writable",
			     s->id_base, (unsigned long long)i);
		const struct spm_stable *st = spm__stable_find(
		    &e->stable, p->sum, s->domain, p->frame, 0);
		if (!st)
			FAIL("space %u page %llu: stable frame %u not in the "
			     "index of domain %u",
			     s->id_base, (unsigned long long)i, p->frame,
			     s->domain);
		break;
	}
	default:
		FAIL("bad state %u", p->state);
	}
	/* A page that cannot have been written since it was hashed has
	 * exactly the hashed content. */
	if ((p->flags & PF_HASHED) && !(p->flags & PF_WRITABLE)) {
		uint32_t h =
		    (uint32_t)spm_hash_page(spm__frame(e, p->frame), e->seed) &
		    SPM_SUM_MASK;
		if (h != p->sum)
			FAIL("space %u page %llu: protected page's sum is "
			     "stale",
			     s->id_base, (unsigned long long)i);
	}
	return 0;
}

/* Each private frame belongs to exactly one page, and no private frame
 * is also a stable frame or the zero frame. */
static int check_frames_unique(struct spm_engine *e, char *msg, size_t msglen)
{
	uint32_t maxf = e->zero_frame;
	for (uint32_t i = 0; i < e->stable.cap; i++)
		if (e->stable.slot[i].refs && e->stable.slot[i].frame > maxf)
			maxf = e->stable.slot[i].frame;
	for (uint32_t k = 0; k < e->nspaces; k++)
		for (uint64_t i = 0; i < e->spaces[k]->npages; i++)
			if (e->spaces[k]->pt[i].frame > maxf)
				maxf = e->spaces[k]->pt[i].frame;
	uint8_t *seen = calloc((size_t)maxf / 8 + 1, 1);
	if (!seen)
		FAIL("out of memory in check");
#define SEEN(f) (seen[(f) / 8] & (1u << ((f) % 8)))
#define MARK(f) (seen[(f) / 8] |= (uint8_t)(1u << ((f) % 8)))
	MARK(e->zero_frame);
	for (uint32_t i = 0; i < e->stable.cap; i++) {
		if (!e->stable.slot[i].refs)
			continue;
		if (SEEN(e->stable.slot[i].frame)) {
			free(seen);
			FAIL("frame %u is in the stable index twice",
			     e->stable.slot[i].frame);
		}
		MARK(e->stable.slot[i].frame);
	}
	for (uint32_t k = 0; k < e->nspaces; k++) {
		const struct spm_space *s = e->spaces[k];
		for (uint64_t i = 0; i < s->npages; i++) {
			uint32_t f = s->pt[i].frame;
			if (s->pt[i].state != PS_PRIVATE)
				continue;
			if (SEEN(f)) {
				free(seen);
				FAIL("private frame %u of space %u page %llu "
				     "is used elsewhere too",
				     f, s->id_base, (unsigned long long)i);
			}
			MARK(f);
		}
	}
#undef SEEN
#undef MARK
	free(seen);
	return 0;
}

int spm_check(struct spm_engine *e, char *msg, size_t msglen)
{
	uint64_t total = 0, zero = 0, priv = 0, stab = 0;
	/* refcount per stable entry, counted from the page tables */
	uint32_t cap = e->stable.cap;
	uint32_t *refs = calloc(cap, sizeof(*refs));
	if (!refs)
		FAIL("out of memory in check");
	for (uint32_t k = 0; k < e->nspaces; k++) {
		struct spm_space *s = e->spaces[k];
		if (k && e->spaces[k - 1]->id_base + e->spaces[k - 1]->npages >
			     s->id_base) {
			free(refs);
			FAIL("space id ranges overlap");
		}
		total += s->npages;
		for (uint64_t i = 0; i < s->npages; i++) {
			int r = check_page(e, s, i, msg, msglen);
			if (r) {
				free(refs);
				return r;
			}
			const struct spm_pte *p = &s->pt[i];
			zero += p->state == PS_ZERO;
			priv += p->state == PS_PRIVATE;
			if (p->state == PS_STABLE) {
				stab++;
				refs[spm__stable_find(&e->stable, p->sum,
						      s->domain, p->frame, 0) -
				     e->stable.slot]++;
			}
		}
	}
	int r = check_frames_unique(e, msg, msglen);
	if (r) {
		free(refs);
		return r;
	}
	uint32_t entries = 0;
	for (uint32_t i = 0; i < cap; i++) {
		const struct spm_stable *st = &e->stable.slot[i];
		if (!st->refs)
			continue;
		entries++;
		if (st->refs != refs[i]) {
			uint32_t counted = refs[i];
			free(refs);
			FAIL("stable frame %u: refcount %u, mapped by %u pages",
			     st->frame, st->refs, counted);
		}
		uint32_t h =
		    (uint32_t)spm_hash_page(spm__frame(e, st->frame), e->seed) &
		    SPM_SUM_MASK;
		if (h != st->sum) {
			free(refs);
			FAIL("stable frame %u: content does not match its sum",
			     st->frame);
		}
	}
	free(refs);
	if (entries != e->stable.count)
		FAIL("stable index count %u, entries %u", e->stable.count,
		     entries);
	if (total != e->pages_total || zero != e->zero_pages ||
	    priv != e->private_pages || stab != e->stable_pages)
		FAIL("counters: total %llu/%llu zero %llu/%llu private "
		     "%llu/%llu stable %llu/%llu",
		     (unsigned long long)total,
		     (unsigned long long)e->pages_total,
		     (unsigned long long)zero,
		     (unsigned long long)e->zero_pages,
		     (unsigned long long)priv,
		     (unsigned long long)e->private_pages,
		     (unsigned long long)stab,
		     (unsigned long long)e->stable_pages);
	if (e->frames_held != priv + e->stable.count + 1)
		FAIL("frames held %llu, in use %llu + zero",
		     (unsigned long long)e->frames_held,
		     (unsigned long long)(priv + e->stable.count));
	if (e->pol.max_frames && e->frames_held > e->pol.max_frames)
		FAIL("over the frame limit");
	return 0;
}
