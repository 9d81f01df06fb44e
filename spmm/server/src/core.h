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
	int kind; /* SPMM_IPC_FACTORY or SPMM_IPC_DATASPACE */
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
	struct spmm_ds *next;
};

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
};

struct spmm_core {
	struct spm_engine *e;
	struct spmm_sys sys;
	struct spmm_ds *all_ds;
	unsigned long nds;
	int verbose;
	/* Largest dataspace a client may create: its page table costs 8
	 * bytes per page even while it is all zero.  0: no limit. */
	uint64_t max_ds_size;
	unsigned long long requests, errors;
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

/* A gate may have died: free every dataspace nobody holds any more. */
void spmm_core_reap(struct spmm_core *c);

/* The statistics line for the log (no newline): the scan rate over the
 * last us_since microseconds, and the CPU time the monitor's thread used in
 * them (cpu_pct) and in all (cpu_ms). */
void spmm_core_stats_line(const struct spmm_core *c, char *buf, size_t len,
			  uint64_t us_since, uint64_t scanned_since,
			  uint64_t cpu_us_since, uint64_t cpu_us_total);

#endif
