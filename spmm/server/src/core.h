/*
 * core.h - the spmm server's objects and request handling, without L4Re.
 *
 * The core owns the factories and dataspaces, checks rights, calls the
 * engine and encodes every reply.  What only L4Re can do (create an IPC
 * gate, ask whether a gate still has clients, reserve a window, read a
 * foreign dataspace) comes through struct spmm_sys, so the host tests can
 * drive the very code the server runs with hostile messages, dead
 * capabilities and exhausted memory.  main.c is the L4Re shell around it:
 * the event loop and those few system calls.
 *
 * A gate's label is the address of its object (8-byte aligned, so the
 * kernel's two rights bits are free).
 */
#ifndef SPMM_CORE_H
#define SPMM_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"
#include "spm.h"

struct spmm_obj {
	int kind; /* enum spmm_ipc_kind */
};

struct spmm_factory {
	struct spmm_obj o;
	uint32_t domain;
	int secure; /* dataspaces made here are in secure mode */
	const char *name;
};

struct spmm_ds {
	struct spmm_obj o;
	struct spm_space *space;
	void *win; /* the system's window (spm_space_priv) */
	uint64_t win_base;
	uint64_t size;
	uint64_t flags;
	uint64_t cap;
	unsigned refs; /* regions of region maps that show it */
	struct spmm_ds *next;
};

/* A dataspace of another server that a region map shows (the loader
 * attaches program text from the ROM this way): its capability, and the
 * range of our address space its pages are mapped to before we pass them
 * on.  Shared by the pieces of a region that detach split. */
struct spmm_foreign {
	uint64_t cap;
	uint64_t base;	    /* our address of ds_offset */
	uint64_t size;	    /* bytes reserved at base */
	uint64_t ds_offset; /* dataspace offset the range starts at */
	unsigned refs;
};

struct spmm_region {
	uint64_t start, end; /* inclusive, page aligned */
	uint32_t flags;	     /* region flags (SPMM_RM_F_*, rights) */
	uint64_t offset;     /* dataspace offset of start */
	struct spmm_ds *ds;  /* ours, or */
	struct spmm_foreign *fd; /* someone else's, or neither (reserved) */
	uint64_t client_cap; /* the client's name for the dataspace */
	uint64_t backing_offset; /* get_info: where the content came from */
	char name[SPMM_RM_NAME_MAX]; /* get_info: for debugging */
	unsigned name_len;
};

struct spmm_area {
	uint64_t start, end; /* inclusive */
	uint32_t flags;
};

/* A region map (L4Re::Rm): the regions and areas of one address space,
 * sorted by start; the pager of that space's threads. */
struct spmm_rm {
	struct spmm_obj o;
	uint64_t cap;
	struct spmm_region *reg;
	unsigned nreg, reg_room;
	struct spmm_area *area;
	unsigned narea, area_room;
	struct spmm_rm *next;
};

/* Bounds on what one region map may hold (a client cannot make us
 * allocate without limit). */
#define SPMM_RM_REGIONS_MAX 1024
#define SPMM_RM_AREAS_MAX   256

struct spmm_sys {
	void *ctx;
	/* A window of `pages` pages for a new dataspace: *win is handed to
	 * the engine as the space's platform cookie, *base is the monitor
	 * address of page 0 (for map replies). */
	int (*window_new)(void *ctx, uint64_t pages, void **win,
			  uint64_t *base);
	void (*window_free)(void *ctx, void *win);
	/* An IPC gate whose label is `label`; *cap goes into the reply. */
	int (*gate_new)(void *ctx, uint64_t label, uint64_t *cap);
	void (*gate_free)(void *ctx, uint64_t cap);
	/* Does any client still hold a capability to the gate? */
	int (*gate_alive)(void *ctx, uint64_t cap);
	/* Read `len` bytes at `src_off` of the foreign dataspace of the
	 * current request (the one in the receive slot) into buf; 0 or a
	 * negative error.  NULL: foreign sources are refused. */
	int (*read_foreign)(void *ctx, uint64_t src_off, void *buf,
			    uint64_t len);
	/* Region maps' foreign dataspaces.  foreign_new claims the
	 * capability in the receive slot (*cap names it from now on) and
	 * reserves `size` bytes of our address space at *base for its
	 * pages; foreign_map asks the dataspace to map the page at
	 * ds_offset to our address `local` with `rights` (SPMM_DS_*),
	 * with a time limit; foreign_free unmaps the range (and so every
	 * mapping passed on from it), frees it and drops the capability.
	 * foreign_new NULL: foreign dataspaces are refused. */
	int (*foreign_new)(void *ctx, uint64_t size, uint64_t *cap,
			   uint64_t *base);
	int (*foreign_map)(void *ctx, uint64_t cap, uint64_t ds_offset,
			   uint64_t local, unsigned rights);
	void (*foreign_free)(void *ctx, uint64_t cap, uint64_t base,
			     uint64_t size);
	/* An object is about to be freed: requests that are still queued
	 * with its label (sent before its gate died) must arrive with the
	 * label of spmm_dead_obj instead (l4_thread_modify_sender). */
	void (*forget_label)(void *ctx, uint64_t label);
};

/* What requests through a gate whose object is gone are delivered to:
 * they are answered -L4_ENOENT. */
extern struct spmm_obj spmm_dead_obj;

struct spmm_core {
	struct spm_engine *e;
	struct spmm_sys sys;
	struct spmm_ds *all_ds;
	unsigned long nds;
	int verbose;
	/* Largest dataspace a client may create: its page table costs 8
	 * bytes per page even while it is all zero.  0: no limit. */
	uint64_t max_ds_size;
	/* A read-only map or read fault may answer with a block of up to
	 * 2^max_map_order bytes around the page (12: one page). */
	unsigned max_map_order;
	/* A writable map of a zero page is answered read-only the first time
	 * (SPM_W_DEFER): clients that map eagerly take no frames for it. */
	int lazy_zero;
	unsigned long long requests, errors;
	/* Region maps: the virtual addresses a program may use, and areas
	 * every new map starts with (the kernel's reserved ranges). */
	struct spmm_rm *all_rm;
	unsigned long nrm;
	uint64_t rm_min, rm_max;
	struct spmm_area rm_reserved[8];
	unsigned n_rm_reserved;
	unsigned long long page_faults;
	/* The object the current request created (its reply carries the
	 * only capability to it), NULL if none. */
	struct spmm_obj *created;
	unsigned long long dead_requests, lost_creates;
};

void spmm_core_init(struct spmm_core *c, struct spm_engine *e,
		    const struct spmm_sys *sys, int verbose);
/* Destroys every dataspace (for tests and shutdown). */
void spmm_core_fini(struct spmm_core *c);
void spmm_factory_init(struct spmm_factory *f, uint32_t domain,
		       const char *name);

/* Answer one request to the object named by in->label. */
void spmm_core_handle(struct spmm_core *c, const struct spmm_ipc_in *in,
		      struct spmm_ipc_out *out);

/* The reply to the last request could not be sent (the client is gone or
 * gave no receive buffer): an object it created is freed, since nobody
 * can ever hold it. */
void spmm_core_reply_failed(struct spmm_core *c);

/* A gate may have died: free every region map and dataspace nobody holds
 * any more. */
void spmm_core_reap(struct spmm_core *c);

/* For core_rm.c: a region map stops showing d (frees it if nothing else
 * holds it); a new region map; a request to one; destroying one. */
void spmm_core_ds_unref(struct spmm_core *c, struct spmm_ds *d);
struct spmm_ds *spmm_core_ds_of_label(struct spmm_core *c, uint64_t obj);
int spmm_rm_create(struct spmm_core *c, struct spmm_ipc_out *out);
/* The flexpage order for a read-only answer at dataspace offset `off`
 * with hot spot `spot`, the block within offsets [lo, hi]. */
unsigned spmm_core_block_order(struct spmm_core *c, struct spmm_ds *d,
			       uint64_t off, uint64_t spot, uint64_t lo,
			       uint64_t hi);
int spmm_rm_request(struct spmm_core *c, struct spmm_rm *rm,
		    const struct spmm_req *req, struct spmm_ipc_out *out);
void spmm_rm_destroy(struct spmm_core *c, struct spmm_rm *rm);

/* The statistics line for the log (no newline): the scan rate over the
 * last us_since microseconds, and the CPU time the monitor's thread used in
 * them (cpu_pct) and in all (cpu_ms). */
void spmm_core_stats_line(const struct spmm_core *c, char *buf, size_t len,
			  uint64_t us_since, uint64_t scanned_since,
			  uint64_t cpu_us_since, uint64_t cpu_us_total);

#endif
