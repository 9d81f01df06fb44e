/*
 * dier.c - spmm-stress dier ID exit|hang [ROUNDS]: a client whose
 * requests end in the middle.
 *
 * A second thread (the requester) sends long requests to spmm without
 * pause, in turn: copy_in of a 2 MiB dataspace S into the current
 * target T (512 pages copied by spmm in one request), clear of all of T,
 * a writable map of a page of T, a create of a small dataspace (whose
 * capability it drops at once) and a STATS call.  It uses raw IPC only,
 * no libc, so that it may die anywhere.
 *
 * The main thread, once per round, makes a new T, lets the requester work
 * on it for a few milliseconds and then, by turns:
 *   - cancels the requester's IPC three times (l4_thread_ex_regs with
 *     L4_THREAD_EX_REGS_CANCEL): spmm's reply finds nobody waiting;
 *   - drops its only capability to T while the requester uses it (the
 *     gate goes away under a request; spmm must reap T);
 *   - deletes T's gate outright (l4_task_delete_obj: the create reply
 *     gives D).
 * After each round: spmm must still answer, S and the small keeper
 * dataspace K (whose pages S0, S1 are merged with every other client's)
 * must read as written, and the requester must have made progress.
 *
 * At the end, with the requester still going: MODE exit calls exit(),
 * so libpthread deletes the requester thread in the middle of a request
 * and ned then deletes the task; MODE hang prints its summary and waits
 * for ned to kill the task (ned may also kill it earlier, in the middle
 * of a round).  Slots of dropped capabilities are never reused, so the
 * requester cannot hit another object through a stale index.
 *
 * Answers the requester accepts: 0 (or Meta's positive numbers); the IPC
 * errors our own cancel, drop and delete cause (not existent, cancelled,
 * aborted); and, for a request whose target went away meanwhile, an
 * error answer other than -L4_EBADPROTO (see account()).  Anything else,
 * a timeout included, is counted as unexpected and fails the watcher's
 * check dier_requests_answered.
 */
#include <pthread-l4.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/re/c/mem_alloc.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/ipc.h>
#include <l4/sys/task.h>
#include <l4/sys/thread.h>
#include <l4/util/util.h>

#include "stress.h"

enum { BIG = 512 * PAGE, SMALL = 3 * PAGE };

static unsigned did;
static struct board_dier *me;
static l4_cap_idx_t fab;
static struct tds S, K;
static l4_cap_idx_t cur_t = L4_INVALID_CAP;  /* the requester's target */
static l4_cap_idx_t gone_t = L4_INVALID_CAP; /* a target being dropped */
static l4_cap_idx_t req_slot;		     /* its create receive slot */
static l4_addr_t req_area;		     /* its map receive window */
static char nbuf[64];
static unsigned cur_round; /* the main thread's round, for the record */

static const char *nm(unsigned round, const char *what)
{
	snprintf(nbuf, sizeof(nbuf), "d%u_r%u_%s", did, round, what);
	return nbuf;
}

/* How a request of the requester to d ended. */
static void account(l4_msgtag_t t, unsigned kind, l4_cap_idx_t d)
{
	unsigned e = ipc_err(t);
	long label = l4_msgtag_label(t);

	badd(&me->requests, 1);
	if (!e && label >= 0) {
		badd(&me->ok, 1);
		return;
	}
	/* An error answer is all a request may get whose target went away
	 * while it was on its way (sent through the gate before, delivered
	 * after the gate's deletion: the kernel delivers such messages with
	 * the dead gate's label; the server has to rewrite the labels of
	 * pending senders, l4_thread_modify_sender_*, before it frees the
	 * object).  But not -L4_EBADPROTO: a Dataspace request through a
	 * dataspace gate has the right protocol; that answer means the
	 * server took the label for an object of another kind -- the sign
	 * of a freed object read through a stale label. */
	if (!e && label != -L4_EBADPROTO && !l4_is_invalid_cap(d) &&
	    (d == __atomic_load_n(&gone_t, __ATOMIC_SEQ_CST) ||
	     d != __atomic_load_n(&cur_t, __ATOMIC_SEQ_CST))) {
		if (!__atomic_fetch_add(&me->refused, 1, __ATOMIC_SEQ_CST))
			__atomic_store_n(&me->first_refused, label,
					 __ATOMIC_SEQ_CST);
		return;
	}
	/* Our own doing: the capability was dropped or deleted (not
	 * existent, aborted) or the IPC cancelled. */
	if (e == L4_IPC_ENOT_EXISTENT || e == L4_IPC_SECANCELED ||
	    e == L4_IPC_RECANCELED || e == L4_IPC_SEABORTED ||
	    e == L4_IPC_REABORTED) {
		badd(&me->cut, 1);
		return;
	}
	__atomic_fetch_or(&me->unexpected_kinds, 1u << kind, __ATOMIC_SEQ_CST);
	if (!__atomic_fetch_add(&me->unexpected, 1, __ATOMIC_SEQ_CST)) {
		__atomic_store_n(&me->first_unexpected,
				 e ? -(int64_t)(L4_EIPC_LO + e) : label,
				 __ATOMIC_SEQ_CST);
		__atomic_store_n(&me->first_unexpected_kind, kind + 1,
				 __ATOMIC_SEQ_CST);
		__atomic_store_n(&me->first_unexpected_round,
				 __atomic_load_n(&cur_round, __ATOMIC_SEQ_CST) +
				     1,
				 __ATOMIC_SEQ_CST);
	}
}

static void *requester(void *arg)
{
	(void)arg;
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *m = l4_utcb_mr_u(u);
	l4_buf_regs_t *b = l4_utcb_br_u(u);
	l4_timeout_t to = l4_timeout(l4_timeout_from_us(10000000),
				     l4_timeout_from_us(10000000));
	l4_msgtag_t t;

	for (unsigned i = 0;; i++) {
		l4_cap_idx_t d = __atomic_load_n(&cur_t, __ATOMIC_SEQ_CST);
		if (l4_is_invalid_cap(d)) {
			l4_sleep(1);
			continue;
		}
		b->bdr = 0;
		b->br[0] = 0;
		switch (i % 5) {
		case 0: /* copy_in T <- S, all of it */
			m->mr[0] = 3;
			m->mr[1] = 0;
			m->mr[2] = 0;
			m->mr[3] = BIG;
			m->mr[4] = L4_ITEM_MAP;
			m->mr[5] = l4_obj_fpage(S.cap, 0, L4_CAP_FPAGE_RO).raw;
			t = l4_ipc_call(
			    d, u, l4_msgtag(L4RE_PROTO_DATASPACE, 4, 1, 0), to);
			break;
		case 1: /* clear all of T */
			m->mr[0] = 1;
			m->mr[1] = 0;
			m->mr[2] = BIG;
			t = l4_ipc_call(
			    d, u, l4_msgtag(L4RE_PROTO_DATASPACE, 3, 0, 0), to);
			break;
		case 2: /* map a page of T writable into req_area */
			m->mr[0] = 0;
			m->mr[1] = (uint64_t)(i * 7 % 512) * PAGE;
			m->mr[2] = req_area;
			m->mr[3] = L4RE_DS_F_RW;
			b->br[0] = L4_ITEM_MAP;
			b->br[1] =
			    l4_fpage(req_area, L4_PAGESHIFT, L4_FPAGE_RWX).raw;
			b->br[2] = 0;
			t = l4_ipc_call(
			    d, u, l4_msgtag(L4RE_PROTO_DATASPACE, 4, 0, 0), to);
			account(t, i % 5, d);
			l4_task_unmap(
			    L4RE_THIS_TASK_CAP,
			    l4_fpage(req_area, L4_PAGESHIFT, L4_FPAGE_RWX),
			    L4_FP_ALL_SPACES);
			continue;
		case 3: /* create a small dataspace, drop it at once */
			m->mr[0] = L4RE_PROTO_DATASPACE;
			m->mr[1] = 0x81 | (8ul << 16);
			m->mr[2] = SMALL;
			b->br[0] = req_slot | L4_RCV_ITEM_SINGLE_CAP;
			b->br[1] = 0;
			t = l4_ipc_call(
			    fab, u, l4_msgtag(L4_PROTO_FACTORY, 3, 0, 0), to);
			account(t, i % 5, L4_INVALID_CAP);
			l4_task_unmap(
			    L4RE_THIS_TASK_CAP,
			    l4_obj_fpage(req_slot, 0, L4_CAP_FPAGE_RWSD),
			    L4_FP_ALL_SPACES);
			continue;
		default: /* statistics */
			m->mr[0] = SPMM_CTL_OP_STATS;
			t = l4_ipc_call(fab, u,
					l4_msgtag(SPMM_CTL_PROTO, 1, 0, 0), to);
			break;
		}
		account(t, i % 5, i % 5 < 3 ? d : L4_INVALID_CAP);
	}
	return NULL;
}

/* A new target dataspace for the requester, in a slot never reused. */
static l4_cap_idx_t new_target(void)
{
	l4_cap_idx_t c = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(c))
		return c;
	long r = l4re_ma_alloc_align_srv(fab, BIG, c, 0, 0);
	if (r) {
		fail("d_new_target", "create: %ld", r);
		return L4_INVALID_CAP;
	}
	return c;
}

static void drop(l4_cap_idx_t c)
{
	l4_task_unmap(L4RE_THIS_TASK_CAP, l4_obj_fpage(c, 0, L4_CAP_FPAGE_RWSD),
		      L4_FP_ALL_SPACES);
}

static bool after_round(unsigned r, uint64_t req_before)
{
	bool ok = check(alive(fab), nm(r, "alive"), "spmm does not answer");
	ok &= tds_verify(nm(r, "keeper"), &K);
	ok &= check(bload(&me->requests) > req_before, nm(r, "progress"),
		    "the requester got no answer during the round (%llu "
		    "requests)",
		    (unsigned long long)bload(&me->requests));
	bstore(&me->passed, report_passed());
	bstore(&me->failed, report_failed());
	return ok;
}

static void round_once(unsigned r, pthread_t th)
{
	uint64_t req0 = bload(&me->requests);
	l4_cap_idx_t t = new_target();

	if (l4_is_invalid_cap(t))
		return;
	__atomic_store_n(&cur_round, r, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cur_t, t, __ATOMIC_SEQ_CST);
	l4_sleep(10 + (r * 37 + did * 11) % 50);
	switch (r % 3) {
	case 0:
		/* cancels first; the drop below marks the target gone */
		for (unsigned k = 0; k < 3; k++) {
			l4_thread_ex_regs(pthread_l4_cap(th), ~0ul, ~0ul,
					  L4_THREAD_EX_REGS_CANCEL);
			badd(&me->cancels, 1);
			l4_sleep(3 + k);
		}
		__atomic_store_n(&gone_t, t, __ATOMIC_SEQ_CST);
		drop(t);
		break;
	case 1:
		__atomic_store_n(&gone_t, t, __ATOMIC_SEQ_CST);
		drop(t);
		badd(&me->drops, 1);
		break;
	default:
		__atomic_store_n(&gone_t, t, __ATOMIC_SEQ_CST);
		l4_task_delete_obj(L4RE_THIS_TASK_CAP, t);
		badd(&me->deletes, 1);
		break;
	}
	/* let the requester run into the vanished capability */
	l4_sleep(5);
	after_round(r, req0);
	bstore(&me->rounds, r + 1);
}

int role_dier(unsigned id, bool hang, unsigned rounds)
{
	pthread_t th;

	did = id;
	fab = l4re_env_get_cap("spmm");
	if (!check(!l4_is_invalid_cap(fab) && board, "d_env",
		   "capabilities 'spmm' and 'board' needed"))
		goto out;
	me = &board->d[id - 1];
	bstore32(&me->mode, hang ? 2 : 1);
	bstore32(&me->state, D_SETUP);
	note("start (%s after %u rounds)",
	     hang ? "waits to be killed" : "exits", rounds);
	if (!check(wait_ready(), "d_ready", "the watcher never got ready"))
		goto out;

	req_slot = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(req_slot) ||
	    l4re_rm_reserve_area(&req_area, PAGE, L4RE_RM_F_SEARCH_ADDR,
				 L4_PAGESHIFT)) {
		fail("d_setup", "no slot or area");
		goto out;
	}
	if (!expect_ret("d_create_S", tds_create(&S, fab, "S", BIG, 0, 0), 0) ||
	    !expect_ret("d_create_K", tds_create(&K, fab, "K", 4 * PAGE, 0, 0),
			0))
		goto out;
	for (unsigned p = 0; p < 4; p++)
		tds_fill(&S, p, seed_shared(p), 0);
	for (unsigned p = 4; p < BIG / PAGE; p++)
		tds_fill(&S, p, seed_private(ROLE_DIER, id, 0, 0, p), 0);
	tds_fill(&K, 0, seed_shared(0), 0);
	tds_fill(&K, 1, seed_shared(1), 0);
	tds_fill(&K, 2, seed_private(ROLE_DIER, id, 0, 1, 2), 0);
	tds_fill(&K, 3, seed_private(ROLE_DIER, id, 0, 1, 3), 0);
	tds_verify("d_written_S", &S);
	tds_verify("d_written_K", &K);

	if (pthread_create(&th, NULL, requester, NULL)) {
		fail("d_thread", "pthread_create failed");
		goto out;
	}
	bstore32(&me->state, D_ROUNDS);
	for (unsigned r = 0; r < rounds; r++)
		round_once(r, th);
	tds_verify("d_end_S", &S);

	/* the last target stays with the requester until the end */
	l4_cap_idx_t last = new_target();
	__atomic_store_n(&cur_t, last, __ATOMIC_SEQ_CST);
	bstore(&me->passed, report_passed());
	bstore(&me->failed, report_failed());
	bstore32(&me->state, D_FINAL);
	note("%u rounds: %llu requests (%llu answered, %llu cut off by us, "
	     "%llu refused after their target went, %llu unexpected), %llu "
	     "cancels, %llu drops, %llu deletes",
	     rounds, (unsigned long long)bload(&me->requests),
	     (unsigned long long)bload(&me->ok),
	     (unsigned long long)bload(&me->cut),
	     (unsigned long long)bload(&me->refused),
	     (unsigned long long)bload(&me->unexpected),
	     (unsigned long long)bload(&me->cancels),
	     (unsigned long long)bload(&me->drops),
	     (unsigned long long)bload(&me->deletes));
	report_summary();
	if (hang) {
		note("waiting to be killed, the requester still going");
		l4_sleep_forever();
	}
	l4_sleep(15);
	note("exit in the middle of a request");
	exit(0);
out:
	if (me) {
		bstore(&me->passed, report_passed());
		bstore(&me->failed, report_failed());
		bstore32(&me->state, D_FINAL);
	}
	report_summary();
	return 1;
}
