/*
 * stress.c - spmm-stress: reporting, the board and the choice of role
 * (see stress.h).
 *
 * Reporting is spmm-test's (../test/report.c), but PASS lines are
 * printed only where a role asks for them (report_loud): six workers
 * that print every passed check would flood the serial console.  Each
 * role ends with its own summary line; the watcher's is the verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/re/c/rm.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/ipc.h>
#include <l4/sys/kip.h>
#include <l4/util/util.h>

#include "stress.h"

struct board *board;

void finish(void)
{
	report_summary();
	l4_sleep_forever();
}

unsigned ipc_err(l4_msgtag_t t)
{
	if (!l4_msgtag_has_error(t))
		return 0;
	return (unsigned)(l4_utcb_tcr()->error & L4_IPC_ERROR_MASK);
}

static long ds_range(l4_cap_idx_t ds, unsigned op, uint64_t off, uint64_t size)
{
	l4_umword_t mr[3] = {op, off, size};
	return wire_error(
	    wire_call(ds, L4RE_PROTO_DATASPACE, 3, 0, mr, L4_INVALID_CAP));
}

long ds_clear(l4_cap_idx_t ds, uint64_t off, uint64_t size)
{
	return ds_range(ds, 1, off, size);
}

long ds_allocate(l4_cap_idx_t ds, uint64_t off, uint64_t size)
{
	return ds_range(ds, 4, off, size);
}

bool wait_ready(void)
{
	uint64_t t0 = now_ms();

	if (!board)
		return false;
	while (!bload32(&board->ready)) {
		if (now_ms() - t0 > READY_WAIT_MS)
			return false;
		l4_sleep(20);
	}
	return true;
}

static void attach_board(void)
{
	l4_cap_idx_t cap = l4re_env_get_cap("board");
	void *addr = 0;

	if (l4_is_invalid_cap(cap))
		return;
	if (l4re_rm_attach(&addr, BOARD_SIZE,
			   L4RE_RM_F_SEARCH_ADDR | L4RE_RM_F_RW, cap, 0,
			   L4_PAGESHIFT) == 0)
		board = addr;
}

static bool number(const char *s, unsigned lo, unsigned hi, unsigned *v)
{
	char *end;
	unsigned long n;

	if (!s || *s < '0' || *s > '9')
		return false;
	n = strtoul(s, &end, 10);
	if (*end || n < lo || n > hi)
		return false;
	*v = (unsigned)n;
	return true;
}

static int usage(void)
{
	printf("usage: spmm-stress watcher NWORKERS NDIERS | worker ID | "
	       "dier ID exit|hang [ROUNDS] | end\n");
	return 2;
}

static void name_role(const char *role, unsigned id)
{
	char name[48];
	snprintf(name, sizeof(name), "spmm-stress %s %u", role, id);
	report_name(name);
}

int main(int argc, char **argv)
{
	unsigned a, b;
	const char *role = argc > 1 ? argv[1] : "";

	report_name("spmm-stress");
	report_loud(false); /* PASS lines only where a role asks */

	attach_board();
	if (!strcmp(role, "watcher") && argc == 4 &&
	    number(argv[2], 0, MAX_WORKERS, &a) &&
	    number(argv[3], 0, MAX_DIERS, &b)) {
		report_name("spmm-stress");
		return role_watcher(a, b);
	}
	if (!strcmp(role, "worker") && argc == 3 &&
	    number(argv[2], 1, MAX_WORKERS, &a)) {
		name_role("worker", a);
		return role_worker(a);
	}
	if (!strcmp(role, "dier") && (argc == 4 || argc == 5) &&
	    number(argv[2], 1, MAX_DIERS, &a) &&
	    (!strcmp(argv[3], "exit") || !strcmp(argv[3], "hang"))) {
		b = 12;
		if (argc == 5 && !number(argv[4], 1, 1000000, &b))
			return usage();
		name_role("dier", a);
		return role_dier(a, !strcmp(argv[3], "hang"), b);
	}
	if (!strcmp(role, "end") && argc == 2) {
		report_name("spmm-stress end");
		return role_end();
	}
	return usage();
}
