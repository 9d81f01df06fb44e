/*
 * watcher.c - spmm-stress watcher NW ND (the run's verdict) and
 * spmm-stress end (the end mark).
 *
 * The watcher starts before any other client: it reads spmm's STATS as
 * the baseline, writes a bystander dataspace Y (pages S0..S3, which merge
 * with every other client's, and four private pages) and opens the board
 * (ready).  While the others run it polls every 250 ms: spmm must answer,
 * Y must read as written (every byte), and it notes the largest sharing
 * it saw.  When the end mark comes (ned starts `spmm-stress end` once
 * every worker and dier is gone) it checks what the others reported on
 * the board, destroys Y and waits until spmm's pages and frames are back
 * at the baseline: nothing leaked by the dead clients.  Then a fresh
 * client's work (create, write, merge, copy on write, verify, destroy)
 * must still succeed and leave nothing behind.  The last line of the run
 * is "spmm-stress: N passed, N failed".
 */
#include <stdio.h>
#include <string.h>

#include <l4/re/c/dataspace.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/task.h>
#include <l4/util/util.h>

#include "stress.h"

enum {
	POLL_MS = 250,
	RUN_LIMIT_MS = 420000, /* the whole run, at most */
	DRAIN_MS = 15000,      /* dead clients' memory back, at most */
	PROGRESS_MS = 10000,
};

static l4_cap_idx_t fab;
static struct spmm_ctl_stats base;

/* Wait until pages_total and frames_in_use are back at the baseline. */
static bool drained(struct spmm_ctl_stats *st, uint64_t *ms)
{
	uint64_t t0 = now_ms();
	bool ok;

	do {
		ok = ctl_stats(fab, st) == 0 &&
		     st->pages_total == base.pages_total &&
		     st->frames_in_use == base.frames_in_use;
		if (ok)
			break;
		l4_sleep(100);
	} while (now_ms() - t0 < DRAIN_MS);
	*ms = now_ms() - t0;
	return ok;
}

static void check_drained(const char *name)
{
	struct spmm_ctl_stats st;
	uint64_t ms;
	bool ok = drained(&st, &ms);

	check(ok, name,
	      "after %llu ms: pages_total %llu (baseline %llu) frames_in_use "
	      "%llu (baseline %llu)",
	      (unsigned long long)ms, (unsigned long long)st.pages_total,
	      (unsigned long long)base.pages_total,
	      (unsigned long long)st.frames_in_use,
	      (unsigned long long)base.frames_in_use);
	if (ok)
		note("%s: pages_total %llu frames_in_use %llu after %llu ms",
		     name, (unsigned long long)st.pages_total,
		     (unsigned long long)st.frames_in_use,
		     (unsigned long long)ms);
}

struct watch {
	uint64_t polls, dead_polls, verifies, bad_verifies;
	long first_bad;
	bool y_merged, ended;
	uint64_t max_sharing, max_pages, max_frames;
};

static void progress(const struct watch *w, uint64_t t0, unsigned nw,
		     unsigned nd)
{
	unsigned wd = 0, ds = 0, dfin = 0;

	for (unsigned i = 0; i < nw; i++)
		wd += bload32(&board->w[i].state) == W_DONE;
	for (unsigned i = 0; i < nd; i++) {
		uint32_t s = bload32(&board->d[i].state);
		ds += s != D_NONE;
		dfin += s == D_FINAL;
	}
	note("t=%llus: workers done %u/%u, diers started %u/%u (%u in their "
	     "last phase), spmm pages max %llu, sharing max %llu",
	     (unsigned long long)((now_ms() - t0) / 1000), wd, nw, ds, nd, dfin,
	     (unsigned long long)w->max_pages,
	     (unsigned long long)w->max_sharing);
}

static void watch_run(struct tds *y, struct watch *w, unsigned nw, unsigned nd)
{
	uint64_t t0 = now_ms(), last = t0;

	memset(w, 0, sizeof(*w));
	while (now_ms() - t0 < RUN_LIMIT_MS) {
		struct spmm_ctl_stats st;
		struct spmm_ctl_ds_stats ys;

		if (bload32(&board->end)) {
			w->ended = true;
			break;
		}
		w->polls++;
		if (!alive(fab) || ctl_stats(fab, &st) != 0) {
			w->dead_polls++;
		} else {
			if (st.pages_sharing > w->max_sharing)
				w->max_sharing = st.pages_sharing;
			if (st.pages_total > w->max_pages)
				w->max_pages = st.pages_total;
			if (st.frames_in_use > w->max_frames)
				w->max_frames = st.frames_in_use;
		}
		if (ctl_ds_stats(y->cap, &ys) == 0 && ys.pages_stable >= 4)
			w->y_merged = true;
		/* every byte, each page mapped by an explicit request first
		 * (as content.c does), so a wrong answer is counted here and
		 * does not become a page fault */
		w->verifies++;
		long off = -1;
		for (unsigned p = 0; p < y->pages && off < 0; p++) {
			struct map_reply rep;
			if (raw_map(y->cap, (uint64_t)p * PAGE, L4RE_DS_F_R,
				    (l4_addr_t)y->map + (l4_addr_t)p * PAGE,
				    L4_PAGESHIFT, &rep))
				off = (long)p * PAGE;
		}
		if (off < 0)
			off = tds_diff(y);
		if (off >= 0 && !w->bad_verifies++)
			w->first_bad = off;
		if (now_ms() - last >= PROGRESS_MS) {
			last = now_ms();
			progress(w, t0, nw, nd);
		}
		l4_sleep(POLL_MS);
	}
	progress(w, t0, nw, nd);
}

static void check_board(unsigned nw, unsigned nd)
{
	uint64_t wp = 0, wf = 0, bad = 0, merge_ms = 0;
	unsigned done = 0, rounds = 0;

	for (unsigned i = 0; i < nw; i++) {
		struct board_worker *b = &board->w[i];
		done += bload32(&b->state) == W_DONE;
		rounds += bload32(&b->rounds);
		wp += bload(&b->passed);
		wf += bload(&b->failed);
		bad += bload(&b->bad_requests);
		if (bload(&b->merge_ms_max) > merge_ms)
			merge_ms = bload(&b->merge_ms_max);
	}
	check(done == nw, "workers_done", "%u of %u workers reported the end",
	      done, nw);
	check(wf == 0 && wp > 0, "workers_passed",
	      "workers: %llu checks passed, %llu failed",
	      (unsigned long long)wp, (unsigned long long)wf);
	note("workers: %u, %u rounds, %llu checks passed, %llu failed, %llu "
	     "malformed or random requests sent, longest merge wait %llu ms",
	     nw, rounds, (unsigned long long)wp, (unsigned long long)wf,
	     (unsigned long long)bad, (unsigned long long)merge_ms);

	uint64_t dp = 0, df = 0, req = 0, ok = 0, cut = 0, ref = 0, unx = 0,
		 can = 0, drops = 0, dels = 0, drounds = 0;
	unsigned started = 0, exits = 0, kills = 0, killed_mid = 0;
	int64_t first = 0, first_ref = 0;
	uint32_t first_kind = 0, first_round = 0, kinds = 0;
	for (unsigned i = 0; i < nd; i++) {
		struct board_dier *b = &board->d[i];
		uint32_t s = bload32(&b->state);
		started += s != D_NONE;
		if (bload32(&b->mode) == 1)
			exits++;
		else if (bload32(&b->mode) == 2) {
			kills++;
			killed_mid += s != D_FINAL;
		}
		dp += bload(&b->passed);
		df += bload(&b->failed);
		req += bload(&b->requests);
		ok += bload(&b->ok);
		cut += bload(&b->cut);
		if (bload(&b->refused) && !ref)
			first_ref =
			    (int64_t)bload((uint64_t *)&b->first_refused);
		ref += bload(&b->refused);
		if (bload(&b->unexpected) && !unx) {
			first =
			    (int64_t)bload((uint64_t *)&b->first_unexpected);
			first_kind = bload32(&b->first_unexpected_kind);
			first_round = bload32(&b->first_unexpected_round);
		}
		kinds |= bload32(&b->unexpected_kinds);
		unx += bload(&b->unexpected);
		can += bload(&b->cancels);
		drops += bload(&b->drops);
		dels += bload(&b->deletes);
		drounds += bload(&b->rounds);
	}
	check(started == nd, "diers_started", "%u of %u diers started", started,
	      nd);
	check(df == 0 && dp > 0, "diers_passed",
	      "diers: %llu checks passed, %llu failed", (unsigned long long)dp,
	      (unsigned long long)df);
	if (unx && first == -L4_EBADPROTO)
		note("-L4_EBADPROTO to a Dataspace request through a dataspace "
		     "gate: spmm took the label of a gate it had reaped for an "
		     "object of another kind (a freed dataspace)");
	check(unx == 0, "dier_requests_answered",
	      "%llu requests of the diers got an unexpected answer (first "
	      "%lld to a request of kind %u in round %u; kinds 0x%x; kinds: "
	      "1 copy_in, 2 clear, 3 map, 4 create, 5 stats; rounds by 3: "
	      "cancel, drop, delete)",
	      (unsigned long long)unx, (long long)first, first_kind,
	      first_round ? first_round - 1 : 0, kinds << 1);
	note("diers: %u (%u exited, %u killed by ned, %u of those in the "
	     "middle of a round), %llu rounds, %llu requests (%llu answered, "
	     "%llu cut off, %llu refused after their target went (first "
	     "%lld), %llu unexpected), %llu cancels, %llu capabilities "
	     "dropped, %llu gates deleted under a request",
	     nd, exits, kills, killed_mid, (unsigned long long)drounds,
	     (unsigned long long)req, (unsigned long long)ok,
	     (unsigned long long)cut, (unsigned long long)ref,
	     (long long)first_ref, (unsigned long long)unx,
	     (unsigned long long)can, (unsigned long long)drops,
	     (unsigned long long)dels);
}

/* A client after the storm: must see spmm as the first one did. */
static void fresh_client(void)
{
	struct tds z;
	struct spmm_ctl_ds_stats st0, st1;

	if (!expect_ret("fresh_create",
			tds_create(&z, fab, "Z", 8 * PAGE, 0, 0), 0))
		return;
	tds_fill(&z, 0, seed_shared(0), 0);
	tds_fill(&z, 1, seed_shared(0), 0);
	for (unsigned p = 2; p < 8; p++)
		tds_fill(&z, p, seed_private(ROLE_WATCHER, 0, 1, 0, p), 0);
	tds_verify("fresh_written", &z);
	uint64_t t0 = now_ms();
	while ((ctl_ds_stats(z.cap, &st0) != 0 || st0.pages_stable < 2) &&
	       now_ms() - t0 < MERGE_WAIT_MS)
		l4_sleep(50);
	check(st0.pages_stable >= 2, "fresh_merged",
	      "after %llu ms: %llu merged pages, want 2",
	      (unsigned long long)(now_ms() - t0),
	      (unsigned long long)st0.pages_stable);
	tds_verify("fresh_merged_content", &z);
	uint32_t v = 0xfeedf00d;
	tds_write(&z, 100, &v, sizeof(v));
	ctl_ds_stats(z.cap, &st1);
	check(st1.cow_breaks > st0.cow_breaks, "fresh_cow",
	      "cow_breaks %llu -> %llu", (unsigned long long)st0.cow_breaks,
	      (unsigned long long)st1.cow_breaks);
	tds_verify("fresh_after_cow", &z);
	tds_destroy(&z);
}

/* A create whose reply cannot deliver the capability (no receive
 * buffer): whatever the answer, the dataspace must not stay behind. */
static void create_without_buffer(void)
{
	l4_umword_t mr[3] = {L4RE_PROTO_DATASPACE, 0x81 | (8ul << 16),
			     5 * PAGE};
	l4_msgtag_t t =
	    wire_call(fab, L4_PROTO_FACTORY, 3, 0, mr, L4_INVALID_CAP);
	note("create without a receive buffer: label %ld, IPC error %u, "
	     "items %u",
	     (long)l4_msgtag_label(t), ipc_err(t), l4_msgtag_items(t));
	check_drained("create_without_buffer_not_kept");
}

int role_watcher(unsigned nw, unsigned nd)
{
	struct tds y;
	struct watch w;

	report_loud(true);
	note("watching %u workers and %u diers", nw, nd);
	fab = l4re_env_get_cap("spmm");
	if (!check(!l4_is_invalid_cap(fab) && board, "watcher_env",
		   "capabilities 'spmm' and 'board' needed"))
		finish();
	if (!expect_ret("baseline_stats", ctl_stats(fab, &base), 0))
		finish();
	note("baseline: pages_total %llu frames_in_use %llu merges %llu "
	     "alloc_failures %llu",
	     (unsigned long long)base.pages_total,
	     (unsigned long long)base.frames_in_use,
	     (unsigned long long)base.merges,
	     (unsigned long long)base.alloc_failures);
	if (!expect_ret("bystander_create",
			tds_create(&y, fab, "Y", 8 * PAGE, 0, 0), 0))
		finish();
	for (unsigned p = 0; p < 4; p++)
		tds_fill(&y, p, seed_shared(p), 0);
	for (unsigned p = 4; p < 8; p++)
		tds_fill(&y, p, seed_private(ROLE_WATCHER, 0, 0, 0, p), 0);
	tds_verify("bystander_written", &y);
	bstore32(&board->nworkers, nw);
	bstore32(&board->ndiers, nd);
	bstore32(&board->ready, 1);

	watch_run(&y, &w, nw, nd);
	check(w.ended, "end_mark", "no end mark after %d s",
	      RUN_LIMIT_MS / 1000);
	check(w.dead_polls == 0, "spmm_answered_throughout",
	      "%llu of %llu polls without an answer",
	      (unsigned long long)w.dead_polls, (unsigned long long)w.polls);
	check(w.y_merged, "bystander_merged",
	      "the bystander's S pages were never seen merged");
	check(w.bad_verifies == 0 && w.verifies > 0, "bystander_unchanged",
	      "%llu of %llu comparisons differed, first at byte 0x%lx",
	      (unsigned long long)w.bad_verifies,
	      (unsigned long long)w.verifies, w.first_bad);
	tds_verify("bystander_final", &y);
	check(w.max_sharing > 0, "merging_during_run",
	      "pages_sharing never above 0");
	note("during the run: %llu polls, %llu comparisons of the bystander, "
	     "at most %llu pages, %llu frames, %llu pages sharing",
	     (unsigned long long)w.polls, (unsigned long long)w.verifies,
	     (unsigned long long)w.max_pages, (unsigned long long)w.max_frames,
	     (unsigned long long)w.max_sharing);
	check_board(nw, nd);

	tds_destroy(&y);
	check_drained("frames_back_to_baseline");
	struct spmm_ctl_stats st;
	long r = ctl_stats(fab, &st);
	check(r == 0 && st.alloc_failures == base.alloc_failures,
	      "no_allocation_failure",
	      "ret %ld alloc_failures %llu (baseline %llu)", r,
	      (unsigned long long)st.alloc_failures,
	      (unsigned long long)base.alloc_failures);
	if (r == 0)
		note("spmm now: merges %llu cow_breaks %llu full_scans %llu",
		     (unsigned long long)st.merges,
		     (unsigned long long)st.cow_breaks,
		     (unsigned long long)st.full_scans);
	fresh_client();
	check_drained("fresh_client_leaves_nothing");
	create_without_buffer();
	check(alive(fab), "alive_at_end", "spmm does not answer");
	finish();
}

int role_end(void)
{
	if (!board) {
		note("no board");
		return 1;
	}
	bstore32(&board->end, 1);
	note("every worker and dier is gone");
	return 0;
}
