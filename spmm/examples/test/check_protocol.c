/*
 * check_protocol.c - the protocols themselves: control (spmm/control.h)
 * and Meta on the factory, and every malformed or refused message:
 * unknown labels and opcodes, bad Factory argument lists, short messages,
 * items a request does not take, garbage words and items, a tag that
 * claims more registers than exist.  After each kind of garbage spmm must
 * still answer.
 */
#include <stdio.h>
#include <string.h>

#include <l4/re/c/dataspace.h>
#include <l4/re/c/mem_alloc.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/task.h>
#include <l4/util/util.h>

#include "spmm_test.h"

static void control_stats_policy(struct ctx *x)
{
	struct spmm_ctl_stats st;
	long r = ctl_call(x->fab, SPMM_CTL_OP_POLICY, &x->policy,
			  SPMM_CTL_POLICY_WORDS);

	x->have_policy = r == 0;
	if (expect_ret("ctl_policy", r, 0))
		note("policy pages_per_step=%llu sleep_ms=%llu merge_zero=%llu "
		     "merge_first_pass=%llu track_dirty=%llu secure=%llu "
		     "max_backoff=%llu max_sharing=%llu max_frames=%llu",
		     (unsigned long long)x->policy.pages_per_step,
		     (unsigned long long)x->policy.sleep_ms,
		     (unsigned long long)x->policy.merge_zero,
		     (unsigned long long)x->policy.merge_first_pass,
		     (unsigned long long)x->policy.track_dirty,
		     (unsigned long long)x->policy.secure,
		     (unsigned long long)x->policy.max_backoff,
		     (unsigned long long)x->policy.max_sharing,
		     (unsigned long long)x->policy.max_frames);
	expect_ret("ctl_stats", ctl_stats(x->fab, &st), 0);
	expect_ret("ctl_stats_without_s", ctl_stats(x->fab_rw, &st), -L4_EPERM);
	expect_ret("ctl_policy_without_s",
		   ctl_call(x->fab_rw, SPMM_CTL_OP_POLICY, NULL, 0), -L4_EPERM);
	expect_ret("ctl_ds_stats_on_factory",
		   ctl_call(x->fab, SPMM_CTL_OP_DS_STATS, NULL, 0), -L4_ENOSYS);
	expect_ret("ctl_unknown_opcode", ctl_call(x->fab, 77, NULL, 0),
		   -L4_ENOSYS);
}

void checks_control(struct ctx *x)
{
	struct spmm_ctl_info info;
	long r, proto;

	x->fab_rw = cap_copy(x->fab, L4_CAP_FPAGE_RW);
	x->fab_ro = cap_copy(x->fab, L4_CAP_FPAGE_RO);
	if (!check(
		!l4_is_invalid_cap(x->fab_rw) && !l4_is_invalid_cap(x->fab_ro),
		"cap_copies", "l4_task_map of the factory capability failed"))
		finish();

	r = ctl_call(x->fab, SPMM_CTL_OP_INFO, &info, SPMM_CTL_INFO_WORDS);
	check(r == 0 && info.version == SPMM_CTL_VERSION &&
		  info.stats_words >= SPMM_CTL_STATS_WORDS &&
		  info.ds_stats_words >= SPMM_CTL_DS_STATS_WORDS &&
		  info.policy_words >= SPMM_CTL_POLICY_WORDS &&
		  info.page_size == PAGE,
	      "ctl_info", "ret %ld version %llu words %llu/%llu/%llu page %llu",
	      r, (unsigned long long)info.version,
	      (unsigned long long)info.stats_words,
	      (unsigned long long)info.ds_stats_words,
	      (unsigned long long)info.policy_words,
	      (unsigned long long)info.page_size);
	expect_ret("ctl_info_read_only_cap",
		   ctl_call(x->fab_ro, SPMM_CTL_OP_INFO, NULL, 0), 0);
	control_stats_policy(x);

	expect_ret("meta_supports_factory",
		   meta_supports(x->fab, L4_PROTO_FACTORY), 1);
	expect_ret("meta_supports_control",
		   meta_supports(x->fab, SPMM_CTL_PROTO), 1);
	expect_ret("meta_not_supports_log", meta_supports(x->fab, L4_PROTO_LOG),
		   0);
	r = meta_num_interfaces(x->fab);
	check(r >= 2, "meta_num_interfaces", "got %ld, want >= 2", r);
	r = meta_interface0(x->fab, &proto);
	check(r == 0 && proto == L4_PROTO_FACTORY, "meta_interface0_factory",
	      "ret %ld protocol %ld, want 0 and %d", r, proto,
	      L4_PROTO_FACTORY);
}

static long call(l4_cap_idx_t cap, long label, unsigned words, unsigned items,
		 const l4_umword_t *mr)
{
	return wire_error(
	    wire_call(cap, label, words, items, mr, L4_INVALID_CAP));
}

static void bad_labels(struct ctx *x)
{
	l4_umword_t mr[4] = {2, 0, 0, 0};
	int64_t size = PAGE;
	l4_cap_idx_t ds;

	expect_ret("bad_protocol_dataspace", call(x->a.cap, 0x1234, 1, 0, mr),
		   -L4_EBADPROTO);
	expect_ret("bad_protocol_factory", call(x->fab, 0x1234, 1, 0, mr),
		   -L4_EBADPROTO);
	expect_ret("dataspace_protocol_on_factory",
		   call(x->fab, L4RE_PROTO_DATASPACE, 1, 0, mr), -L4_EBADPROTO);
	expect_ret(
	    "factory_protocol_on_dataspace",
	    raw_create(x->a.cap, L4RE_PROTO_DATASPACE, 0x81, &size, 1, &ds),
	    -L4_EBADPROTO);
	mr[0] = 77;
	expect_ret("unknown_opcode",
		   call(x->a.cap, L4RE_PROTO_DATASPACE, 1, 0, mr), -L4_ENOSYS);

	/* The opcode is a 32-bit int: the upper half of MR0 is not ours. */
	mr[0] = 0xdeadbeef00000002ULL; /* info */
	l4_msgtag_t t =
	    wire_call(x->a.cap, L4RE_PROTO_DATASPACE, 1, 0, mr, L4_INVALID_CAP);
	long r = wire_error(t);
	uint64_t sz = l4_utcb_mr()->mr[0];
	check(r == 0 && l4_msgtag_words(t) >= 2 && sz == x->a.size,
	      "opcode_upper_half_ignored", "ret %ld words %u size %llu", r,
	      l4_msgtag_words(t), (unsigned long long)sz);
}

static void bad_creates(struct ctx *x)
{
	int64_t a[4] = {PAGE, 0, 0, 0};
	l4_cap_idx_t ds;
	l4_umword_t mr[4];

	int64_t zero = 0, neg = -PAGE;
	expect_ret(
	    "create_size_0",
	    raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x81, &zero, 1, &ds),
	    -L4_ERANGE);
	expect_ret("create_negative_size",
		   raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x81, &neg, 1, &ds),
		   -L4_ERANGE);
	expect_ret("create_unknown_protocol",
		   raw_create(x->fab, L4RE_PROTO_NAMESPACE, 0x81, a, 1, &ds),
		   -L4_ENODEV);
	expect_ret("create_too_many_args",
		   raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x81, a, 4, &ds),
		   -L4_EINVAL);
	expect_ret("create_no_size",
		   raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x81, a, 0, &ds),
		   -L4_EINVAL);
	a[2] = 64;
	expect_ret("create_align_64",
		   raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x01, a, 3, &ds),
		   -L4_EINVAL);
	expect_ret("create_without_s",
		   raw_create(x->fab_rw, L4RE_PROTO_DATASPACE, 0x81, a, 1, &ds),
		   -L4_EPERM);

	/* A string where the size belongs: type 2, "hello" with its NUL. */
	mr[0] = L4RE_PROTO_DATASPACE;
	mr[1] = 0x02 | (6UL << 16);
	memcpy(&mr[2], "hello\0\0", 8);
	expect_ret("create_string_size",
		   call(x->fab, L4_PROTO_FACTORY, 3, 0, mr), -L4_EINVAL);
	/* An argument that claims 64 bytes in a 3-word message. */
	mr[1] = 0x81 | (64UL << 16);
	mr[2] = PAGE;
	expect_ret("create_argument_past_end",
		   call(x->fab, L4_PROTO_FACTORY, 3, 0, mr), -L4_EMSGTOOSHORT);
	expect_ret("create_empty", call(x->fab, L4_PROTO_FACTORY, 0, 0, mr),
		   -L4_EMSGTOOSHORT);
}

static void short_messages(struct ctx *x)
{
	l4_umword_t mr[8] = {3, 0, 0, 0, 0, 0, 0, 0};

	expect_ret("copy_in_one_word",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 1, 0, mr),
		   -L4_EMSGTOOSHORT);
	expect_ret("copy_in_no_item",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 4, 0, mr),
		   -L4_EMSGTOOSHORT);
	expect_ret("empty_message",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 0, 0, mr),
		   -L4_EMSGTOOSHORT);
	mr[0] = 0; /* map */
	expect_ret("map_one_word",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 1, 0, mr),
		   -L4_EMSGTOOSHORT);

	/* map with a capability item it does not take */
	mr[0] = 0;
	mr[1] = 0;
	mr[2] = 0;
	mr[3] = L4RE_DS_F_R;
	mr[4] = L4_ITEM_MAP;
	mr[5] = l4_obj_fpage(x->a_ro, 0, L4_CAP_FPAGE_RO).raw;
	expect_ret("map_with_item",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 4, 1, mr), -L4_EINVAL);
	mr[5] = l4_obj_fpage(x->moe_ds, 0, L4_CAP_FPAGE_RO).raw;
	expect_ret("map_with_foreign_item",
		   call(x->e.cap, L4RE_PROTO_DATASPACE, 4, 1, mr), -L4_EINVAL);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void garbage(struct ctx *x)
{
	l4_umword_t mr[L4_UTCB_GENERIC_DATA_SIZE];
	uint64_t s = 0x5eed5eed5eedULL;
	long r;

	for (unsigned i = 0; i < L4_UTCB_GENERIC_DATA_SIZE; i++)
		mr[i] = rnd(&s);
	mr[0] = (mr[0] & ~0xffffffffULL) | 0x1000 | (mr[0] & 0xfff);
	expect_ret("garbage_words",
		   call(x->a.cap, L4RE_PROTO_DATASPACE, 63, 0, mr), -L4_ENOSYS);
	check(alive(x->a.cap), "alive_after_garbage_words", "no answer");

	/* The tag announces an item, the words hold a void one. */
	mr[0] = 2; /* info */
	mr[1] = 0;
	mr[2] = 0;
	r = call(x->a.cap, L4RE_PROTO_DATASPACE, 1, 1, mr);
	check(r != 0, "wrong_item_count", "got %ld, want an error", r);
	check(alive(x->a.cap), "alive_after_wrong_item_count", "no answer");

	/* Items of random words, but never a grant (bit 1) of our own caps:
	 * a memory flexpage of unmapped memory and an object flexpage of an
	 * unused slot. */
	mr[0] = 2;
	mr[1] = L4_ITEM_MAP | (rnd(&s) & ~0xfffULL);
	mr[2] = l4_fpage(0x7e000000UL, L4_PAGESHIFT, L4_FPAGE_RW).raw;
	mr[3] = L4_ITEM_MAP;
	mr[4] = l4_obj_fpage(l4re_util_cap_last() - (20 << L4_CAP_SHIFT), 0,
			     L4_CAP_FPAGE_RWS)
		    .raw;
	r = call(x->a.cap, L4RE_PROTO_DATASPACE, 1, 2, mr);
	check(r != 0, "garbage_items", "got %ld, want an error", r);
	check(alive(x->a.cap), "alive_after_garbage_items", "no answer");

	/* words + 2 * items > 63 */
	for (unsigned i = 0; i < L4_UTCB_GENERIC_DATA_SIZE; i++)
		mr[i] = 0;
	mr[0] = 2;
	r = call(x->a.cap, L4RE_PROTO_DATASPACE, 62, 2, mr);
	check(r != 0, "oversized_tag", "got %ld, want an error", r);
	check(alive(x->a.cap), "alive_after_oversized_tag", "no answer");
}

void checks_protocol_errors(struct ctx *x)
{
	bad_labels(x);
	bad_creates(x);
	short_messages(x);
	garbage(x);
	check(alive(x->fab) && alive(x->a.cap), "alive_after_bad_messages",
	      "spmm does not answer");
	tds_verify("content_after_bad_messages_A", &x->a);
	tds_verify("content_after_bad_messages_E", &x->e);
}
