/*
 * ipc_impl.h - helpers shared by the decoders and encoders of the ipc
 * layer (not part of its contract; see ipc.h).
 */
#ifndef SPMM_IPC_IMPL_H
#define SPMM_IPC_IMPL_H

#include "ipc.h"

/* Common start of every decoder: the label must be `proto`
 * (-L4_EBADPROTO), words + 2 * items must fit the registers
 * (-L4_EMSGTOOSHORT, as L4Re's handle_svr_obj_call); then *req is
 * cleared and gets the object and the caller's rights. */
int spmm_ipc_begin(const struct spmm_ipc_in *in, long proto,
		   struct spmm_req *req);

/* The 32-bit opcode in the low half of MR0 (-L4_EMSGTOOSHORT without
 * MR0).  Compared unsigned, so negative opcodes are merely unknown. */
int spmm_ipc_opcode(const struct spmm_ipc_in *in, uint32_t *op);

/* The request needs `words` words (-L4_EMSGTOOSHORT if fewer) and
 * exactly `items` items (fewer: -L4_EMSGTOOSHORT, more: -L4_EINVAL). */
int spmm_ipc_need(const struct spmm_ipc_in *in, unsigned words, unsigned items);

/* A register as a signed word (two's complement), without relying on
 * the implementation-defined conversion of large unsigned values. */
static inline int64_t spmm_ipc_s64(uint64_t v)
{
	return v <= (uint64_t)INT64_MAX ? (int64_t)v : -(int64_t)~v - 1;
}

/* Start a reply: label, words and items in the tag; the registers
 * announced are cleared, so no stale word leaves the server. */
void spmm_ipc_reply(struct spmm_ipc_out *out, long label, unsigned words,
		    unsigned items);

#endif
