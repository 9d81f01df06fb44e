/*
 * check_lifetime.c - objects going away and memory running out: a client
 * drops one dataspace capability while it keeps others (spmm must free
 * that dataspace, and only it), and a client allocates until spmm says
 * -L4_ENOMEM (spmm must keep serving, keep every byte, and take the
 * memory back once the dataspaces are gone).
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

static bool wait_pages_total(struct ctx *x, uint64_t want, uint64_t *got)
{
	struct spmm_ctl_stats st = {0};
	uint64_t t0 = now_ms();

	do {
		if (ctl_stats(x->fab, &st) == 0 && st.pages_total == want) {
			*got = st.pages_total;
			return true;
		}
		l4_sleep(100);
	} while (now_ms() - t0 < FREE_WAIT_MS);
	*got = st.pages_total;
	return false;
}

void checks_drop_cap(struct ctx *x)
{
	struct spmm_ctl_stats st;
	struct tds f[3];
	const char *names[3] = {"F1", "F2", "F3"};
	uint64_t t0, got;

	if (ctl_stats(x->fab, &st) != 0) {
		fail("drop_setup", "STATS failed");
		return;
	}
	t0 = st.pages_total;
	for (unsigned i = 0; i < 3; i++) {
		if (tds_create(&f[i], x->fab, names[i], 4 * PAGE, 0, 0) != 0) {
			fail("drop_setup", "create %s failed", names[i]);
			return;
		}
		tds_fill(&f[i], 0, seed_u(7 + i, 0), 0);
	}
	check(wait_pages_total(x, t0 + 12, &got), "drop_setup",
	      "pages_total %llu, want %llu", (unsigned long long)got,
	      (unsigned long long)(t0 + 12));

	tds_destroy(&f[1]);
	expect_ret("drop_others_info_F1",
		   l4re_ds_info(f[0].cap, &(l4re_ds_stats_t){0}), 0);
	expect_ret("drop_others_info_F3",
		   l4re_ds_info(f[2].cap, &(l4re_ds_stats_t){0}), 0);
	tds_verify("drop_others_content_F1", &f[0]);
	tds_verify("drop_others_content_F3", &f[2]);
	check(wait_pages_total(x, t0 + 8, &got), "drop_frees_dataspace",
	      "pages_total %llu after %d ms, want %llu",
	      (unsigned long long)got, FREE_WAIT_MS,
	      (unsigned long long)(t0 + 8));

	/* Dropping a copy must leave the object to the other capability. */
	l4_cap_idx_t copy = cap_copy(f[0].cap, L4_CAP_FPAGE_RO);
	cap_drop(copy);
	l4_sleep(200);
	check(alive(f[0].cap) && tds_diff(&f[0]) < 0, "drop_copy_keeps_object",
	      "F1 no longer served after dropping a copy of its capability");

	tds_destroy(&f[0]);
	tds_destroy(&f[2]);
	check(wait_pages_total(x, t0, &got), "drop_all_frees",
	      "pages_total %llu, want %llu", (unsigned long long)got,
	      (unsigned long long)t0);
	check(alive(x->fab), "alive_after_drop", "no answer");
}

enum { EX_DS = 64, EX_PAGES = 256 }; /* up to 64 MiB in 1 MiB dataspaces */

/* Make every page of d private: map it writable (an explicit map, so a
 * refusal is an error code, not a fault) and write a word no other page
 * holds.  Returns 0 or the first error. */
static unsigned odd_errors; /* map errors other than -L4_ENOMEM */
static long first_odd_error;

static long touch_all(struct tds *d, unsigned idx, unsigned *touched)
{
	for (unsigned p = 0; p < d->pages; p++) {
		l4_addr_t at = (l4_addr_t)d->map + (l4_addr_t)p * PAGE;
		/* twice: spmm answers a zero page's first writable map
		 * read-only (--lazy-zero); the second one takes the frame,
		 * so that running out shows here and not in the write */
		long r = l4re_ds_map(d->cap, (uint64_t)p * PAGE, L4RE_DS_F_RW,
				     at, at, at + PAGE);
		if (r == 0)
			r = l4re_ds_map(d->cap, (uint64_t)p * PAGE,
					L4RE_DS_F_RW, at, at, at + PAGE);
		if (r < 0 && r != -L4_ENOMEM && odd_errors++ < 8) {
			/* Not what the check is about: count it, try again. */
			if (!first_odd_error)
				first_odd_error = r;
			p--;
			continue;
		}
		if (r < 0)
			return r;
		uint64_t v = 0xa5a5000000000000ULL | ((uint64_t)idx << 16) | p;
		*(volatile uint64_t *)at = v;
		(*touched)++;
	}
	return 0;
}

static void exhaustion_after(struct ctx *x, struct tds *ex, unsigned n,
			     uint64_t f0)
{
	struct spmm_ctl_stats st;

	check(alive(x->fab) && alive(x->a.cap), "serving_when_exhausted",
	      "no answer");
	long r = ctl_stats(x->fab, &st);
	check(r == 0 && st.alloc_failures > 0, "stats_alloc_failures",
	      "ret %ld alloc_failures %llu", r,
	      (unsigned long long)st.alloc_failures);
	tds_verify("content_when_exhausted_A", &x->a);
	tds_verify("content_when_exhausted_D", &x->d);

	for (unsigned i = 0; i < n; i++)
		tds_destroy(&ex[i]);
	uint64_t t0 = now_ms();
	do {
		r = ctl_stats(x->fab, &st);
		if (r == 0 && st.frames_in_use <= f0 + 16)
			break;
		l4_sleep(100);
	} while (now_ms() - t0 < FREE_WAIT_MS);
	check(r == 0 && st.frames_in_use <= f0 + 16, "memory_reclaimed",
	      "frames_in_use %llu, was %llu before the exhaustion",
	      (unsigned long long)st.frames_in_use, (unsigned long long)f0);

	struct tds g;
	unsigned touched = 0;
	r = tds_create(&g, x->fab, "after", 64 * PAGE, 0, 0);
	if (r == 0) {
		r = touch_all(&g, 999, &touched);
		tds_destroy(&g);
	}
	expect_ret("allocate_after_release", r, 0);
}

void checks_exhaustion(struct ctx *x)
{
	static struct tds ex[EX_DS];
	struct spmm_ctl_stats st;
	unsigned n = 0, touched = 0;
	long r = 0;

	if (ctl_stats(x->fab, &st) != 0) {
		fail("exhaust_setup", "STATS failed");
		return;
	}
	uint64_t f0 = st.frames_in_use;
	note("exhaustion: frames_in_use %llu, max_frames %llu",
	     (unsigned long long)f0,
	     (unsigned long long)(x->have_policy ? x->policy.max_frames : 0));

	while (n < EX_DS) {
		const char *name = "X";
		r = tds_create(&ex[n], x->fab, name, EX_PAGES * PAGE, 0, 0);
		if (r < 0 && r != -L4_ENOMEM && odd_errors++ < 8) {
			if (!first_odd_error)
				first_odd_error = r;
			continue;
		}
		if (r < 0)
			break;
		n++;
		r = touch_all(&ex[n - 1], n - 1, &touched);
		if (r < 0)
			break;
	}
	note(
	    "exhaustion: %u dataspaces, %u pages made private, last result %ld",
	    n, touched, r);
	if (ctl_stats(x->fab, &st) == 0)
		note("exhaustion: pages_total %llu frames_in_use %llu "
		     "alloc_failures %llu "
		     "pages_private %llu zero_pages %llu",
		     (unsigned long long)st.pages_total,
		     (unsigned long long)st.frames_in_use,
		     (unsigned long long)st.alloc_failures,
		     (unsigned long long)st.pages_private,
		     (unsigned long long)st.zero_pages);
	if (r < 0 && n > 0) {
		struct map_reply rep;
		struct tds *l = &ex[n - 1];
		unsigned p = touched % EX_PAGES;
		l4_addr_t at = (l4_addr_t)l->map + (l4_addr_t)p * PAGE;
		long r2 = raw_map(l->cap, (uint64_t)p * PAGE, L4RE_DS_F_RW, at,
				  L4_PAGESHIFT, &rep);
		note("exhaustion: map of %s page %u again: %ld (%u words, %u "
		     "items)",
		     l->name, p, r2, rep.words, rep.items);
	}
	check(odd_errors == 0, "exhaust_no_other_map_errors",
	      "%u maps or creates answered another error (first %ld), "
	      "then worked when repeated",
	      odd_errors, first_odd_error);
	check(r == -L4_ENOMEM, "exhaust_enomem",
	      "got %ld after %u pages in %u dataspaces, want -L4_ENOMEM (%d)",
	      r, touched, n, -L4_ENOMEM);
	exhaustion_after(x, ex, n, f0);
}
