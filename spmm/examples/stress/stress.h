/*
 * stress.h - shared declarations of spmm-stress, the hostile-client
 * stress test of spmm on L4Re (conf/spmm-stress.cfg).
 *
 * One program, several roles, chosen by the first argument:
 *
 *   spmm-stress watcher NW ND   started first: takes spmm's baseline
 *                               statistics, keeps a dataspace of its own
 *                               whose bytes must never change, and after
 *                               the end mark checks that every client
 *                               reported success, that spmm took back
 *                               every frame and still serves a new
 *                               client; prints the run's verdict,
 *                               "spmm-stress: N passed, N failed".
 *   spmm-stress worker ID       a well-behaved client under load:
 *                               content shared with every other client,
 *                               merging, copy on write, valid and
 *                               malformed requests with exact answers.
 *   spmm-stress dier ID MODE [ROUNDS]
 *                               a client whose requests are cut off: a
 *                               second thread keeps long requests going
 *                               while the first cancels its IPC, drops or
 *                               deletes the dataspace it works on, and at
 *                               last exits (MODE exit) or waits for ned to
 *                               kill it (MODE hang).
 *   spmm-stress end             marks the end of the run for the watcher
 *                               (ned starts it when every other client is
 *                               gone).
 *
 * The roles meet on a "board": a dataspace of moe (not of spmm, so that
 * it does not count in spmm's statistics) that ned gives to all of them.
 * Each role writes its own slot with atomic stores; the watcher reads.
 *
 * The checks and the raw IPC come from spmm-test (spmm/examples/test:
 * wire.c, content.c); this program provides the reporting functions
 * spmm_test.h declares.
 */
#ifndef SPMM_STRESS_H
#define SPMM_STRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "spmm_test.h"

enum {
	BOARD_SIZE = 2 * PAGE,
	MAX_WORKERS = 16,
	MAX_DIERS = 32,
	/* How long a client waits for the watcher's baseline. */
	READY_WAIT_MS = 60000,
};

/* Seeds of the pages every client writes (the watcher, each worker and
 * each dier): the same four page patterns everywhere, so spmm merges
 * across clients. */
static inline uint64_t seed_shared(unsigned k)
{
	return 0x5eed0000u + k;
}

/* A seed no other page of the run uses. */
static inline uint64_t seed_private(unsigned role, unsigned id, unsigned round,
				    unsigned ds, unsigned page)
{
	return (1ull << 62) | ((uint64_t)role << 56) | ((uint64_t)id << 40) |
	       ((uint64_t)round << 24) | ((uint64_t)ds << 16) | page;
}

enum { ROLE_WATCHER = 1, ROLE_WORKER = 2, ROLE_DIER = 3 };

enum worker_state { W_NONE, W_RUNNING, W_DONE };
struct board_worker {
	uint32_t state;
	uint32_t rounds;
	uint64_t passed, failed;
	uint64_t bad_requests; /* malformed and random messages sent */
	uint64_t merge_ms_max; /* longest wait for merging */
};

enum dier_state { D_NONE, D_SETUP, D_ROUNDS, D_FINAL };
struct board_dier {
	uint32_t state;
	uint32_t mode; /* 1 exit, 2 hang */
	uint64_t rounds;
	uint64_t passed, failed;
	/* the second thread's requests and how they ended */
	uint64_t requests;
	uint64_t ok;	  /* answered 0 (or Meta's positive answer) */
	uint64_t cut;	  /* IPC ended by our own cancel/drop/delete */
	uint64_t refused; /* an error answer to a request on a target
			     whose capability we dropped or deleted */
	int64_t first_refused;
	uint64_t unexpected; /* any other answer */
	int64_t first_unexpected;
	uint32_t first_unexpected_kind;	 /* request kind (dier.c) + 1 */
	uint32_t unexpected_kinds;	 /* bit per request kind */
	uint32_t first_unexpected_round; /* the main thread's round + 1 */
	uint32_t pad;
	uint64_t cancels, drops, deletes;
};

struct board {
	uint32_t ready; /* the watcher has its baseline */
	uint32_t end;	/* every client but the watcher is gone */
	uint32_t nworkers, ndiers;
	struct board_worker w[MAX_WORKERS];
	struct board_dier d[MAX_DIERS];
};

_Static_assert(sizeof(struct board) <= BOARD_SIZE, "board too big");

/* The board, attached by main (NULL without a capability "board"). */
extern struct board *board;

static inline uint64_t bload(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
static inline uint32_t bload32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}
static inline void bstore(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}
static inline void bstore32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}
static inline void badd(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}

/* ---- stress.c ---- */
/* Wait until the watcher has its baseline; false after READY_WAIT_MS. */
bool wait_ready(void);
/* The IPC error of a tag (0: none). */
unsigned ipc_err(l4_msgtag_t t);

/* Raw Dataspace requests (words only). */
long ds_clear(l4_cap_idx_t ds, uint64_t off, uint64_t size);
long ds_allocate(l4_cap_idx_t ds, uint64_t off, uint64_t size);

/* ---- the roles ---- */
int role_watcher(unsigned nworkers, unsigned ndiers);
int role_worker(unsigned id);
int role_dier(unsigned id, bool hang, unsigned rounds);
int role_end(void);

#endif
