/*
 * platform.h - the whole contract between the spmm engine and the system
 * below it.
 *
 * The engine decides everything about merging; a platform only carries out
 * these few operations.  Two platforms exist: the L4Re one inside the spmm
 * server (frames from moe, a window per dataspace, l4_task_map/unmap) and
 * the host one (a simulated MMU used by tests, spmm-sim and the benchmarks).
 *
 * Vocabulary:
 *  - A frame is a 4 KiB page of memory owned by the monitor, named by a
 *    32-bit number that the platform chooses.  frame_ptr() gives the
 *    monitor's own, always present, read/write view of it.
 *  - Each space (dataspace) has a window: the platform's idea of which frame
 *    backs page i of the space.  Clients only ever receive mappings derived
 *    from the window, so revoking a window page revokes every client
 *    mapping of it.
 *
 * Rules the platform must keep:
 *  - map(space, page, f) points window page `page` at frame f.  If the page
 *    pointed at another frame, every client mapping derived from it is gone
 *    when map() returns (Fiasco does this when a mapping is replaced).
 *  - revoke(..., SPM_REVOKE_WRITE) removes the write right from every client
 *    mapping of that page; SPM_REVOKE_ALL removes the client mappings and the
 *    window page itself.  Either may be queued: the engine calls flush()
 *    before it relies on a revocation, and everything queued is in effect
 *    when flush() returns.
 *  - frame_alloc() may fail (-SPM_ENOMEM); the engine then leaves every page
 *    as it was.
 *
 * Nothing here may include an L4Re or Linux header.
 */
#ifndef SPM_PLATFORM_H
#define SPM_PLATFORM_H

#include <stdint.h>

#define SPM_PAGE_SHIFT 12u
#define SPM_PAGE_SIZE  (1u << SPM_PAGE_SHIFT)

typedef uint32_t spm_frame_t;
#define SPM_NO_FRAME UINT32_MAX

/* frame_alloc flags */
enum {
	/* Take the frame from a random place in the pool, so that a client
	 * cannot steer which physical frame backs its page (secure mode). */
	SPM_ALLOC_RANDOM = 1u << 0,
};

/* revoke modes */
enum {
	SPM_REVOKE_WRITE = 1,
	SPM_REVOKE_ALL = 2,
};

struct spm_platform {
	void *ctx;
	int (*frame_alloc)(void *ctx, unsigned flags, spm_frame_t *out);
	void (*frame_free)(void *ctx, spm_frame_t f);
	void *(*frame_ptr)(void *ctx, spm_frame_t f);
	/* `space` is the opaque pointer the platform gave spm_space_create. */
	void (*map)(void *ctx, void *space, uint64_t page, spm_frame_t f);
	void (*revoke)(void *ctx, void *space, uint64_t page, int mode);
	void (*flush)(void *ctx);
};

#endif
