/*
 * fuzz_meta.c - libFuzzer target: Meta decoding and the Meta replies of
 * both kinds of object, plus an interface list whose name comes from the
 * input (input layout in fuzz.h, no parameters).
 */
#include "fuzz.h"

static void check_interface(const struct spmm_ipc_out *out,
			    const struct spmm_ipc_iface *f)
{
	const char *name = f->name ? f->name : "";
	size_t len = strlen(name) + 1;
	FUZZ_CHECK(spmm_ipc_tag_words(out->tag) == 2 + (len + 7) / 8);
	FUZZ_CHECK(spmm_ipc_tag_items(out->tag) == 0);
	FUZZ_CHECK(out->mr[0] == (uint64_t)f->protocol);
	FUZZ_CHECK(out->mr[1] == len);
	FUZZ_CHECK(memcmp(&out->mr[2], name, len) == 0);
	/* the padding of the last word is zero */
	const unsigned char *b = (const unsigned char *)&out->mr[2];
	for (size_t i = len; i < 8 * ((len + 7) / 8); i++)
		FUZZ_CHECK(b[i] == 0);
}

static void check_reply(const struct spmm_req *r,
			const struct spmm_ipc_iface *ifs, unsigned n)
{
	struct spmm_ipc_out out;
	fuzz_out_init(&out);
	int e = spmm_ipc_encode_meta(&out, r, ifs, n);
	long label = fuzz_check_reply(&out);

	switch (r->op) {
	case SPMM_OP_META_NUM_INTERFACES:
		FUZZ_CHECK(e == 0 && label == (long)n);
		FUZZ_CHECK(spmm_ipc_msg_words(out.tag) == 0);
		break;
	case SPMM_OP_META_INTERFACE:
		if (r->iface.index >= n) {
			FUZZ_CHECK(e == 0 && label == -SPMM_ERANGE);
		} else if (e == 0) {
			FUZZ_CHECK(label == 0);
			check_interface(&out, &ifs[r->iface.index]);
		} else {
			FUZZ_CHECK(e == -SPMM_EMSGTOOLONG && label == e);
			FUZZ_CHECK(strlen(ifs[r->iface.index].name) + 1 >
				   sizeof(uint64_t) * (SPMM_MR_WORDS - 2));
		}
		break;
	case SPMM_OP_META_SUPPORTS: {
		long yes = 0;
		for (unsigned i = 0; i < n; i++)
			if (r->supports.protocol &&
			    ifs[i].protocol == r->supports.protocol)
				yes = 1;
		FUZZ_CHECK(e == 0 && label == yes);
		FUZZ_CHECK(spmm_ipc_msg_words(out.tag) == 0);
		break;
	}
	default:
		FUZZ_CHECK(0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_msg m;
	struct spmm_req r, again, routed;
	if (fuzz_msg_open(&m, data, size, 0))
		return 0;
	fuzz_msg_poison(&m);

	int e =
	    fuzz_decode_consistent(m.in, SPMM_PROTO_META, spmm_ipc_decode_meta,
				   3, &r, &again, &routed);

	if (e < 0) {
		FUZZ_CHECK(FUZZ_ERR_IN(e, SPMM_EBADPROTO, SPMM_EMSGTOOSHORT,
				       SPMM_ENOSYS, SPMM_EINVAL));
		fuzz_check_error_reply(e);
		fuzz_msg_close(&m);
		return 0;
	}
	FUZZ_CHECK(e == 0);
	fuzz_check_label(m.in, &r);
	FUZZ_CHECK(spmm_ipc_tag_items(m.in->tag) == 0);

	static const int kinds[] = {SPMM_IPC_FACTORY, SPMM_IPC_DATASPACE};
	for (unsigned k = 0; k < 2; k++) {
		unsigned n;
		const struct spmm_ipc_iface *ifs =
		    spmm_ipc_meta_ifaces(kinds[k], &n);
		FUZZ_CHECK(ifs && n == 2);
		check_reply(&r, ifs, n);
	}

	/* a list with a name from the input: every length up to past the
	 * registers, bytes of any value */
	char name[8 * SPMM_MR_WORDS + 1];
	ASAN_UNPOISON_MEMORY_REGION(m.in->mr, sizeof(m.in->mr));
	memcpy(name, m.in->mr, sizeof(m.in->mr));
	name[sizeof(name) - 1] = 0;
	long proto;
	memcpy(&proto, &m.in->label, sizeof(proto));
	struct spmm_ipc_iface own[2] = {{proto, name}, {0, NULL}};
	check_reply(&r, own, 2);

	fuzz_msg_close(&m);
	return 0;
}
