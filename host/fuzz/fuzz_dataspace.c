/*
 * fuzz_dataspace.c - libFuzzer target: Dataspace decoding, moe's rights
 * and range checks, the flexpage order of map replies and every dataspace
 * reply.
 *
 * Parameters (3 words after tag and label, see fuzz.h):
 *   env[0]  the dataspace's size in bytes
 *   env[1]  bits 0-7: its flags (SPMM_DS_*); bits 8-13: the largest order
 *           the block callback accepts
 *   env[2]  bits 12 and up: the monitor window; bits 0-5: max_order
 */
#include "fuzz.h"

struct env {
	uint64_t size, flags, window;
	unsigned max_order, cb_limit, calls;
};

static uint64_t round_page(uint64_t v)
{
	if (v > UINT64_MAX - (SPMM_PAGE_SIZE - 1))
		return UINT64_MAX & ~(SPMM_PAGE_SIZE - 1);
	return (v + SPMM_PAGE_SIZE - 1) & ~(SPMM_PAGE_SIZE - 1);
}

/* The callback is only asked about blocks that lie in the dataspace. */
static bool block_ok(void *ctx, uint64_t off, unsigned order)
{
	struct env *v = ctx;
	v->calls++;
	FUZZ_CHECK(order > SPMM_PAGE_SHIFT && order <= SPMM_FPAGE_MAX_ORDER);
	FUZZ_CHECK(order <= v->max_order);
	FUZZ_CHECK((off & (SPMM_PAGE_SIZE - 1)) == 0);
	FUZZ_CHECK(off < round_page(v->size));
	FUZZ_CHECK((1ull << order) <= round_page(v->size) - off);
	FUZZ_CHECK(((v->window + off) & ((1ull << order) - 1)) == 0);
	return order <= v->cb_limit;
}

static void check_map(struct env *v, const struct spmm_req *r,
		      const struct spmm_ds_grant *g)
{
	FUZZ_CHECK((g->offset & (SPMM_PAGE_SIZE - 1)) == 0);
	FUZZ_CHECK(g->offset <= r->map.offset &&
		   r->map.offset - g->offset < SPMM_PAGE_SIZE);
	FUZZ_CHECK(g->offset < round_page(v->size));
	FUZZ_CHECK((g->rights & ~(r->map.flags & v->flags & 7)) == 0);
	if (!(r->rights & SPMM_CAP_FPAGE_W))
		FUZZ_CHECK(!(g->rights & SPMM_FPAGE_W));
	FUZZ_CHECK(g->cache == SPMM_CACHE_NONE ||
		   g->cache == SPMM_CACHE_UNCACHED ||
		   g->cache == SPMM_CACHE_BUFFERED);

	unsigned o = spmm_ipc_map_order(r->map.offset, v->size, v->window,
					r->map.spot, v->max_order, block_ok, v);
	FUZZ_CHECK(o >= SPMM_PAGE_SHIFT && o <= SPMM_FPAGE_MAX_ORDER);
	uint64_t mon = v->window + g->offset, mask = (1ull << o) - 1;
	if (o > SPMM_PAGE_SHIFT) {
		FUZZ_CHECK(o <= v->max_order && o <= v->cb_limit);
		FUZZ_CHECK((((mon ^ r->map.spot) & mask) >> 12) == 0);
		FUZZ_CHECK((mon & ~mask) >= v->window);
		FUZZ_CHECK((mon & ~mask) - v->window + mask <
			   round_page(v->size));
	}
	/* without a callback, never smaller */
	FUZZ_CHECK(spmm_ipc_map_order(r->map.offset, v->size, v->window,
				      r->map.spot, v->max_order, NULL,
				      NULL) >= o);

	struct spmm_ipc_out out;
	fuzz_out_init(&out);
	spmm_ipc_encode_map(&out, r->map.spot, g->cache, mon, o, g->rights);
	FUZZ_CHECK(fuzz_check_reply(&out) == 0);
	FUZZ_CHECK(out.tag == spmm_ipc_tag(0, 0, 1, 0));
	FUZZ_CHECK(out.mr[0] ==
		   (SPMM_ITEM_MAP | (r->map.spot & ~0xfffull) | g->cache));
	FUZZ_CHECK(out.mr[1] ==
		   ((mon & ~mask) | (uint64_t)o << 6 | 0x10 | g->rights));
}

static void check_grant(struct env *v, const struct spmm_req *r)
{
	struct spmm_ds_grant g;
	bool w = (v->flags & SPMM_DS_W) && (r->rights & SPMM_CAP_FPAGE_W);
	int e = spmm_ipc_ds_check(r, v->size, v->flags, &g);
	FUZZ_CHECK(e == 0 || FUZZ_ERR_IN(e, SPMM_EPERM, SPMM_ERANGE,
					 SPMM_EACCESS, SPMM_EINVAL));
	if (e < 0)
		fuzz_check_error_reply(e);
	switch (r->op) {
	case SPMM_OP_DS_MAP:
		FUZZ_CHECK(e == 0 || e == -SPMM_EPERM || e == -SPMM_ERANGE);
		if (e == 0)
			check_map(v, r, &g);
		break;
	case SPMM_OP_DS_CLEAR:
		FUZZ_CHECK(e == 0 || e == -SPMM_EACCESS || e == -SPMM_ERANGE);
		FUZZ_CHECK(w || e == -SPMM_EACCESS);
		if (e == 0)
			FUZZ_CHECK(g.offset == r->range.offset &&
				   g.size <= r->range.size &&
				   g.size <= round_page(v->size) - g.offset);
		break;
	case SPMM_OP_DS_COPY_IN:
		FUZZ_CHECK(e == (!w ? -SPMM_EACCESS
				 : r->copy_in.src == SPMM_SRC_OWN
				     ? 0
				     : -SPMM_EINVAL));
		break;
	case SPMM_OP_DS_ALLOCATE:
		FUZZ_CHECK(e == 0 || e == -SPMM_ERANGE);
		FUZZ_CHECK((e == 0) ==
			   (r->range.offset < v->size &&
			    r->range.size <= v->size - r->range.offset));
		if (e == 0)
			FUZZ_CHECK(g.rights == (w ? SPMM_FPAGE_W : 0u));
		break;
	default:
		FUZZ_CHECK(e == 0);
		break;
	}
}

static void check_info(struct env *v, const struct spmm_req *r)
{
	struct spmm_ipc_out out;
	fuzz_out_init(&out);
	if (r->op == SPMM_OP_DS_INFO) {
		spmm_ipc_encode_ds_info(&out, v->size, v->flags, r->rights);
		FUZZ_CHECK(out.mr[0] == v->size);
		FUZZ_CHECK((out.mr[1] | SPMM_DS_W) == (v->flags | SPMM_DS_W));
		FUZZ_CHECK(!(out.mr[1] & SPMM_DS_W) ||
			   (r->rights & SPMM_CAP_FPAGE_W));
	} else {
		spmm_ipc_encode_map_info(&out);
		FUZZ_CHECK(out.mr[0] == 0 && out.mr[1] == 0);
	}
	FUZZ_CHECK(fuzz_check_reply(&out) == 0);
	FUZZ_CHECK(out.tag == spmm_ipc_tag(0, 2, 0, 0));
}

static void check_request(const struct spmm_ipc_in *in,
			  const struct spmm_req *r, bool mapped)
{
	unsigned w = spmm_ipc_tag_words(in->tag);
	unsigned items = spmm_ipc_tag_items(in->tag);
	fuzz_check_label(in, r);
	FUZZ_CHECK(w >= 1);
	switch (r->op) {
	case SPMM_OP_DS_MAP:
		FUZZ_CHECK(w >= 4 && items == 0);
		FUZZ_CHECK(r->map.offset == in->mr[1] &&
			   r->map.spot == in->mr[2] &&
			   r->map.flags == in->mr[3]);
		break;
	case SPMM_OP_DS_CLEAR:
	case SPMM_OP_DS_ALLOCATE:
		FUZZ_CHECK(w >= 3 && items == 0);
		break;
	case SPMM_OP_DS_INFO:
	case SPMM_OP_DS_MAP_INFO:
		FUZZ_CHECK(items == 0);
		break;
	case SPMM_OP_DS_COPY_IN: {
		FUZZ_CHECK(w >= 4 && items == 1);
		uint64_t kind = in->mr[w] & 0x3e;
		FUZZ_CHECK(r->copy_in.src == (kind == 0x3c   ? SPMM_SRC_OWN
					      : kind == 0x38 ? SPMM_SRC_FOREIGN
							     : SPMM_SRC_NONE));
		if (r->copy_in.src == SPMM_SRC_OWN)
			FUZZ_CHECK(r->copy_in.src_obj ==
				       (in->mr[w + 1] & ~(uint64_t)3) &&
				   r->copy_in.src_rights ==
				       (in->mr[w + 1] & 3));
		FUZZ_CHECK(mapped == (r->copy_in.src == SPMM_SRC_FOREIGN));
		break;
	}
	default:
		FUZZ_CHECK(0);
	}
	if (r->op != SPMM_OP_DS_COPY_IN)
		FUZZ_CHECK(!mapped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_msg m;
	struct spmm_req r, again, routed;
	if (fuzz_msg_open(&m, data, size, 3))
		return 0;
	bool mapped = fuzz_msg_poison(&m);
	struct env v = {
	    .size = m.env[0],
	    .flags = m.env[1] & 0xff,
	    .window = m.env[2] & ~0xfffull,
	    .max_order = (unsigned)(m.env[2] & 0x3f),
	    .cb_limit = (unsigned)(m.env[1] >> 8) & 0x3f,
	};

	int e = fuzz_decode_consistent(m.in, SPMM_PROTO_DATASPACE,
				       spmm_ipc_decode_dataspace, 2, &r, &again,
				       &routed);

	if (e < 0) {
		FUZZ_CHECK(FUZZ_ERR_IN(e, SPMM_EBADPROTO, SPMM_EMSGTOOSHORT,
				       SPMM_ENOSYS, SPMM_EINVAL));
		fuzz_check_error_reply(e);
	} else {
		FUZZ_CHECK(e == 0);
		check_request(m.in, &r, mapped);
		check_grant(&v, &r);
		if (r.op == SPMM_OP_DS_INFO || r.op == SPMM_OP_DS_MAP_INFO)
			check_info(&v, &r);
	}
	fuzz_msg_close(&m);
	return 0;
}
