/*
 * spmm/control.h - the spmm control protocol, for client programs.
 *
 * spmm answers this protocol on every capability it hands out: the
 * factory (memory allocator) capability and each dataspace capability.
 * It reports merging statistics and the merging policy; it changes
 * nothing.  The header is plain C (C99 and later) and C++; it needs only
 * <stdint.h> and no L4Re or spmm header.
 *
 * Wire format (64-bit targets, one message word = 8 bytes):
 *  - request: tag label SPMM_CTL_PROTO, 1 word, 0 items.  MR0 holds the
 *    opcode (enum spmm_ctl_op) as a 32-bit int in its low half, as the
 *    L4Re IPC framework sends opcodes; the upper half is ignored.
 *  - reply: label 0, n words, 0 items, where word i is member i of the
 *    reply struct below (every member is one 64-bit word).  Later versions
 *    only append members, so read min(tag words, struct words) words and
 *    treat the rest as zero.
 *  - error reply: a negative label (an L4 error number), no words.
 *
 * Rights (the W and S bits of the capability used for the call):
 *  - SPMM_CTL_OP_INFO: none.
 *  - SPMM_CTL_OP_STATS, SPMM_CTL_OP_POLICY: S, else -L4_EPERM.  Global
 *    counters change when any client's page is merged, so they are an
 *    oracle for other clients' memory contents; only a capability with S
 *    (handed out by whoever configures the system) may read them.
 *  - SPMM_CTL_OP_DS_STATS: only on a dataspace capability (on the factory:
 *    -L4_ENOSYS); reports that dataspace only.
 *  - Unknown opcode: -L4_ENOSYS.
 *
 * Example (C, L4Re):
 *
 *	l4_msg_regs_t *mr = l4_utcb_mr();
 *	mr->mr[0] = SPMM_CTL_OP_DS_STATS;
 *	l4_msgtag_t t = l4_ipc_call(ds, l4_utcb(),
 *	                            l4_msgtag(SPMM_CTL_PROTO, 1, 0, 0),
 *	                            L4_IPC_NEVER);
 *	if (!l4_error(t)) {
 *		struct spmm_ctl_ds_stats st = {0};
 *		unsigned n = l4_msgtag_words(t);
 *		if (n > SPMM_CTL_DS_STATS_WORDS)
 *			n = SPMM_CTL_DS_STATS_WORDS;
 *		memcpy(&st, mr->mr, n * 8);
 *	}
 */
#ifndef SPMM_CONTROL_H
#define SPMM_CONTROL_H

#include <stdint.h>

/* Tag label of the control protocol ('S' 'P'); outside the ranges L4Re
 * uses (kernel protocols are negative, L4Re's start at 0x4000). */
#define SPMM_CTL_PROTO 0x5350L

/* Version of this protocol, reported by SPMM_CTL_OP_INFO. */
#define SPMM_CTL_VERSION 1

enum spmm_ctl_op {
	SPMM_CTL_OP_INFO = 0,	  /* reply: struct spmm_ctl_info */
	SPMM_CTL_OP_STATS = 1,	  /* reply: struct spmm_ctl_stats */
	SPMM_CTL_OP_DS_STATS = 2, /* reply: struct spmm_ctl_ds_stats */
	SPMM_CTL_OP_POLICY = 3,	  /* reply: struct spmm_ctl_policy */
};

/* SPMM_CTL_OP_INFO: what this server speaks. */
struct spmm_ctl_info {
	uint64_t version;	 /* SPMM_CTL_VERSION */
	uint64_t stats_words;	 /* words of the STATS reply */
	uint64_t ds_stats_words; /* words of the DS_STATS reply */
	uint64_t policy_words;	 /* words of the POLICY reply */
	uint64_t page_size;	 /* bytes per page the counters count */
};

/*
 * SPMM_CTL_OP_STATS: the whole server.  Names follow Linux KSM
 * (Documentation/admin-guide/mm/ksm.rst) where the meaning is the same.
 */
struct spmm_ctl_stats {
	uint64_t pages_total;	 /* pages of all dataspaces */
	uint64_t pages_shared;	 /* merged frames in use */
	uint64_t pages_sharing;	 /* pages mapping a merged frame, minus one
				    per merged frame: the frames saved */
	uint64_t pages_unshared; /* candidates seen once this pass */
	uint64_t pages_volatile; /* pages that changed during this pass */
	uint64_t zero_pages;	 /* pages mapping the shared zero frame */
	uint64_t pages_private;	 /* pages with a frame of their own */
	uint64_t full_scans;	 /* completed passes over all dataspaces */
	uint64_t pages_scanned;	 /* pages looked at by the scanner, ever */
	uint64_t pages_hashed;	 /* pages whose contents were hashed, ever */
	uint64_t merges;	 /* pages merged, ever */
	uint64_t cow_breaks;	 /* writes that copied a shared page, ever */
	uint64_t alloc_failures; /* frames that could not be had, ever */
	uint64_t frames_in_use;	 /* frames holding client data */
	uint64_t metadata_bytes; /* bookkeeping of the merging engine */
};

/* SPMM_CTL_OP_DS_STATS: the dataspace the capability names. */
struct spmm_ctl_ds_stats {
	uint64_t pages;		 /* size of the dataspace in pages */
	uint64_t pages_private;	 /* pages with a frame of their own */
	uint64_t pages_stable;	 /* pages mapping a merged frame */
	uint64_t zero_pages;	 /* pages mapping the shared zero frame */
	uint64_t cow_breaks;	 /* writes that copied a shared page, ever */
	uint64_t pages_volatile; /* pages that changed during this pass */
};

/* SPMM_CTL_OP_POLICY: the merging policy in force. */
struct spmm_ctl_policy {
	uint64_t pages_per_step;   /* pages per scanner step */
	uint64_t sleep_ms;	   /* pause between steps */
	uint64_t merge_zero;	   /* 1: zero pages map the zero frame */
	uint64_t merge_first_pass; /* 1: merge pages on first sight */
	uint64_t track_dirty;	   /* 1: write-protect unchanged pages */
	uint64_t secure;	   /* 1: copy every scanned page on write */
	uint64_t max_backoff;	   /* passes a volatile page waits, at most */
	uint64_t max_sharing;	   /* pages per merged frame; 0: no limit */
	uint64_t max_frames;	   /* frames the server may hold; 0: none */
};

enum {
	SPMM_CTL_INFO_WORDS = sizeof(struct spmm_ctl_info) / 8,
	SPMM_CTL_STATS_WORDS = sizeof(struct spmm_ctl_stats) / 8,
	SPMM_CTL_DS_STATS_WORDS = sizeof(struct spmm_ctl_ds_stats) / 8,
	SPMM_CTL_POLICY_WORDS = sizeof(struct spmm_ctl_policy) / 8,
};

#ifdef __cplusplus
static_assert(SPMM_CTL_STATS_WORDS == 15, "stats reply layout");
static_assert(SPMM_CTL_DS_STATS_WORDS == 6, "ds stats reply layout");
static_assert(SPMM_CTL_POLICY_WORDS == 9, "policy reply layout");
static_assert(SPMM_CTL_INFO_WORDS == 5, "info reply layout");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(SPMM_CTL_STATS_WORDS == 15, "stats reply layout");
_Static_assert(SPMM_CTL_DS_STATS_WORDS == 6, "ds stats reply layout");
_Static_assert(SPMM_CTL_POLICY_WORDS == 9, "policy reply layout");
_Static_assert(SPMM_CTL_INFO_WORDS == 5, "info reply layout");
#endif

#endif
