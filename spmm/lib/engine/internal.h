/*
 * internal.h - engine data structures shared by the engine's modules.
 * Nothing outside spmm/lib/engine includes this file.
 */
#ifndef SPM_INTERNAL_H
#define SPM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "spm.h"

/* Page states. */
enum {
	PS_ZERO = 0,	/* maps the zero frame */
	PS_PRIVATE = 1, /* maps a frame of its own */
	PS_STABLE = 2,	/* maps a merged, read-only, counted frame */
};

/* Page flags. */
enum {
	/* The platform's window page points at pte.frame. */
	PF_MAPPED = 1u << 0,
	/* A client may hold a writable mapping, or the monitor wrote to the
	 * page, since the page was last hashed: its content may differ from
	 * pte.sum. */
	PF_WRITABLE = 1u << 1,
	/* pte.sum is the hash of the content at the last look.  A page with
	 * PF_HASHED and without PF_WRITABLE has exactly that content now. */
	PF_HASHED = 1u << 2,
	/* Secure mode: the scanner considered this private page, so its next
	 * write gets a fresh copy exactly like a merged page would.  On a
	 * zero page: a write was asked for once and deferred (SPM_W_DEFER). */
	PF_COPY = 1u << 3,
};

/*
 * A page table entry: 8 bytes per page of every space.  This is the bulk of
 * the engine's metadata, so it stays this small: frame numbers are below
 * 2^28 (1 TiB of frames) and the content sum keeps 26 bits of the hash.
 */
#define SPM_FRAME_LIMIT ((1u << 28) - 1u)
#define SPM_SUM_MASK	((1u << 26) - 1u)
struct spm_pte {
	uint32_t frame : 28; /* PS_ZERO: the zero frame */
	uint32_t level : 4;  /* backoff: looked at every 2^level passes */
	uint32_t sum : 26;   /* low 26 bits of the keyed content hash */
	uint32_t state : 2;
	uint32_t flags : 4;
};

struct spm_space {
	uint64_t npages;
	uint32_t domain;
	uint32_t id_base; /* global page id of page 0 (unstable index) */
	void *priv;
	uint8_t secure; /* secure mode for this space (its domain) */
	struct spm_pte *pt;
	struct spm_space_stats st;
};

/* Stable index entry: one per stable frame. */
struct spm_stable {
	uint32_t sum;
	uint32_t frame;
	uint32_t refs; /* 0: empty slot */
	uint32_t domain;
};

struct spm_stable_index {
	struct spm_stable *slot;
	uint32_t cap; /* slots; never full (see index.c) */
	uint32_t count;
};

/* Unstable index: global page ids of candidate pages of this pass, each
 * with a tag made of its sum and domain so most probes need no page table
 * access. */
#define SPM_NO_ID UINT32_MAX
struct spm_unstable_slot {
	uint32_t id;
	uint32_t tag;
};
struct spm_unstable_index {
	struct spm_unstable_slot *slot;
	uint32_t cap;
	uint32_t count;
};

struct spm_engine {
	struct spm_platform pl;
	struct spm_policy pol;
	uint64_t seed;
	spm_frame_t zero_frame;
	uint32_t zero_sum;

	/* spaces sorted by id_base */
	struct spm_space **spaces;
	uint32_t nspaces, spaces_cap;

	/* scanner cursor */
	uint32_t cur_space;
	uint64_t cur_page;

	struct spm_stable_index stable;
	struct spm_unstable_index unstable;

	uint64_t frames_held; /* frames taken from the platform, zero incl. */
	uint64_t rng;	      /* xorshift state for secure-mode choices */

	/* global counters */
	uint64_t pages_total;
	uint64_t zero_pages;
	uint64_t private_pages;
	uint64_t stable_pages;
	uint64_t full_scans;
	uint64_t pages_scanned;
	uint64_t pages_hashed;
	uint64_t merges;
	uint64_t cow_breaks;
	uint64_t alloc_failures;
	uint64_t volatile_cur, volatile_last;
	/* adaptive rate: activity at the start of this pass, idle passes */
	uint64_t pass_mark;
	uint32_t idle_passes;
};

/* engine.c */
int spm__frame_alloc(struct spm_engine *e, bool random, spm_frame_t *f);
/* Secure mode for this space: the policy's, or the space's own. */
bool spm__secure(const struct spm_engine *e, const struct spm_space *s);
void spm__frame_free(struct spm_engine *e, spm_frame_t f);
void *spm__frame(struct spm_engine *e, spm_frame_t f);
struct spm_space *spm__space_of_id(struct spm_engine *e, uint32_t id,
				   uint64_t *page);

/* page.c: state changes that keep the counters right */
void spm__set_state(struct spm_engine *e, struct spm_space *s,
		    struct spm_pte *p, uint8_t state, spm_frame_t frame);
void spm__release(struct spm_engine *e, struct spm_space *s, struct spm_pte *p);
void spm__ensure_mapped(struct spm_engine *e, struct spm_space *s,
			uint64_t page);
void spm__point(struct spm_engine *e, struct spm_space *s, uint64_t page,
		spm_frame_t f);
int spm__make_private(struct spm_engine *e, struct spm_space *s, uint64_t page);

/* index.c */
int spm__stable_init(struct spm_stable_index *ix);
void spm__stable_fini(struct spm_stable_index *ix);
struct spm_stable *spm__stable_find(struct spm_stable_index *ix, uint32_t sum,
				    uint32_t domain, spm_frame_t frame,
				    uint32_t max_refs);
/* Calls match(ctx, entry) for every entry of (sum, domain) until it
 * returns true; returns that entry or NULL. */
struct spm_stable *
spm__stable_each(struct spm_stable_index *ix, uint32_t sum, uint32_t domain,
		 bool (*match)(void *ctx, struct spm_stable *s), void *ctx);
int spm__stable_insert(struct spm_stable_index *ix, uint32_t sum,
		       uint32_t domain, spm_frame_t frame, uint32_t refs);
void spm__stable_remove(struct spm_stable_index *ix, struct spm_stable *ent);

int spm__unstable_init(struct spm_unstable_index *ix);
void spm__unstable_fini(struct spm_unstable_index *ix);
void spm__unstable_reset(struct spm_unstable_index *ix);
/* Calls match(ctx, id) for every id filed under `key` until it returns
 * true; returns that id or SPM_NO_ID. */
uint32_t spm__unstable_tag(uint32_t sum, uint32_t domain);
/* Calls match(ctx, id) for every id filed under `tag` until it returns
 * true; returns that id or SPM_NO_ID. */
uint32_t spm__unstable_find(const struct spm_unstable_index *ix, uint32_t tag,
			    bool (*match)(void *ctx, uint32_t id), void *ctx);
int spm__unstable_insert(struct spm_unstable_index *ix, uint32_t tag,
			 uint32_t id);

#endif
