/*
 * fuzz.h - what the libFuzzer targets of the ipc layer share.
 *
 * Input bytes, little-endian 64-bit words:
 *   [0, 8)        the message tag
 *   [8, 16)       the gate label (object | caller's rights)
 *   [16, 16 + E)  E bytes of target parameters (fuzz_dataspace: the
 *                 dataspace's size, flags and monitor window)
 *   then          up to 63 message registers; a short last word is
 *                 zero-padded, registers not given are zero.
 *
 * The registers beyond what the tag announces are poisoned for
 * AddressSanitizer, all of them if the tag announces more than 63, so a
 * decoder that reads past its message crashes the run: that is the
 * "never read past words" invariant.  FUZZ_CHECK aborts with the failed
 * condition, which libFuzzer records as a crash.
 */
#ifndef SPMM_FUZZ_H
#define SPMM_FUZZ_H

#include <sanitizer/asan_interface.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant broken: %s\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

struct fuzz_msg {
	struct spmm_ipc_in *in; /* registers past the message poisoned */
	uint64_t env[4];	/* target parameters, zero if not given */
};

static inline uint64_t fuzz_word(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Split the input; env_words parameter words follow tag and label.
 * Returns 0, or -1 if the input is too short to hold a tag. */
static inline int fuzz_msg_open(struct fuzz_msg *m, const uint8_t *data,
				size_t size, unsigned env_words)
{
	size_t at = 0;
	if (size < 8)
		return -1;
	m->in = calloc(1, sizeof(*m->in));
	if (!m->in)
		abort();
	m->in->tag = fuzz_word(data, 8);
	at = 8;
	m->in->label = fuzz_word(data + at, size - at < 8 ? size - at : 8);
	at = size < 16 ? size : 16;
	memset(m->env, 0, sizeof(m->env));
	for (unsigned i = 0; i < env_words && i < 4 && at < size; i++) {
		m->env[i] = fuzz_word(data + at, size - at);
		at = size - at < 8 ? size : at + 8;
	}
	for (unsigned i = 0; i < SPMM_MR_WORDS && at < size; i++) {
		m->in->mr[i] = fuzz_word(data + at, size - at);
		at = size - at < 8 ? size : at + 8;
	}
	return 0;
}

/* Registers the message does not have. */
static inline unsigned fuzz_msg_len(const struct spmm_ipc_in *in)
{
	unsigned n = spmm_ipc_tag_words(in->tag) +
		     SPMM_ITEM_WORDS * spmm_ipc_tag_items(in->tag);
	return n > SPMM_MR_WORDS ? 0 : n;
}

/*
 * Poison the registers past the message and ask spmm_ipc_cap_mapped(),
 * whose contract differs: it looks at items within the 63 registers even
 * when the tag claims more, so it runs before the poison in that case.
 */
static inline bool fuzz_msg_poison(struct fuzz_msg *m)
{
	unsigned n = fuzz_msg_len(m->in);
	bool mapped = false;
	if (n == 0)
		mapped = spmm_ipc_cap_mapped(m->in);
	ASAN_POISON_MEMORY_REGION(&m->in->mr[n],
				  (SPMM_MR_WORDS - n) * sizeof(uint64_t));
	if (n != 0)
		mapped = spmm_ipc_cap_mapped(m->in);
	return mapped;
}

static inline void fuzz_msg_close(struct fuzz_msg *m)
{
	ASAN_UNPOISON_MEMORY_REGION(m->in->mr, sizeof(m->in->mr));
	free(m->in);
}

/* The fields every successful decode sets from the gate label. */
static inline void fuzz_check_label(const struct spmm_ipc_in *in,
				    const struct spmm_req *r)
{
	FUZZ_CHECK(r->obj == (in->label & ~(uint64_t)3));
	FUZZ_CHECK(r->rights == (in->label & 3));
}

/* Two decodes of one message must agree, member by member (the struct
 * has padding, so memcmp() would compare more than the decoder wrote). */
static inline bool fuzz_req_equal(const struct spmm_req *a,
				  const struct spmm_req *b)
{
	if (a->op != b->op || a->obj != b->obj || a->rights != b->rights)
		return false;
	switch (a->op) {
	case SPMM_OP_CREATE:
		return a->create.protocol == b->create.protocol &&
		       a->create.size == b->create.size &&
		       a->create.flags == b->create.flags &&
		       a->create.align == b->create.align &&
		       a->create.nargs == b->create.nargs;
	case SPMM_OP_DS_MAP:
		return a->map.offset == b->map.offset &&
		       a->map.spot == b->map.spot &&
		       a->map.flags == b->map.flags;
	case SPMM_OP_DS_CLEAR:
	case SPMM_OP_DS_ALLOCATE:
		return a->range.offset == b->range.offset &&
		       a->range.size == b->range.size;
	case SPMM_OP_DS_COPY_IN:
		return a->copy_in.dst_offset == b->copy_in.dst_offset &&
		       a->copy_in.src_offset == b->copy_in.src_offset &&
		       a->copy_in.size == b->copy_in.size &&
		       a->copy_in.src == b->copy_in.src &&
		       a->copy_in.src_obj == b->copy_in.src_obj &&
		       a->copy_in.src_rights == b->copy_in.src_rights;
	case SPMM_OP_META_INTERFACE:
		return a->iface.index == b->iface.index;
	case SPMM_OP_META_SUPPORTS:
		return a->supports.protocol == b->supports.protocol;
	case SPMM_OP_RM_ATTACH:
		return a->attach.start == b->attach.start &&
		       a->attach.size == b->attach.size &&
		       a->attach.flags == b->attach.flags &&
		       a->attach.offset == b->attach.offset &&
		       a->attach.align == b->attach.align &&
		       a->attach.client_cap == b->attach.client_cap &&
		       a->attach.backing_offset == b->attach.backing_offset &&
		       a->attach.name_len == b->attach.name_len &&
		       !memcmp(a->attach.name, b->attach.name,
			       a->attach.name_len) &&
		       a->attach.src == b->attach.src &&
		       a->attach.src_obj == b->attach.src_obj &&
		       a->attach.src_rights == b->attach.src_rights;
	case SPMM_OP_RM_DETACH:
		return a->detach.addr == b->detach.addr &&
		       a->detach.size == b->detach.size &&
		       a->detach.flags == b->detach.flags;
	case SPMM_OP_RM_FIND:
		return a->find.addr == b->find.addr &&
		       a->find.size == b->find.size;
	case SPMM_OP_RM_RESERVE_AREA:
		return a->area.start == b->area.start &&
		       a->area.size == b->area.size &&
		       a->area.flags == b->area.flags &&
		       a->area.align == b->area.align;
	case SPMM_OP_RM_FREE_AREA:
	case SPMM_OP_RM_GET_REGIONS:
	case SPMM_OP_RM_GET_AREAS:
	case SPMM_OP_RM_GET_INFO:
		return a->at.addr == b->at.addr;
	case SPMM_OP_PAGE_FAULT:
		return a->pf.pfa == b->pf.pfa && a->pf.pc == b->pf.pc;
	default:
		return true;
	}
}

/* Is err one of the n errors in allowed[]? */
static inline int fuzz_err_in(int err, const int *allowed, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (err == -allowed[i])
			return 1;
	return 0;
}

#define FUZZ_ERR_IN(err, ...)                          \
	fuzz_err_in((err), (const int[]){__VA_ARGS__}, \
		    sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

/* An out buffer full of canaries: an encoder must leave every register
 * past the ones its tag announces untouched. */
#define FUZZ_CANARY 0x5a5a5a5a5a5a5a5aull

static inline void fuzz_out_init(struct spmm_ipc_out *out)
{
	out->tag = FUZZ_CANARY;
	for (unsigned i = 0; i < SPMM_MR_WORDS; i++)
		out->mr[i] = FUZZ_CANARY;
}

/* Checks of every reply: registers fit, nothing written past them, an
 * error reply carries nothing, flags are clear; returns the label. */
static inline long fuzz_check_reply(const struct spmm_ipc_out *out)
{
	unsigned w = spmm_ipc_tag_words(out->tag);
	unsigned it = spmm_ipc_tag_items(out->tag);
	long label = spmm_ipc_tag_label(out->tag);
	FUZZ_CHECK(w + SPMM_ITEM_WORDS * it <= SPMM_MR_WORDS);
	FUZZ_CHECK(spmm_ipc_tag_flags(out->tag) == 0);
	FUZZ_CHECK(out->tag == spmm_ipc_tag(label, w, it, 0));
	for (unsigned i = w + SPMM_ITEM_WORDS * it; i < SPMM_MR_WORDS; i++)
		FUZZ_CHECK(out->mr[i] == FUZZ_CANARY);
	if (label < 0)
		FUZZ_CHECK(w == 0 && it == 0);
	return label;
}

/* An error reply for err, checked. */
static inline void fuzz_check_error_reply(int err)
{
	struct spmm_ipc_out out;
	fuzz_out_init(&out);
	spmm_ipc_encode_ret(&out, err);
	FUZZ_CHECK(fuzz_check_reply(&out) == err);
	FUZZ_CHECK(spmm_ipc_msg_words(out.tag) == 0);
}

/* The decoder of one protocol, run twice on the same message, must give
 * the same answer and, on success, the same request; and so must the
 * router for every object `kinds` names (bit 0 factory, bit 1 dataspace,
 * bit 2 region map) when the label is that protocol's; any other label is
 * -L4_EBADPROTO.  Returns the decoder's answer. */
typedef int fuzz_decode_fn(const struct spmm_ipc_in *in, struct spmm_req *r);
static inline int fuzz_decode_consistent(const struct spmm_ipc_in *in,
					 long proto, fuzz_decode_fn *decode,
					 unsigned kinds, struct spmm_req *r,
					 struct spmm_req *again,
					 struct spmm_req *routed)
{
	int e = decode(in, r);
	FUZZ_CHECK(decode(in, again) == e);
	if (e == 0)
		FUZZ_CHECK(fuzz_req_equal(r, again));
	for (int kind = SPMM_IPC_FACTORY; kind <= SPMM_IPC_RM; kind++) {
		if (!(kinds & (1u << (kind - 1))))
			continue;
		int er = spmm_ipc_decode(in, kind, routed);
		if (spmm_ipc_tag_label(in->tag) == proto) {
			FUZZ_CHECK(er == e);
			if (e == 0)
				FUZZ_CHECK(fuzz_req_equal(r, routed));
		}
	}
	if (spmm_ipc_tag_label(in->tag) != proto)
		FUZZ_CHECK(e == -SPMM_EBADPROTO);
	return e;
}

#endif
