/*
 * core_rm.c - region maps (L4Re::Rm) served by spmm.
 *
 * A program that ned starts with `mem = <spmm>` gets its memory from us,
 * but the region map that the loader fills with that memory comes from
 * the factory named `rm_fab` (moe by default), and moe's region maps only
 * take moe's dataspaces.  With `rm_fab = <spmm>` the region map is ours:
 * it takes our dataspaces and anyone else's (the program's text stays in
 * the ROM), and as the pager of the program's first thread and of
 * l4re_itas' forwarded regions it answers the page faults, with frames
 * of the merging engine for our dataspaces.
 *
 * The semantics follow L4Re's region map (l4re/util/region_mapping):
 * attach with a fixed address, in an area, or searching (aligned); areas
 * reserved without memory; detach of whole regions or of their head,
 * tail or middle; get_regions/get_areas for l4re_itas.  Regions and areas
 * are kept in sorted arrays: a program has a handful of each.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define PAGE_SHIFT 12u
#define PAGE_SIZE  (1ull << PAGE_SHIFT)

/* Largest foreign dataspace range one region may show: it costs us that
 * much address space. */
#define FOREIGN_MAX (1ull << 32)

static uint64_t round_up(uint64_t v, unsigned order, int *overflow)
{
	uint64_t m = (1ull << order) - 1;
	if (v > UINT64_MAX - m) {
		*overflow = 1;
		return 0;
	}
	return (v + m) & ~m;
}

/* ---- sorted ranges ---------------------------------------------------- */

/*
 * Regions and areas are kept the same way: an array sorted by start of
 * ranges that do not overlap, each element beginning with its start and
 * (inclusive) end.  These helpers serve both, by element size.
 */
_Static_assert(offsetof(struct spmm_region, start) == 0 &&
		   offsetof(struct spmm_region, end) == 8 &&
		   offsetof(struct spmm_area, start) == 0 &&
		   offsetof(struct spmm_area, end) == 8,
	       "ranges begin with start and end");

static void span_of(const void *el, uint64_t *start, uint64_t *end)
{
	memcpy(start, el, 8);
	memcpy(end, (const unsigned char *)el + 8, 8);
}

/* The first element of base[0..n) that overlaps [a, b], or NULL. */
static void *span_overlap(void *base, unsigned n, size_t size, uint64_t a,
			  uint64_t b)
{
	unsigned char *e = base;
	for (unsigned i = 0; i < n; i++, e += size) {
		uint64_t start, end;
		span_of(e, &start, &end);
		if (start > b)
			break;
		if (end >= a)
			return e;
	}
	return NULL;
}

/* Insert *el in order, growing the array (at most `max` elements). */
static int span_insert(void **base, unsigned *n, unsigned *room, unsigned max,
		       size_t size, const void *el)
{
	uint64_t start, end;
	span_of(el, &start, &end);
	if (span_overlap(*base, *n, size, start, end))
		return -SPMM_EADDRNOTAVAIL;
	if (*n == *room) {
		if (*n >= max)
			return -SPMM_ENOMEM;
		unsigned r = *room ? *room * 2 : 8;
		void *p = realloc(*base, r * size);
		if (!p)
			return -SPMM_ENOMEM;
		*base = p;
		*room = r;
	}
	unsigned char *e = *base;
	unsigned i = 0;
	for (; i < *n; i++, e += size) {
		uint64_t s, t;
		span_of(e, &s, &t);
		if (s >= start)
			break;
	}
	memmove(e + size, e, (*n - i) * size);
	memcpy(e, el, size);
	(*n)++;
	return 0;
}

/* Remove element el of base[0..n). */
static void span_remove(void *base, unsigned *n, size_t size, void *el)
{
	size_t at = (size_t)((unsigned char *)el - (unsigned char *)base);
	memmove(el, (unsigned char *)el + size, *n * size - at - size);
	(*n)--;
}

static struct spmm_region *region_overlap(struct spmm_rm *rm, uint64_t a,
					  uint64_t b)
{
	return span_overlap(rm->reg, rm->nreg, sizeof(*rm->reg), a, b);
}

static struct spmm_area *area_overlap(struct spmm_rm *rm, uint64_t a,
				      uint64_t b)
{
	return span_overlap(rm->area, rm->narea, sizeof(*rm->area), a, b);
}

/* ---- free space ------------------------------------------------------- */

/*
 * The lowest address >= start, aligned to 2^align, where `size` bytes fit
 * below end + 1 without touching a region (nor an area, unless
 * in_area).  0 and *ok = 0 if there is none.
 */
static uint64_t find_free(const struct spmm_core *c, struct spmm_rm *rm,
			  uint64_t start, uint64_t end, uint64_t size,
			  unsigned align, int in_area, int *ok)
{
	int of = 0;
	*ok = 0;
	if (size == 0 || end < c->rm_min || size - 1 > end)
		return 0;
	uint64_t addr = start;
	if (addr < c->rm_min || addr >= end)
		addr = c->rm_min;
	addr = round_up(addr, align, &of);
	for (;;) {
		if (of || addr > end - (size - 1))
			return 0;
		uint64_t last = addr + size - 1;
		struct spmm_region *r = region_overlap(rm, addr, last);
		if (r) {
			if (r->end == UINT64_MAX)
				return 0;
			addr = round_up(r->end + 1, align, &of);
			continue;
		}
		struct spmm_area *a = in_area ? NULL : area_overlap(rm, addr, last);
		if (a) {
			if (a->end == UINT64_MAX)
				return 0;
			addr = round_up(a->end + 1, align, &of);
			continue;
		}
		*ok = 1;
		return addr;
	}
}

/* ---- insertion and removal -------------------------------------------- */

static int region_insert(struct spmm_rm *rm, const struct spmm_region *n)
{
	return span_insert((void **)&rm->reg, &rm->nreg, &rm->reg_room,
			   SPMM_RM_REGIONS_MAX, sizeof(*n), n);
}

static void region_remove(struct spmm_rm *rm, struct spmm_region *r)
{
	span_remove(rm->reg, &rm->nreg, sizeof(*r), r);
}

static int area_insert(struct spmm_rm *rm, const struct spmm_area *n)
{
	return span_insert((void **)&rm->area, &rm->narea, &rm->area_room,
			   SPMM_RM_AREAS_MAX, sizeof(*n), n);
}

/* What a region holds goes away with it (or with the part of it that a
 * detach removes): a reference each. */
static void region_unref(struct spmm_core *c, struct spmm_region *r)
{
	if (r->ds)
		spmm_core_ds_unref(c, r->ds);
	if (r->fd && --r->fd->refs == 0) {
		c->sys.foreign_free(c->sys.ctx, r->fd->cap, r->fd->base,
				    r->fd->size);
		free(r->fd);
	}
	r->ds = NULL;
	r->fd = NULL;
}

/* Detach_free: the detached part of our dataspace is zeroed (moe clears
 * it too).  Foreign memory is left alone. */
static void region_free_range(struct spmm_core *c, const struct spmm_region *r,
			      uint64_t from, uint64_t len)
{
	if (!(r->flags & SPMM_RM_F_DETACH_FREE) || !r->ds)
		return;
	uint64_t off = r->offset + from;
	if (off >= r->ds->size)
		return;
	if (len > r->ds->size - off)
		len = r->ds->size - off;
	(void)spm_clear(c->e, r->ds->space, off, len);
}

/* ---- the requests ----------------------------------------------------- */

static int rm_attach(struct spmm_core *c, struct spmm_rm *rm,
		     const struct spmm_req *req, struct spmm_ipc_out *out)
{
	uint32_t fl = req->attach.flags;
	uint32_t rflags = fl & SPMM_RM_F_REGION_MASK;
	int of = 0;
	uint64_t size = round_up(req->attach.size, PAGE_SHIFT, &of);
	uint64_t beg = req->attach.start & ~(PAGE_SIZE - 1);
	if (of || size < PAGE_SIZE || req->attach.align > 63)
		return -SPMM_EINVAL;
	if (rflags & SPMM_RM_F_PAGER)
		return -SPMM_EINVAL; /* as moe: no pager regions here */

	struct spmm_region n = {.flags = rflags,
				.offset = req->attach.offset,
				.client_cap = req->attach.client_cap,
				.backing_offset = req->attach.backing_offset,
				.name_len = req->attach.name_len};
	memcpy(n.name, req->attach.name, n.name_len);
	int reserved = (rflags & (SPMM_RM_F_RESERVED | SPMM_RM_F_KERNEL)) != 0;
	if (!reserved) {
		if (req->attach.src == SPMM_SRC_OWN) {
			n.ds = spmm_core_ds_of_label(c, req->attach.src_obj);
			if (!n.ds)
				return -SPMM_ENOENT;
			/* the rights asked for must be the capability's */
			if ((rflags & SPMM_DS_W) &&
			    !(req->attach.src_rights & SPMM_CAP_FPAGE_W))
				return -SPMM_EPERM;
		} else if (req->attach.src == SPMM_SRC_FOREIGN) {
			if (!c->sys.foreign_new || size > FOREIGN_MAX)
				return -SPMM_ENOENT;
		} else {
			return -SPMM_ENOENT;
		}
	}

	uint64_t end = c->rm_max;
	if (fl & SPMM_RM_F_IN_AREA) {
		struct spmm_area *a =
		    beg > UINT64_MAX - (size - 1)
			? NULL
			: area_overlap(rm, beg, beg + size - 1);
		if (!a || (a->flags & SPMM_RM_F_RESERVED))
			return -SPMM_EADDRNOTAVAIL;
		end = a->end;
	}
	if (fl & SPMM_RM_F_SEARCH_ADDR) {
		int ok;
		beg = find_free(c, rm, beg, end, size, req->attach.align,
				(fl & SPMM_RM_F_IN_AREA) != 0, &ok);
		if (!ok)
			return -SPMM_EADDRNOTAVAIL;
	}
	if (beg < c->rm_min || beg > end || size - 1 > end - beg)
		return -SPMM_EADDRNOTAVAIL;
	if (!(fl & (SPMM_RM_F_SEARCH_ADDR | SPMM_RM_F_IN_AREA)) &&
	    area_overlap(rm, beg, beg + size - 1))
		return -SPMM_EADDRNOTAVAIL;
	n.start = beg;
	n.end = beg + size - 1;
	if (region_overlap(rm, n.start, n.end))
		return -SPMM_EADDRNOTAVAIL;
	if (rm->nreg >= SPMM_RM_REGIONS_MAX)
		return -SPMM_ENOMEM;

	if (!reserved && req->attach.src == SPMM_SRC_FOREIGN) {
		struct spmm_foreign *fd = calloc(1, sizeof(*fd));
		if (!fd)
			return -SPMM_ENOMEM;
		int r = c->sys.foreign_new(c->sys.ctx, size, &fd->cap,
					   &fd->base);
		if (r) {
			free(fd);
			return r;
		}
		fd->size = size;
		fd->ds_offset = n.offset;
		fd->refs = 1;
		n.fd = fd;
	} else if (n.ds) {
		n.ds->refs++;
	}
	int r = region_insert(rm, &n);
	if (r) {
		region_unref(c, &n);
		return r;
	}
	spmm_ipc_encode_rm_start(out, beg);
	return 0;
}

static int rm_detach(struct spmm_core *c, struct spmm_rm *rm,
		     const struct spmm_req *req, struct spmm_ipc_out *out)
{
	uint64_t a = req->detach.addr;
	uint64_t sz = req->detach.size ? req->detach.size : 1;
	uint64_t b = sz - 1 > UINT64_MAX - a ? UINT64_MAX : a + sz - 1;
	unsigned fl = req->detach.flags;
	int keep = (fl & SPMM_RM_DETACH_KEEP) != 0;
	struct spmm_region *g = region_overlap(rm, a, b);
	if (!g)
		return -SPMM_ENOENT;
	struct spmm_region old = *g;
	long res;
	uint64_t rstart, rsize, rcap = SPMM_INVALID_CAP;

	if ((fl & SPMM_RM_DETACH_OVERLAP) || (a <= g->start && b >= g->end)) {
		/* the whole region */
		if (!keep)
			region_free_range(c, &old, 0, old.end - old.start + 1);
		region_remove(rm, g);
		region_unref(c, &old);
		rstart = old.start;
		rsize = old.end - old.start + 1;
		rcap = old.client_cap;
		res = SPMM_RM_DETACHED_DS;
	} else if (a <= g->start) {
		/* its head: the region starts after b */
		uint64_t cut = b + 1 - g->start;
		if (!keep)
			region_free_range(c, g, 0, cut);
		g->start = b + 1;
		g->offset += cut;
		g->backing_offset += cut;
		rstart = old.start;
		rsize = cut;
		res = SPMM_RM_KEPT_DS;
	} else if (b >= g->end) {
		/* its tail: the region ends before a */
		if (!keep)
			region_free_range(c, g, a - g->start, g->end + 1 - a);
		g->end = a - 1;
		rstart = a;
		rsize = old.end + 1 - a;
		res = SPMM_RM_KEPT_DS;
	} else {
		/* its middle: two regions remain */
		if (rm->nreg >= SPMM_RM_REGIONS_MAX)
			return -SPMM_ENOMEM;
		struct spmm_region tail = old;
		tail.start = b + 1;
		tail.offset = old.offset + (b + 1 - old.start);
		tail.backing_offset = old.backing_offset + (b + 1 - old.start);
		g->end = a - 1;
		if (tail.ds)
			tail.ds->refs++;
		if (tail.fd)
			tail.fd->refs++;
		int r = region_insert(rm, &tail);
		if (r) { /* the array is unchanged: g is still valid */
			region_unref(c, &tail);
			g->end = old.end;
			return r;
		}
		if (!keep)
			region_free_range(c, &old, a - old.start, b - a + 1);
		rstart = a;
		rsize = b - a + 1;
		rcap = old.client_cap;
		res = SPMM_RM_SPLIT_DS;
	}
	if (res != SPMM_RM_SPLIT_DS && region_overlap(rm, a, b))
		res |= SPMM_RM_DETACH_AGAIN;
	spmm_ipc_encode_rm_detach(out, res, rstart, rsize, rcap);
	return 0;
}

static int rm_reserve_area(struct spmm_core *c, struct spmm_rm *rm,
			   const struct spmm_req *req,
			   struct spmm_ipc_out *out)
{
	uint64_t addr = req->area.start, size = req->area.size;
	if (size < 2 || req->area.align > 63)
		return -SPMM_EADDRNOTAVAIL;
	if (req->area.flags & SPMM_RM_F_SEARCH_ADDR) {
		for (;;) {
			if (addr < c->rm_min || size - 1 > c->rm_max ||
			    addr > c->rm_max - (size - 1))
				addr = c->rm_min;
			int ok;
			/* free of regions and of areas */
			addr = find_free(c, rm, addr, c->rm_max, size,
					 req->area.align, 0, &ok);
			if (!ok)
				return -SPMM_EADDRNOTAVAIL;
			struct spmm_area *a =
			    area_overlap(rm, addr, addr + size - 1);
			if (!a)
				break;
			if (a->end >= c->rm_max)
				return -SPMM_EADDRNOTAVAIL;
			addr = a->end + 1;
		}
	} else if (size - 1 > UINT64_MAX - addr) {
		return -SPMM_EADDRNOTAVAIL;
	}
	struct spmm_area n = {.start = addr,
			      .end = addr + size - 1,
			      .flags = req->area.flags & SPMM_RM_F_REGION_MASK};
	int r = area_insert(rm, &n);
	if (r)
		return r == -SPMM_ENOMEM ? r : -SPMM_EADDRNOTAVAIL;
	spmm_ipc_encode_rm_start(out, addr);
	return 0;
}

static int rm_free_area(struct spmm_rm *rm, uint64_t addr)
{
	struct spmm_area *a = area_overlap(rm, addr, addr);
	if (!a)
		return -SPMM_ENOENT;
	span_remove(rm->area, &rm->narea, sizeof(*a), a);
	return 0;
}

static int rm_find(struct spmm_rm *rm, const struct spmm_req *req,
		   struct spmm_ipc_out *out)
{
	uint64_t a = req->find.addr;
	uint64_t sz = req->find.size ? req->find.size : 1;
	uint64_t b = sz - 1 > UINT64_MAX - a ? UINT64_MAX : a + sz - 1;
	struct spmm_region *r = region_overlap(rm, a, b);
	if (r) {
		spmm_ipc_encode_rm_find(out, r->start, r->end - r->start + 1,
					r->flags, r->offset,
					r->ds || r->fd ? r->client_cap
						       : SPMM_INVALID_CAP);
		return 0;
	}
	struct spmm_area *ar = area_overlap(rm, a, b);
	if (!ar)
		return -SPMM_ENOENT;
	spmm_ipc_encode_rm_find(out, ar->start, ar->end - ar->start + 1,
				ar->flags | SPMM_RM_F_IN_AREA, 0,
				SPMM_INVALID_CAP);
	return 0;
}

static void rm_list(struct spmm_rm *rm, int areas, uint64_t addr,
		    struct spmm_ipc_out *out)
{
	struct spmm_ipc_rm_entry e[SPMM_RM_MAX_AREAS];
	unsigned max = areas ? SPMM_RM_MAX_AREAS : SPMM_RM_MAX_REGIONS, n = 0;
	unsigned count = areas ? rm->narea : rm->nreg;
	for (unsigned i = 0; i < count && n < max; i++) {
		uint64_t s = areas ? rm->area[i].start : rm->reg[i].start;
		uint64_t t = areas ? rm->area[i].end : rm->reg[i].end;
		if (t < addr)
			continue;
		e[n].start = s;
		e[n].end = t;
		e[n].flags = areas ? rm->area[i].flags : rm->reg[i].flags;
		n++;
	}
	if (areas)
		spmm_ipc_encode_rm_areas(out, e, n);
	else
		spmm_ipc_encode_rm_regions(out, e, n);
}

/* A page fault of a thread we page, or one l4re_itas forwards. */
static int rm_page_fault(struct spmm_core *c, struct spmm_rm *rm,
			 const struct spmm_req *req, struct spmm_ipc_out *out)
{
	uint64_t pfa = req->pf.pfa & ~(uint64_t)7;
	int need_w = (req->pf.pfa & SPMM_PF_W) != 0;
	int need_x = (req->pf.pfa & SPMM_PF_X) != 0;
	c->page_faults++;
	struct spmm_region *r = region_overlap(rm, pfa, pfa);
	if (!r || (!r->ds && !r->fd))
		return -SPMM_ENOMEM;
	if ((need_w && !(r->flags & SPMM_DS_W)) ||
	    (need_x && !(r->flags & SPMM_DS_X)))
		return -SPMM_EACCESS;
	if (r->flags & (SPMM_RM_F_KERNEL | SPMM_RM_F_RESERVED))
		return -SPMM_ENODEV;
	uint64_t page = pfa & ~(PAGE_SIZE - 1);
	uint64_t off = r->offset + (page - r->start); /* dataspace offset */
	unsigned rights = SPMM_FPAGE_RO | (r->flags & SPMM_DS_X);
	uint64_t addr;
	if (r->ds) {
		if (off < r->offset || off >= r->ds->size)
			return -SPMM_ENOMEM; /* beyond the dataspace */
		unsigned want = SPM_R | (need_w ? SPM_W : 0);
		spm_frame_t f;
		unsigned got;
		int e = spm_fault(c->e, r->ds->space, off >> PAGE_SHIFT, want,
				  &f, &got);
		if (e)
			return e;
		if (need_w && (got & SPM_W))
			rights |= SPMM_FPAGE_W;
		addr = r->ds->win_base + off;
		if (!(rights & SPMM_FPAGE_W)) {
			unsigned o = spmm_core_block_order(
			    c, r->ds, off, page, r->offset,
			    r->offset + (r->end - r->start));
			spmm_ipc_encode_map(out, page, SPMM_CACHE_NONE, addr, o,
					    rights);
			return 0;
		}
	} else {
		struct spmm_foreign *fd = r->fd;
		uint64_t in = off - fd->ds_offset;
		if (off < fd->ds_offset || in >= fd->size)
			return -SPMM_ENOMEM;
		if (need_w)
			rights |= SPMM_FPAGE_W;
		addr = fd->base + in;
		int e = c->sys.foreign_map(c->sys.ctx, fd->cap, off, addr,
					   rights);
		if (e)
			return -SPMM_ENOMEM;
	}
	spmm_ipc_encode_map(out, page, SPMM_CACHE_NONE, addr, PAGE_SHIFT,
			    rights);
	return 0;
}

int spmm_rm_request(struct spmm_core *c, struct spmm_rm *rm,
		    const struct spmm_req *req, struct spmm_ipc_out *out)
{
	int r;
	switch (req->op) {
	case SPMM_OP_RM_ATTACH:
		return rm_attach(c, rm, req, out);
	case SPMM_OP_RM_DETACH:
		return rm_detach(c, rm, req, out);
	case SPMM_OP_RM_FIND:
		return rm_find(rm, req, out);
	case SPMM_OP_RM_RESERVE_AREA:
		return rm_reserve_area(c, rm, req, out);
	case SPMM_OP_RM_FREE_AREA:
		r = rm_free_area(rm, req->at.addr);
		if (!r)
			spmm_ipc_encode_ret(out, 0);
		return r;
	case SPMM_OP_RM_GET_REGIONS:
		rm_list(rm, 0, req->at.addr, out);
		return 0;
	case SPMM_OP_RM_GET_AREAS:
		rm_list(rm, 1, req->at.addr, out);
		return 0;
	case SPMM_OP_RM_GET_INFO: {
		struct spmm_region *g = region_overlap(rm, req->at.addr,
						       req->at.addr);
		if (!g)
			return -SPMM_ENOENT;
		spmm_ipc_encode_rm_info(out, g->name, g->name_len,
					g->backing_offset);
		return 0;
	}
	case SPMM_OP_PAGE_FAULT:
		return rm_page_fault(c, rm, req, out);
	default:
		return -SPMM_ENOSYS;
	}
}

/* ---- life ------------------------------------------------------------- */

int spmm_rm_create(struct spmm_core *c, struct spmm_ipc_out *out)
{
	struct spmm_rm *rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -SPMM_ENOMEM;
	rm->o.kind = SPMM_IPC_RM;
	for (unsigned i = 0; i < c->n_rm_reserved; i++)
		if (area_insert(rm, &c->rm_reserved[i]) == -SPMM_ENOMEM) {
			free(rm->area);
			free(rm);
			return -SPMM_ENOMEM;
		}
	int r = c->sys.gate_new(c->sys.ctx, (uint64_t)(uintptr_t)rm, &rm->cap);
	if (r) {
		free(rm->area);
		free(rm);
		return r;
	}
	rm->next = c->all_rm;
	c->all_rm = rm;
	c->nrm++;
	if (c->verbose)
		printf("spmm: region map %p\n", (void *)rm);
	spmm_ipc_encode_create(out, rm->cap);
	c->created = &rm->o;
	return 0;
}

void spmm_rm_destroy(struct spmm_core *c, struct spmm_rm *rm)
{
	c->sys.forget_label(c->sys.ctx, (uint64_t)(uintptr_t)rm);
	if (c->created == &rm->o)
		c->created = NULL;
	for (struct spmm_rm **p = &c->all_rm; *p; p = &(*p)->next)
		if (*p == rm) {
			*p = rm->next;
			break;
		}
	c->nrm--;
	c->sys.gate_free(c->sys.ctx, rm->cap);
	while (rm->nreg) {
		struct spmm_region r = rm->reg[--rm->nreg];
		region_unref(c, &r);
	}
	if (c->verbose)
		printf("spmm: region map %p gone, %lu left\n", (void *)rm,
		       c->nrm);
	free(rm->reg);
	free(rm->area);
	free(rm);
}
