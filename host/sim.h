/*
 * sim.h - the host platform: frames in process memory and a simulated MMU.
 *
 * Clients of the engine (tests, spmm-sim, benchmarks) read and write their
 * spaces only through sim_access(), which behaves like a CPU with a TLB:
 * it uses the client's current mapping of a page and faults into the
 * engine (spm_fault) exactly where hardware would, that is when the
 * mapping is missing or lacks the right for the access.
 *
 * The simulated MMU follows Fiasco's rules: re-pointing a window page at a
 * different frame drops every client mapping of it at once; revocations
 * are queued and take effect at flush().  It also checks what the engine
 * promised: a fault reply must be backed by the window, and a client must
 * never touch a frame that is free.  Any breach is counted in `bugs` and
 * described in `bug`.
 */
#ifndef SPM_HOST_SIM_H
#define SPM_HOST_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "spm.h"

struct sim_space;

struct sim {
	struct spm_pool pool;
	unsigned char **chunks; /* frame memory, CHUNK frames each */
	uint32_t nchunks;
	uint64_t frame_limit; /* frames the "system" gives at most; 0: any */
	/* fault injection: the frame_alloc call number fail_at (counting from
	 * 1) fails; fail_all makes every one fail */
	uint64_t alloc_calls, fail_at;
	bool fail_all;
	/* queued revocations */
	struct sim_revoke {
		struct sim_space *sp;
		uint64_t page;
		int mode;
	} * queue;
	uint32_t nqueue, queue_cap;
	/* Called at every platform operation: lets a test play a client that
	 * runs on another CPU and writes through mappings it holds while
	 * the engine is in the middle of its work. */
	void (*racer)(void *ctx);
	void *racer_ctx;
	/* Clients ask for writes with SPM_W_DEFER, as the server does for map
	 * requests, and ask again when the answer came read-only. */
	bool defer_writes;
	uint64_t deferred;
	/* counters */
	uint64_t faults, maps, revokes, flushes;
	uint64_t bugs;
	char bug[256];
};

struct sim_space {
	uint64_t npages;
	uint32_t *window; /* frame per page, SPM_NO_FRAME if none */
	uint32_t *tlb;	  /* the client's mapping: frame, */
	uint8_t *rights;  /* and its rights (SPM_R, SPM_W) */
	uint64_t faults;
};

int sim_init(struct sim *sim, uint64_t frame_limit, uint64_t seed);
void sim_fini(struct sim *sim);
void sim_platform(struct sim *sim, struct spm_platform *pl);

struct sim_space *sim_space_new(uint64_t npages);
void sim_space_free(struct sim_space *sp);

/*
 * A client of space `s` (whose platform cookie is `sp`) reads or writes
 * [off, off+len).  Returns 0, or the engine's error from the fault that
 * stopped the access (bytes before that page were accessed).
 */
int sim_access(struct sim *sim, struct spm_engine *e, struct spm_space *s,
	       uint64_t off, void *buf, uint64_t len, bool write);

/* Frames obtained from the "system", and free in the pool. */
uint64_t sim_frames_obtained(const struct sim *sim);
uint64_t sim_frames_free(const struct sim *sim);
/* Everything the tests check after each step: the engine's invariants
 * (spm_check), no bug seen by the simulated MMU, and every frame obtained
 * free or in use (plus the zero frame).  0, or -1 with what broke in why. */
int sim_check(struct sim *sim, struct spm_engine *e, char *why, size_t len);
/* Bytes of frame memory of a frame, for tests. */
unsigned char *sim_frame(struct sim *sim, uint32_t f);

#endif
