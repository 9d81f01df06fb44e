/*
 * check_rm.c - spmm's region maps, through L4Re's own client stubs (the
 * l4re_rm_*_srv calls, as ned and l4re_itas use them) and the pager
 * protocol sent by hand.
 *
 * The region map made here is not this program's own (that one is its
 * l4re_itas): it is a second map, filled with spmm's dataspace `a` and a
 * dataspace of moe, whose page faults we raise by hand, receiving each
 * page into a window of our own address space to compare it with what
 * the dataspace holds.
 */
#include <string.h>

#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/re/protocols.h>
#include <l4/sys/err.h>
#include <l4/sys/factory.h>
#include <l4/sys/ipc.h>
#include <l4/sys/task.h>

#include "spmm_test.h"

#define BASE 0x20000000ul /* where the test map's regions go */

/* The pager protocol by hand: a fault at pfa (with W/X bits), the page
 * received at `at` in our space.  Returns the reply label (or IPC error)
 * and the number of items. */
static long fault(l4_cap_idx_t rm, l4_umword_t pfa, l4_addr_t at,
		  unsigned *items)
{
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *m = l4_utcb_mr_u(u);
	l4_buf_regs_t *b = l4_utcb_br_u(u);
	m->mr[0] = pfa;
	m->mr[1] = 0; /* pc */
	b->bdr = 0;
	b->br[0] = L4_ITEM_MAP;
	b->br[1] = l4_fpage(at, L4_PAGESHIFT, L4_FPAGE_RWX).raw;
	b->br[2] = 0;
	l4_timeout_t to = l4_timeout(l4_timeout_from_us(5000000),
				     l4_timeout_from_us(5000000));
	l4_msgtag_t t =
	    l4_ipc_call(rm, u, l4_msgtag(L4_PROTO_PAGE_FAULT, 2, 0, 0), to);
	*items = l4_msgtag_items(t);
	return wire_error(t);
}

static void unmap_local(l4_addr_t at)
{
	l4_task_unmap(L4RE_THIS_TASK_CAP, l4_fpage(at, L4_PAGESHIFT, L4_FPAGE_RWX),
		      L4_FP_ALL_SPACES);
}

void checks_region_map(struct ctx *x)
{
	l4_cap_idx_t rm = l4re_util_cap_alloc();
	long r = l4_error(l4_factory_create(x->fab, L4RE_PROTO_RM, rm));
	if (!check(r == 0, "rm_create", "create(Rm): %ld", r))
		return;
	check(meta_supports(rm, L4RE_PROTO_RM) == 1 &&
		  meta_supports(rm, L4_PROTO_PAGE_FAULT) == 1,
	      "rm_meta", "the region map does not say it is one");

	/* our dataspace a at a fixed address, read-write, from page 1 (the
	 * C stubs take the capability's rights from its low bits; without
	 * W a writable region is refused, as moe does) */
	void *ro = (void *)BASE;
	r = l4re_rm_attach_srv(rm, &ro, PAGE, L4RE_RM_F_RW,
			       x->a.cap | L4_CAP_FPAGE_RO, 0, L4_PAGESHIFT);
	expect_ret("rm_attach_w_without_w", r, -L4_EPERM);
	void *at = (void *)BASE;
	r = l4re_rm_attach_srv(rm, &at, 3 * PAGE, L4RE_RM_F_RW,
			       x->a.cap | L4_CAP_FPAGE_RW, PAGE, L4_PAGESHIFT);
	check(r == 0 && at == (void *)BASE, "rm_attach_fixed",
	      "%ld at %p", r, at);
	void *again = (void *)(BASE + PAGE);
	r = l4re_rm_attach_srv(rm, &again, PAGE, L4RE_RM_F_R,
			       x->a.cap | L4_CAP_FPAGE_RO, 0, L4_PAGESHIFT);
	expect_ret("rm_attach_overlap", r, -L4_EADDRNOTAVAIL);
	/* searching, 2 MiB aligned */
	void *s = (void *)BASE;
	r = l4re_rm_attach_srv(rm, &s, PAGE,
			       L4RE_RM_F_R | L4RE_RM_F_SEARCH_ADDR,
			       x->a.cap | L4_CAP_FPAGE_RO, 0, 21);
	check(r == 0 && ((l4_addr_t)s & ((1ul << 21) - 1)) == 0 &&
		  (l4_addr_t)s > BASE,
	      "rm_attach_search", "%ld at %p", r, s);
	/* moe's dataspace: a foreign one, read-only */
	void *f = (void *)(BASE + 0x100000);
	r = l4re_rm_attach_srv(rm, &f, PAGE, L4RE_RM_F_R,
			       x->moe_ds | L4_CAP_FPAGE_RO, 0, L4_PAGESHIFT);
	check(r == 0, "rm_attach_foreign", "%ld", r);
	/* an area, and a region in it */
	l4_addr_t area = BASE + 0x400000;
	r = l4re_rm_reserve_area_srv(rm, &area, 16 * PAGE, 0, L4_PAGESHIFT);
	check(r == 0 && area == BASE + 0x400000, "rm_reserve_area", "%ld",
	      r);
	void *in = (void *)(area + 2 * PAGE);
	r = l4re_rm_attach_srv(rm, &in, PAGE, L4RE_RM_F_R | L4RE_RM_F_IN_AREA,
			       x->a.cap | L4_CAP_FPAGE_RO, 0, L4_PAGESHIFT);
	check(r == 0 && in == (void *)(area + 2 * PAGE), "rm_attach_in_area",
	      "%ld at %p", r, in);

	/* find: the region, its offset and flags */
	l4_addr_t fa = BASE + PAGE + 5;
	unsigned long fsz = 1;
	l4re_rm_offset_t foff = 0;
	l4re_rm_flags_t ffl = 0;
	l4re_ds_t fds = L4_INVALID_CAP;
	r = l4re_rm_find_srv(rm, &fa, &fsz, &foff, &ffl, &fds);
	check(r == 0 && fa == BASE && fsz == 3 * PAGE && foff == PAGE &&
		  (ffl & L4RE_RM_F_RW) == L4RE_RM_F_RW,
	      "rm_find", "%ld: %lx+%lx off %llx flags %lx", r, fa, fsz,
	      (unsigned long long)foff, (unsigned long)ffl);

	/* page faults: every byte as the dataspace holds it */
	l4_addr_t win = 0;
	if (l4re_rm_reserve_area(&win, PAGE, L4RE_RM_F_SEARCH_ADDR,
				 L4_PAGESHIFT)) {
		fail("rm_window", "no address space for the window");
		return;
	}
	bool same = true;
	unsigned items = 0;
	for (unsigned p = 0; p < 3 && same; p++) {
		r = fault(rm, BASE + p * PAGE, win, &items);
		same = r == 0 && items == 1 &&
		       !memcmp((void *)win, x->a.model + (p + 1) * PAGE, PAGE);
		unmap_local(win);
	}
	check(same, "rm_fault_read", "%ld, %u items", r, items);
	r = fault(rm, (BASE + 0x100000) | 2, win, &items);
	expect_ret("rm_fault_write_read_only", r, -L4_EACCESS);
	r = fault(rm, BASE + 0x100000, win, &items);
	check(r == 0 && items == 1, "rm_fault_foreign", "%ld, %u items", r,
	      items);
	unmap_local(win);
	r = fault(rm, BASE + 0x200000 + 7 * PAGE, win, &items);
	check(r < 0 && items == 0, "rm_fault_nothing", "%ld, %u items", r,
	      items);

	/* detach: the C stub detaches the whole region around the address
	 * (Detach_overlap) and names the dataspace the client attached */
	l4re_ds_t dds = L4_INVALID_CAP;
	r = l4re_rm_detach_srv(rm, BASE + PAGE, &dds, L4_INVALID_CAP);
	check(r >= 0 && (dds & L4_CAP_MASK) == x->a.cap, "rm_detach",
	      "%ld, ds %lx", r,
	      (unsigned long)dds);
	r = fault(rm, BASE + 2 * PAGE, win, &items);
	check(r < 0 && items == 0, "rm_fault_detached", "%ld", r);
	r = fault(rm, area + 2 * PAGE, win, &items);
	check(r == 0 && items == 1 && !memcmp((void *)win, x->a.model, PAGE),
	      "rm_fault_in_area", "%ld", r);
	unmap_local(win);
	r = l4re_rm_free_area_srv(rm, area);
	check(r == 0, "rm_free_area", "%ld", r);
	r = l4re_rm_free_area_srv(rm, area);
	expect_ret("rm_free_area_twice", r, -L4_ENOENT);
	l4re_rm_free_area(win);

	/* the map goes: what it held is released, a stays */
	cap_drop(rm);
	check(alive(x->a.cap), "rm_gone",
	      "dataspace a lost after the region map died");
	tds_verify("rm_a_intact", &x->a);
}
