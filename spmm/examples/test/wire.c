/*
 * wire.c - raw IPC for spmm-test.
 *
 * Everything here builds messages by hand instead of using L4Re's stubs,
 * so the test can send what a stub never would: wrong word or item counts,
 * unknown labels and opcodes, odd Factory argument lists.  Every call has
 * a timeout, so a server that stops answering makes checks fail instead of
 * hanging the test.
 */
#include <string.h>

#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/consts.h>
#include <l4/sys/err.h>
#include <l4/sys/ipc.h>
#include <l4/sys/task.h>
#include <l4/sys/types.h>
#include <l4/sys/utcb.h>

#include "spmm_test.h"

/* A server that takes this long to answer has failed the check anyway. */
enum { CALL_TIMEOUT_US = 10 * 1000 * 1000 };

long wire_error(l4_msgtag_t t)
{
	return l4_error(t);
}

l4_msgtag_t wire_call(l4_cap_idx_t cap, long label, unsigned words,
		      unsigned items, const l4_umword_t *mr, l4_cap_idx_t rcv)
{
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *m = l4_utcb_mr_u(u);
	l4_buf_regs_t *b = l4_utcb_br_u(u);
	unsigned n = words + 2 * items;

	if (n > L4_UTCB_GENERIC_DATA_SIZE)
		n = L4_UTCB_GENERIC_DATA_SIZE;
	for (unsigned i = 0; i < n; i++)
		m->mr[i] = mr[i];
	b->bdr = 0;
	b->br[0] = l4_is_invalid_cap(rcv) ? 0 : (rcv | L4_RCV_ITEM_SINGLE_CAP);
	b->br[1] = 0;

	l4_timeout_t to = l4_timeout(l4_timeout_from_us(CALL_TIMEOUT_US),
				     l4_timeout_from_us(CALL_TIMEOUT_US));
	return l4_ipc_call(cap, u, l4_msgtag(label, words, items, 0), to);
}

long ctl_call(l4_cap_idx_t cap, unsigned op, void *out, unsigned nwords)
{
	l4_umword_t mr[1] = {op};
	l4_msgtag_t t =
	    wire_call(cap, SPMM_CTL_PROTO, 1, 0, mr, L4_INVALID_CAP);
	long r = wire_error(t);

	if (out) {
		memset(out, 0, nwords * sizeof(uint64_t));
		if (r == 0) {
			unsigned w = l4_msgtag_words(t);
			if (w > nwords)
				w = nwords;
			memcpy(out, l4_utcb_mr()->mr, w * sizeof(uint64_t));
		}
	}
	return r;
}

long ctl_ds_stats(l4_cap_idx_t ds, struct spmm_ctl_ds_stats *st)
{
	return ctl_call(ds, SPMM_CTL_OP_DS_STATS, st, SPMM_CTL_DS_STATS_WORDS);
}

long ctl_stats(l4_cap_idx_t fab, struct spmm_ctl_stats *st)
{
	return ctl_call(fab, SPMM_CTL_OP_STATS, st, SPMM_CTL_STATS_WORDS);
}

l4_cap_idx_t cap_copy(l4_cap_idx_t cap, unsigned rights)
{
	l4_cap_idx_t slot = l4re_util_cap_alloc();

	if (l4_is_invalid_cap(slot))
		return L4_INVALID_CAP;
	l4_msgtag_t t = l4_task_map(L4RE_THIS_TASK_CAP, L4RE_THIS_TASK_CAP,
				    l4_obj_fpage(cap, 0, rights),
				    l4_map_obj_control(slot, L4_MAP_ITEM_MAP));
	if (l4_error(t) < 0) {
		l4re_util_cap_free(slot);
		return L4_INVALID_CAP;
	}
	return slot;
}

void cap_drop(l4_cap_idx_t cap)
{
	if (!l4_is_invalid_cap(cap))
		l4re_util_cap_free_um(cap);
}

long raw_create(l4_cap_idx_t fab, long proto, unsigned type,
		const int64_t *args, unsigned nargs, l4_cap_idx_t *ds)
{
	l4_umword_t mr[L4_UTCB_GENERIC_DATA_SIZE];
	unsigned w = 0;
	l4_cap_idx_t slot = l4re_util_cap_alloc();

	mr[w++] = (l4_umword_t)proto;
	for (unsigned i = 0; i < nargs && w + 2 <= 60; i++) {
		mr[w++] = type | (8UL << 16);
		mr[w++] = (l4_umword_t)args[i];
	}
	l4_msgtag_t t = wire_call(fab, L4_PROTO_FACTORY, w, 0, mr, slot);
	long r = wire_error(t);

	if (r == 0 && l4_msgtag_items(t) >= 1 && ds) {
		*ds = slot;
		return r;
	}
	/* Whatever arrived (if anything), give the slot back clean. */
	l4re_util_cap_free_um(slot);
	if (ds)
		*ds = L4_INVALID_CAP;
	if (r == 0)
		return 1; /* success without a capability: not a valid reply */
	return r;
}

long raw_copy_in(l4_cap_idx_t dst, uint64_t dst_off, l4_cap_idx_t src,
		 unsigned rights, uint64_t src_off, uint64_t size)
{
	l4_umword_t mr[6] = {3,		  dst_off,
			     src_off,	  size,
			     L4_ITEM_MAP, l4_obj_fpage(src, 0, rights).raw};
	return wire_error(
	    wire_call(dst, L4RE_PROTO_DATASPACE, 4, 1, mr, L4_INVALID_CAP));
}

long meta_supports(l4_cap_idx_t cap, long proto)
{
	l4_umword_t mr[2] = {2, (l4_umword_t)proto};
	return wire_error(
	    wire_call(cap, L4_PROTO_META, 2, 0, mr, L4_INVALID_CAP));
}

long meta_num_interfaces(l4_cap_idx_t cap)
{
	l4_umword_t mr[1] = {0};
	return wire_error(
	    wire_call(cap, L4_PROTO_META, 1, 0, mr, L4_INVALID_CAP));
}

long meta_interface0(l4_cap_idx_t cap, long *proto)
{
	l4_umword_t mr[2] = {1, 0};
	l4_msgtag_t t = wire_call(cap, L4_PROTO_META, 2, 0, mr, L4_INVALID_CAP);
	long r = wire_error(t);

	*proto = 0;
	if (r == 0 && l4_msgtag_words(t) >= 1)
		*proto = (long)l4_utcb_mr()->mr[0];
	return r;
}

long raw_map(l4_cap_idx_t ds, uint64_t off, unsigned long flags, l4_addr_t at,
	     unsigned order, struct map_reply *rep)
{
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *m = l4_utcb_mr_u(u);
	l4_buf_regs_t *b = l4_utcb_br_u(u);
	l4_addr_t base = at & ~((1UL << order) - 1);

	m->mr[0] = 0; /* map */
	m->mr[1] = off;
	m->mr[2] = at;
	m->mr[3] = flags;
	b->bdr = 0;
	b->br[0] = L4_ITEM_MAP;
	b->br[1] = l4_fpage(base, order, L4_FPAGE_RWX).raw;
	b->br[2] = 0;
	l4_timeout_t to = l4_timeout(l4_timeout_from_us(CALL_TIMEOUT_US),
				     l4_timeout_from_us(CALL_TIMEOUT_US));
	l4_msgtag_t t =
	    l4_ipc_call(ds, u, l4_msgtag(L4RE_PROTO_DATASPACE, 4, 0, 0), to);
	long r = wire_error(t);

	rep->ret = r;
	rep->words = l4_msgtag_words(t);
	rep->items = l4_msgtag_items(t);
	rep->mr0 = m->mr[0];
	rep->mr1 = m->mr[1];
	if (r == 0 && rep->items != 1)
		return -L4_EMSGTOOSHORT;
	return r;
}

bool alive(l4_cap_idx_t cap)
{
	struct spmm_ctl_info info;
	return ctl_call(cap, SPMM_CTL_OP_INFO, &info, SPMM_CTL_INFO_WORDS) ==
		   0 &&
	       info.version == SPMM_CTL_VERSION;
}
