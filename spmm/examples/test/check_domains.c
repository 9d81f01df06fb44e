/*
 * check_domains.c - no frame is shared across merge domains.
 *
 * spmm serves a second channel, "spmm_other", as a merge domain of its
 * own (conf/spmm-test.cfg).  A page with pattern P1 -- merged many times
 * over in the first domain by now -- is written into a dataspace of each
 * domain.  The one of the first domain joins the merged frame; the one of
 * the other domain must stay on its own frame for as long as we wait,
 * though its content is the same.  Two pages of P2 inside the other
 * domain do merge with each other, so the other domain is scanned.
 */
#include <l4/re/env.h>
#include <l4/sys/err.h>
#include <l4/util/util.h>

#include "spmm_test.h"

static uint64_t stable_pages(l4_cap_idx_t ds)
{
	struct spmm_ctl_ds_stats st;
	if (ctl_ds_stats(ds, &st))
		return ~0ull;
	return st.pages_stable;
}

void checks_domains(struct ctx *x)
{
	l4_cap_idx_t other = l4re_env_get_cap("spmm_other");
	if (l4_is_invalid_cap(other)) {
		note("no capability 'spmm_other': domain checks skipped");
		return;
	}
	struct tds same, foreign;
	if (!expect_ret("domain_create_same",
			tds_create(&same, x->fab, "same", 4096, 0, 0), 0) ||
	    !expect_ret("domain_create_other",
			tds_create(&foreign, other, "other", 3 * 4096, 0, 0),
			0))
		return;
	tds_fill(&same, 0, SEED_P1, 0);
	tds_fill(&foreign, 0, SEED_P1, 0);
	tds_fill(&foreign, 1, SEED_P2, 0);
	tds_fill(&foreign, 2, SEED_P2, 0);
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < MERGE_WAIT_MS &&
	       (stable_pages(same.cap) < 1 || stable_pages(foreign.cap) < 2))
		l4_sleep(50);
	check(stable_pages(same.cap) == 1, "domain_same_merges",
	      "the P1 page of the first domain did not merge");
	check(stable_pages(foreign.cap) == 2, "domain_other_merges_inside",
	      "the two P2 pages of the other domain: %llu merged",
	      (unsigned long long)stable_pages(foreign.cap));
	/* a few more passes: P1 must still not have crossed over */
	l4_sleep(1000);
	check(stable_pages(foreign.cap) == 2, "domain_no_cross_merge",
	      "a page merged across domains (%llu stable pages)",
	      (unsigned long long)stable_pages(foreign.cap));
	check(tds_verify("domain_same_content", &same) &&
		  tds_verify("domain_other_content", &foreign),
	      "domain_content", "content changed");
	tds_destroy(&same);
	tds_destroy(&foreign);
}
