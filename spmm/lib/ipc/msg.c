/*
 * msg.c - message tags, flexpage words, the checks every decoder starts
 * with, and the choice of decoder by label (see ipc.h).
 */
#include <string.h>

#include "ipc_impl.h"

uint64_t spmm_ipc_tag(long label, unsigned words, unsigned items,
		      unsigned flags)
{
	/* (uint64_t) of a negative label is its two's complement, so the
	 * shift keeps the sign in the top bits as l4_msgtag() does. */
	return (uint64_t)label << SPMM_TAG_LABEL_SHIFT |
	       (words & SPMM_TAG_WORDS_MASK) |
	       (uint64_t)(items & SPMM_TAG_ITEMS_MASK) << SPMM_TAG_ITEMS_SHIFT |
	       (flags & SPMM_TAG_FLAGS_MASK);
}

long spmm_ipc_tag_label(uint64_t tag)
{
	/* Sign-extend the 48-bit label without shifting a negative value,
	 * whose result C leaves to the implementation. */
	const uint64_t sign = 1ull << 47;
	uint64_t v = tag >> SPMM_TAG_LABEL_SHIFT;
	return (long)(int64_t)(v ^ sign) - (long)sign;
}

unsigned spmm_ipc_tag_words(uint64_t tag)
{
	return (unsigned)(tag & SPMM_TAG_WORDS_MASK);
}

unsigned spmm_ipc_tag_items(uint64_t tag)
{
	return (unsigned)(tag >> SPMM_TAG_ITEMS_SHIFT) & SPMM_TAG_ITEMS_MASK;
}

unsigned spmm_ipc_tag_flags(uint64_t tag)
{
	return (unsigned)(tag & SPMM_TAG_FLAGS_MASK);
}

unsigned spmm_ipc_msg_words(uint64_t tag)
{
	unsigned n =
	    spmm_ipc_tag_words(tag) + SPMM_ITEM_WORDS * spmm_ipc_tag_items(tag);
	return n > SPMM_MR_WORDS ? SPMM_MR_WORDS : n;
}

static uint64_t fpage(uint64_t addr, unsigned type, unsigned order,
		      unsigned rights)
{
	return (addr & ~(SPMM_PAGE_SIZE - 1)) |
	       (uint64_t)(order & SPMM_FPAGE_SIZE_MASK)
		   << SPMM_FPAGE_SIZE_SHIFT |
	       (uint64_t)type << SPMM_FPAGE_TYPE_SHIFT |
	       (rights & SPMM_FPAGE_RIGHTS_MASK);
}

uint64_t spmm_ipc_fpage(uint64_t addr, unsigned order, unsigned rights)
{
	return fpage(addr, SPMM_FPAGE_MEMORY, order, rights);
}

uint64_t spmm_ipc_obj_fpage(uint64_t cap, unsigned order, unsigned rights)
{
	return fpage(cap, SPMM_FPAGE_OBJ, order, rights);
}

bool spmm_ipc_cap_mapped(const struct spmm_ipc_in *in)
{
	unsigned w = spmm_ipc_tag_words(in->tag);
	unsigned items = spmm_ipc_tag_items(in->tag);
	for (unsigned i = 0; i < items; i++) {
		unsigned at = w + SPMM_ITEM_WORDS * i;
		if (at + SPMM_ITEM_WORDS > SPMM_MR_WORDS)
			break;
		if ((in->mr[at] & SPMM_RCV_KIND_MASK) == SPMM_RCV_CAP_MAPPED)
			return true;
	}
	return false;
}

int spmm_ipc_begin(const struct spmm_ipc_in *in, long proto,
		   struct spmm_req *req)
{
	if (spmm_ipc_tag_label(in->tag) != proto)
		return -SPMM_EBADPROTO;
	if (spmm_ipc_tag_words(in->tag) +
		SPMM_ITEM_WORDS * spmm_ipc_tag_items(in->tag) >
	    SPMM_MR_WORDS)
		return -SPMM_EMSGTOOSHORT;
	memset(req, 0, sizeof(*req));
	req->obj = in->label & ~(uint64_t)3;
	req->rights = (unsigned)(in->label & 3);
	return 0;
}

int spmm_ipc_opcode(const struct spmm_ipc_in *in, uint32_t *op)
{
	if (spmm_ipc_tag_words(in->tag) < 1)
		return -SPMM_EMSGTOOSHORT;
	*op = (uint32_t)in->mr[0];
	return 0;
}

int spmm_ipc_need(const struct spmm_ipc_in *in, unsigned words, unsigned items)
{
	if (spmm_ipc_tag_words(in->tag) < words)
		return -SPMM_EMSGTOOSHORT;
	if (spmm_ipc_tag_items(in->tag) < items)
		return -SPMM_EMSGTOOSHORT;
	if (spmm_ipc_tag_items(in->tag) > items)
		return -SPMM_EINVAL;
	return 0;
}

void spmm_ipc_reply(struct spmm_ipc_out *out, long label, unsigned words,
		    unsigned items)
{
	out->tag = spmm_ipc_tag(label, words, items, 0);
	memset(out->mr, 0, sizeof(out->mr[0]) * spmm_ipc_msg_words(out->tag));
}

void spmm_ipc_encode_ret(struct spmm_ipc_out *out, long ret)
{
	spmm_ipc_reply(out, ret, 0, 0);
}

int spmm_ipc_decode(const struct spmm_ipc_in *in, int kind,
		    struct spmm_req *req)
{
	long label = spmm_ipc_tag_label(in->tag);
	if (label == SPMM_PROTO_META)
		return spmm_ipc_decode_meta(in, req);
	if (label == SPMM_CTL_PROTO)
		return spmm_ipc_decode_control(in, req);
	if (kind == SPMM_IPC_FACTORY && label == SPMM_PROTO_FACTORY)
		return spmm_ipc_decode_factory(in, req);
	if (kind == SPMM_IPC_DATASPACE && label == SPMM_PROTO_DATASPACE)
		return spmm_ipc_decode_dataspace(in, req);
	if (kind == SPMM_IPC_RM && label == SPMM_PROTO_RM)
		return spmm_ipc_decode_rm(in, req);
	if (kind == SPMM_IPC_RM && label == SPMM_PROTO_PAGE_FAULT)
		return spmm_ipc_decode_page_fault(in, req);
	return -SPMM_EBADPROTO;
}
