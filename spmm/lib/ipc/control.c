/*
 * control.c - spmm's control protocol (spmm/control.h, see ipc.h).
 *
 * Replies are the structs of spmm/control.h, one register per member in
 * declaration order; the members are written one by one so that the order
 * on the wire is what this file says, whatever a compiler does to a struct.
 */
#include "ipc_impl.h"

int spmm_ipc_decode_control(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	static const int ops[] = {
	    [SPMM_CTL_OP_INFO] = SPMM_OP_CTL_INFO,
	    [SPMM_CTL_OP_STATS] = SPMM_OP_CTL_STATS,
	    [SPMM_CTL_OP_DS_STATS] = SPMM_OP_CTL_DS_STATS,
	    [SPMM_CTL_OP_POLICY] = SPMM_OP_CTL_POLICY,
	};
	uint32_t op;
	int r = spmm_ipc_begin(in, SPMM_CTL_PROTO, req);
	if (r < 0)
		return r;
	r = spmm_ipc_opcode(in, &op);
	if (r < 0)
		return r;
	if (op >= sizeof(ops) / sizeof(ops[0]))
		return -SPMM_ENOSYS;
	r = spmm_ipc_need(in, 1, 0);
	if (r < 0)
		return r;
	req->op = ops[op];
	return 0;
}

int spmm_ipc_control_check(const struct spmm_req *req, int kind)
{
	switch (req->op) {
	case SPMM_OP_CTL_INFO:
		return 0;
	case SPMM_OP_CTL_STATS:
	case SPMM_OP_CTL_POLICY:
		return req->rights & SPMM_CAP_FPAGE_S ? 0 : -SPMM_EPERM;
	case SPMM_OP_CTL_DS_STATS:
		return kind == SPMM_IPC_DATASPACE ? 0 : -SPMM_ENOSYS;
	default:
		return -SPMM_EINVAL;
	}
}

/* A reply of n words, filled by the caller. */
static uint64_t *words(struct spmm_ipc_out *out, unsigned n)
{
	spmm_ipc_reply(out, 0, n, 0);
	return out->mr;
}

void spmm_ipc_encode_ctl_info(struct spmm_ipc_out *out)
{
	uint64_t *w = words(out, SPMM_CTL_INFO_WORDS);
	w[0] = SPMM_CTL_VERSION;
	w[1] = SPMM_CTL_STATS_WORDS;
	w[2] = SPMM_CTL_DS_STATS_WORDS;
	w[3] = SPMM_CTL_POLICY_WORDS;
	w[4] = SPMM_PAGE_SIZE;
}

void spmm_ipc_encode_ctl_stats(struct spmm_ipc_out *out,
			       const struct spmm_ctl_stats *st)
{
	uint64_t *w = words(out, SPMM_CTL_STATS_WORDS);
	w[0] = st->pages_total;
	w[1] = st->pages_shared;
	w[2] = st->pages_sharing;
	w[3] = st->pages_unshared;
	w[4] = st->pages_volatile;
	w[5] = st->zero_pages;
	w[6] = st->pages_private;
	w[7] = st->full_scans;
	w[8] = st->pages_scanned;
	w[9] = st->pages_hashed;
	w[10] = st->merges;
	w[11] = st->cow_breaks;
	w[12] = st->alloc_failures;
	w[13] = st->frames_in_use;
	w[14] = st->metadata_bytes;
}

void spmm_ipc_encode_ctl_ds_stats(struct spmm_ipc_out *out,
				  const struct spmm_ctl_ds_stats *st)
{
	uint64_t *w = words(out, SPMM_CTL_DS_STATS_WORDS);
	w[0] = st->pages;
	w[1] = st->pages_private;
	w[2] = st->pages_stable;
	w[3] = st->zero_pages;
	w[4] = st->cow_breaks;
	w[5] = st->pages_volatile;
}

void spmm_ipc_encode_ctl_policy(struct spmm_ipc_out *out,
				const struct spmm_ctl_policy *p)
{
	uint64_t *w = words(out, SPMM_CTL_POLICY_WORDS);
	w[0] = p->pages_per_step;
	w[1] = p->sleep_ms;
	w[2] = p->merge_zero;
	w[3] = p->merge_first_pass;
	w[4] = p->track_dirty;
	w[5] = p->secure;
	w[6] = p->max_backoff;
	w[7] = p->max_sharing;
	w[8] = p->max_frames;
}
