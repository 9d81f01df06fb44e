/*
 * check_merge.c - merging and what must survive it.
 *
 * Content plan (P1, P2: two page patterns used in several places; U:
 * a pattern used once):
 *   A  8 pages             p0-p3 P1, p4 P2, p5-p7 U
 *   B  5 pages + 123 B     p0-p1 P1, p2 P2, p3-p4 U, p5 123 bytes U
 *   C  3 pages + 1 B       p0 P1, p1 U, p2 written then zeroed, p3 one byte
 *   D  16 pages, align 16  p0-p1 P2, the rest never written
 *   E  4 pages             never written (copy_in target)
 * so after merging A has 5 pages on merged frames, B 3, C 1, D 2, and C's
 * page 2 maps the zero frame.  Then copy on write (a write to a merged
 * page and to the zero page) and clear (whole, partial, across pages, on
 * merged pages), each followed by a byte-for-byte comparison of every
 * dataspace with its model.
 */
#include <stdio.h>
#include <string.h>

#include <l4/re/c/dataspace.h>
#include <l4/re/c/mem_alloc.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/task.h>
#include <l4/util/util.h>

#include "spmm_test.h"

static void fill_plan(struct ctx *x)
{
	uint8_t zero[PAGE];
	uint8_t one = 0x5a;

	for (unsigned p = 0; p < 4; p++)
		tds_fill(&x->a, p, SEED_P1, 0);
	tds_fill(&x->a, 4, SEED_P2, 0);
	for (unsigned p = 5; p < 8; p++)
		tds_fill(&x->a, p, seed_u(0, p), 0);

	tds_fill(&x->b, 0, SEED_P1, 0);
	tds_fill(&x->b, 1, SEED_P1, 0);
	tds_fill(&x->b, 2, SEED_P2, 0);
	tds_fill(&x->b, 3, seed_u(1, 3), 0);
	tds_fill(&x->b, 4, seed_u(1, 4), 0);
	tds_fill(&x->b, 5, seed_u(1, 5), 123);

	tds_fill(&x->c, 0, SEED_P1, 0);
	tds_fill(&x->c, 1, seed_u(2, 1), 0);
	tds_fill(&x->c, 2, seed_u(2, 2), 0);
	memset(zero, 0, sizeof(zero));
	tds_write(&x->c, 2 * PAGE, zero, PAGE);
	tds_write(&x->c, 3 * PAGE, &one, 1);

	tds_fill(&x->d, 0, SEED_P2, 0);
	tds_fill(&x->d, 1, SEED_P2, 0);
}

struct merge_goal {
	struct tds *d;
	uint64_t stable;
	uint64_t zero;
	struct spmm_ctl_ds_stats st;
	long ret;
};

static bool merge_reached(struct merge_goal *g, unsigned n)
{
	bool all = true;

	for (unsigned i = 0; i < n; i++) {
		g[i].ret = ctl_ds_stats(g[i].d->cap, &g[i].st);
		if (g[i].ret != 0 || g[i].st.pages_stable < g[i].stable ||
		    g[i].st.zero_pages < g[i].zero)
			all = false;
	}
	return all;
}

static void merge_report(struct merge_goal *g, unsigned n, uint64_t ms)
{
	char name[32];

	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "merge_%s", g[i].d->name);
		check(
		    g[i].ret == 0 && g[i].st.pages_stable >= g[i].stable &&
			g[i].st.zero_pages >= g[i].zero,
		    name,
		    "after %llu ms: ret %ld pages_stable %llu (want >= %llu) "
		    "zero_pages %llu (want >= %llu) private %llu volatile %llu",
		    (unsigned long long)ms, g[i].ret,
		    (unsigned long long)g[i].st.pages_stable,
		    (unsigned long long)g[i].stable,
		    (unsigned long long)g[i].st.zero_pages,
		    (unsigned long long)g[i].zero,
		    (unsigned long long)g[i].st.pages_private,
		    (unsigned long long)g[i].st.pages_volatile);
	}
}

void checks_merge(struct ctx *x)
{
	bool zero = !x->have_policy || x->policy.merge_zero;
	struct merge_goal g[] = {
	    {.d = &x->a, .stable = 5},
	    {.d = &x->b, .stable = 3},
	    {.d = &x->c, .stable = 1, .zero = zero ? 1 : 0},
	    {.d = &x->d, .stable = 2},
	};
	unsigned n = sizeof(g) / sizeof(g[0]);
	struct spmm_ctl_stats st;

	fill_plan(x);
	tds_verify("readback_before_merge_A", &x->a);
	tds_verify("readback_before_merge_B", &x->b);
	tds_verify("readback_before_merge_C", &x->c);
	tds_verify("readback_before_merge_D", &x->d);

	uint64_t t0 = now_ms(), last = t0;
	while (!merge_reached(g, n) && now_ms() - t0 < MERGE_WAIT_MS) {
		if (now_ms() - last >= 10000) {
			last = now_ms();
			note("waiting for merges: A %llu/5 B %llu/3 C %llu/1 D "
			     "%llu/2",
			     (unsigned long long)g[0].st.pages_stable,
			     (unsigned long long)g[1].st.pages_stable,
			     (unsigned long long)g[2].st.pages_stable,
			     (unsigned long long)g[3].st.pages_stable);
		}
		l4_sleep(100);
	}
	uint64_t ms = now_ms() - t0;
	note("merged after %llu ms", (unsigned long long)ms);
	merge_report(g, n, ms);
	check(g[0].st.pages == x->a.pages && g[1].st.pages == x->b.pages,
	      "ds_stats_pages", "A %llu pages (want %u), B %llu (want %u)",
	      (unsigned long long)g[0].st.pages, x->a.pages,
	      (unsigned long long)g[1].st.pages, x->b.pages);

	long r = ctl_stats(x->fab, &st);
	check(r == 0 && st.pages_sharing >= 9 && st.pages_shared >= 2,
	      "stats_sharing",
	      "ret %ld pages_shared %llu (want >= 2) pages_sharing %llu (want "
	      ">= 9)",
	      r, (unsigned long long)st.pages_shared,
	      (unsigned long long)st.pages_sharing);

	tds_verify("readback_after_merge_A", &x->a);
	tds_verify("readback_after_merge_B", &x->b);
	tds_verify("readback_after_merge_C", &x->c);
	tds_verify("readback_after_merge_D", &x->d);
	tds_verify("readback_never_written_E", &x->e);
}

void checks_cow(struct ctx *x)
{
	struct spmm_ctl_ds_stats before, after;
	struct spmm_ctl_stats st;

	long r = ctl_ds_stats(x->a.cap, &before);
	uint8_t v = x->a.model[100] ^ 0xff;
	tds_write(&x->a, 100, &v, 1); /* A page 0: a merged P1 page */
	long r2 = ctl_ds_stats(x->a.cap, &after);
	check(r == 0 && r2 == 0 && after.cow_breaks > before.cow_breaks,
	      "cow_breaks_counted", "ret %ld/%ld cow_breaks %llu -> %llu", r,
	      r2, (unsigned long long)before.cow_breaks,
	      (unsigned long long)after.cow_breaks);
	check(after.pages_stable + 1 <= before.pages_stable, "cow_page_private",
	      "pages_stable %llu -> %llu",
	      (unsigned long long)before.pages_stable,
	      (unsigned long long)after.pages_stable);
	tds_verify("cow_readback_A", &x->a);
	tds_verify("cow_other_copies_B", &x->b);
	tds_verify("cow_other_copies_C", &x->c);
	tds_verify("cow_other_copies_D", &x->d);

	/* A write to the page that maps the zero frame. */
	v = 0x77;
	tds_write(&x->c, 2 * PAGE + 4095, &v, 1);
	tds_verify("cow_zero_page_C", &x->c);

	r = ctl_stats(x->fab, &st);
	check(r == 0 && st.cow_breaks >= 1, "stats_cow_breaks",
	      "ret %ld cow_breaks %llu", r, (unsigned long long)st.cow_breaks);
}

static void clear_ok(const char *name, struct tds *d, uint64_t off,
		     uint64_t size)
{
	long r = l4re_ds_clear(d->cap, off, size);

	if (expect_ret(name, r, 0))
		tds_model_clear(d, off, size);
}

void checks_clear(struct ctx *x)
{
	clear_ok("clear_whole_page", &x->a, 5 * PAGE, PAGE);
	clear_ok("clear_partial_page", &x->a, 6 * PAGE + 100, 200);
	clear_ok("clear_across_pages", &x->b, 3 * PAGE + 1000, PAGE + 500);
	clear_ok("clear_partial_merged_page", &x->b, 10, 20);
	clear_ok("clear_whole_merged_page", &x->a, 4 * PAGE, PAGE);
	clear_ok("clear_last_partial_page", &x->b, 5 * PAGE, PAGE);
	clear_ok("clear_whole_dataspace", &x->c, 0, x->c.size);
	tds_verify("clear_readback_A", &x->a);
	tds_verify("clear_readback_B", &x->b);
	tds_verify("clear_readback_C", &x->c);
	tds_verify("clear_other_copies_D", &x->d);

	expect_ret("clear_beyond_size", l4re_ds_clear(x->a.cap, 8 * PAGE, 1),
		   -L4_ERANGE);
	x->a_ro = cap_copy(x->a.cap, L4_CAP_FPAGE_RO);
	x->e_ro = cap_copy(x->e.cap, L4_CAP_FPAGE_RO);
	if (!check(!l4_is_invalid_cap(x->a_ro) && !l4_is_invalid_cap(x->e_ro),
		   "read_only_copies", "l4_task_map failed"))
		finish();
	expect_ret("clear_without_w", l4re_ds_clear(x->a_ro, 0, PAGE),
		   -L4_EACCESS);
	tds_verify("clear_without_w_no_change", &x->a);
}

/*
 * Plain loads and stores, no map request first: the region manager
 * resolves the faults, as for any program.  Last, because a server that
 * gets this wrong kills the client (the log then shows the fault and no
 * summary line).
 */
void checks_fault_path(struct ctx *x)
{
	struct tds *d = &x->d;
	struct spmm_ctl_ds_stats before, after;
	long r = ctl_ds_stats(d->cap, &before);

	if (r != 0 || before.pages_stable == 0)
		note("fault path: D has no merged page now (ret %ld)", r);
	d->map[7] ^= 0x55; /* D page 0: P2, merged since the merge checks */
	d->model[7] ^= 0x55;
	r = ctl_ds_stats(d->cap, &after);
	check(r == 0 && (before.pages_stable == 0 ||
			 after.cow_breaks > before.cow_breaks),
	      "fault_path_cow", "ret %ld cow_breaks %llu -> %llu", r,
	      (unsigned long long)before.cow_breaks,
	      (unsigned long long)after.cow_breaks);
	long off = tds_diff(d);
	check(off < 0, "fault_path_readback", "D byte 0x%lx differs", off);
	off = tds_diff(&x->b);
	check(off < 0, "fault_path_other_copies", "B byte 0x%lx differs", off);
}
