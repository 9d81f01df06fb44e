/*
 * page.c - spaces, their page tables, and everything a client or the
 * monitor does to a page: faults, copy on write, clear, read, write, copy.
 *
 * Owns: the page table of each space and the page counters.
 *
 * Invariants kept here:
 *  - A page's frame reference is dropped only after no client mapping of
 *    it can remain: the window page was re-pointed (map) or revoked and
 *    flushed first.  A freed frame is never reachable by a client.
 *  - A client gets W only for a private page without PF_COPY, and the page
 *    then carries PF_WRITABLE until the scanner revokes W again.
 *  - If a frame cannot be had, the page stays exactly as it was.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RELEASE_BATCH 64u

static uint64_t *state_counter(struct spm_engine *e, unsigned state)
{
	switch (state) {
	case PS_PRIVATE:
		return &e->private_pages;
	case PS_STABLE:
		return &e->stable_pages;
	default:
		return &e->zero_pages;
	}
}

static uint64_t *space_counter(struct spm_space *s, unsigned state)
{
	switch (state) {
	case PS_PRIVATE:
		return &s->st.pages_private;
	case PS_STABLE:
		return &s->st.pages_stable;
	default:
		return &s->st.zero_pages;
	}
}

void spm__set_state(struct spm_engine *e, struct spm_space *s,
		    struct spm_pte *p, uint8_t state, spm_frame_t frame)
{
	(*state_counter(e, p->state))--;
	(*space_counter(s, p->state))--;
	(*state_counter(e, state))++;
	(*space_counter(s, state))++;
	p->state = state & 3u;
	p->frame = frame & SPM_FRAME_LIMIT;
}

/* Drop the reference a page in state `state` holds on `frame`. */
static void drop_ref(struct spm_engine *e, uint32_t domain, unsigned state,
		     spm_frame_t frame, uint32_t sum)
{
	if (state == PS_PRIVATE) {
		spm__frame_free(e, frame);
	} else if (state == PS_STABLE) {
		struct spm_stable *st =
		    spm__stable_find(&e->stable, sum, domain, frame, 0);
		if (--st->refs == 0) {
			st->refs = 1; /* removal looks at refs != 0 */
			spm__stable_remove(&e->stable, st);
			spm__frame_free(e, frame);
		}
	}
}

/* The page's client mappings and window page are gone; drop its frame and
 * make it a never-written zero page. */
void spm__release(struct spm_engine *e, struct spm_space *s, struct spm_pte *p)
{
	drop_ref(e, s->domain, p->state, p->frame, p->sum);
	spm__set_state(e, s, p, PS_ZERO, e->zero_frame);
	p->flags = 0;
	p->sum = 0;
	p->level = 0;
}

void spm__point(struct spm_engine *e, struct spm_space *s, uint64_t page,
		spm_frame_t f)
{
	e->pl.map(e->pl.ctx, s->priv, page, f);
	s->pt[page].flags |= PF_MAPPED;
}

void spm__ensure_mapped(struct spm_engine *e, struct spm_space *s,
			uint64_t page)
{
	if (!(s->pt[page].flags & PF_MAPPED))
		spm__point(e, s, page, s->pt[page].frame);
}

/*
 * Give the page a frame of its own (copy on write).  A never-written zero
 * page keeps PF_HASHED clear: its first content is new to the scanner.
 */
int spm__make_private(struct spm_engine *e, struct spm_space *s, uint64_t page)
{
	struct spm_pte *p = &s->pt[page];
	if (p->state == PS_PRIVATE && !(p->flags & PF_COPY))
		return 0;
	spm_frame_t f;
	int r = spm__frame_alloc(e, spm__secure(e, s), &f);
	if (r)
		return r;
	if (p->state == PS_ZERO)
		memset(spm__frame(e, f), 0, SPM_PAGE_SIZE);
	else
		memcpy(spm__frame(e, f), spm__frame(e, p->frame),
		       SPM_PAGE_SIZE);
	bool shared = p->state == PS_STABLE || (p->flags & PF_HASHED) ||
		      (p->state == PS_PRIVATE && (p->flags & PF_COPY));
	spm__point(e, s, page, f); /* replaces the old mapping everywhere */
	drop_ref(e, s->domain, p->state, p->frame, p->sum);
	spm__set_state(e, s, p, PS_PRIVATE, f);
	p->flags = (uint8_t)((p->flags & PF_HASHED) | PF_MAPPED);
	if (shared) {
		e->cow_breaks++;
		s->st.cow_breaks++;
	}
	return 0;
}

int spm_fault(struct spm_engine *e, struct spm_space *s, uint64_t page,
	      unsigned access, spm_frame_t *frame, unsigned *rights)
{
	if (page >= s->npages)
		return -SPM_ERANGE;
	struct spm_pte *p = &s->pt[page];
	/* (never in secure mode: whether a page is zero must not show) */
	if ((access & SPM_W) && (access & SPM_W_DEFER) && p->state == PS_ZERO &&
	    !(p->flags & PF_COPY) && !spm__secure(e, s)) {
		p->flags |= PF_COPY; /* asked once: the next write copies */
		spm__ensure_mapped(e, s, page);
		*frame = p->frame;
		*rights = SPM_R;
		return 0;
	}
	if (access & SPM_W) {
		int r = spm__make_private(e, s, page);
		if (r)
			return r;
		p->flags |= PF_WRITABLE;
	}
	spm__ensure_mapped(e, s, page);
	*frame = p->frame;
	*rights = SPM_R;
	if (p->state == PS_PRIVATE && (p->flags & PF_WRITABLE) &&
	    !(p->flags & PF_COPY))
		*rights |= SPM_W;
	return 0;
}

int spm_page_info(const struct spm_space *s, uint64_t page,
		  struct spm_page_info *out)
{
	if (page >= s->npages)
		return -SPM_ERANGE;
	const struct spm_pte *p = &s->pt[page];
	out->frame = p->frame;
	out->state = p->state;
	out->writable = (p->flags & PF_WRITABLE) && !(p->flags & PF_COPY);
	out->mapped = (p->flags & PF_MAPPED) != 0;
	return 0;
}

/* ---- spaces -------------------------------------------------------- */

/* First gap in the global page id range that fits n pages. */
static int find_id_base(const struct spm_engine *e, uint64_t n, uint32_t *base,
			uint32_t *idx)
{
	uint64_t next = 0;
	uint32_t i;
	for (i = 0; i < e->nspaces; i++) {
		if (e->spaces[i]->id_base - next >= n)
			break;
		next = (uint64_t)e->spaces[i]->id_base + e->spaces[i]->npages;
	}
	if (i == e->nspaces && (uint64_t)SPM_NO_ID - next < n)
		return -SPM_ENOMEM;
	*base = (uint32_t)next;
	*idx = i;
	return 0;
}

int spm_space_create(struct spm_engine *e, uint64_t size, uint32_t domain,
		     void *priv, struct spm_space **out)
{
	if (size == 0)
		return -SPM_EINVAL;
	if (size > UINT64_MAX - SPM_PAGE_SIZE)
		return -SPM_ERANGE;
	uint64_t n = (size + SPM_PAGE_SIZE - 1) >> SPM_PAGE_SHIFT;
	if (n >= SPM_NO_ID || n > SIZE_MAX / sizeof(struct spm_pte))
		return -SPM_ENOMEM;
	uint32_t base, idx;
	if (find_id_base(e, n, &base, &idx))
		return -SPM_ENOMEM;
	if (e->nspaces == e->spaces_cap) {
		uint32_t cap = e->spaces_cap ? e->spaces_cap * 2 : 8;
		struct spm_space **a =
		    realloc(e->spaces, cap * sizeof(struct spm_space *));
		if (!a)
			return -SPM_ENOMEM;
		e->spaces = a;
		e->spaces_cap = cap;
	}
	struct spm_space *s = calloc(1, sizeof(*s));
	if (!s)
		return -SPM_ENOMEM;
	s->pt = malloc(n * sizeof(*s->pt));
	if (!s->pt) {
		free(s);
		return -SPM_ENOMEM;
	}
	for (uint64_t i = 0; i < n; i++)
		s->pt[i] =
		    (struct spm_pte){.frame = e->zero_frame, .state = PS_ZERO};
	s->npages = n;
	s->domain = domain;
	s->id_base = base;
	s->priv = priv;
	s->st.pages = n;
	s->st.zero_pages = n;
	memmove(&e->spaces[idx + 1], &e->spaces[idx],
		(e->nspaces - idx) * sizeof(struct spm_space *));
	e->spaces[idx] = s;
	if (idx <= e->cur_space && e->nspaces)
		e->cur_space++;
	e->nspaces++;
	e->pages_total += n;
	e->zero_pages += n;
	*out = s;
	return 0;
}

/* Revoke every client mapping of [first, first + n) (window too), then
 * drop the pages' frames. */
static void release_range(struct spm_engine *e, struct spm_space *s,
			  uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (s->pt[i].flags & PF_MAPPED)
			e->pl.revoke(e->pl.ctx, s->priv, i, SPM_REVOKE_ALL);
	e->pl.flush(e->pl.ctx);
	for (uint64_t i = first; i < first + n; i++)
		spm__release(e, s, &s->pt[i]);
}

void spm_space_destroy(struct spm_engine *e, struct spm_space *s)
{
	for (uint64_t i = 0; i < s->npages; i += RELEASE_BATCH) {
		uint64_t n = s->npages - i;
		release_range(e, s, i, n < RELEASE_BATCH ? n : RELEASE_BATCH);
	}
	uint32_t idx = 0;
	while (e->spaces[idx] != s)
		idx++;
	memmove(&e->spaces[idx], &e->spaces[idx + 1],
		(e->nspaces - idx - 1) * sizeof(struct spm_space *));
	e->nspaces--;
	if (idx < e->cur_space)
		e->cur_space--;
	else if (idx == e->cur_space)
		e->cur_page = 0;
	if (e->cur_space >= e->nspaces)
		e->cur_space = 0;
	/* Its ids may be reused: forget this pass's candidates. */
	spm__unstable_reset(&e->unstable);
	e->pages_total -= s->npages;
	e->zero_pages -= s->npages;
	free(s->pt);
	free(s);
}

bool spm__secure(const struct spm_engine *e, const struct spm_space *s)
{
	return e->pol.secure || s->secure;
}

void spm_space_set_secure(struct spm_space *s, int on)
{
	s->secure = on != 0;
}

int spm_space_is_secure(const struct spm_engine *e, const struct spm_space *s)
{
	return spm__secure(e, s);
}

uint64_t spm_space_pages(const struct spm_space *s)
{
	return s->npages;
}

uint32_t spm_space_domain(const struct spm_space *s)
{
	return s->domain;
}

void *spm_space_priv(const struct spm_space *s)
{
	return s->priv;
}

/* ---- clear, read, write, copy --------------------------------------- */

static uint64_t space_bytes(const struct spm_space *s)
{
	return s->npages << SPM_PAGE_SHIFT;
}

/*
 * Give every page of [off, off + len) a private frame before any byte
 * changes, so that a failure (no frame) leaves all content as it was.
 */
static int prepare_write(struct spm_engine *e, struct spm_space *s,
			 uint64_t off, uint64_t len)
{
	if (!len)
		return 0;
	uint64_t last = (off + len - 1) >> SPM_PAGE_SHIFT;
	for (uint64_t pg = off >> SPM_PAGE_SHIFT; pg <= last; pg++) {
		int r = spm__make_private(e, s, pg);
		if (r)
			return r;
	}
	return 0;
}

/* The monitor writes into a prepared (private) page; the scanner must look
 * at the page again. */
static void monitor_write(struct spm_engine *e, struct spm_space *s,
			  uint64_t off, const void *src, uint64_t len)
{
	uint64_t page = off >> SPM_PAGE_SHIFT;
	unsigned char *dst = spm__frame(e, s->pt[page].frame);
	dst += off & (SPM_PAGE_SIZE - 1);
	if (src)
		memcpy(dst, src, len);
	else
		memset(dst, 0, len);
	s->pt[page].flags |= PF_WRITABLE;
}

/* A partial page at the edge of a clear needs a private frame, unless it
 * is all zero already. */
static int prepare_partial(struct spm_engine *e, struct spm_space *s,
			   uint64_t off)
{
	if (!(off & (SPM_PAGE_SIZE - 1)))
		return 0;
	if (s->pt[off >> SPM_PAGE_SHIFT].state == PS_ZERO)
		return 0;
	return spm__make_private(e, s, off >> SPM_PAGE_SHIFT);
}

int spm_clear(struct spm_engine *e, struct spm_space *s, uint64_t offset,
	      uint64_t size)
{
	uint64_t limit = space_bytes(s);
	if (offset >= limit)
		return -SPM_ERANGE;
	uint64_t end = size > limit - offset ? limit : offset + size;
	int r = prepare_partial(e, s, offset);
	if (!r && end < limit)
		r = prepare_partial(e, s, end);
	if (r)
		return r;
	while (offset < end) {
		uint64_t in = offset & (SPM_PAGE_SIZE - 1);
		uint64_t len = SPM_PAGE_SIZE - in;
		if (len > end - offset)
			len = end - offset;
		if (len < SPM_PAGE_SIZE) {
			/* partial page: zero in place, unless already zero */
			struct spm_pte *p = &s->pt[offset >> SPM_PAGE_SHIFT];
			if (p->state != PS_ZERO)
				monitor_write(e, s, offset, NULL, len);
			offset += len;
			continue;
		}
		uint64_t first = offset >> SPM_PAGE_SHIFT;
		uint64_t n = (end - offset) >> SPM_PAGE_SHIFT;
		if (n > RELEASE_BATCH)
			n = RELEASE_BATCH;
		release_range(e, s, first, n);
		offset += n << SPM_PAGE_SHIFT;
	}
	return 0;
}

int spm_read(struct spm_engine *e, struct spm_space *s, uint64_t off, void *buf,
	     uint64_t len)
{
	uint64_t limit = space_bytes(s);
	if (off > limit || len > limit - off)
		return -SPM_ERANGE;
	unsigned char *out = buf;
	while (len) {
		uint64_t in = off & (SPM_PAGE_SIZE - 1);
		uint64_t n = SPM_PAGE_SIZE - in;
		if (n > len)
			n = len;
		const unsigned char *src =
		    spm__frame(e, s->pt[off >> SPM_PAGE_SHIFT].frame);
		memcpy(out, src + in, n);
		out += n;
		off += n;
		len -= n;
	}
	return 0;
}

int spm_write(struct spm_engine *e, struct spm_space *s, uint64_t off,
	      const void *buf, uint64_t len)
{
	uint64_t limit = space_bytes(s);
	if (off > limit || len > limit - off)
		return -SPM_ERANGE;
	int r = prepare_write(e, s, off, len);
	if (r)
		return r;
	const unsigned char *in = buf;
	while (len) {
		uint64_t n = SPM_PAGE_SIZE - (off & (SPM_PAGE_SIZE - 1));
		if (n > len)
			n = len;
		monitor_write(e, s, off, in, n);
		in += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Largest piece that stays within one page of both ranges. */
static uint64_t piece(uint64_t a, uint64_t b, uint64_t left)
{
	uint64_t n = SPM_PAGE_SIZE - (a & (SPM_PAGE_SIZE - 1));
	uint64_t m = SPM_PAGE_SIZE - (b & (SPM_PAGE_SIZE - 1));
	if (m < n)
		n = m;
	return n < left ? n : left;
}

int spm_copy(struct spm_engine *e, struct spm_space *dst, uint64_t dst_off,
	     struct spm_space *src, uint64_t src_off, uint64_t size)
{
	uint64_t dl = space_bytes(dst), sl = space_bytes(src);
	if (dst_off > dl || size > dl - dst_off || src_off > sl ||
	    size > sl - src_off)
		return -SPM_ERANGE;
	int r = prepare_write(e, dst, dst_off, size);
	if (r)
		return r;
	unsigned char buf[SPM_PAGE_SIZE];
	/* An overlapping copy to a higher offset of the same space runs
	 * backwards, like memmove. */
	bool back = dst == src && dst_off > src_off && dst_off < src_off + size;
	uint64_t done = 0;
	while (done < size) {
		uint64_t left = size - done, n, d, s;
		if (back) {
			d = dst_off + left;
			s = src_off + left;
			/* piece ending at d and s */
			n = left;
			uint64_t dn = ((d - 1) & (SPM_PAGE_SIZE - 1)) + 1;
			uint64_t sn = ((s - 1) & (SPM_PAGE_SIZE - 1)) + 1;
			if (dn < n)
				n = dn;
			if (sn < n)
				n = sn;
			d -= n;
			s -= n;
		} else {
			d = dst_off + done;
			s = src_off + done;
			n = piece(d, s, left);
		}
		r = spm_read(e, src, s, buf, n);
		if (r)
			return r;
		monitor_write(e, dst, d, buf, n);
		done += n;
	}
	return 0;
}
