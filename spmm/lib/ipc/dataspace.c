/*
 * dataspace.c - L4Re::Dataspace requests, moe's rights and range checks,
 * the flexpage order of a map reply, and the replies (see ipc.h).
 *
 * What moe does is the reference: a client that works against moe must
 * see the same answers from spmm, error numbers included, because L4Re's
 * region manager and uvmm act on them (uvmm copies by itself only after
 * exactly -L4_EINVAL from copy_in).
 */
#include "ipc_impl.h"

static uint64_t round_page(uint64_t v)
{
	/* Saturate instead of wrapping to 0 near the top of the range. */
	if (v > UINT64_MAX - (SPMM_PAGE_SIZE - 1))
		return UINT64_MAX & ~(SPMM_PAGE_SIZE - 1);
	return (v + SPMM_PAGE_SIZE - 1) & ~(SPMM_PAGE_SIZE - 1);
}

static uint64_t trunc_page(uint64_t v)
{
	return v & ~(SPMM_PAGE_SIZE - 1);
}

/* The source capability of copy_in, from its return item. */
static void copy_in_source(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	unsigned w = spmm_ipc_tag_words(in->tag);
	uint64_t ctl = in->mr[w], data = in->mr[w + 1];

	switch (ctl & SPMM_RCV_KIND_MASK) {
	case SPMM_RCV_ID:
		req->copy_in.src = SPMM_SRC_OWN;
		req->copy_in.src_obj = data & ~(uint64_t)3;
		req->copy_in.src_rights = (unsigned)(data & 3);
		break;
	case SPMM_RCV_CAP_MAPPED:
		req->copy_in.src = SPMM_SRC_FOREIGN;
		break;
	default:
		req->copy_in.src = SPMM_SRC_NONE;
		break;
	}
}

static int decode_op(const struct spmm_ipc_in *in, uint32_t op,
		     struct spmm_req *req)
{
	int r;
	switch (op) {
	case SPMM_DS_OP_MAP:
		r = spmm_ipc_need(in, 4, 0);
		if (r < 0)
			return r;
		req->op = SPMM_OP_DS_MAP;
		req->map.offset = in->mr[1];
		req->map.spot = in->mr[2];
		req->map.flags = in->mr[3];
		return 0;
	case SPMM_DS_OP_CLEAR:
	case SPMM_DS_OP_ALLOCATE:
		r = spmm_ipc_need(in, 3, 0);
		if (r < 0)
			return r;
		req->op = op == SPMM_DS_OP_CLEAR ? SPMM_OP_DS_CLEAR
						 : SPMM_OP_DS_ALLOCATE;
		req->range.offset = in->mr[1];
		req->range.size = in->mr[2];
		return 0;
	case SPMM_DS_OP_INFO:
	case SPMM_DS_OP_MAP_INFO:
		r = spmm_ipc_need(in, 1, 0);
		if (r < 0)
			return r;
		req->op = op == SPMM_DS_OP_INFO ? SPMM_OP_DS_INFO
						: SPMM_OP_DS_MAP_INFO;
		return 0;
	case SPMM_DS_OP_COPY_IN:
		r = spmm_ipc_need(in, 4, 1);
		if (r < 0)
			return r;
		req->op = SPMM_OP_DS_COPY_IN;
		req->copy_in.dst_offset = in->mr[1];
		req->copy_in.src_offset = in->mr[2];
		req->copy_in.size = in->mr[3];
		copy_in_source(in, req);
		return 0;
	default:
		return -SPMM_ENOSYS;
	}
}

int spmm_ipc_decode_dataspace(const struct spmm_ipc_in *in,
			      struct spmm_req *req)
{
	uint32_t op;
	int r = spmm_ipc_begin(in, SPMM_PROTO_DATASPACE, req);
	if (r < 0)
		return r;
	r = spmm_ipc_opcode(in, &op);
	if (r < 0)
		return r;
	return decode_op(in, op, req);
}

/* moe's cache_map: the stronger caching request of dataspace and client,
 * as a send-item cacheability option (0 keeps the monitor's own). */
static unsigned cache_option(uint64_t ds_flags, uint64_t want)
{
	static const unsigned char opt[4] = {
	    SPMM_CACHE_NONE,
	    SPMM_CACHE_BUFFERED,
	    SPMM_CACHE_UNCACHED,
	    SPMM_CACHE_NONE,
	};
	uint64_t a = ds_flags & SPMM_DS_CACHING_MASK;
	uint64_t b = want & SPMM_DS_CACHING_MASK;
	return opt[(a > b ? a : b) >> SPMM_DS_CACHING_SHIFT];
}

/* moe's map_flags(): the dataspace's rights, minus W if the capability
 * lacks it. */
static uint64_t allowed_rights(const struct spmm_req *req, uint64_t ds_flags)
{
	uint64_t f = ds_flags & SPMM_DS_RIGHTS_MASK;
	if (!(req->rights & SPMM_CAP_FPAGE_W))
		f &= ~(uint64_t)SPMM_DS_W;
	return f;
}

static int check_map(const struct spmm_req *req, uint64_t ds_size,
		     uint64_t ds_flags, struct spmm_ds_grant *g)
{
	uint64_t allowed = allowed_rights(req, ds_flags);
	uint64_t want = req->map.flags;
	if ((want & SPMM_DS_W) && !(allowed & SPMM_DS_W))
		return -SPMM_EPERM;
	if ((want & SPMM_DS_X) && !(allowed & SPMM_DS_X))
		return -SPMM_EPERM;
	if (req->map.offset >= round_page(ds_size))
		return -SPMM_ERANGE;
	g->offset = trunc_page(req->map.offset);
	g->rights = (unsigned)(want & allowed & SPMM_FPAGE_RWX);
	g->cache = cache_option(ds_flags, want);
	return 0;
}

int spmm_ipc_ds_check(const struct spmm_req *req, uint64_t ds_size,
		      uint64_t ds_flags, struct spmm_ds_grant *g)
{
	bool w = allowed_rights(req, ds_flags) & SPMM_DS_W;
	uint64_t end = round_page(ds_size);

	g->offset = g->size = 0;
	g->rights = g->cache = 0;
	switch (req->op) {
	case SPMM_OP_DS_MAP:
		return check_map(req, ds_size, ds_flags, g);
	case SPMM_OP_DS_CLEAR:
		if (!w)
			return -SPMM_EACCESS;
		if (req->range.offset >= end)
			return -SPMM_ERANGE;
		g->offset = req->range.offset;
		g->size = req->range.size < end - req->range.offset
			      ? req->range.size
			      : end - req->range.offset;
		return 0;
	case SPMM_OP_DS_COPY_IN:
		if (!w)
			return -SPMM_EACCESS;
		return req->copy_in.src == SPMM_SRC_OWN ? 0 : -SPMM_EINVAL;
	case SPMM_OP_DS_ALLOCATE:
		/* moe's check_range() compares with the size, not pages. */
		if (req->range.offset >= ds_size ||
		    req->range.size > ds_size - req->range.offset)
			return -SPMM_ERANGE;
		g->offset = req->range.offset;
		g->size = req->range.size;
		g->rights = w ? SPMM_FPAGE_W : 0;
		return 0;
	case SPMM_OP_DS_INFO:
	case SPMM_OP_DS_MAP_INFO:
		return 0;
	default:
		return -SPMM_EINVAL;
	}
}

unsigned spmm_ipc_map_order(uint64_t offset, uint64_t ds_size, uint64_t window,
			    uint64_t spot, unsigned max_order,
			    spmm_ipc_block_fn *ok, void *ctx)
{
	const uint64_t end = round_page(ds_size);
	const uint64_t off = trunc_page(offset);
	const uint64_t mon = window + off;
	unsigned order = SPMM_PAGE_SHIFT;

	if (max_order > SPMM_FPAGE_MAX_ORDER)
		max_order = SPMM_FPAGE_MAX_ORDER;
	if (off >= end)
		return order;
	while (order < max_order) {
		unsigned o = order + 1;
		uint64_t size = 1ull << o;
		uint64_t base = mon & ~(size - 1);
		/* The kernel places the block by the hot spot's bits below
		 * the order: they must match the monitor address. */
		if (trunc_page((mon ^ spot) & (size - 1)))
			break;
		if (base < window || base - window > end ||
		    size > end - (base - window))
			break;
		if (ok && !ok(ctx, base - window, o))
			break;
		order = o;
	}
	return order;
}

void spmm_ipc_encode_map(struct spmm_ipc_out *out, uint64_t spot,
			 unsigned cache, uint64_t addr, unsigned order,
			 unsigned rights)
{
	if (order < SPMM_PAGE_SHIFT)
		order = SPMM_PAGE_SHIFT;
	if (order > 63)
		order = 63;
	spmm_ipc_reply(out, 0, 0, 1);
	out->mr[0] = SPMM_ITEM_MAP | trunc_page(spot) | (cache & 0xf0);
	out->mr[1] =
	    spmm_ipc_fpage(addr & ~((1ull << order) - 1), order, rights);
}

void spmm_ipc_encode_ds_info(struct spmm_ipc_out *out, uint64_t size,
			     uint64_t flags, unsigned cap_rights)
{
	spmm_ipc_reply(out, 0, 2, 0);
	out->mr[0] = size;
	out->mr[1] = cap_rights & SPMM_CAP_FPAGE_W
			 ? flags
			 : flags & ~(uint64_t)SPMM_DS_W;
}

void spmm_ipc_encode_map_info(struct spmm_ipc_out *out)
{
	spmm_ipc_reply(out, 0, 2, 0);
}
