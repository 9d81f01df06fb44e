/*
 * main.c - spmm-test: reporting and the order of the checks.
 *
 * Usage (ned start table): caps = { spmm = <spmm factory channel with
 * rights "rws"> }.  spmm should run with a small --max-mib (the exhaustion
 * check allocates until spmm refuses) and a --stats-interval of a few
 * seconds.  After the summary line the program sleeps, so its merged pages
 * stay merged and spmm's statistics lines keep showing them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <l4/re/env.h>
#include <l4/sys/err.h>
#include <l4/sys/kip.h>
#include <l4/util/util.h>

#include "spmm_test.h"

static unsigned passed, failed;

void pass(const char *name)
{
	passed++;
	printf("PASS %s\n", name);
	fflush(stdout);
}

static void vfail(const char *name, const char *fmt, va_list ap)
{
	failed++;
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
}

bool check(bool cond, const char *name, const char *fmt, ...)
{
	if (cond) {
		pass(name);
		return true;
	}
	va_list ap;
	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
	return false;
}

bool expect_ret(const char *name, long got, long want)
{
	return check(got == want, name, "got %ld, want %ld", got, want);
}

void note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("spmm-test: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

void finish(void)
{
	printf("spmm-test: %u passed, %u failed\n", passed, failed);
	fflush(stdout);
	l4_sleep_forever();
}

uint64_t now_ms(void)
{
	return l4_kip_clock(l4re_kip()) / 1000;
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
