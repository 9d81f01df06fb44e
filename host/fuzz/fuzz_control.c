/*
 * fuzz_control.c - libFuzzer target: control-protocol decoding, its
 * rights check on both kinds of object, and every control reply (input
 * layout in fuzz.h, no parameters; the reply values are the registers).
 */
#include "fuzz.h"

/* Reply with the struct for r's opcode, filled from the registers, and
 * check that register i is member i. */
static void check_reply(const struct spmm_req *r, const uint64_t *v)
{
	struct spmm_ipc_out out;
	unsigned n = 0;
	fuzz_out_init(&out);
	switch (r->op) {
	case SPMM_OP_CTL_INFO:
		spmm_ipc_encode_ctl_info(&out);
		n = SPMM_CTL_INFO_WORDS;
		FUZZ_CHECK(out.mr[0] == SPMM_CTL_VERSION &&
			   out.mr[1] == SPMM_CTL_STATS_WORDS &&
			   out.mr[2] == SPMM_CTL_DS_STATS_WORDS &&
			   out.mr[3] == SPMM_CTL_POLICY_WORDS &&
			   out.mr[4] == SPMM_PAGE_SIZE);
		break;
	case SPMM_OP_CTL_STATS: {
		struct spmm_ctl_stats st;
		memcpy(&st, v, sizeof(st));
		spmm_ipc_encode_ctl_stats(&out, &st);
		n = SPMM_CTL_STATS_WORDS;
		break;
	}
	case SPMM_OP_CTL_DS_STATS: {
		struct spmm_ctl_ds_stats st;
		memcpy(&st, v, sizeof(st));
		spmm_ipc_encode_ctl_ds_stats(&out, &st);
		n = SPMM_CTL_DS_STATS_WORDS;
		break;
	}
	case SPMM_OP_CTL_POLICY: {
		struct spmm_ctl_policy p;
		memcpy(&p, v, sizeof(p));
		spmm_ipc_encode_ctl_policy(&out, &p);
		n = SPMM_CTL_POLICY_WORDS;
		break;
	}
	default:
		FUZZ_CHECK(0);
	}
	FUZZ_CHECK(fuzz_check_reply(&out) == 0);
	FUZZ_CHECK(out.tag == spmm_ipc_tag(0, n, 0, 0));
	if (r->op != SPMM_OP_CTL_INFO)
		FUZZ_CHECK(memcmp(out.mr, v, n * sizeof(uint64_t)) == 0);
}

static void check_rights(const struct spmm_req *r)
{
	bool s = r->rights & SPMM_CAP_FPAGE_S;
	int f = spmm_ipc_control_check(r, SPMM_IPC_FACTORY);
	int d = spmm_ipc_control_check(r, SPMM_IPC_DATASPACE);
	switch (r->op) {
	case SPMM_OP_CTL_INFO:
		FUZZ_CHECK(f == 0 && d == 0);
		break;
	case SPMM_OP_CTL_STATS:
	case SPMM_OP_CTL_POLICY:
		FUZZ_CHECK(f == (s ? 0 : -SPMM_EPERM) && d == f);
		break;
	case SPMM_OP_CTL_DS_STATS:
		FUZZ_CHECK(f == -SPMM_ENOSYS && d == 0);
		break;
	default:
		FUZZ_CHECK(0);
	}
	if (f < 0)
		fuzz_check_error_reply(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_msg m;
	struct spmm_req r, again, routed;
	uint64_t v[SPMM_MR_WORDS];
	if (fuzz_msg_open(&m, data, size, 0))
		return 0;
	memcpy(v, m.in->mr, sizeof(v));
	fuzz_msg_poison(&m);

	int e = fuzz_decode_consistent(m.in, SPMM_CTL_PROTO,
				       spmm_ipc_decode_control, 3, &r, &again,
				       &routed);

	if (e < 0) {
		FUZZ_CHECK(FUZZ_ERR_IN(e, SPMM_EBADPROTO, SPMM_EMSGTOOSHORT,
				       SPMM_ENOSYS, SPMM_EINVAL));
		fuzz_check_error_reply(e);
	} else {
		FUZZ_CHECK(e == 0);
		fuzz_check_label(m.in, &r);
		FUZZ_CHECK(spmm_ipc_tag_items(m.in->tag) == 0);
		FUZZ_CHECK((uint32_t)m.in->mr[0] <= SPMM_CTL_OP_POLICY);
		check_rights(&r);
		check_reply(&r, v);
	}
	fuzz_msg_close(&m);
	return 0;
}
