/*
 * sim.c - the host platform (see sim.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define CHUNK 512u /* frames per chunk: 2 MiB, as a platform would ask */

static void bug(struct sim *sim, const char *what, uint64_t page)
{
	if (!sim->bugs)
		snprintf(sim->bug, sizeof(sim->bug), "%s (page %llu)", what,
			 (unsigned long long)page);
	sim->bugs++;
}

unsigned char *sim_frame(struct sim *sim, uint32_t f)
{
	return sim->chunks[f / CHUNK] + (size_t)(f % CHUNK) * SPM_PAGE_SIZE;
}

static void race(struct sim *sim)
{
	if (sim->racer)
		sim->racer(sim->racer_ctx);
}

static int grow(struct sim *sim)
{
	uint64_t have = (uint64_t)sim->nchunks * CHUNK;
	uint32_t n = CHUNK;
	if (sim->frame_limit) {
		if (have >= sim->frame_limit)
			return -SPM_ENOMEM;
		if (sim->frame_limit - have < n)
			n = (uint32_t)(sim->frame_limit - have);
	}
	unsigned char **c =
	    realloc(sim->chunks, (sim->nchunks + 1) * sizeof(*c));
	if (!c)
		return -SPM_ENOMEM;
	sim->chunks = c;
	c[sim->nchunks] = malloc((size_t)CHUNK * SPM_PAGE_SIZE);
	if (!c[sim->nchunks])
		return -SPM_ENOMEM;
	/* Fresh memory is garbage on real systems: make it so here, so
	 * that an engine relying on zeroed frames fails the tests. */
	memset(c[sim->nchunks], 0xa5, (size_t)CHUNK * SPM_PAGE_SIZE);
	sim->nchunks++;
	if (spm_pool_grow(&sim->pool, n))
		return -SPM_ENOMEM;
	return 0;
}

static int p_alloc(void *ctx, unsigned flags, spm_frame_t *out)
{
	struct sim *sim = ctx;
	sim->alloc_calls++;
	if (sim->fail_all || sim->alloc_calls == sim->fail_at)
		return -SPM_ENOMEM;
	if (!sim->pool.nfree && grow(sim))
		return -SPM_ENOMEM;
	if (spm_pool_get(&sim->pool, flags & SPM_ALLOC_RANDOM, out))
		return -SPM_ENOMEM;
	memset(sim_frame(sim, *out), 0x5a, SPM_PAGE_SIZE);
	return 0;
}

static void p_free(void *ctx, spm_frame_t f)
{
	struct sim *sim = ctx;
	if (f >= sim->pool.nframes || spm_pool_is_free(&sim->pool, f)) {
		bug(sim, "engine freed a free frame", f);
		return;
	}
	/* poison: a client still using it would read this */
	memset(sim_frame(sim, f), 0xdd, SPM_PAGE_SIZE);
	spm_pool_put(&sim->pool, f);
}

static void *p_ptr(void *ctx, spm_frame_t f)
{
	struct sim *sim = ctx;
	race(sim);
	if (f >= sim->pool.nframes || spm_pool_is_free(&sim->pool, f))
		bug(sim, "engine touched a free frame", f);
	return sim_frame(sim, f);
}

static void p_map(void *ctx, void *space, uint64_t page, spm_frame_t f)
{
	struct sim *sim = ctx;
	struct sim_space *sp = space;
	race(sim);
	sim->maps++;
	if (page >= sp->npages) {
		bug(sim, "map outside the space", page);
		return;
	}
	if (f >= sim->pool.nframes || spm_pool_is_free(&sim->pool, f))
		bug(sim, "map of a free frame", page);
	if (sp->window[page] != f) {
		sp->rights[page] = 0; /* replaced: client mappings go */
		sp->tlb[page] = SPM_NO_FRAME;
	}
	sp->window[page] = f;
}

static void p_revoke(void *ctx, void *space, uint64_t page, int mode)
{
	struct sim *sim = ctx;
	race(sim);
	if (sim->nqueue == sim->queue_cap) {
		uint32_t cap = sim->queue_cap ? sim->queue_cap * 2 : 64;
		struct sim_revoke *q =
		    realloc(sim->queue, cap * sizeof(*sim->queue));
		if (!q) {
			bug(sim, "out of memory queueing a revoke", page);
			return;
		}
		sim->queue = q;
		sim->queue_cap = cap;
	}
	sim->queue[sim->nqueue++] =
	    (struct sim_revoke){.sp = space, .page = page, .mode = mode};
	sim->revokes++;
}

static void p_flush(void *ctx)
{
	struct sim *sim = ctx;
	race(sim);
	for (uint32_t i = 0; i < sim->nqueue; i++) {
		struct sim_space *sp = sim->queue[i].sp;
		uint64_t pg = sim->queue[i].page;
		if (pg >= sp->npages) {
			bug(sim, "revoke outside the space", pg);
			continue;
		}
		if (sim->queue[i].mode == SPM_REVOKE_ALL) {
			sp->rights[pg] = 0;
			sp->tlb[pg] = SPM_NO_FRAME;
			sp->window[pg] = SPM_NO_FRAME;
		} else {
			sp->rights[pg] &= (uint8_t)~SPM_W;
		}
	}
	sim->nqueue = 0;
	sim->flushes++;
}

int sim_init(struct sim *sim, uint64_t frame_limit, uint64_t seed)
{
	memset(sim, 0, sizeof(*sim));
	spm_pool_init(&sim->pool, seed);
	sim->frame_limit = frame_limit;
	return 0;
}

void sim_fini(struct sim *sim)
{
	for (uint32_t i = 0; i < sim->nchunks; i++)
		free(sim->chunks[i]);
	free(sim->chunks);
	free(sim->queue);
	spm_pool_fini(&sim->pool);
}

void sim_platform(struct sim *sim, struct spm_platform *pl)
{
	*pl = (struct spm_platform){.ctx = sim,
				    .frame_alloc = p_alloc,
				    .frame_free = p_free,
				    .frame_ptr = p_ptr,
				    .map = p_map,
				    .revoke = p_revoke,
				    .flush = p_flush};
}

struct sim_space *sim_space_new(uint64_t npages)
{
	struct sim_space *sp = calloc(1, sizeof(*sp));
	if (!sp)
		return NULL;
	sp->npages = npages;
	sp->window = malloc(npages * sizeof(*sp->window));
	sp->tlb = malloc(npages * sizeof(*sp->tlb));
	sp->rights = calloc(npages, 1);
	if (!sp->window || !sp->tlb || !sp->rights) {
		sim_space_free(sp);
		return NULL;
	}
	for (uint64_t i = 0; i < npages; i++)
		sp->window[i] = sp->tlb[i] = SPM_NO_FRAME;
	return sp;
}

void sim_space_free(struct sim_space *sp)
{
	if (!sp)
		return;
	free(sp->window);
	free(sp->tlb);
	free(sp->rights);
	free(sp);
}

/* The page fault path: what a region manager and the server do. */
static int fault(struct sim *sim, struct spm_engine *e, struct spm_space *s,
		 struct sim_space *sp, uint64_t page, unsigned need)
{
	spm_frame_t f;
	unsigned rights;
	sim->faults++;
	sp->faults++;
	unsigned ask = need;
	if ((need & SPM_W) && sim->defer_writes)
		ask |= SPM_W_DEFER;
	int r = spm_fault(e, s, page, ask, &f, &rights);
	if (r)
		return r;
	if ((need & SPM_W) && !(rights & SPM_W) && (ask & SPM_W_DEFER)) {
		/* a deferred first write: read-only, and the client writes
		 * again, which must be granted */
		if (sp->window[page] != f)
			bug(sim, "deferred reply not backed by the window",
			    page);
		sim->deferred++;
		r = spm_fault(e, s, page, ask, &f, &rights);
		if (r)
			return r;
	}
	if ((rights & need) != need) {
		bug(sim, "fault reply lacks the rights asked for", page);
		return -SPM_EPERM;
	}
	if (sp->window[page] != f) {
		bug(sim, "fault reply not backed by the window", page);
		return -SPM_EINVAL;
	}
	sp->tlb[page] = f;
	sp->rights[page] = (uint8_t)need; /* read faults map read-only */
	return 0;
}

int sim_access(struct sim *sim, struct spm_engine *e, struct spm_space *s,
	       uint64_t off, void *buf, uint64_t len, bool write)
{
	struct sim_space *sp = spm_space_priv(s);
	unsigned char *b = buf;
	unsigned need = write ? (SPM_R | SPM_W) : SPM_R;
	while (len) {
		uint64_t page = off / SPM_PAGE_SIZE;
		uint64_t in = off % SPM_PAGE_SIZE;
		uint64_t n = SPM_PAGE_SIZE - in;
		if (n > len)
			n = len;
		if (page >= sp->npages)
			return -SPM_ERANGE;
		if ((sp->rights[page] & need) != need) {
			int r = fault(sim, e, s, sp, page, need);
			if (r)
				return r;
		}
		uint32_t f = sp->tlb[page];
		if (f != sp->window[page])
			bug(sim, "client mapping outlived its window page",
			    page);
		if (spm_pool_is_free(&sim->pool, f))
			bug(sim, "client touched a free frame", page);
		unsigned char *mem = sim_frame(sim, f) + in;
		if (write)
			memcpy(mem, b, n);
		else
			memcpy(b, mem, n);
		b += n;
		off += n;
		len -= n;
	}
	return 0;
}

uint64_t sim_frames_obtained(const struct sim *sim)
{
	return sim->pool.nframes;
}

uint64_t sim_frames_free(const struct sim *sim)
{
	return sim->pool.nfree;
}

int sim_check(struct sim *sim, struct spm_engine *e, char *why, size_t len)
{
	char msg[256];
	if (spm_check(e, msg, sizeof(msg))) {
		snprintf(why, len, "engine: %s", msg);
		return -1;
	}
	if (sim->bugs) {
		snprintf(why, len, "mmu: %s", sim->bug);
		return -1;
	}
	struct spm_stats st;
	spm_stats(e, &st);
	if (sim_frames_obtained(sim) !=
	    sim_frames_free(sim) + st.frames_in_use + 1) {
		snprintf(why, len,
			 "frames: obtained %llu != free %llu + in use %llu + 1",
			 (unsigned long long)sim_frames_obtained(sim),
			 (unsigned long long)sim_frames_free(sim),
			 (unsigned long long)st.frames_in_use);
		return -1;
	}
	return 0;
}
