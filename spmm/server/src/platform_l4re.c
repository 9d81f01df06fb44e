/*
 * platform_l4re.c - the engine's platform on L4Re (see platform_l4re.h).
 */
#include <stdlib.h>
#include <string.h>

#include <l4/re/c/mem_alloc.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/sys/consts.h>
#include <l4/sys/err.h>
#include <l4/sys/task.h>

#include "platform_l4re.h"

#define CHUNK_SHIFT 21u /* 2 MiB */
#define CHUNK_PAGES (1u << (CHUNK_SHIFT - L4_PAGESHIFT))

l4_addr_t spmm_frame_addr(const struct spmm_plat *p, spm_frame_t f)
{
	return p->chunk[f / CHUNK_PAGES] +
	       ((l4_addr_t)(f % CHUNK_PAGES) << L4_PAGESHIFT);
}

/* One more chunk from the memory allocator, mapped now, with X: window
 * pages are mapped from these, and a window page can pass on no right its
 * chunk page lacks (uvmm's guests execute from them).  It takes the slot
 * of a chunk given back, if there is one. */
static int grow(struct spmm_plat *p)
{
	if (p->max_chunks && p->live_chunks >= p->max_chunks)
		return -L4_ENOMEM;
	uint32_t slot = 0;
	while (slot < p->nchunks && p->chunk[slot])
		slot++;
	if (slot == p->nchunks && p->nchunks == p->chunks_cap) {
		uint32_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
		l4_addr_t *c = realloc(p->chunk, cap * sizeof(*c));
		if (!c)
			return -L4_ENOMEM;
		p->chunk = c;
		l4_cap_idx_t *d = realloc(p->chunk_ds, cap * sizeof(*d));
		if (!d)
			return -L4_ENOMEM;
		p->chunk_ds = d;
		p->chunks_cap = cap;
	}
	l4re_ds_t ds = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(ds))
		return -L4_ENOMEM;
	long r = l4re_ma_alloc_align(1ul << CHUNK_SHIFT, ds, 0, CHUNK_SHIFT);
	if (r) {
		l4re_util_cap_free(ds);
		return -L4_ENOMEM;
	}
	void *addr = 0;
	r = l4re_rm_attach(&addr, 1ul << CHUNK_SHIFT,
			   L4RE_RM_F_SEARCH_ADDR | L4RE_RM_F_RWX |
			       L4RE_RM_F_EAGER_MAP,
			   ds, 0, CHUNK_SHIFT);
	if (r) {
		l4re_util_cap_free_um(ds);
		return -L4_ENOMEM;
	}
	if (slot == p->nchunks) {
		if (spm_pool_grow(&p->pool, CHUNK_PAGES)) {
			l4re_rm_detach(addr);
			l4re_util_cap_free_um(ds);
			return -L4_ENOMEM;
		}
		p->nchunks++;
	} else {
		spm_pool_return_range(&p->pool, slot * CHUNK_PAGES,
				      CHUNK_PAGES / 64);
	}
	p->chunk[slot] = (l4_addr_t)addr;
	p->chunk_ds[slot] = ds;
	p->live_chunks++;
	return 0;
}

static int frame_alloc(void *ctx, unsigned flags, spm_frame_t *out)
{
	struct spmm_plat *p = ctx;
	if (!p->pool.nfree && grow(p))
		return -L4_ENOMEM;
	return spm_pool_get(&p->pool, flags & SPM_ALLOC_RANDOM, out)
		   ? -L4_ENOMEM
		   : 0;
}

/* Give chunk `slot` back to the allocator if all its frames are free and
 * enough other free frames stay in the pool.  No mapping of a free frame
 * exists but ours: the engine frees a frame only after the window page
 * that showed it points elsewhere, which dropped every client mapping
 * derived from it. */
static void maybe_give_back(struct spmm_plat *p, uint32_t slot)
{
	if (p->pool.nfree < (SPMM_KEEP_FREE + 1) * CHUNK_PAGES)
		return;
	if (spm_pool_take_range(&p->pool, slot * CHUNK_PAGES,
				CHUNK_PAGES / 64))
		return;
	l4re_rm_detach((void *)p->chunk[slot]);
	l4re_util_cap_free_um(p->chunk_ds[slot]);
	p->chunk[slot] = 0;
	p->live_chunks--;
	p->chunks_returned++;
}

static void frame_free(void *ctx, spm_frame_t f)
{
	struct spmm_plat *p = ctx;
	spm_pool_put(&p->pool, f);
	maybe_give_back(p, f / CHUNK_PAGES);
}

static void *frame_ptr(void *ctx, spm_frame_t f)
{
	l4_addr_t a = spmm_frame_addr(ctx, f);
	return (void *)a;
}

static void send_batch(struct spmm_plat *p, l4_fpage_t *q, unsigned *n,
		       l4_umword_t mask)
{
	if (!*n)
		return;
	l4_task_unmap_batch(L4RE_THIS_TASK_CAP, q, *n, mask);
	p->unmap_calls++;
	p->unmapped_pages += *n;
	*n = 0;
}

static void flush(void *ctx)
{
	struct spmm_plat *p = ctx;
	send_batch(p, p->wq, &p->nw, L4_FP_OTHER_SPACES);
	send_batch(p, p->aq, &p->na, L4_FP_ALL_SPACES);
}

static void map(void *ctx, void *space, uint64_t page, spm_frame_t f)
{
	struct spmm_plat *p = ctx;
	const struct spmm_window *w = space;
	l4_addr_t dst = w->base + ((l4_addr_t)page << L4_PAGESHIFT);
	/* Replacing a mapping of another frame drops everything derived
	 * from it first; queued unmaps of this page must not hit the new
	 * frame later, so they go out before. */
	flush(p);
	l4_msgtag_t t = l4_task_map(
	    L4RE_THIS_TASK_CAP, L4RE_THIS_TASK_CAP,
	    l4_fpage(spmm_frame_addr(p, f), L4_PAGESHIFT, L4_FPAGE_RWX),
	    l4_map_control(dst, 0, L4_MAP_ITEM_MAP));
	p->maps++;
	if (l4_error(t))
		p->map_errors++;
}

static void revoke(void *ctx, void *space, uint64_t page, int mode)
{
	struct spmm_plat *p = ctx;
	const struct spmm_window *w = space;
	l4_addr_t a = w->base + ((l4_addr_t)page << L4_PAGESHIFT);
	if (mode == SPM_REVOKE_WRITE) {
		if (p->nw == SPMM_BATCH)
			send_batch(p, p->wq, &p->nw, L4_FP_OTHER_SPACES);
		p->wq[p->nw++] = l4_fpage(a, L4_PAGESHIFT, L4_FPAGE_W);
	} else {
		if (p->na == SPMM_BATCH)
			send_batch(p, p->aq, &p->na, L4_FP_ALL_SPACES);
		p->aq[p->na++] = l4_fpage(a, L4_PAGESHIFT, L4_FPAGE_RWX);
	}
}

int spmm_plat_init(struct spmm_plat *p, unsigned long long max_bytes,
		   unsigned long long seed)
{
	memset(p, 0, sizeof(*p));
	spm_pool_init(&p->pool, seed);
	if (max_bytes)
		p->max_chunks =
		    (uint32_t)((max_bytes + (1ull << CHUNK_SHIFT) - 1) >>
			       CHUNK_SHIFT);
	return 0;
}

void spmm_plat_ops(struct spmm_plat *p, struct spm_platform *ops)
{
	*ops = (struct spm_platform){.ctx = p,
				     .frame_alloc = frame_alloc,
				     .frame_free = frame_free,
				     .frame_ptr = frame_ptr,
				     .map = map,
				     .revoke = revoke,
				     .flush = flush};
}

int spmm_window_init(struct spmm_window *w, unsigned long pages)
{
	l4_addr_t a = 0;
	unsigned long size = pages << L4_PAGESHIFT;
	/* superpage-aligned, so that a client's large receive window can
	 * line up with ours */
	long r = l4re_rm_reserve_area(&a, size, L4RE_RM_F_SEARCH_ADDR,
				      L4_SUPERPAGESHIFT);
	if (r)
		return -L4_ENOMEM;
	w->base = a;
	w->pages = pages;
	return 0;
}

void spmm_window_fini(struct spmm_window *w)
{
	/* the engine revoked every page; now give the address range back */
	l4re_rm_free_area(w->base);
}
