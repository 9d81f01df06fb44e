/*
 * spmm_test.h - shared declarations of the spmm test client.
 *
 * spmm-test is an ordinary L4Re program that gets spmm's factory
 * capability ("spmm") from its environment and checks, one line per
 * check, what spmm answers:
 *
 *   PASS <name>
 *   FAIL <name>: <detail>
 *   ...
 *   spmm-test: N passed, N failed
 *
 * Modules:
 *   wire.c     raw IPC: control protocol, Meta, hand-made Factory and
 *              Dataspace messages, reduced-rights copies of capabilities;
 *   content.c  test dataspaces: create, attach, a model of what each byte
 *              must read, page patterns, verification;
 *   check_*.c  the checks, one file per kind of behaviour: protocol,
 *              create, merge (with COW and clear), dataspace, lifetime,
 *              domains, region maps;
 *   report.c   PASS/FAIL lines and the summary (spmm-stress uses it too);
 *   main.c     the order of the groups.
 *
 * Before it reads or writes a page of spmm memory, the program sends the
 * map request a page fault there would bring (same offset, rights and
 * receive window) by hand: a server that answers it wrongly shows up as a
 * FAIL line with the reply, instead of a page fault the region manager
 * cannot resolve, which would kill this client.  Only the last check
 * (checks_fault_path) leaves faults to the region manager alone, as any
 * program would.
 */
#ifndef SPMM_TEST_H
#define SPMM_TEST_H

#include <stdbool.h>
#include <stdint.h>

#include <l4/sys/types.h>

#include "spmm/control.h"

enum { PAGE = 4096 };

/* ---- reporting (report.c, shared with spmm-stress) ---- */
/* The program name of note() and the summary (default "spmm-test"). */
void report_name(const char *name);
/* Print PASS lines (default) or only FAIL lines. */
void report_loud(bool on);
/* Checks passed and failed so far in this process. */
unsigned report_passed(void);
unsigned report_failed(void);
/* Print "<name>: N passed, N failed". */
void report_summary(void);
void pass(const char *name);
void fail(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* PASS if cond, else FAIL with the detail; returns cond. */
bool check(bool cond, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Expect exactly `want` as the result of an operation. */
bool expect_ret(const char *name, long got, long want);
/* Print the summary line and sleep forever. */
void finish(void) __attribute__((noreturn));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Milliseconds since boot (KIP clock). */
uint64_t now_ms(void);

/* ---- raw IPC (wire.c) ---- */
/* Result of an IPC: the L4 error (IPC errors as -(L4_EIPC_LO + code)) or
 * the reply label. */
long wire_error(l4_msgtag_t t);

/* Control protocol: op on cap, reply words copied into out (up to nwords,
 * the rest zeroed).  Returns the reply label or an IPC error. */
long ctl_call(l4_cap_idx_t cap, unsigned op, void *out, unsigned nwords);
long ctl_ds_stats(l4_cap_idx_t ds, struct spmm_ctl_ds_stats *st);
long ctl_stats(l4_cap_idx_t fab, struct spmm_ctl_stats *st);

/* Send label/words/items with mr[0 .. words + 2 * items - 1] and a
 * capability receive buffer at rcv (or L4_INVALID_CAP); returns the tag. */
l4_msgtag_t wire_call(l4_cap_idx_t cap, long label, unsigned words,
		      unsigned items, const l4_umword_t *mr, l4_cap_idx_t rcv);

/* A copy of cap in a new slot with only `rights` (L4_CAP_FPAGE_*). */
l4_cap_idx_t cap_copy(l4_cap_idx_t cap, unsigned rights);
void cap_drop(l4_cap_idx_t cap);

/* Factory::create(Dataspace, args...) built by hand: nargs integer
 * arguments, each with tag type `type` (0x01 or 0x81).  On success the
 * new capability is in *ds (caller drops it); returns the label. */
long raw_create(l4_cap_idx_t fab, long proto, unsigned type,
		const int64_t *args, unsigned nargs, l4_cap_idx_t *ds);

/* Dataspace copy_in with the source capability sent with `rights`
 * (L4Re's C++ stub sends R; the C wrapper l4re_ds_copy_in sends none). */
long raw_copy_in(l4_cap_idx_t dst, uint64_t dst_off, l4_cap_idx_t src,
		 unsigned rights, uint64_t src_off, uint64_t size);

/* Meta: supports(proto) -> 1/0; interface(0) -> *proto. */
long meta_supports(l4_cap_idx_t cap, long proto);
long meta_num_interfaces(l4_cap_idx_t cap);
long meta_interface0(l4_cap_idx_t cap, long *proto);

/* Dataspace map sent by hand, with a receive window of 2^order bytes
 * around `at`; the reply as it came.  Returns the label (an error if a
 * successful reply has no flexpage). */
struct map_reply {
	long ret;
	unsigned words, items;
	uint64_t mr0, mr1;
};
long raw_map(l4_cap_idx_t ds, uint64_t off, unsigned long flags, l4_addr_t at,
	     unsigned order, struct map_reply *rep);

/* Is spmm still answering on this capability (control INFO)? */
bool alive(l4_cap_idx_t cap);

/* ---- test dataspaces (content.c) ---- */
struct tds {
	const char *name;
	l4_cap_idx_t cap;
	uint64_t size;	/* bytes asked for */
	unsigned pages; /* round_page(size) / PAGE */
	uint8_t *map;	/* attached read-write, all pages */
	uint8_t *model; /* what every byte must read */
};

/* Create through the factory with flags/align and attach.  Returns the
 * create error (0 on success); on error *d is left unusable. */
long tds_create(struct tds *d, l4_cap_idx_t fab, const char *name,
		uint64_t size, unsigned long flags, unsigned long align);
void tds_destroy(struct tds *d);

/* Fill page `page` (its first n bytes; n = 0: whole page) with the
 * pattern of `seed`, in the dataspace and in the model. */
void tds_fill(struct tds *d, unsigned page, uint64_t seed, unsigned n);
/* Write bytes at offset, dataspace and model. */
void tds_write(struct tds *d, uint64_t off, const void *src, unsigned len);
/* Apply to the model what clear(off, size) must do. */
void tds_model_clear(struct tds *d, uint64_t off, uint64_t size);
/* Apply to the model what copy_in(dst_off, src, src_off, size) must do. */
void tds_model_copy(struct tds *dst, uint64_t dst_off, const struct tds *src,
		    uint64_t src_off, uint64_t size);
/* Compare every byte of every page with the model: -1 if all equal,
 * else the first differing offset. */
long tds_diff(const struct tds *d);
/* check() that every byte reads as the model says. */
bool tds_verify(const char *name, const struct tds *d);

/* ---- checks (check_*.c) ---- */
enum {
	SEED_P1 = 1, /* page patterns found in several places */
	SEED_P2 = 2,
	MERGE_WAIT_MS = 60000, /* how long merging may take */
	FREE_WAIT_MS = 15000,  /* how long freeing a dataspace may take */
};

/* The seed of a pattern used only once: dataspace ds, page. */
static inline uint64_t seed_u(unsigned ds, unsigned page)
{
	return 1000 + ds * 100 + page;
}

struct ctx {
	l4_cap_idx_t fab;    /* the factory, as ned gave it (RWS) */
	l4_cap_idx_t fab_rw; /* a copy without S */
	l4_cap_idx_t fab_ro; /* a copy with R only */
	struct spmm_ctl_policy policy;
	bool have_policy;
	struct tds a, b, c, d, e;
	l4_cap_idx_t a_ro, e_ro; /* read-only copies */
	l4_cap_idx_t moe_ds; /* a dataspace of the environment's allocator */
};

void checks_control(struct ctx *x);
void checks_create(struct ctx *x);
void checks_ned(struct ctx *x);
void checks_merge(struct ctx *x);
void checks_cow(struct ctx *x);
void checks_clear(struct ctx *x);
void checks_info_map(struct ctx *x);
void checks_allocate_copy(struct ctx *x);
void checks_protocol_errors(struct ctx *x);
void checks_drop_cap(struct ctx *x);
void checks_exhaustion(struct ctx *x);
void checks_fault_path(struct ctx *x);
void checks_domains(struct ctx *x);
void checks_region_map(struct ctx *x);

#endif
