/*
 * platform_l4re.h - the engine's platform on L4Re.
 *
 * Frames: taken from the memory allocator (moe) in 2 MiB chunks, attached
 * eagerly and kept mapped in the monitor while any frame of the chunk is
 * used, so a used frame's monitor address is always backed.  A chunk
 * whose frames are all free goes back to moe once the pool keeps
 * SPMM_KEEP_FREE chunks' worth of free frames besides it; its slot (frame
 * numbers) is reused by the next chunk obtained.
 *
 * Windows: every dataspace has a reserved area of the monitor's address
 * space; page i of the dataspace is mapped at window + i * 4 KiB from its
 * frame (l4_task_map to ourselves).  Clients only ever get mappings derived
 * from the window page, so l4_task_unmap of the window page (other spaces)
 * removes exactly that page from every client, uvmm's guests included.
 * Unmaps are queued and sent in batches of up to 61 fpages.
 */
#ifndef SPMM_PLATFORM_L4RE_H
#define SPMM_PLATFORM_L4RE_H

#include <l4/sys/types.h>

#include "pool.h"
#include "spm.h"

#define SPMM_BATCH 61 /* l4_task_unmap_batch: L4_UTCB_GENERIC_DATA_SIZE - 2 */

#define SPMM_KEEP_FREE 4 /* chunks of free frames kept before giving back */

struct spmm_plat {
	struct spm_pool pool;
	l4_addr_t *chunk;    /* monitor address of each chunk; 0: given back */
	l4_cap_idx_t *chunk_ds;
	uint32_t nchunks, chunks_cap; /* slots */
	uint32_t live_chunks;	      /* slots holding memory */
	uint32_t max_chunks;	      /* memory limit; 0: none */
	unsigned long long chunks_returned;
	l4_fpage_t wq[SPMM_BATCH];
	unsigned nw;
	l4_fpage_t aq[SPMM_BATCH];
	unsigned na;
	/* counters for the statistics line */
	unsigned long long maps, unmap_calls, unmapped_pages, map_errors;
};

/* A dataspace's window in the monitor. */
struct spmm_window {
	l4_addr_t base;
	unsigned long pages;
};

int spmm_plat_init(struct spmm_plat *p, unsigned long long max_bytes,
		   unsigned long long seed);
void spmm_plat_ops(struct spmm_plat *p, struct spm_platform *ops);
int spmm_window_init(struct spmm_window *w, unsigned long pages);
void spmm_window_fini(struct spmm_window *w);
l4_addr_t spmm_frame_addr(const struct spmm_plat *p, spm_frame_t f);

#endif
