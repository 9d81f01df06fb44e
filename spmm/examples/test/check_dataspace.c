/*
 * check_dataspace.c - the rest of the Dataspace protocol: info (size,
 * flags, W cleared on a read-only capability), map rights and ranges,
 * map_info, allocate, copy_in between spmm dataspaces and from foreign
 * ones.
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

static void info_checks(struct ctx *x)
{
	l4re_ds_stats_t s;
	struct spmm_ctl_ds_stats st;
	long r;

	r = l4re_ds_info(x->a.cap, &s);
	check(r == 0 && s.size == x->a.size &&
		  (s.flags & L4RE_DS_F_RW) == L4RE_DS_F_RW,
	      "info_rw", "ret %ld size %llu flags 0x%lx", r,
	      (unsigned long long)s.size, (unsigned long)s.flags);
	r = l4re_ds_info(x->a_ro, &s);
	check(r == 0 && s.size == x->a.size && (s.flags & L4RE_DS_F_R) &&
		  !(s.flags & L4RE_DS_F_W),
	      "info_read_only_cap_clears_w", "ret %ld size %llu flags 0x%lx", r,
	      (unsigned long long)s.size, (unsigned long)s.flags);
	r = l4re_ds_info(x->b.cap, &s);
	check(r == 0 && s.size == 5 * PAGE + 123, "info_size_not_page_multiple",
	      "ret %ld size %llu", r, (unsigned long long)s.size);

	expect_ret("ds_stats_read_only_cap", ctl_ds_stats(x->a_ro, &st), 0);
	expect_ret("ctl_stats_on_read_only_dataspace",
		   ctl_call(x->a_ro, SPMM_CTL_OP_STATS, NULL, 0), -L4_EPERM);
	expect_ret("ctl_info_on_dataspace",
		   ctl_call(x->a.cap, SPMM_CTL_OP_INFO, NULL, 0), 0);
}

/* Map one page of ds at offset into the reserved page at `at`. */
static long map_one(l4_cap_idx_t ds, uint64_t off, unsigned long flags,
		    l4_addr_t at)
{
	return l4re_ds_map(ds, off, flags, at, at, at + PAGE);
}

static void unmap_one(l4_addr_t at)
{
	l4_task_unmap(L4RE_THIS_TASK_CAP,
		      l4_fpage(at, L4_PAGESHIFT, L4_FPAGE_RWX),
		      L4_FP_ALL_SPACES);
}

static void map_checks(struct ctx *x)
{
	l4_addr_t area = 0;
	long r = l4re_rm_reserve_area(&area, 4 * PAGE, L4RE_RM_F_SEARCH_ADDR,
				      L4_PAGESHIFT + 2);

	if (!expect_ret("reserve_area", r, 0))
		return;
	expect_ret("map_w_without_w", map_one(x->a_ro, 0, L4RE_DS_F_RW, area),
		   -L4_EPERM);
	r = map_one(x->a_ro, PAGE, L4RE_DS_F_R, area);
	if (expect_ret("map_r_read_only_cap", r, 0)) {
		/* A page 1 holds P1 and is merged: read it right away. */
		uint64_t got, want;
		memcpy(&got, (void *)area, 8);
		memcpy(&want, x->a.model + PAGE, 8);
		check(got == want, "map_r_content", "read 0x%llx want 0x%llx",
		      (unsigned long long)got, (unsigned long long)want);
		unmap_one(area);
	}
	expect_ret("map_beyond_size",
		   map_one(x->a.cap, 8 * PAGE, L4RE_DS_F_R, area), -L4_ERANGE);
	expect_ret("map_beyond_last_partial_page",
		   map_one(x->b.cap, 6 * PAGE, L4RE_DS_F_R, area + PAGE),
		   -L4_ERANGE);
	r = map_one(x->b.cap, 5 * PAGE + 200, L4RE_DS_F_R, area + PAGE);
	if (expect_ret("map_in_last_partial_page", r, 0))
		unmap_one(area + PAGE);
	l4re_rm_free_area(area);
}

void checks_info_map(struct ctx *x)
{
	l4_addr_t s = 0, e = 0;

	info_checks(x);
	map_checks(x);
	long r = l4re_ds_map_info(x->a.cap, &s, &e);
	check(r >= 0, "map_info", "ret %ld", r);
}

static void allocate_checks(struct ctx *x)
{
	struct tds *d = &x->d;

	expect_ret("allocate_whole", l4re_ds_allocate(d->cap, 0, d->size), 0);
	expect_ret("allocate_part", l4re_ds_allocate(d->cap, PAGE, PAGE), 0);
	expect_ret("allocate_read_only_cap", l4re_ds_allocate(x->a_ro, 0, PAGE),
		   0);
	l4_umword_t mr[3] = {4, 0, PAGE};
	expect_ret("allocate_read_only_cap_raw",
		   wire_error(wire_call(x->a_ro, L4RE_PROTO_DATASPACE, 3, 0, mr,
					L4_INVALID_CAP)),
		   0);
	expect_ret("allocate_offset_beyond",
		   l4re_ds_allocate(d->cap, d->size, 1), -L4_ERANGE);
	expect_ret("allocate_size_beyond",
		   l4re_ds_allocate(d->cap, PAGE, d->size), -L4_ERANGE);
	tds_verify("allocate_keeps_content", d);
}

/*
 * A source from another server (moe).  spmm may copy it itself (the L4Re
 * loader needs that when a program's memory comes from spmm) or answer
 * exactly -L4_EINVAL (uvmm then copies by itself); anything else breaks
 * one of them.  A source that is no dataspace at all must get -L4_EINVAL.
 */
static void copy_foreign(struct ctx *x)
{
	void *m = 0;

	x->moe_ds = l4re_util_cap_alloc();
	long r = l4re_ma_alloc(2 * PAGE, x->moe_ds, 0);
	if (r == 0)
		r = l4re_rm_attach(&m, 2 * PAGE,
				   L4RE_RM_F_SEARCH_ADDR | L4RE_RM_F_RW,
				   x->moe_ds, 0, L4_PAGESHIFT);
	if (!expect_ret("moe_dataspace_for_foreign_copy", r, 0))
		return;
	for (unsigned i = 0; i < 2 * PAGE; i++)
		((uint8_t *)m)[i] = (uint8_t)(i * 7 + 3);

	{
		/* What spmm has to do for a foreign source, done from here:
		 * moe's answer to a one-page read-only map. */
		struct map_reply rep;
		l4_addr_t area = 0;
		if (l4re_rm_reserve_area(&area, PAGE, L4RE_RM_F_SEARCH_ADDR,
					 L4_PAGESHIFT) == 0) {
			long r2 = raw_map(x->moe_ds, 0, L4RE_DS_F_R, area,
					  L4_PAGESHIFT, &rep);
			note("moe's answer to map(0, R) on its dataspace: %ld "
			     "(%u words, %u items, 0x%llx 0x%llx), first byte "
			     "0x%02x",
			     r2, rep.words, rep.items,
			     (unsigned long long)rep.mr0,
			     (unsigned long long)rep.mr1,
			     r2 == 0 ? *(volatile uint8_t *)area : 0);
			unmap_one(area);
			l4re_rm_free_area(area);
		}
	}
	/* l4re_ds_copy_in() sends the source without rights: spmm gets no
	 * capability it could ask, so it can only refuse. */
	r = l4re_ds_copy_in(x->e.cap, 2 * PAGE, x->moe_ds, 0, 16);
	check(r == 0 || r == -L4_EINVAL, "copy_in_foreign_c_api",
	      "got %ld, want 0 (copied) or -L4_EINVAL (%d)", r, -L4_EINVAL);
	if (r == 0)
		memcpy(x->e.model + 2 * PAGE, m, 16);
	note("copy_in from moe through l4re_ds_copy_in (no rights): %s",
	     r == 0 ? "copied by spmm" : "refused (client copies)");

	/* As L4Re's C++ stub (and so ned's loader) sends it: with R. */
	r = raw_copy_in(x->e.cap, 10, x->moe_ds, L4_CAP_FPAGE_RO, 100,
			PAGE + 50);
	check(r == 0 || r == -L4_EINVAL, "copy_in_foreign_source",
	      "got %ld, want 0 (copied) or -L4_EINVAL (%d)", r, -L4_EINVAL);
	if (r == 0)
		memcpy(x->e.model + 10, (uint8_t *)m + 100, PAGE + 50);
	note("copy_in from a moe dataspace (capability with R): %s",
	     r == 0 ? "copied by spmm" : "refused (client copies)");
	tds_verify("copy_in_foreign_destination", &x->e);

	/* moe refuses the range, so spmm must say -L4_EINVAL. */
	expect_ret("copy_in_foreign_source_bad_range",
		   raw_copy_in(x->e.cap, 0, x->moe_ds, L4_CAP_FPAGE_RO,
			       8 * PAGE, PAGE),
		   -L4_EINVAL);
	/* Not a dataspace at all: the log capability. */
	expect_ret(
	    "copy_in_non_dataspace_source",
	    raw_copy_in(x->e.cap, 0, l4re_env()->log, L4_CAP_FPAGE_RO, 0, PAGE),
	    -L4_EINVAL);
	tds_verify("copy_in_refused_leaves_destination", &x->e);

	/* spmm must free the slot each foreign capability arrives in. */
	unsigned bad = 0;
	for (unsigned i = 0; i < 100; i++)
		if (raw_copy_in(x->e.cap, 0, x->moe_ds, L4_CAP_FPAGE_RO,
				8 * PAGE, PAGE) != -L4_EINVAL)
			bad++;
	check(bad == 0 && alive(x->e.cap), "copy_in_foreign_repeated",
	      "%u of 100 not -L4_EINVAL, alive %d", bad, alive(x->e.cap));
	l4re_rm_detach(m);
}

void checks_allocate_copy(struct ctx *x)
{
	long r;

	allocate_checks(x);

	r = l4re_ds_copy_in(x->e.cap, 100, x->b.cap, 2 * PAGE + 50, 5000);
	if (expect_ret("copy_in_spmm", r, 0))
		tds_model_copy(&x->e, 100, &x->b, 2 * PAGE + 50, 5000);
	tds_verify("copy_in_content", &x->e);
	r = l4re_ds_copy_in(x->e.cap, 3 * PAGE, x->a_ro, PAGE, PAGE);
	if (expect_ret("copy_in_read_only_source", r, 0))
		tds_model_copy(&x->e, 3 * PAGE, &x->a, PAGE, PAGE);
	tds_verify("copy_in_read_only_source_content", &x->e);
	tds_verify("copy_in_source_unchanged", &x->b);
	expect_ret("copy_in_without_w",
		   l4re_ds_copy_in(x->e_ro, 0, x->a.cap, 0, PAGE), -L4_EACCESS);
	tds_verify("copy_in_without_w_no_change", &x->e);
	copy_foreign(x);
}
