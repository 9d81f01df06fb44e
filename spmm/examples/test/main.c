/*
 * main.c - spmm-test: the order of the checks.
 *
 * Usage (ned start table): caps = { spmm = <spmm factory channel with
 * rights "rws"> }.  spmm should run with a small --max-mib (the exhaustion
 * check allocates until spmm refuses) and a --stats-interval of a few
 * seconds.  After the summary line the program sleeps, so its merged pages
 * stay merged and spmm's statistics lines keep showing them.
 */
#include <stdio.h>
#include <string.h>

#include <l4/re/env.h>
#include <l4/sys/err.h>
#include <l4/sys/kip.h>
#include <l4/util/util.h>

#include "spmm_test.h"

void finish(void)
{
	report_summary();
	l4_sleep_forever();
}

int main(void)
{
	static struct ctx x;

	note("start");
	x.fab = l4re_env_get_cap("spmm");
	if (!check(!l4_is_invalid_cap(x.fab), "env_cap",
		   "no capability 'spmm' in the environment"))
		finish();

	checks_control(&x);
	checks_create(&x);
	checks_ned(&x);
	checks_merge(&x);
	checks_domains(&x);
	checks_cow(&x);
	checks_clear(&x);
	checks_info_map(&x);
	checks_allocate_copy(&x);
	checks_region_map(&x);
	checks_protocol_errors(&x);
	checks_drop_cap(&x);
	checks_exhaustion(&x);
	check(alive(x.fab) && alive(x.a.cap), "alive_at_end",
	      "spmm does not answer any more");
	checks_fault_path(&x);
	finish();
}
