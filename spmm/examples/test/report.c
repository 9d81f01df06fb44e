/*
 * report.c - the checks' reporting, shared by spmm-test and spmm-stress
 * (see spmm_test.h): one line per check, "PASS <name>" or "FAIL <name>:
 * <detail>", and a summary "<program>: N passed, N failed".
 */
#include <stdarg.h>
#include <stdio.h>

#include <l4/re/env.h>
#include <l4/sys/kip.h>

#include "spmm_test.h"

static char who[48] = "spmm-test";
static unsigned passed, failed;
static bool loud = true;

void report_name(const char *name)
{
	snprintf(who, sizeof(who), "%s", name);
}

void report_loud(bool on)
{
	loud = on;
}

unsigned report_passed(void)
{
	return passed;
}

unsigned report_failed(void)
{
	return failed;
}

void report_summary(void)
{
	printf("%s: %u passed, %u failed\n", who, passed, failed);
	fflush(stdout);
}

void pass(const char *name)
{
	passed++;
	if (loud) {
		printf("PASS %s\n", name);
		fflush(stdout);
	}
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
	printf("%s: ", who);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

uint64_t now_ms(void)
{
	return l4_kip_clock(l4re_kip()) / 1000;
}
