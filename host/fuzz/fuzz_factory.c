/*
 * fuzz_factory.c - libFuzzer target: Factory::create decoding (of a
 * dataspace or a region map), the S check and the create reply (input
 * layout in fuzz.h, no parameters).
 */
#include "fuzz.h"

static void check_create(const struct spmm_ipc_in *in, const struct spmm_req *r)
{
	fuzz_check_label(in, r);
	FUZZ_CHECK(r->op == SPMM_OP_CREATE);
	FUZZ_CHECK(spmm_ipc_tag_label(in->tag) == SPMM_PROTO_FACTORY);
	FUZZ_CHECK(spmm_ipc_tag_items(in->tag) == 0);
	FUZZ_CHECK(r->create.protocol == SPMM_PROTO_DATASPACE ||
		   r->create.protocol == SPMM_PROTO_RM);
	FUZZ_CHECK((int64_t)in->mr[0] == r->create.protocol);
	/* every argument takes at least its tag word, after MR0 */
	FUZZ_CHECK(r->create.nargs < spmm_ipc_tag_words(in->tag));
	if (r->create.protocol == SPMM_PROTO_DATASPACE) {
		FUZZ_CHECK(r->create.size > 0 &&
			   r->create.size <= (uint64_t)INT64_MAX);
		FUZZ_CHECK(r->create.align < 64);
		FUZZ_CHECK(r->create.nargs >= 1);
	} else {
		/* a region map: no argument is read */
		FUZZ_CHECK(r->create.size == 0 && r->create.flags == 0 &&
			   r->create.align == 0);
	}

	int c = spmm_ipc_create_check(r);
	FUZZ_CHECK(c == (r->rights & SPMM_CAP_FPAGE_S ? 0 : -SPMM_EPERM));

	struct spmm_ipc_out out;
	uint64_t cap = in->label;
	fuzz_out_init(&out);
	spmm_ipc_encode_create(&out, cap);
	FUZZ_CHECK(fuzz_check_reply(&out) == 0);
	FUZZ_CHECK(out.tag == spmm_ipc_tag(0, 0, 1, 0));
	FUZZ_CHECK(out.mr[0] == SPMM_ITEM_MAP);
	FUZZ_CHECK(out.mr[1] == ((cap & ~0xfffull) | 0x3f));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_msg m;
	struct spmm_req r, again, routed;
	if (fuzz_msg_open(&m, data, size, 0))
		return 0;
	fuzz_msg_poison(&m);

	int e = fuzz_decode_consistent(m.in, SPMM_PROTO_FACTORY,
				       spmm_ipc_decode_factory, 1, &r, &again,
				       &routed);

	if (e < 0) {
		FUZZ_CHECK(FUZZ_ERR_IN(e, SPMM_EBADPROTO, SPMM_EMSGTOOSHORT,
				       SPMM_EINVAL, SPMM_ENODEV, SPMM_ERANGE));
		fuzz_check_error_reply(e);
	} else {
		FUZZ_CHECK(e == 0);
		check_create(m.in, &r);
	}
	fuzz_msg_close(&m);
	return 0;
}
