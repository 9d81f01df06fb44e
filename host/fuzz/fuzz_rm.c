/*
 * fuzz_rm.c - libFuzzer target: region-map (L4Re::Rm) and page-fault
 * decoding, and the region-map replies.
 *
 * Parameters (2 words after tag and label, see fuzz.h):
 *   env[0]  bits 0-7: how many entries a get_regions / get_areas reply
 *           lists; bits 8-15: a region name's length for get_info;
 *   env[1]  the addresses and flags of those entries, the backing offset
 */
#include "fuzz.h"

/* The fixed words every Rm request starts with, after the opcode
 * (MR0's low half), each 8 bytes: the layout L4::Ipc gives them. */
static void check_attach(const struct spmm_ipc_in *in,
			 const struct spmm_req *r)
{
	unsigned w = spmm_ipc_tag_words(in->tag);
	unsigned items = spmm_ipc_tag_items(in->tag);
	FUZZ_CHECK(w >= 9 && items <= 1);
	FUZZ_CHECK(r->attach.start == in->mr[1] && r->attach.size == in->mr[2]);
	FUZZ_CHECK(r->attach.flags == (uint32_t)in->mr[3]);
	FUZZ_CHECK(r->attach.offset == in->mr[4]);
	FUZZ_CHECK(r->attach.align == (in->mr[5] & 0xff));
	FUZZ_CHECK(r->attach.client_cap == in->mr[6]);
	/* the name: length word 7, bytes from word 8, then one more word */
	uint64_t n = in->mr[7];
	FUZZ_CHECK(n <= (uint64_t)(w - 8) * 8);
	uint64_t bo_word = 8 + (n + 7) / 8;
	FUZZ_CHECK(bo_word < w && r->attach.backing_offset == in->mr[bo_word]);
	FUZZ_CHECK(r->attach.name_len <= SPMM_RM_NAME_MAX &&
		   r->attach.name_len <= n);
	FUZZ_CHECK(memchr(r->attach.name, 0, r->attach.name_len) == NULL);
	FUZZ_CHECK(!memcmp(r->attach.name, &in->mr[8], r->attach.name_len));
	uint64_t kind = items ? in->mr[w] & 0x3e : 0;
	FUZZ_CHECK(r->attach.src == (kind == 0x3c   ? SPMM_SRC_OWN
				     : kind == 0x38 ? SPMM_SRC_FOREIGN
						    : SPMM_SRC_NONE));
}

static void check_request(const struct spmm_ipc_in *in,
			  const struct spmm_req *r)
{
	unsigned w = spmm_ipc_tag_words(in->tag);
	fuzz_check_label(in, r);
	if (r->op == SPMM_OP_PAGE_FAULT) {
		FUZZ_CHECK(w >= 2 && spmm_ipc_tag_items(in->tag) == 0);
		FUZZ_CHECK(r->pf.pfa == in->mr[0] && r->pf.pc == in->mr[1]);
		return;
	}
	FUZZ_CHECK((uint32_t)in->mr[0] <= SPMM_RM_OP_GET_INFO);
	if (r->op == SPMM_OP_RM_ATTACH) {
		check_attach(in, r);
		return;
	}
	FUZZ_CHECK(spmm_ipc_tag_items(in->tag) == 0);
	switch (r->op) {
	case SPMM_OP_RM_DETACH:
		FUZZ_CHECK(w >= 4 && r->detach.addr == in->mr[1] &&
			   r->detach.size == in->mr[2] &&
			   r->detach.flags == (uint32_t)in->mr[3]);
		break;
	case SPMM_OP_RM_FIND:
		FUZZ_CHECK(w >= 3 && r->find.addr == in->mr[1] &&
			   r->find.size == in->mr[2]);
		break;
	case SPMM_OP_RM_RESERVE_AREA:
		FUZZ_CHECK(w >= 4 && r->area.start == in->mr[1] &&
			   r->area.size == in->mr[2] &&
			   r->area.flags == (uint32_t)in->mr[3] &&
			   r->area.align == ((in->mr[3] >> 32) & 0xff));
		break;
	case SPMM_OP_RM_FREE_AREA:
	case SPMM_OP_RM_GET_REGIONS:
	case SPMM_OP_RM_GET_AREAS:
	case SPMM_OP_RM_GET_INFO:
		FUZZ_CHECK(w >= 2 && r->at.addr == in->mr[1]);
		break;
	default:
		FUZZ_CHECK(0);
	}
}

static void check_replies(const struct fuzz_msg *m)
{
	struct spmm_ipc_rm_entry e[SPMM_RM_MAX_AREAS + 8];
	unsigned n = (unsigned)(m->env[0] & 0xff) % (SPMM_RM_MAX_AREAS + 8);
	for (unsigned i = 0; i < n; i++)
		e[i] = (struct spmm_ipc_rm_entry){
		    .start = m->env[1] + i, .end = ~m->env[1] - i,
		    .flags = (uint32_t)m->env[1] ^ i};
	struct spmm_ipc_out out;
	fuzz_out_init(&out);
	spmm_ipc_encode_rm_regions(&out, e, n);
	long got = fuzz_check_reply(&out);
	unsigned want = n < SPMM_RM_MAX_REGIONS ? n : SPMM_RM_MAX_REGIONS;
	FUZZ_CHECK(got == (long)want &&
		   spmm_ipc_tag_words(out.tag) == 3 * want);
	for (unsigned i = 0; i < want; i++)
		FUZZ_CHECK(out.mr[3 * i] == e[i].start &&
			   out.mr[3 * i + 1] == e[i].end &&
			   out.mr[3 * i + 2] == (e[i].flags & 0xffff));
	fuzz_out_init(&out);
	spmm_ipc_encode_rm_areas(&out, e, n);
	want = n < SPMM_RM_MAX_AREAS ? n : SPMM_RM_MAX_AREAS;
	FUZZ_CHECK(fuzz_check_reply(&out) == (long)want &&
		   spmm_ipc_tag_words(out.tag) == 2 * want);
	char name[SPMM_RM_NAME_MAX + 8];
	unsigned len = (unsigned)(m->env[0] >> 8 & 0xff) % sizeof(name);
	memset(name, 'x', sizeof(name));
	fuzz_out_init(&out);
	spmm_ipc_encode_rm_info(&out, name, len, m->env[1]);
	unsigned cut = len < SPMM_RM_NAME_MAX ? len : SPMM_RM_NAME_MAX;
	unsigned words = spmm_ipc_tag_words(out.tag);
	FUZZ_CHECK(fuzz_check_reply(&out) == 0 && out.mr[0] == cut + 1 &&
		   words == 2 + (cut + 8) / 8 &&
		   out.mr[words - 1] == m->env[1]);
	FUZZ_CHECK(((const char *)&out.mr[1])[cut] == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_msg m;
	struct spmm_req r, again, routed;
	if (fuzz_msg_open(&m, data, size, 2))
		return 0;
	(void)fuzz_msg_poison(&m);
	long label = spmm_ipc_tag_label(m.in->tag);
	int e;
	if (label == SPMM_PROTO_PAGE_FAULT)
		e = fuzz_decode_consistent(m.in, SPMM_PROTO_PAGE_FAULT,
					   spmm_ipc_decode_page_fault, 4, &r,
					   &again, &routed);
	else
		e = fuzz_decode_consistent(m.in, SPMM_PROTO_RM,
					   spmm_ipc_decode_rm, 4, &r, &again,
					   &routed);
	if (e < 0) {
		FUZZ_CHECK(FUZZ_ERR_IN(e, SPMM_EBADPROTO, SPMM_EMSGTOOSHORT,
				       SPMM_ENOSYS, SPMM_EINVAL));
		fuzz_check_error_reply(e);
	} else {
		FUZZ_CHECK(e == 0);
		check_request(m.in, &r);
	}
	check_replies(&m);
	fuzz_msg_close(&m);
	return 0;
}
