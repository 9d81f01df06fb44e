/*
 * check_create.c - creating the test dataspaces (sizes that are not page
 * multiples, alignment, uvmm's flags), signed and unsigned size words,
 * and the first maps of each dataspace, sent by hand so that a server
 * that cannot map stops the test with details instead of crashing it.
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

static void create_one(struct ctx *x, struct tds *d, const char *check_name,
		       const char *name, uint64_t size, unsigned long flags,
		       unsigned long align)
{
	long r = tds_create(d, x->fab, name, size, flags, align);

	if (!expect_ret(check_name, r, 0)) {
		note("cannot go on without dataspace %s", name);
		finish();
	}
}

static void create_raw_kinds(struct ctx *x)
{
	int64_t size = 3 * PAGE;
	l4_cap_idx_t ds;
	long r;

	/* ned (Lua) sends integers as signed words, C++ Mem_alloc::alloc
	 * sends flags and align unsigned. */
	r = raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x81, &size, 1, &ds);
	if (expect_ret("create_signed_size", r, 0)) {
		check(l4re_ds_size(ds) == (uint64_t)size,
		      "create_signed_size_info", "size %llu",
		      (unsigned long long)l4re_ds_size(ds));
		cap_drop(ds);
	}
	r = raw_create(x->fab, L4RE_PROTO_DATASPACE, 0x01, &size, 1, &ds);
	if (expect_ret("create_unsigned_size", r, 0))
		cap_drop(ds);
}

static bool map_probe(const char *name, const struct tds *d, uint64_t off,
		      unsigned long flags, unsigned order)
{
	struct map_reply rep;
	l4_addr_t at = (l4_addr_t)d->map + off;
	long r = raw_map(d->cap, off, flags, at, order, &rep);

	return check(
	    r == 0, name,
	    "%s offset 0x%llx flags 0x%lx window 2^%u at 0x%lx: label %ld, "
	    "%u words, %u items, mr0 0x%llx mr1 0x%llx",
	    d->name, (unsigned long long)off, flags, order, (unsigned long)at,
	    rep.ret, rep.words, rep.items, (unsigned long long)rep.mr0,
	    (unsigned long long)rep.mr1);
}

/* The first maps, sent by hand: if spmm cannot map, touching its memory
 * would only crash this client, so stop with the details instead. */
static void first_maps(struct ctx *x)
{
	struct tds *all[] = {&x->a, &x->b, &x->c, &x->d, &x->e};
	bool ok = true;
	char name[40];

	for (unsigned i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "first_map_r_%s", all[i]->name);
		ok &= map_probe(name, all[i], 0, L4RE_DS_F_R, L4_PAGESHIFT);
		snprintf(name, sizeof(name), "first_map_rw_%s", all[i]->name);
		ok &= map_probe(name, all[i], 0, L4RE_DS_F_RW, L4_PAGESHIFT);
	}
	if (!ok) {
		note("spmm does not map: stopping before touching its memory");
		finish();
	}
}

/* Every page of a 2 MiB dataspace, read-only, with the region's window
 * and with a one-page window; then a write and a read-back. */
static void uvmm_like(struct tds *g)
{
	struct spmm_ctl_ds_stats st;
	struct map_reply rep;
	unsigned big =
	    ((l4_addr_t)g->map & ((2 << 20) - 1)) ? L4_PAGESHIFT : 21;
	unsigned orders[2] = {big, L4_PAGESHIFT};
	long r = ctl_ds_stats(g->cap, &st);

	check(r == 0 && st.pages == 512, "uvmm_like_ds_stats",
	      "ret %ld pages %llu", r, (unsigned long long)st.pages);
	for (unsigned k = 0; k < 2; k++) {
		unsigned bad = 0, first = 0;
		long first_r = 0;
		for (unsigned p = 0; p < 512; p++) {
			l4_addr_t at = (l4_addr_t)g->map + (l4_addr_t)p * PAGE;
			r = raw_map(g->cap, (uint64_t)p * PAGE, L4RE_DS_F_R, at,
				    orders[k], &rep);
			if (r != 0 && bad++ == 0) {
				first = p;
				first_r = r;
			}
		}
		r = ctl_ds_stats(g->cap, &st);
		check(bad == 0,
		      k ? "uvmm_like_map_all_pages_small_window"
			: "uvmm_like_map_all_pages_region_window",
		      "%u of 512 pages refused (window 2^%u), first page %u: "
		      "%ld; "
		      "DS_STATS now ret %ld pages %llu",
		      bad, orders[k], first, first_r, r,
		      (unsigned long long)st.pages);
	}
	tds_fill(g, 511, seed_u(6, 511), 0);
	tds_fill(g, 48, seed_u(6, 48), 0);
	tds_verify("uvmm_like_dataspace_rw", g);
}

void checks_create(struct ctx *x)
{
	struct tds g;
	long r;

	create_one(x, &x->a, "create_A", "A", 8 * PAGE, 0, 0);
	create_one(x, &x->b, "create_B_size_not_page_multiple", "B",
		   5 * PAGE + 123, 0, 0);
	create_one(x, &x->c, "create_C_size_not_page_multiple", "C",
		   3 * PAGE + 1, 0, 0);
	create_one(x, &x->d, "create_D_align16", "D", 16 * PAGE, 0, 16);
	create_one(x, &x->e, "create_E", "E", 4 * PAGE, 0, 0);

	struct tds *all[] = {&x->a, &x->b, &x->c, &x->d, &x->e};
	bool ok = true;
	for (unsigned i = 0; i < 5; i++) {
		uint64_t s = l4re_ds_size(all[i]->cap);
		if (s != all[i]->size) {
			fail("info_size", "%s: size %llu, want %llu",
			     all[i]->name, (unsigned long long)s,
			     (unsigned long long)all[i]->size);
			ok = false;
		}
	}
	if (ok)
		pass("info_size");
	first_maps(x);

	/* What uvmm asks for its guest RAM: continuous | pinned |
	 * super pages, 2 MiB aligned. */
	r = tds_create(&g, x->fab, "G", 2 << 20, 7, 21);
	if (expect_ret("create_uvmm_flags_align21", r, 0)) {
		uvmm_like(&g);
		tds_destroy(&g);
	}
	create_raw_kinds(x);
	expect_ret("meta_supports_dataspace",
		   meta_supports(x->a.cap, L4RE_PROTO_DATASPACE), 1);
	expect_ret("meta_dataspace_supports_control",
		   meta_supports(x->a.cap, SPMM_CTL_PROTO), 1);
}

/* The dataspaces ned created on the channel before starting us. */
static void ned_one(const char *cap_name, uint64_t want_size)
{
	char name[40];
	l4_cap_idx_t ds = l4re_env_get_cap(cap_name);
	struct spmm_ctl_ds_stats st;

	snprintf(name, sizeof(name), "%s_present", cap_name);
	if (!check(!l4_is_invalid_cap(ds), name, "no capability '%s'",
		   cap_name))
		return;
	snprintf(name, sizeof(name), "%s_from_spmm", cap_name);
	long r = ctl_ds_stats(ds, &st);
	uint64_t size = l4re_ds_size(ds);
	check(r == 0 && size == want_size &&
		  st.pages == (want_size + PAGE - 1) / PAGE,
	      name, "DS_STATS ret %ld pages %llu, size %llu (want %llu)", r,
	      (unsigned long long)st.pages, (unsigned long long)size,
	      (unsigned long long)want_size);
}

void checks_ned(struct ctx *x)
{
	(void)x;
	ned_one("ned_ds", 5 * PAGE + 7);
	ned_one("ned_ds2", 2 * PAGE);
}
