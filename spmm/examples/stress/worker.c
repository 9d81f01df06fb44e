/*
 * worker.c - spmm-stress worker ID: a client that behaves, among many
 * (conf/spmm-stress.cfg starts several at once).
 *
 * Dataspaces (S0..S3: the page patterns every client of the run writes;
 * P: a pattern of this worker, round and page only; -: never written):
 *   A  12 pages            S0 S1 S2 S3 S0 S1 P P P - - -
 *   B   6 pages + 100 B    S2 S3 P P P - P(100 bytes)
 *   C   4 pages            S0 P P P        (copy_in target)
 *   F   4 pages            P P P P         (target of random messages)
 * so A, B and C merge even with nobody else around (S0, S1 twice in A),
 * and across clients whenever others hold the same patterns.
 *
 * Each round: write (again) every S and P page, compare every byte,
 * wait until DS_STATS shows all S pages on merged frames, compare again,
 * write into four merged pages (copy on write, counted in DS_STATS),
 * compare, run valid copy_in/clear/allocate/info requests, send a batch
 * of malformed requests whose answers must be exact, and a batch of
 * random messages on F that must all be answered; then compare A, B, C
 * again -- nothing any other client or message did may show in them.
 *
 * Odd workers destroy their dataspaces at the end, even ones just exit
 * and leave it to spmm to notice their capabilities are gone.
 */
#include <stdio.h>
#include <string.h>

#include <l4/re/c/dataspace.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/task.h>
#include <l4/util/util.h>

#include "stress.h"

enum {
	ROUNDS = 3,
	FUZZ = 48,	/* random messages per round */
	UNTOUCHED = -2, /* page never written */
	PRIV = -1,	/* page of a private pattern */
};

struct wds {
	struct tds t;
	const signed char *plan;
	unsigned npages;
	unsigned goal; /* S pages: merged after each round's wait */
	unsigned last_bytes;
};

static const signed char plan_a[12] = {
    0, 1, 2, 3, 0, 1, PRIV, PRIV, PRIV, UNTOUCHED, UNTOUCHED, UNTOUCHED};
static const signed char plan_b[7] = {2, 3, PRIV, PRIV, PRIV, UNTOUCHED, PRIV};
static const signed char plan_c[4] = {0, PRIV, PRIV, PRIV};
static const signed char plan_f[4] = {PRIV, PRIV, PRIV, PRIV};

static unsigned wid;
static struct board_worker *me;
static l4_cap_idx_t fab, fab_rw;
static struct wds A, B, C, F;
static l4_cap_idx_t a_ro;
static l4_addr_t area; /* one reserved page for hand-made map requests */
static uint64_t bad_requests;

static char nbuf[64];
static const char *nm(unsigned round, const char *what)
{
	snprintf(nbuf, sizeof(nbuf), "w%u_r%u_%s", wid, round, what);
	return nbuf;
}

static bool make(struct wds *d, const char *name, uint64_t size,
		 const signed char *plan, unsigned npages, unsigned last_bytes)
{
	memset(d, 0, sizeof(*d));
	long r = tds_create(&d->t, fab, name, size, 0, 0);
	if (!expect_ret(nm(0, "create"), r, 0))
		return false;
	d->plan = plan;
	d->npages = npages;
	d->last_bytes = last_bytes;
	for (unsigned p = 0; p < npages; p++)
		if (plan[p] >= 0)
			d->goal++;
	return true;
}

static void fill(struct wds *d, unsigned dsno, unsigned round)
{
	for (unsigned p = 0; p < d->npages; p++) {
		unsigned n = p == d->npages - 1 ? d->last_bytes : 0;
		if (d->plan[p] >= 0)
			tds_fill(&d->t, p, seed_shared((unsigned)d->plan[p]),
				 n);
		else if (d->plan[p] == PRIV)
			tds_fill(&d->t, p,
				 seed_private(ROLE_WORKER, wid, round, dsno, p),
				 n);
	}
}

static void verify_all(unsigned round, const char *when)
{
	char what[40];

	snprintf(what, sizeof(what), "%s_A", when);
	tds_verify(nm(round, what), &A.t);
	snprintf(what, sizeof(what), "%s_B", when);
	tds_verify(nm(round, what), &B.t);
	snprintf(what, sizeof(what), "%s_C", when);
	tds_verify(nm(round, what), &C.t);
}

static bool merged(struct wds *d, struct spmm_ctl_ds_stats *st)
{
	return ctl_ds_stats(d->t.cap, st) == 0 && st->pages_stable >= d->goal;
}

static void wait_merged(unsigned round)
{
	struct spmm_ctl_ds_stats sa, sb, sc;
	uint64_t t0 = now_ms();
	bool all;

	while (!(all = merged(&A, &sa) & merged(&B, &sb) & merged(&C, &sc)) &&
	       now_ms() - t0 < MERGE_WAIT_MS)
		l4_sleep(50);
	uint64_t ms = now_ms() - t0;
	if (ms > bload(&me->merge_ms_max))
		bstore(&me->merge_ms_max, ms);
	check(all, nm(round, "merged"),
	      "after %llu ms: merged pages A %llu/%u B %llu/%u C %llu/%u",
	      (unsigned long long)ms, (unsigned long long)sa.pages_stable,
	      A.goal, (unsigned long long)sb.pages_stable, B.goal,
	      (unsigned long long)sc.pages_stable, C.goal);
	note("round %u: merged after %llu ms", round, (unsigned long long)ms);

	struct spmm_ctl_stats st;
	long r = ctl_stats(fab, &st);
	check(r == 0 && st.pages_sharing > 0 && st.merges > 0,
	      nm(round, "stats_show_merging"),
	      "ret %ld pages_sharing %llu merges %llu", r,
	      (unsigned long long)st.pages_sharing,
	      (unsigned long long)st.merges);
}

/* Write into merged pages: each write must copy the page for us only. */
static void cow(unsigned round)
{
	struct spmm_ctl_ds_stats a0, b0, c0, a1, b1, c1;
	uint64_t v = ((uint64_t)wid << 32) | round | 0xc0c0000000000000ull;

	ctl_ds_stats(A.t.cap, &a0);
	ctl_ds_stats(B.t.cap, &b0);
	ctl_ds_stats(C.t.cap, &c0);
	tds_write(&A.t, 0 * PAGE + 64, &v, sizeof(v));
	tds_write(&A.t, 4 * PAGE + 128, &v, sizeof(v));
	tds_write(&B.t, 1 * PAGE + 256, &v, sizeof(v));
	tds_write(&C.t, 0 * PAGE + 4088, &v, sizeof(v));
	ctl_ds_stats(A.t.cap, &a1);
	ctl_ds_stats(B.t.cap, &b1);
	ctl_ds_stats(C.t.cap, &c1);
	check(a1.cow_breaks >= a0.cow_breaks + 2 &&
		  b1.cow_breaks >= b0.cow_breaks + 1 &&
		  c1.cow_breaks >= c0.cow_breaks + 1,
	      nm(round, "cow_counted"),
	      "cow_breaks A %llu->%llu B %llu->%llu C %llu->%llu",
	      (unsigned long long)a0.cow_breaks,
	      (unsigned long long)a1.cow_breaks,
	      (unsigned long long)b0.cow_breaks,
	      (unsigned long long)b1.cow_breaks,
	      (unsigned long long)c0.cow_breaks,
	      (unsigned long long)c1.cow_breaks);
	verify_all(round, "after_cow");
}

static void valid_ops(unsigned round)
{
	long r = raw_copy_in(C.t.cap, PAGE + 10, A.t.cap, L4_CAP_FPAGE_RO,
			     6 * PAGE + 20, PAGE + 30);
	if (expect_ret(nm(round, "copy_in"), r, 0))
		tds_model_copy(&C.t, PAGE + 10, &A.t, 6 * PAGE + 20, PAGE + 30);
	r = ds_clear(B.t.cap, 2 * PAGE + 50, 300 + round);
	if (expect_ret(nm(round, "clear"), r, 0))
		tds_model_clear(&B.t, 2 * PAGE + 50, 300 + round);
	expect_ret(nm(round, "allocate"), ds_allocate(A.t.cap, 0, A.t.size), 0);
	l4re_ds_stats_t s;
	r = l4re_ds_info(B.t.cap, &s);
	check(r == 0 && s.size == B.t.size, nm(round, "info"),
	      "ret %ld size %llu", r, (unsigned long long)s.size);
	tds_verify(nm(round, "valid_ops_B"), &B.t);
	tds_verify(nm(round, "valid_ops_C"), &C.t);
}

static long call(l4_cap_idx_t cap, long label, unsigned words, unsigned items,
		 const l4_umword_t *mr)
{
	bad_requests++;
	return wire_error(
	    wire_call(cap, label, words, items, mr, L4_INVALID_CAP));
}

static long create(l4_cap_idx_t f, const int64_t *args, unsigned n)
{
	l4_cap_idx_t ds;
	bad_requests++;
	long r = raw_create(f, L4RE_PROTO_DATASPACE, 0x81, args, n, &ds);
	cap_drop(ds);
	return r;
}

static long map_at(l4_cap_idx_t ds, uint64_t off, unsigned long flags)
{
	struct map_reply rep;
	bad_requests++;
	long r = raw_map(ds, off, flags, area, L4_PAGESHIFT, &rep);
	l4_task_unmap(L4RE_THIS_TASK_CAP,
		      l4_fpage(area, L4_PAGESHIFT, L4_FPAGE_RWX),
		      L4_FP_ALL_SPACES);
	return r;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Malformed requests whose answers spmm-test pins down. */
static void malformed(unsigned round)
{
	l4_umword_t mr[L4_UTCB_GENERIC_DATA_SIZE] = {0};
	int64_t args[4] = {PAGE, 0, 0, 0};
	int64_t zero = 0, neg = -PAGE;
	uint64_t s = 0x9a7bace5ull * (wid * 16 + round + 1);

	expect_ret(nm(round, "ctl_unknown_opcode"), ctl_call(fab, 77, NULL, 0),
		   -L4_ENOSYS);
	bad_requests++;
	expect_ret(nm(round, "ctl_stats_without_s"),
		   ctl_call(fab_rw, SPMM_CTL_OP_STATS, NULL, 0), -L4_EPERM);
	bad_requests++;
	expect_ret(nm(round, "ctl_ds_stats_on_factory"),
		   ctl_call(fab, SPMM_CTL_OP_DS_STATS, NULL, 0), -L4_ENOSYS);
	bad_requests++;
	mr[0] = 77;
	expect_ret(nm(round, "ds_unknown_opcode"),
		   call(A.t.cap, L4RE_PROTO_DATASPACE, 1, 0, mr), -L4_ENOSYS);
	mr[0] = 2;
	expect_ret(nm(round, "ds_bad_protocol"),
		   call(A.t.cap, 0x1234, 1, 0, mr), -L4_EBADPROTO);
	expect_ret(nm(round, "factory_bad_protocol"),
		   call(fab, 0x1234, 1, 0, mr), -L4_EBADPROTO);
	expect_ret(nm(round, "ds_protocol_on_factory"),
		   call(fab, L4RE_PROTO_DATASPACE, 1, 0, mr), -L4_EBADPROTO);
	expect_ret(nm(round, "create_size_0"), create(fab, &zero, 1),
		   -L4_ERANGE);
	expect_ret(nm(round, "create_negative_size"), create(fab, &neg, 1),
		   -L4_ERANGE);
	expect_ret(nm(round, "create_too_many_args"), create(fab, args, 4),
		   -L4_EINVAL);
	expect_ret(nm(round, "create_without_s"), create(fab_rw, args, 1),
		   -L4_EPERM);
	expect_ret(nm(round, "create_empty"),
		   call(fab, L4_PROTO_FACTORY, 0, 0, mr), -L4_EMSGTOOSHORT);
	expect_ret(nm(round, "map_w_on_read_only_cap"),
		   map_at(a_ro, 0, L4RE_DS_F_RW), -L4_EPERM);
	expect_ret(nm(round, "map_beyond_size"),
		   map_at(A.t.cap, 12 * PAGE, L4RE_DS_F_R), -L4_ERANGE);
	bad_requests++;
	expect_ret(nm(round, "clear_on_read_only_cap"), ds_clear(a_ro, 0, PAGE),
		   -L4_EACCESS);
	bad_requests++;
	expect_ret(nm(round, "clear_beyond_size"),
		   ds_clear(A.t.cap, 12 * PAGE, PAGE), -L4_ERANGE);
	bad_requests++;
	expect_ret(nm(round, "copy_in_without_w"),
		   raw_copy_in(a_ro, 0, C.t.cap, L4_CAP_FPAGE_RO, 0, PAGE),
		   -L4_EACCESS);
	mr[0] = 3;
	expect_ret(nm(round, "copy_in_without_item"),
		   call(C.t.cap, L4RE_PROTO_DATASPACE, 4, 0, mr),
		   -L4_EMSGTOOSHORT);
	bad_requests++;
	expect_ret(nm(round, "allocate_beyond_size"),
		   ds_allocate(A.t.cap, A.t.size, 1), -L4_ERANGE);
	mr[0] = 0;
	expect_ret(nm(round, "map_one_word"),
		   call(A.t.cap, L4RE_PROTO_DATASPACE, 1, 0, mr),
		   -L4_EMSGTOOSHORT);
	expect_ret(nm(round, "empty_message"),
		   call(A.t.cap, L4RE_PROTO_DATASPACE, 0, 0, mr),
		   -L4_EMSGTOOSHORT);
	mr[0] = 0;
	mr[1] = 0;
	mr[2] = 0;
	mr[3] = L4RE_DS_F_R;
	mr[4] = L4_ITEM_MAP;
	mr[5] = l4_obj_fpage(a_ro, 0, L4_CAP_FPAGE_RO).raw;
	expect_ret(nm(round, "map_with_item"),
		   call(C.t.cap, L4RE_PROTO_DATASPACE, 4, 1, mr), -L4_EINVAL);
	for (unsigned i = 0; i < L4_UTCB_GENERIC_DATA_SIZE; i++)
		mr[i] = rnd(&s);
	mr[0] = (mr[0] & ~0xffffffffull) | 0x1000 | (mr[0] & 0xfff);
	expect_ret(nm(round, "garbage_words"),
		   call(A.t.cap, L4RE_PROTO_DATASPACE, 63, 0, mr), -L4_ENOSYS);
	check(alive(fab) && alive(A.t.cap), nm(round, "alive_after_malformed"),
	      "spmm does not answer");
}

/*
 * Random messages on F (and a read-only copy of it, and the factory
 * without the Factory protocol, which would create dataspaces): random
 * labels among the ones spmm speaks, opcodes mostly valid, random words.
 * Map is left out (its answer carries a flexpage to a window we did not
 * give).  Each must be answered, with anything.
 */
static void fuzz(unsigned round, l4_cap_idx_t f_ro)
{
	static const long labels[] = {
	    L4RE_PROTO_DATASPACE, L4RE_PROTO_DATASPACE, L4RE_PROTO_DATASPACE,
	    SPMM_CTL_PROTO,	  L4_PROTO_META,	0x1234};
	uint64_t s = 0xf022ull * (wid * 64 + round + 7);
	l4_umword_t mr[12];
	unsigned unanswered = 0, errors = 0, first = 0;

	for (unsigned i = 0; i < FUZZ; i++) {
		uint64_t x = rnd(&s);
		long label = labels[x % 6];
		unsigned words = (unsigned)((x >> 8) % 9);
		unsigned op = (x >> 16) % 8 < 6 ? (unsigned)((x >> 24) % 6)
						: (unsigned)(x >> 32);
		if (label == L4RE_PROTO_DATASPACE && op == 0)
			op = 2;
		l4_cap_idx_t to = (x >> 40) % 5 == 0		  ? f_ro
				  : label == L4RE_PROTO_DATASPACE ? F.t.cap
				  : (x >> 44) % 2		  ? fab
								  : F.t.cap;
		mr[0] = op;
		for (unsigned k = 1; k < 12; k++) {
			uint64_t y = rnd(&s);
			mr[k] = (y & 3) ? y % (8 * PAGE) : y;
		}
		bad_requests++;
		l4_msgtag_t t =
		    wire_call(to, label, words, 0, mr, L4_INVALID_CAP);
		unsigned e = ipc_err(t);
		if (e) {
			if (!unanswered++)
				first = e;
		} else if (l4_msgtag_label(t) < 0)
			errors++;
	}
	check(unanswered == 0, nm(round, "random_messages_answered"),
	      "%u of %u not answered (first IPC error %u)", unanswered, FUZZ,
	      first);
	note("round %u: %u random messages, %u answered with an error", round,
	     FUZZ, errors);
}

int role_worker(unsigned id)
{
	wid = id;
	note("start");
	fab = l4re_env_get_cap("spmm");
	if (!check(!l4_is_invalid_cap(fab) && board, "w_env",
		   "capabilities 'spmm' and 'board' needed"))
		goto out;
	me = &board->w[id - 1];
	bstore32(&me->state, W_RUNNING);
	if (!check(wait_ready(), "w_ready", "the watcher never got ready"))
		goto out;
	fab_rw = cap_copy(fab, L4_CAP_FPAGE_RW);
	if (l4re_rm_reserve_area(&area, PAGE, L4RE_RM_F_SEARCH_ADDR,
				 L4_PAGESHIFT) ||
	    l4_is_invalid_cap(fab_rw)) {
		fail("w_setup", "no area or capability copy");
		goto out;
	}
	if (!make(&A, "A", 12 * PAGE, plan_a, 12, 0) ||
	    !make(&B, "B", 6 * PAGE + 100, plan_b, 7, 100) ||
	    !make(&C, "C", 4 * PAGE, plan_c, 4, 0) ||
	    !make(&F, "F", 4 * PAGE, plan_f, 4, 0))
		goto out;
	a_ro = cap_copy(A.t.cap, L4_CAP_FPAGE_RO);
	l4_cap_idx_t f_ro = cap_copy(F.t.cap, L4_CAP_FPAGE_RO);
	fill(&F, 3, 0);

	for (unsigned r = 0; r < ROUNDS; r++) {
		unsigned f0 = report_failed();
		fill(&A, 0, r);
		fill(&B, 1, r);
		fill(&C, 2, r);
		verify_all(r, "written");
		wait_merged(r);
		verify_all(r, "merged");
		cow(r);
		valid_ops(r);
		malformed(r);
		fuzz(r, f_ro);
		verify_all(r, "after_bad_requests");
		bstore32(&me->rounds, r + 1);
		bstore(&me->passed, report_passed());
		bstore(&me->failed, report_failed());
		bstore(&me->bad_requests, bad_requests);
		note(
		    "round %u: %u checks failed, %llu bad requests sent so far",
		    r, report_failed() - f0, (unsigned long long)bad_requests);
	}
	if (id % 2) {
		cap_drop(a_ro);
		cap_drop(f_ro);
		tds_destroy(&A.t);
		tds_destroy(&B.t);
		tds_destroy(&C.t);
		tds_destroy(&F.t);
		note("dataspaces destroyed, exiting");
	} else {
		note("exiting with my dataspaces: spmm must reap them");
	}
out:
	if (me) {
		bstore(&me->passed, report_passed());
		bstore(&me->failed, report_failed());
		bstore(&me->bad_requests, bad_requests);
		bstore32(&me->state, W_DONE);
	}
	report_summary();
	return report_failed() ? 1 : 0;
}
