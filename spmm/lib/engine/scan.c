/*
 * scan.c - the scanner: finds pages with equal content and merges them.
 *
 * A pass walks every page of every space once.  Only private pages are
 * looked at; zero and stable pages are merged already.  For each one:
 *
 *  1. Backoff: a page seen changed `level` times in a row is looked at only
 *     every 2^level passes (capped by max_backoff).
 *  2. Hash it (keyed 64-bit hash, 26 bits kept in the page table).  A page
 *     that cannot have changed since its last hash (write-protected and
 *     untouched since) is not read at all.  A page whose hash differs from
 *     the last look is volatile: remember the new hash and move on.
 *  3. Find a partner: the zero frame (all-zero content), a stable frame of
 *     the same domain with the same sum, or a page of this pass in the
 *     unstable index with the same sum and domain.  None: file the page in
 *     the unstable index and move on.
 *  4. Write-protect the page (and the unstable partner), then compare the
 *     full 4 KiB.  Only equal content is merged: the page is re-pointed at
 *     the partner's frame and its own frame is freed.  Two unstable pages
 *     become one stable frame (the partner's frame is promoted, no copy).
 *
 * Revocations are queued and flushed once per batch of pages, so that on
 * L4Re one l4_task_unmap_batch call covers many pages.  Correctness never
 * rests on a hash: content is compared after protection, and a page whose
 * write right was taken after it was hashed loses PF_HASHED unless the
 * comparison proved its content.
 *
 * With track_dirty, a private page that is not known to keep changing is
 * write-protected before it is hashed; as long as no client writes it,
 * later passes take its sum from the page table without reading it.
 * In secure mode every page considered loses all client rights and gets
 * PF_COPY before it is hashed, so merged and unmerged pages look the same
 * to their owner: the next access faults, the next write copies.
 */
#include <string.h>

#include "internal.h"

#define BATCH 64u

enum { K_NONE, K_ZERO, K_STABLE, K_PAIR };

struct item {
	struct spm_space *s;
	uint64_t page;
	bool must_hash; /* content may differ from the page's sum */
};

struct find {
	int kind;
	struct spm_stable *stable; /* K_STABLE */
	struct spm_space *cs;	   /* K_PAIR: the partner */
	uint64_t cpage;
};

struct match_ctx {
	struct spm_engine *e;
	uint32_t self, sum, domain;
	struct spm_space *s;
	uint64_t page;
};

static unsigned max_level(const struct spm_engine *e)
{
	unsigned l = 0;
	while (l < 15 && (2u << l) <= e->pol.max_backoff)
		l++;
	return l;
}

static uint32_t page_sum(struct spm_engine *e, spm_frame_t f)
{
	e->pages_hashed++;
	return (uint32_t)spm_hash_page(spm__frame(e, f), e->seed) &
	       SPM_SUM_MASK;
}

static uint32_t gid(const struct spm_space *s, uint64_t page)
{
	return s->id_base + (uint32_t)page;
}

static bool match_unstable(void *vctx, uint32_t id)
{
	struct match_ctx *m = vctx;
	if (id == m->self)
		return false;
	uint64_t page;
	struct spm_space *s = spm__space_of_id(m->e, id, &page);
	if (!s || s->domain != m->domain)
		return false;
	const struct spm_pte *p = &s->pt[page];
	if (p->state != PS_PRIVATE || p->sum != m->sum)
		return false;
	m->s = s;
	m->page = page;
	return true;
}

static bool is_zero(const void *page)
{
	const uint64_t *w = page;
	uint64_t acc = 0;
	for (unsigned i = 0; i < SPM_PAGE_SIZE / 8; i++)
		acc |= w[i];
	return acc == 0;
}

static struct find find_partner(struct spm_engine *e, struct spm_space *s,
				uint64_t page, uint32_t sum)
{
	struct find f = {.kind = K_NONE};
	if (e->pol.merge_zero && sum == e->zero_sum) {
		f.kind = K_ZERO;
		return f;
	}
	f.stable = spm__stable_find(&e->stable, sum, s->domain, SPM_NO_FRAME,
				    e->pol.max_sharing);
	if (f.stable) {
		f.kind = K_STABLE;
		return f;
	}
	struct match_ctx m = {
	    .e = e, .self = gid(s, page), .sum = sum, .domain = s->domain};
	if (spm__unstable_find(&e->unstable, spm__unstable_tag(sum, s->domain),
			       match_unstable, &m) != SPM_NO_ID) {
		f.kind = K_PAIR;
		f.cs = m.s;
		f.cpage = m.page;
	}
	return f;
}

static void revoke_w(struct spm_engine *e, struct spm_space *s, uint64_t page)
{
	e->pl.revoke(e->pl.ctx, s->priv, page, SPM_REVOKE_WRITE);
	s->pt[page].flags &= (uint8_t)~PF_WRITABLE;
}

/* Phase 1: pick the pages of this step; protect those whose content we
 * want to hold still while we hash them. */
static bool select_page(struct spm_engine *e, struct item *it)
{
	struct spm_space *s = it->s;
	uint64_t page = it->page;
	struct spm_pte *p = &s->pt[page];
	if (p->state != PS_PRIVATE)
		return false;
	if (p->level) {
		uint32_t period = 1u << p->level;
		if ((e->full_scans + gid(s, page)) & (period - 1))
			return false;
	}
	it->must_hash = !(p->flags & PF_HASHED) || (p->flags & PF_WRITABLE);
	if (spm__secure(e, s)) {
		if (p->flags & PF_MAPPED)
			e->pl.revoke(e->pl.ctx, s->priv, page, SPM_REVOKE_ALL);
		p->flags = (uint8_t)((p->flags & PF_HASHED) | PF_COPY);
		return true;
	}
	/* Hash it write-protected, so that the sum stays exact until the next
	 * write; pages that keep changing (level > 0) are left alone. */
	if ((p->flags & PF_WRITABLE) && e->pol.track_dirty && p->level == 0)
		revoke_w(e, s, page);
	return true;
}

/* Phase 2: hash; returns true if the page should look for a partner. */
static bool hash_page(struct spm_engine *e, const struct item *it)
{
	struct spm_space *s = it->s;
	struct spm_pte *p = &s->pt[it->page];
	if (!it->must_hash) {
		p->level = 0; /* held still since its last hash */
		return true;
	}
	uint32_t h = page_sum(e, p->frame);
	if ((p->flags & PF_HASHED) && h != p->sum) {
		p->sum = h & SPM_SUM_MASK;
		if (p->level < max_level(e))
			p->level++;
		e->volatile_cur++;
		s->st.pages_volatile++;
		return false;
	}
	bool first = !(p->flags & PF_HASHED);
	p->sum = h & SPM_SUM_MASK;
	p->flags |= PF_HASHED;
	if (!first)
		p->level = 0;
	return !first || e->pol.merge_first_pass;
}

static void file_unstable(struct spm_engine *e, struct spm_space *s,
			  uint64_t page)
{
	/* Out of memory for the index only costs a merge opportunity. */
	(void)spm__unstable_insert(
	    &e->unstable, spm__unstable_tag(s->pt[page].sum, s->domain),
	    gid(s, page));
}

/* Re-point a page at frame f (the window mapping is replaced, so no client
 * keeps the old frame) and free its own frame. */
static void repoint(struct spm_engine *e, struct spm_space *s, uint64_t page,
		    uint8_t state, spm_frame_t f, uint32_t sum)
{
	struct spm_pte *p = &s->pt[page];
	spm_frame_t old = p->frame;
	spm__point(e, s, page, f);
	spm__set_state(e, s, p, state, f);
	spm__frame_free(e, old);
	p->sum = sum & SPM_SUM_MASK;
	p->flags = PF_MAPPED | PF_HASHED;
	p->level = 0;
	e->merges++;
}

static bool merge_zero(struct spm_engine *e, struct spm_space *s, uint64_t page)
{
	if (!is_zero(spm__frame(e, s->pt[page].frame)))
		return false;
	repoint(e, s, page, PS_ZERO, e->zero_frame, e->zero_sum);
	return true;
}

/* The page's content equals the stable frame's (compared by the caller). */
static void merge_stable(struct spm_engine *e, struct spm_space *s,
			 uint64_t page, struct spm_stable *st)
{
	st->refs++;
	repoint(e, s, page, PS_STABLE, st->frame, st->sum);
}

/* Two protected private pages with equal content (compared by the
 * caller): the partner's frame becomes the stable frame. */
static bool merge_pair(struct spm_engine *e, struct spm_space *s, uint64_t page,
		       struct spm_space *cs, uint64_t cpage)
{
	struct spm_pte *c = &cs->pt[cpage];
	/* The partner's sum was taken while it was writable: take it anew
	 * from the content that now holds still. */
	uint32_t h = page_sum(e, c->frame);
	if (spm__stable_insert(&e->stable, h, s->domain, c->frame, 1))
		return false;
	spm__set_state(e, cs, c, PS_STABLE, c->frame);
	c->sum = h & SPM_SUM_MASK;
	c->flags = (uint8_t)((c->flags & PF_MAPPED) | PF_HASHED);
	c->level = 0;
	struct spm_stable *st =
	    spm__stable_find(&e->stable, h, s->domain, c->frame, 0);
	st->refs++;
	repoint(e, s, page, PS_STABLE, c->frame, h);
	return true;
}

/* Content comparison against every candidate filed under the page's sum:
 * a 26-bit sum collides now and then, and the one that matches may not be
 * the first. */
struct cmp_ctx {
	struct spm_engine *e;
	const void *mine;
	uint32_t max_refs;
	struct match_ctx m; /* unstable: identity of self and result */
};

static bool same_as_stable(void *vctx, struct spm_stable *st)
{
	struct cmp_ctx *c = vctx;
	if (c->max_refs && st->refs >= c->max_refs)
		return false;
	return memcmp(c->mine, spm__frame(c->e, st->frame), SPM_PAGE_SIZE) == 0;
}

static bool same_as_unstable(void *vctx, uint32_t id)
{
	struct cmp_ctx *c = vctx;
	if (!match_unstable(&c->m, id))
		return false;
	struct spm_pte *p = &c->m.s->pt[c->m.page];
	if (p->flags & PF_WRITABLE) {
		/* a partner this batch did not protect: rare, do it now */
		revoke_w(c->e, c->m.s, c->m.page);
		p->flags &= (uint8_t)~PF_HASHED;
		c->e->pl.flush(c->e->pl.ctx);
	}
	return memcmp(c->mine, spm__frame(c->e, p->frame), SPM_PAGE_SIZE) == 0;
}

/* Phase 4: the page holds still now; confirm and merge. */
static void merge_page(struct spm_engine *e, struct spm_space *s, uint64_t page)
{
	struct spm_pte *p = &s->pt[page];
	if (p->state != PS_PRIVATE)
		return; /* merged as an earlier page's partner */
	if (e->pol.merge_zero && p->sum == e->zero_sum &&
	    merge_zero(e, s, page))
		return;
	struct cmp_ctx c = {.e = e,
			    .mine = spm__frame(e, p->frame),
			    .max_refs = e->pol.max_sharing,
			    .m = {.e = e,
				  .self = gid(s, page),
				  .sum = p->sum,
				  .domain = s->domain}};
	struct spm_stable *st =
	    spm__stable_each(&e->stable, p->sum, s->domain, same_as_stable, &c);
	if (st) {
		merge_stable(e, s, page, st);
		return;
	}
	if (spm__unstable_find(&e->unstable,
			       spm__unstable_tag(p->sum, s->domain),
			       same_as_unstable, &c) != SPM_NO_ID &&
	    merge_pair(e, s, page, c.m.s, c.m.page))
		return;
	if (p->flags & PF_HASHED)
		file_unstable(e, s, page);
}

/* Phase 3 for one page: file it, or protect it (and its partner) for
 * phase 4.  Returns true if the page goes on to phase 4. */
static bool pick_partner(struct spm_engine *e, struct spm_space *s,
			 uint64_t page)
{
	struct spm_pte *p = &s->pt[page];
	struct find f = find_partner(e, s, page, p->sum);
	if (f.kind == K_NONE) {
		file_unstable(e, s, page);
		return false;
	}
	if (p->flags & PF_WRITABLE) {
		/* hashed while writable: the sum is a guess until compared */
		revoke_w(e, s, page);
		p->flags &= (uint8_t)~PF_HASHED;
	}
	if (f.kind == K_PAIR && (f.cs->pt[f.cpage].flags & PF_WRITABLE)) {
		revoke_w(e, f.cs, f.cpage);
		f.cs->pt[f.cpage].flags &= (uint8_t)~PF_HASHED;
	}
	return true;
}

/* Anything the scanner should react to: merges, copies, changes. */
static uint64_t activity(const struct spm_engine *e)
{
	return e->merges + e->cow_breaks + e->volatile_cur;
}

static void end_pass(struct spm_engine *e)
{
	uint64_t a = activity(e);
	e->idle_passes = a == e->pass_mark ? e->idle_passes + 1 : 0;
	e->full_scans++;
	e->volatile_last = e->volatile_cur;
	e->volatile_cur = 0;
	e->pass_mark = activity(e);
	spm__unstable_reset(&e->unstable);
}

uint32_t spm_step_pages(const struct spm_engine *e)
{
	const struct spm_policy *p = &e->pol;
	if (!p->target_pass_ms)
		return p->pages_per_step;
	/* steps per pass = target / sleep; pages per step to cover all */
	uint64_t steps = p->target_pass_ms / (p->sleep_ms ? p->sleep_ms : 1);
	uint64_t n = (e->pages_total + steps - 1) / (steps ? steps : 1);
	n >>= e->idle_passes < 3 ? e->idle_passes : 3;
	if (n < p->pages_per_step)
		n = p->pages_per_step;
	return n > (1u << 24) ? 1u << 24 : (uint32_t)n;
}

/* Next page under the cursor; true if this page ends a pass. */
static bool advance(struct spm_engine *e, struct item *it)
{
	it->s = e->spaces[e->cur_space];
	it->page = e->cur_page;
	if (++e->cur_page < it->s->npages)
		return false;
	e->cur_page = 0;
	if (++e->cur_space < e->nspaces)
		return false;
	e->cur_space = 0;
	return true;
}

long spm_scan(struct spm_engine *e, uint32_t pages)
{
	if (!e->pages_total)
		return -SPM_ENOENT;
	if (!pages)
		pages = spm_step_pages(e);
	long done = 0;
	struct item it[BATCH];
	while (done < (long)pages) {
		unsigned n = 0;
		bool pass_end = false;
		while (n < BATCH && done < (long)pages && !pass_end) {
			struct item cur;
			pass_end = advance(e, &cur);
			done++;
			e->pages_scanned++;
			if (select_page(e, &cur))
				it[n++] = cur;
		}
		e->pl.flush(e->pl.ctx);
		unsigned m = 0;
		for (unsigned i = 0; i < n; i++)
			if (hash_page(e, &it[i]) &&
			    pick_partner(e, it[i].s, it[i].page))
				it[m++] = it[i];
		if (m) {
			e->pl.flush(e->pl.ctx);
			for (unsigned i = 0; i < m; i++)
				merge_page(e, it[i].s, it[i].page);
		}
		if (pass_end) {
			end_pass(e);
			break;
		}
	}
	return done;
}
