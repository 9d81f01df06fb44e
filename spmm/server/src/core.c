/*
 * core.c - the spmm server's objects and request handling (see core.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

#define PAGE_SHIFT 12u
#define PAGE_SIZE  (1ull << PAGE_SHIFT)

void spmm_core_init(struct spmm_core *c, struct spm_engine *e,
		    const struct spmm_sys *sys, int verbose)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->sys = *sys;
	c->verbose = verbose;
}

void spmm_factory_init(struct spmm_factory *f, uint32_t domain,
		       const char *name)
{
	f->o.kind = SPMM_IPC_FACTORY;
	f->domain = domain;
	f->secure = 0;
	f->name = name;
}

struct spmm_obj spmm_dead_obj; /* kind 0: no protocol */

/* ---- dataspaces ------------------------------------------------------ */

static void ds_destroy(struct spmm_core *c, struct spmm_ds *d)
{
	c->sys.forget_label(c->sys.ctx, (uint64_t)(uintptr_t)d);
	if (c->created == &d->o)
		c->created = NULL;
	spm_space_destroy(c->e, d->space);
	c->sys.window_free(c->sys.ctx, d->win);
	c->sys.gate_free(c->sys.ctx, d->cap);
	for (struct spmm_ds **p = &c->all_ds; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	c->nds--;
	if (c->verbose)
		printf("spmm: dataspace %p gone, %lu left\n", (void *)d,
		       c->nds);
	free(d);
}

void spmm_core_reap(struct spmm_core *c)
{
	/* Region maps first: a dead one lets go of its dataspaces. */
	struct spmm_rm *m = c->all_rm;
	while (m) {
		struct spmm_rm *next = m->next;
		if (!c->sys.gate_alive(c->sys.ctx, m->cap))
			spmm_rm_destroy(c, m);
		m = next;
	}
	struct spmm_ds *d = c->all_ds;
	while (d) {
		struct spmm_ds *next = d->next;
		if (!d->refs && !c->sys.gate_alive(c->sys.ctx, d->cap))
			ds_destroy(c, d);
		d = next;
	}
}

void spmm_core_ds_unref(struct spmm_core *c, struct spmm_ds *d)
{
	if (--d->refs == 0 && !c->sys.gate_alive(c->sys.ctx, d->cap))
		ds_destroy(c, d);
}

void spmm_core_fini(struct spmm_core *c)
{
	while (c->all_rm)
		spmm_rm_destroy(c, c->all_rm);
	while (c->all_ds)
		ds_destroy(c, c->all_ds);
}

static int ds_create(struct spmm_core *c, const struct spmm_factory *f,
		     const struct spmm_req *req, struct spmm_ipc_out *out)
{
	if (c->max_ds_size && req->create.size > c->max_ds_size)
		return -SPMM_ENOMEM;
	struct spmm_ds *d = calloc(1, sizeof(*d));
	if (!d)
		return -SPMM_ENOMEM;
	d->o.kind = SPMM_IPC_DATASPACE;
	d->size = req->create.size;
	d->flags = SPMM_DS_RWX;
	uint64_t pages = (d->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int r = c->sys.window_new(c->sys.ctx, pages, &d->win, &d->win_base);
	if (r) {
		free(d);
		return r;
	}
	r = spm_space_create(c->e, d->size, f->domain, d->win, &d->space);
	if (!r && f->secure)
		spm_space_set_secure(d->space, 1);
	if (!r) {
		r = c->sys.gate_new(c->sys.ctx, (uint64_t)(uintptr_t)d,
				    &d->cap);
		if (r)
			spm_space_destroy(c->e, d->space);
	}
	if (r) {
		c->sys.window_free(c->sys.ctx, d->win);
		free(d);
		return r;
	}
	d->next = c->all_ds;
	c->all_ds = d;
	c->nds++;
	if (c->verbose)
		printf("spmm: dataspace %p: %llu bytes, domain %u, via %s\n",
		       (void *)d, (unsigned long long)d->size, f->domain,
		       f->name);
	spmm_ipc_encode_create(out, d->cap);
	c->created = &d->o;
	return 0;
}

/* A copy_in source label: one of our dataspaces?  Labels come from the
 * kernel, but a factory's label is ours too: check, never trust. */
struct spmm_ds *spmm_core_ds_of_label(struct spmm_core *c, uint64_t obj)
{
	for (struct spmm_ds *d = c->all_ds; d; d = d->next)
		if ((uint64_t)(uintptr_t)d == obj)
			return d;
	return NULL;
}

/* Can the block of 2^order bytes at dataspace offset `off` go out read-only
 * in one flexpage?  Every page of it must be present in the window (the
 * kernel passes on only what is mapped there): spm_fault() for reading
 * puts what is missing there (the zero frame for untouched pages), and
 * allocates nothing.  For a region map the block must also stay inside
 * the region (a page fault's receive window is the whole address space). */
struct block_ctx {
	struct spmm_core *c;
	struct spmm_ds *d;
	uint64_t lo, hi; /* dataspace offsets the block may cover */
};

static bool block_ok(void *ctx, uint64_t off, unsigned order)
{
	struct block_ctx *b = ctx;
	uint64_t n = 1ull << (order - PAGE_SHIFT);
	if (off < b->lo || (1ull << order) - 1 > b->hi - off)
		return false;
	for (uint64_t i = 0; i < n; i++) {
		spm_frame_t f;
		unsigned rights;
		if (spm_fault(b->c->e, b->d->space, (off >> PAGE_SHIFT) + i,
			      SPM_R, &f, &rights))
			return false;
	}
	return true;
}

unsigned spmm_core_block_order(struct spmm_core *c, struct spmm_ds *d,
			       uint64_t off, uint64_t spot, uint64_t lo,
			       uint64_t hi)
{
	if (c->max_map_order <= PAGE_SHIFT || spm_space_is_secure(c->e, d->space))
		return PAGE_SHIFT;
	struct block_ctx b = {.c = c, .d = d, .lo = lo, .hi = hi};
	return spmm_ipc_map_order(off, d->size, d->win_base, spot,
				  c->max_map_order, block_ok, &b);
}

static int ds_map(struct spmm_core *c, struct spmm_ds *d,
		  const struct spmm_req *req, const struct spmm_ds_grant *g,
		  struct spmm_ipc_out *out)
{
	uint64_t page = g->offset >> PAGE_SHIFT;
	unsigned want = SPM_R;
	if (g->rights & SPMM_FPAGE_W)
		want |= SPM_W | (c->lazy_zero ? SPM_W_DEFER : 0);
	spm_frame_t f;
	unsigned rights;
	int r = spm_fault(c->e, d->space, page, want, &f, &rights);
	if (r)
		return r;
	unsigned send = g->rights;
	if (!(rights & SPM_W))
		send &= ~(unsigned)SPMM_FPAGE_W;
	/* Read-only: a block of neighbours may go along (the window holds
	 * every frame with all rights, so a writable answer is one page,
	 * whose W the engine granted). */
	unsigned order = PAGE_SHIFT;
	if (!(send & SPMM_FPAGE_W))
		order = spmm_core_block_order(c, d, g->offset, req->map.spot, 0,
					      UINT64_MAX);
	spmm_ipc_encode_map(out, req->map.spot, g->cache,
			    d->win_base + (page << PAGE_SHIFT), order, send);
	return 0;
}

/*
 * copy_in from a dataspace of another server (the L4Re loader copies
 * program images from the ROM this way): read it page by page.  A source
 * that does not answer or refuses gets -L4_EINVAL, which uvmm takes as
 * "copy it yourself".
 */
static int copy_foreign(struct spmm_core *c, struct spmm_ds *d,
			const struct spmm_req *req)
{
	if (!c->sys.read_foreign)
		return -SPMM_EINVAL;
	uint64_t dst = req->copy_in.dst_offset, src = req->copy_in.src_offset;
	uint64_t left = req->copy_in.size;
	if (dst > d->size || left > d->size - dst)
		return -SPMM_ERANGE;
	static unsigned char buf[PAGE_SIZE];
	while (left) {
		uint64_t n = PAGE_SIZE - (src & (PAGE_SIZE - 1));
		if (n > left)
			n = left;
		int r = c->sys.read_foreign(c->sys.ctx, src, buf, n);
		if (!r)
			r = spm_write(c->e, d->space, dst, buf, n);
		if (r)
			return r;
		src += n;
		dst += n;
		left -= n;
	}
	return 0;
}

static int ds_request(struct spmm_core *c, struct spmm_ds *d,
		      const struct spmm_req *req, struct spmm_ipc_out *out)
{
	struct spmm_ds_grant g;
	int r = spmm_ipc_ds_check(req, d->size, d->flags, &g);
	if (r == -SPMM_EINVAL && req->op == SPMM_OP_DS_COPY_IN &&
	    req->copy_in.src == SPMM_SRC_FOREIGN) {
		r = copy_foreign(c, d, req);
		if (!r)
			spmm_ipc_encode_ret(out, 0);
		return r;
	}
	if (r)
		return r;
	switch (req->op) {
	case SPMM_OP_DS_MAP:
		return ds_map(c, d, req, &g, out);
	case SPMM_OP_DS_CLEAR:
		r = spm_clear(c->e, d->space, g.offset, g.size);
		break;
	case SPMM_OP_DS_ALLOCATE:
		/* Every page is backed already (by the zero frame until it
		 * is written); nothing to populate. */
		r = 0;
		break;
	case SPMM_OP_DS_INFO:
		spmm_ipc_encode_ds_info(out, d->size, d->flags, req->rights);
		return 0;
	case SPMM_OP_DS_MAP_INFO:
		spmm_ipc_encode_map_info(out);
		return 0;
	case SPMM_OP_DS_COPY_IN: {
		struct spmm_ds *src =
		    spmm_core_ds_of_label(c, req->copy_in.src_obj);
		if (!src)
			return -SPMM_EINVAL;
		r = spm_copy(c->e, d->space, req->copy_in.dst_offset,
			     src->space, req->copy_in.src_offset,
			     req->copy_in.size);
		break;
	}
	default:
		return -SPMM_ENOSYS;
	}
	if (!r)
		spmm_ipc_encode_ret(out, 0);
	return r;
}

/* ---- control --------------------------------------------------------- */

static void fill_stats(const struct spm_engine *e, struct spmm_ctl_stats *c)
{
	struct spm_stats st;
	spm_stats(e, &st);
	*c = (struct spmm_ctl_stats){.pages_total = st.pages_total,
				     .pages_shared = st.pages_shared,
				     .pages_sharing = st.pages_sharing,
				     .pages_unshared = st.pages_unshared,
				     .pages_volatile = st.pages_volatile,
				     .zero_pages = st.zero_pages,
				     .pages_private = st.pages_private,
				     .full_scans = st.full_scans,
				     .pages_scanned = st.pages_scanned,
				     .pages_hashed = st.pages_hashed,
				     .merges = st.merges,
				     .cow_breaks = st.cow_breaks,
				     .alloc_failures = st.alloc_failures,
				     .frames_in_use = st.frames_in_use,
				     .metadata_bytes = st.metadata_bytes};
}

static void fill_policy(const struct spm_policy *p, struct spmm_ctl_policy *c)
{
	*c = (struct spmm_ctl_policy){.pages_per_step = p->pages_per_step,
				      .sleep_ms = p->sleep_ms,
				      .merge_zero = p->merge_zero,
				      .merge_first_pass = p->merge_first_pass,
				      .track_dirty = p->track_dirty,
				      .secure = p->secure,
				      .max_backoff = p->max_backoff,
				      .max_sharing = p->max_sharing,
				      .max_frames = p->max_frames};
}

static int control(struct spmm_core *c, struct spmm_obj *o,
		   const struct spmm_req *req, struct spmm_ipc_out *out)
{
	int r = spmm_ipc_control_check(req, o->kind);
	if (r)
		return r;
	switch (req->op) {
	case SPMM_OP_CTL_INFO:
		spmm_ipc_encode_ctl_info(out);
		return 0;
	case SPMM_OP_CTL_STATS: {
		struct spmm_ctl_stats s;
		fill_stats(c->e, &s);
		spmm_ipc_encode_ctl_stats(out, &s);
		return 0;
	}
	case SPMM_OP_CTL_DS_STATS: {
		struct spm_space_stats s;
		spm_space_stats(((struct spmm_ds *)o)->space, &s);
		struct spmm_ctl_ds_stats d = {.pages = s.pages,
					      .pages_private = s.pages_private,
					      .pages_stable = s.pages_stable,
					      .zero_pages = s.zero_pages,
					      .cow_breaks = s.cow_breaks,
					      .pages_volatile =
						  s.pages_volatile};
		spmm_ipc_encode_ctl_ds_stats(out, &d);
		return 0;
	}
	case SPMM_OP_CTL_POLICY: {
		struct spmm_ctl_policy p;
		fill_policy(spm_engine_policy(c->e), &p);
		spmm_ipc_encode_ctl_policy(out, &p);
		return 0;
	}
	default:
		return -SPMM_ENOSYS;
	}
}

/* ---- dispatch -------------------------------------------------------- */

static int dispatch(struct spmm_core *c, struct spmm_obj *o,
		    const struct spmm_req *req, struct spmm_ipc_out *out)
{
	switch (req->op) {
	case SPMM_OP_CREATE: {
		int r = spmm_ipc_create_check(req);
		if (r)
			return r;
		if (req->create.protocol == SPMM_PROTO_RM)
			return spmm_rm_create(c, out);
		return ds_create(c, (struct spmm_factory *)o, req, out);
	}
	case SPMM_OP_META_NUM_INTERFACES:
	case SPMM_OP_META_INTERFACE:
	case SPMM_OP_META_SUPPORTS: {
		unsigned n;
		const struct spmm_ipc_iface *ifs =
		    spmm_ipc_meta_ifaces(o->kind, &n);
		return spmm_ipc_encode_meta(out, req, ifs, n);
	}
	case SPMM_OP_CTL_INFO:
	case SPMM_OP_CTL_STATS:
	case SPMM_OP_CTL_DS_STATS:
	case SPMM_OP_CTL_POLICY:
		return control(c, o, req, out);
	default:
		if (o->kind == SPMM_IPC_RM)
			return spmm_rm_request(c, (struct spmm_rm *)o, req,
					       out);
		return ds_request(c, (struct spmm_ds *)o, req, out);
	}
}

void spmm_core_reply_failed(struct spmm_core *c)
{
	struct spmm_obj *o = c->created;
	if (!o)
		return;
	c->created = NULL;
	c->lost_creates++;
	if (o->kind == SPMM_IPC_RM)
		spmm_rm_destroy(c, (struct spmm_rm *)o);
	else
		ds_destroy(c, (struct spmm_ds *)o);
}

void spmm_core_handle(struct spmm_core *c, const struct spmm_ipc_in *in,
		      struct spmm_ipc_out *out)
{
	struct spmm_obj *o = (struct spmm_obj *)(uintptr_t)(in->label & ~3ull);
	struct spmm_req req;
	c->requests++;
	c->created = NULL;
	if (o == &spmm_dead_obj) {
		c->errors++;
		c->dead_requests++;
		spmm_ipc_encode_ret(out, -SPMM_ENOENT);
		return;
	}
	int r = spmm_ipc_decode(in, o->kind, &req);
	if (!r)
		r = dispatch(c, o, &req, out);
	if (r) {
		c->errors++;
		spmm_ipc_encode_ret(out, r);
	}
}

void spmm_core_stats_line(const struct spmm_core *c, char *buf, size_t len,
			  uint64_t us_since, uint64_t scanned_since,
			  uint64_t cpu_us_since, uint64_t cpu_us_total)
{
	struct spm_stats st;
	spm_stats(c->e, &st);
	unsigned long long saved = st.pages_total - st.frames_in_use;
	unsigned long long rate =
	    us_since ? scanned_since * 1000000ull / us_since : 0;
	/* the monitor's share of one CPU over the interval, in 0.1 % */
	uint64_t cpu_pct10 = us_since ? cpu_us_since * 1000 / us_since : 0;
	snprintf(buf, len,
		 "spmm: stats shared=%llu sharing=%llu zero=%llu "
		 "volatile=%llu cow=%llu saved_mib=%llu.%llu scan_rate=%llu "
		 "full_scans=%llu frames=%llu dataspaces=%lu requests=%llu "
		 "errors=%llu alloc_failures=%llu cpu_pct=%llu.%llu "
		 "cpu_ms=%llu region_maps=%lu page_faults=%llu",
		 (unsigned long long)st.pages_shared,
		 (unsigned long long)st.pages_sharing,
		 (unsigned long long)st.zero_pages,
		 (unsigned long long)st.pages_volatile,
		 (unsigned long long)st.cow_breaks, saved / 256,
		 (saved % 256) * 10 / 256, rate,
		 (unsigned long long)st.full_scans,
		 (unsigned long long)st.frames_in_use, c->nds, c->requests,
		 c->errors, (unsigned long long)st.alloc_failures,
		 (unsigned long long)(cpu_pct10 / 10),
		 (unsigned long long)(cpu_pct10 % 10),
		 (unsigned long long)(cpu_us_total / 1000), c->nrm,
		 c->page_faults);
}
