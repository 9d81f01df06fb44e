/*
 * rm.c - L4Re::Rm (region maps) and the pager protocol (page faults) on
 * the wire (see ipc.h).
 *
 * A region map answers the L4Re loader (ned) that sets up a new program's
 * address space, the program's own l4re_itas that copies the regions and
 * then forwards page faults, and the kernel's page faults of the
 * program's first thread.  The arguments are laid out as L4::Ipc lays
 * out any RPC: a byte stream after the 32-bit opcode, each value aligned
 * to its own size, the items after the data words.
 */
#include <string.h>

#include "ipc_impl.h"

/* A cursor over the data words of a request. */
struct rd {
	const unsigned char *b;
	unsigned len; /* bytes the tag announces */
	unsigned pos;
	int err;
};

static void rd_init(struct rd *r, const struct spmm_ipc_in *in)
{
	r->b = (const unsigned char *)in->mr;
	r->len = spmm_ipc_tag_words(in->tag) * 8u;
	r->pos = 4; /* after the opcode */
	r->err = 0;
}

/* The next value of `size` bytes (1, 4 or 8), aligned to its size. */
static uint64_t rd_get(struct rd *r, unsigned size)
{
	unsigned at = (r->pos + size - 1) & ~(size - 1);
	if (r->err || at > r->len || size > r->len - at) {
		r->err = -SPMM_EMSGTOOSHORT;
		return 0;
	}
	r->pos = at + size;
	if (size == 1)
		return r->b[at];
	if (size == 4) {
		uint32_t v;
		memcpy(&v, r->b + at, 4);
		return v;
	}
	uint64_t v;
	memcpy(&v, r->b + at, 8);
	return v;
}

/* A string argument (L4::Ipc::String<>): a length word, then as many
 * bytes (the last a NUL, if the client is well-behaved).  Up to `max`
 * bytes before the first NUL go to buf. */
static unsigned rd_string(struct rd *r, char *buf, unsigned max)
{
	uint64_t n = rd_get(r, 8);
	if (r->err)
		return 0;
	if (n > r->len - r->pos) {
		r->err = -SPMM_EMSGTOOSHORT;
		return 0;
	}
	unsigned len = 0;
	while (len < max && len < n && r->b[r->pos + len])
		len++;
	memcpy(buf, r->b + r->pos, len);
	r->pos += (unsigned)n;
	return len;
}

/* attach's dataspace: an optional item (none for reserved regions). */
static void attach_source(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	req->attach.src = SPMM_SRC_NONE;
	if (spmm_ipc_tag_items(in->tag) < 1)
		return;
	unsigned w = spmm_ipc_tag_words(in->tag);
	uint64_t ctl = in->mr[w], data = in->mr[w + 1];
	switch (ctl & SPMM_RCV_KIND_MASK) {
	case SPMM_RCV_ID:
		req->attach.src = SPMM_SRC_OWN;
		req->attach.src_obj = data & ~(uint64_t)3;
		req->attach.src_rights = (unsigned)(data & 3);
		break;
	case SPMM_RCV_CAP_MAPPED:
		req->attach.src = SPMM_SRC_FOREIGN;
		break;
	default:
		break;
	}
}

static int decode_attach(const struct spmm_ipc_in *in, struct rd *r,
			 struct spmm_req *req)
{
	if (spmm_ipc_tag_items(in->tag) > 1)
		return -SPMM_EINVAL;
	req->op = SPMM_OP_RM_ATTACH;
	req->attach.start = rd_get(r, 8);
	req->attach.size = rd_get(r, 8);
	req->attach.flags = (uint32_t)rd_get(r, 4);
	req->attach.offset = rd_get(r, 8);
	req->attach.align = (unsigned)rd_get(r, 1);
	req->attach.client_cap = rd_get(r, 8);
	req->attach.name_len =
	    rd_string(r, req->attach.name, sizeof(req->attach.name));
	req->attach.backing_offset = rd_get(r, 8);
	if (r->err)
		return r->err;
	attach_source(in, req);
	return 0;
}

int spmm_ipc_decode_rm(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	uint32_t op;
	int e = spmm_ipc_begin(in, SPMM_PROTO_RM, req);
	if (e < 0)
		return e;
	e = spmm_ipc_opcode(in, &op);
	if (e < 0)
		return e;
	struct rd r;
	rd_init(&r, in);
	if (op == SPMM_RM_OP_ATTACH)
		return decode_attach(in, &r, req);
	if (op > SPMM_RM_OP_GET_INFO)
		return -SPMM_ENOSYS;
	if (spmm_ipc_tag_items(in->tag))
		return -SPMM_EINVAL;
	switch (op) {
	case SPMM_RM_OP_DETACH:
		req->op = SPMM_OP_RM_DETACH;
		req->detach.addr = rd_get(&r, 8);
		req->detach.size = rd_get(&r, 8);
		req->detach.flags = (unsigned)rd_get(&r, 4);
		break;
	case SPMM_RM_OP_FIND:
		req->op = SPMM_OP_RM_FIND;
		req->find.addr = rd_get(&r, 8);
		req->find.size = rd_get(&r, 8);
		break;
	case SPMM_RM_OP_RESERVE_AREA:
		req->op = SPMM_OP_RM_RESERVE_AREA;
		req->area.start = rd_get(&r, 8);
		req->area.size = rd_get(&r, 8);
		req->area.flags = (uint32_t)rd_get(&r, 4);
		req->area.align = (unsigned)rd_get(&r, 1);
		break;
	default: /* free_area, get_regions, get_areas, get_info */
		req->op = op == SPMM_RM_OP_FREE_AREA	   ? SPMM_OP_RM_FREE_AREA
			  : op == SPMM_RM_OP_GET_REGIONS ? SPMM_OP_RM_GET_REGIONS
			  : op == SPMM_RM_OP_GET_AREAS	   ? SPMM_OP_RM_GET_AREAS
						   : SPMM_OP_RM_GET_INFO;
		req->at.addr = rd_get(&r, 8);
		break;
	}
	return r.err;
}

int spmm_ipc_decode_page_fault(const struct spmm_ipc_in *in,
			       struct spmm_req *req)
{
	int e = spmm_ipc_begin(in, SPMM_PROTO_PAGE_FAULT, req);
	if (e < 0)
		return e;
	/* L4::Pager has no opcode: pfa and pc are the first two words; the
	 * caller's receive window is in its buffer registers, not here. */
	e = spmm_ipc_need(in, 2, 0);
	if (e < 0)
		return e;
	req->op = SPMM_OP_PAGE_FAULT;
	req->pf.pfa = in->mr[0];
	req->pf.pc = in->mr[1];
	return 0;
}

/* ---- replies ---------------------------------------------------------- */

void spmm_ipc_encode_rm_start(struct spmm_ipc_out *out, uint64_t start)
{
	spmm_ipc_reply(out, 0, 1, 0);
	out->mr[0] = start;
}

void spmm_ipc_encode_rm_detach(struct spmm_ipc_out *out, long result,
			       uint64_t start, uint64_t size, uint64_t cap)
{
	spmm_ipc_reply(out, result, 3, 0);
	out->mr[0] = start;
	out->mr[1] = size;
	out->mr[2] = cap;
}

void spmm_ipc_encode_rm_find(struct spmm_ipc_out *out, uint64_t start,
			     uint64_t size, uint32_t flags, uint64_t offset,
			     uint64_t cap)
{
	spmm_ipc_reply(out, 0, 5, 0);
	out->mr[0] = start;
	out->mr[1] = size;
	out->mr[2] = flags; /* a 32-bit value in the low half */
	out->mr[3] = offset;
	out->mr[4] = cap;
}

void spmm_ipc_encode_rm_info(struct spmm_ipc_out *out, const char *name,
			     unsigned len, uint64_t backing_offset)
{
	if (len > SPMM_RM_NAME_MAX)
		len = SPMM_RM_NAME_MAX;
	unsigned name_words = (len + 1 + 7) / 8;
	spmm_ipc_reply(out, 0, 2 + name_words, 0);
	out->mr[0] = len + 1;
	memcpy(&out->mr[1], name, len); /* the rest (and the NUL) is 0 */
	out->mr[1 + name_words] = backing_offset;
}

void spmm_ipc_encode_rm_regions(struct spmm_ipc_out *out,
				const struct spmm_ipc_rm_entry *e, unsigned n)
{
	if (n > SPMM_RM_MAX_REGIONS)
		n = SPMM_RM_MAX_REGIONS;
	spmm_ipc_reply(out, (long)n, 3 * n, 0);
	uint64_t *w = out->mr;
	for (unsigned i = 0; i < n; i++, w += 3) {
		w[0] = e[i].start;
		w[1] = e[i].end;
		w[2] = e[i].flags & SPMM_RM_F_REGION_MASK;
	}
}

void spmm_ipc_encode_rm_areas(struct spmm_ipc_out *out,
			      const struct spmm_ipc_rm_entry *e, unsigned n)
{
	if (n > SPMM_RM_MAX_AREAS)
		n = SPMM_RM_MAX_AREAS;
	spmm_ipc_reply(out, (long)n, 2 * n, 0);
	uint64_t *w = out->mr;
	for (unsigned i = 0; i < n; i++, w += 2) {
		w[0] = e[i].start;
		w[1] = e[i].end;
	}
}
