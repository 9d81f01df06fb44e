/*
 * test_rm.c - region maps (spmm/lib/ipc/rm.c and spmm/server/src/core_rm.c)
 * on the host: the wire layout as an L4Re client lays it out, the
 * semantics of attach, areas, detach and page faults, the lifetime of the
 * dataspaces and foreign capabilities a map holds, and hostile messages.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core.h"
#include "harness.h"
#include "server_sys.h"

#define PG 4096ull

/* ---- messages as L4::Ipc lays them out (our own writer) ---------------- */

struct msg {
	unsigned char b[SPMM_MR_WORDS * 8];
	unsigned pos;
	uint64_t item[2];
	unsigned items;
};

static void put(struct msg *m, const void *v, unsigned size)
{
	m->pos = (m->pos + size - 1) & ~(size - 1);
	memcpy(m->b + m->pos, v, size);
	m->pos += size;
}
static void put8(struct msg *m, uint64_t v) { put(m, &v, 8); }
static void put4(struct msg *m, uint32_t v) { put(m, &v, 4); }
static void put1(struct msg *m, uint8_t v) { put(m, &v, 1); }

static void msg_op(struct msg *m, uint32_t op)
{
	memset(m, 0, sizeof(*m));
	put4(m, op);
}

static unsigned msg_words(const struct msg *m)
{
	return (m->pos + 7) / 8;
}

/* attach(start, size, flags, [item], offset, align, client_cap, name,
 * backing_offset) */
static void msg_attach(struct msg *m, uint64_t start, uint64_t size,
		       uint32_t flags, uint64_t offset, uint8_t align,
		       uint64_t client_cap, const char *name, uint64_t bo)
{
	msg_op(m, SPMM_RM_OP_ATTACH);
	put8(m, start);
	put8(m, size);
	put4(m, flags);
	put8(m, offset);
	put1(m, align);
	put8(m, client_cap);
	uint64_t n = strlen(name) + 1;
	put8(m, n);
	memcpy(m->b + m->pos, name, n);
	m->pos += (unsigned)n;
	put8(m, bo);
}

struct world {
	struct env v;
	struct host_sys h;
	struct spmm_core core;
	struct spmm_factory fac;
	unsigned long long cases;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	struct spm_policy pol;
	spm_policy_default(&pol);
	CHECK(env_init(&w->v, &pol, 0) == 0, "engine");
	struct spmm_sys sys;
	host_sys_ops(&w->h, &sys);
	spmm_core_init(&w->core, w->v.e, &sys, 0);
	w->core.max_ds_size = 1ull << 30;
	w->core.rm_min = PG;
	w->core.rm_max = (1ull << 40) - 1;
	w->core.rm_reserved[0] = (struct spmm_area){0, PG - 1, 0};
	w->core.rm_reserved[1] = (struct spmm_area){
	    0x80000000ull, 0x80ffffffull, SPMM_RM_F_RESERVED};
	w->core.n_rm_reserved = 2;
	spmm_factory_init(&w->fac, 1, "a");
}

static void invariants(struct world *w, const char *when)
{
	char why[320];
	CHECK(sim_check(&w->v.sim, w->v.e, why, sizeof(why)) == 0, "%s: %s",
	      when, why);
}

static void world_fini(struct world *w)
{
	invariants(w, "end");
	spmm_core_fini(&w->core);
	CHECK(w->h.foreign_live == 0, "foreign capabilities left: %u",
	      w->h.foreign_live);
	env_fini(&w->v);
}

static long send(struct world *w, const void *obj, unsigned rights,
		 long label, const struct msg *m, struct spmm_ipc_out *out)
{
	struct spmm_ipc_in in;
	memset(&in, 0, sizeof(in));
	unsigned words = msg_words(m);
	in.tag = spmm_ipc_tag(label, words, m->items, 0);
	in.label = (uint64_t)(uintptr_t)obj | rights;
	memcpy(in.mr, m->b, words * 8);
	if (m->items) {
		in.mr[words] = m->item[0];
		in.mr[words + 1] = m->item[1];
	}
	spmm_core_handle(&w->core, &in, out);
	w->cases++;
	return spmm_ipc_tag_label(out->tag);
}

static void *create(struct world *w, long proto, uint64_t size)
{
	struct msg m;
	memset(&m, 0, sizeof(m));
	put8(&m, (uint64_t)proto);
	if (proto == SPMM_PROTO_DATASPACE) {
		put8(&m, 0x81 | (8u << 16));
		put8(&m, size);
	}
	struct spmm_ipc_out out;
	long r = send(w, &w->fac, SPMM_CAP_FPAGE_W | SPMM_CAP_FPAGE_S,
		      SPMM_PROTO_FACTORY, &m, &out);
	if (r)
		return NULL;
	return (void *)(uintptr_t)host_sys_label_of(&w->h,
						    out.mr[1] & ~0xfffull);
}

static uint64_t cap_of(struct world *w, const void *obj)
{
	for (unsigned i = 0; i < w->h.ngates; i++)
		if (w->h.label[i] == (uint64_t)(uintptr_t)obj)
			return (uint64_t)(i + 1) << 12;
	return 0;
}

/* attach our dataspace d (rights: the capability's W bit) */
static long attach_own(struct world *w, struct spmm_rm *rm, uint64_t start,
		       uint64_t size, uint32_t flags, struct spmm_ds *d,
		       unsigned cap_rights, uint64_t offset, uint8_t align,
		       uint64_t *got)
{
	struct msg m;
	msg_attach(&m, start, size, flags, offset, align, 0x4321000, "seg",
		   0x1000);
	if (d) {
		m.items = 1;
		m.item[0] = SPMM_RCV_ID;
		m.item[1] = (uint64_t)(uintptr_t)d | cap_rights;
	}
	struct spmm_ipc_out out;
	long r = send(w, rm, 0, SPMM_PROTO_RM, &m, &out);
	if (!r && got)
		*got = out.mr[0];
	return r;
}

static long attach_foreign(struct world *w, struct spmm_rm *rm,
			   uint64_t start, uint64_t size, uint32_t flags,
			   uint64_t offset, uint64_t *got)
{
	struct msg m;
	msg_attach(&m, start, size, flags, offset, 0, 0x5555000, "rom", 0);
	m.items = 1;
	m.item[0] = SPMM_RCV_CAP_MAPPED;
	m.item[1] = 0;
	struct spmm_ipc_out out;
	long r = send(w, rm, 0, SPMM_PROTO_RM, &m, &out);
	if (!r && got)
		*got = out.mr[0];
	return r;
}

static long fault(struct world *w, struct spmm_rm *rm, uint64_t pfa,
		  struct spmm_ipc_out *out)
{
	struct msg m;
	memset(&m, 0, sizeof(m));
	put8(&m, pfa);
	put8(&m, 0x1234);
	return send(w, rm, 0, SPMM_PROTO_PAGE_FAULT, &m, out);
}

static long detach(struct world *w, struct spmm_rm *rm, uint64_t a,
		   uint64_t size, unsigned flags, struct spmm_ipc_out *out)
{
	struct msg m;
	msg_op(&m, SPMM_RM_OP_DETACH);
	put8(&m, a);
	put8(&m, size);
	put4(&m, flags);
	return send(w, rm, 0, SPMM_PROTO_RM, &m, out);
}

static long reserve(struct world *w, struct spmm_rm *rm, uint64_t start,
		    uint64_t size, uint32_t flags, uint8_t align,
		    uint64_t *got)
{
	struct msg m;
	msg_op(&m, SPMM_RM_OP_RESERVE_AREA);
	put8(&m, start);
	put8(&m, size);
	put4(&m, flags);
	put1(&m, align);
	struct spmm_ipc_out out;
	long r = send(w, rm, 0, SPMM_PROTO_RM, &m, &out);
	if (!r && got)
		*got = out.mr[0];
	return r;
}

static long by_addr(struct world *w, struct spmm_rm *rm, uint32_t op,
		    uint64_t a, struct spmm_ipc_out *out)
{
	struct msg m;
	msg_op(&m, op);
	put8(&m, a);
	return send(w, rm, 0, SPMM_PROTO_RM, &m, out);
}

/* ---- the wire ------------------------------------------------------------ */

static void wire_attach(void)
{
	struct msg m;
	msg_attach(&m, 0x10000, 0x3000, SPMM_RM_F_SEARCH_ADDR | SPMM_DS_R, 0x2000,
		   21, 0x777000, "a name longer than forty characters, cut", 0x99);
	m.items = 1;
	m.item[0] = SPMM_RCV_ID;
	m.item[1] = 0xabc0 | 1;
	struct spmm_ipc_in in;
	memset(&in, 0, sizeof(in));
	unsigned words = msg_words(&m);
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, words, 1, 0);
	in.label = 0x1000;
	memcpy(in.mr, m.b, words * 8);
	in.mr[words] = m.item[0];
	in.mr[words + 1] = m.item[1];
	struct spmm_req r;
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == 0, "decodes");
	CHECK(r.op == SPMM_OP_RM_ATTACH && r.attach.start == 0x10000 &&
		  r.attach.size == 0x3000 &&
		  r.attach.flags == (SPMM_RM_F_SEARCH_ADDR | SPMM_DS_R) &&
		  r.attach.offset == 0x2000 && r.attach.align == 21 &&
		  r.attach.client_cap == 0x777000 &&
		  r.attach.backing_offset == 0x99,
	      "fields");
	CHECK(r.attach.name_len == SPMM_RM_NAME_MAX &&
		  !memcmp(r.attach.name, "a name longer", 13),
	      "name cut to %u", r.attach.name_len);
	CHECK(r.attach.src == SPMM_SRC_OWN && r.attach.src_obj == 0xabc0 &&
		  r.attach.src_rights == 1,
	      "source item");
	/* every shorter message ends inside an argument */
	for (unsigned w = 1; w < words; w++) {
		in.tag = spmm_ipc_tag(SPMM_PROTO_RM, w, 0, 0);
		CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) ==
			  -SPMM_EMSGTOOSHORT,
		      "%u words", w);
	}
	/* a name that claims more bytes than the message has */
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, words, 0, 0);
	in.mr[7] = 1000; /* the length word: after opcode..client_cap */
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EMSGTOOSHORT,
	      "long name");
	in.mr[7] = ~0ull;
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EMSGTOOSHORT,
	      "huge name");
	/* two items */
	in.mr[7] = strlen("a name longer than forty characters, cut") + 1;
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, words, 2, 0);
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EINVAL,
	      "two items");
	/* other opcodes */
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, 2, 0, 0);
	in.mr[0] = 8;
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_ENOSYS, "op 8");
	in.mr[0] = SPMM_RM_OP_DETACH;
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EMSGTOOSHORT,
	      "short detach");
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, 4, 1, 0);
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EINVAL,
	      "detach with an item");
	in.tag = spmm_ipc_tag(SPMM_PROTO_RM, 4, 0, 0);
	in.mr[1] = 0x5000;
	in.mr[2] = 0x2000;
	in.mr[3] = SPMM_RM_DETACH_OVERLAP;
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == 0 &&
		  r.op == SPMM_OP_RM_DETACH && r.detach.addr == 0x5000 &&
		  r.detach.size == 0x2000 &&
		  r.detach.flags == SPMM_RM_DETACH_OVERLAP,
	      "detach");
	/* the protocol belongs to region maps only */
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) == -SPMM_EBADPROTO,
	      "Rm on a dataspace");
	in.tag = spmm_ipc_tag(SPMM_PROTO_PAGE_FAULT, 1, 0, 0);
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_RM, &r) == -SPMM_EMSGTOOSHORT,
	      "short page fault");
	in.tag = spmm_ipc_tag(SPMM_PROTO_PAGE_FAULT, 2, 0, 0);
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) == -SPMM_EBADPROTO,
	      "page fault to a factory");
}

/* ---- semantics ----------------------------------------------------------- */

static void attach_and_fault(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, 5 * PG);
	CHECK(rm && d && rm->o.kind == SPMM_IPC_RM, "create");
	if (!rm || !d)
		return;
	struct spmm_ipc_out out;
	uint64_t at = 0;
	/* fixed address, read-write */
	CHECK(attach_own(&w, rm, 0x10000, 4 * PG, SPMM_DS_R | SPMM_DS_W, d, 1,
			 PG, 0, &at) == 0 &&
		  at == 0x10000,
	      "fixed attach at %llx", (unsigned long long)at);
	CHECK(d->refs == 1, "the region holds the dataspace");
	/* overlapping, and in the kernel's reserved range, and page 0 */
	CHECK(attach_own(&w, rm, 0x13000, PG, SPMM_DS_R, d, 1, 0, 0, NULL) ==
		  -SPMM_EADDRNOTAVAIL,
	      "overlap");
	CHECK(attach_own(&w, rm, 0x80001000, PG, SPMM_DS_R, d, 1, 0, 0,
			 NULL) == -SPMM_EADDRNOTAVAIL,
	      "reserved area");
	CHECK(attach_own(&w, rm, 0, PG, SPMM_DS_R, d, 1, 0, 0, NULL) ==
		  -SPMM_EADDRNOTAVAIL,
	      "page 0");
	/* W through a read-only capability; no dataspace; size 0 */
	CHECK(attach_own(&w, rm, 0x40000, PG, SPMM_DS_R | SPMM_DS_W, d, 0, 0,
			 0, NULL) == -SPMM_EPERM,
	      "W on a read-only capability");
	CHECK(attach_own(&w, rm, 0x40000, PG, SPMM_DS_R, NULL, 0, 0, 0,
			 NULL) == -SPMM_ENOENT,
	      "no dataspace");
	CHECK(attach_own(&w, rm, 0x40000, 0, SPMM_DS_R, d, 0, 0, 0, NULL) ==
		  -SPMM_EINVAL,
	      "size 0");
	/* searching, aligned to 2 MiB */
	CHECK(attach_own(&w, rm, 0x10000, 2 * PG,
			 SPMM_DS_R | SPMM_DS_X | SPMM_RM_F_SEARCH_ADDR, d, 1,
			 0, 21, &at) == 0 &&
		  at == 0x200000,
	      "search aligned: %llx", (unsigned long long)at);

	/* page faults: read, write, beyond the dataspace, nothing there */
	CHECK(fault(&w, rm, 0x11000 + 0x120, &out) == 0, "read fault");
	uint64_t spot = out.mr[0] & ~0xfffull, fp = out.mr[1];
	CHECK(spmm_ipc_tag_items(out.tag) == 1 && spot == 0x11000 &&
		  (fp & ~0xfffull) == d->win_base + 2 * PG &&
		  (fp & 0xf) == SPMM_FPAGE_RO,
	      "read fault reply %llx %llx", (unsigned long long)out.mr[0],
	      (unsigned long long)fp);
	CHECK(fault(&w, rm, 0x11000 | SPMM_PF_W, &out) == 0 &&
		  (out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_W),
	      "write fault gives W");
	CHECK(fault(&w, rm, 0x200000 | SPMM_PF_W, &out) == -SPMM_EACCESS,
	      "write to a read-only region");
	CHECK(fault(&w, rm, 0x200000 | SPMM_PF_X, &out) == 0 &&
		  (out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_X),
	      "exec in an RX region");
	CHECK(fault(&w, rm, 0x11000 | SPMM_PF_X, &out) == -SPMM_EACCESS,
	      "exec in an RW region");
	CHECK(fault(&w, rm, 0x10000 + 4 * PG, &out) == -SPMM_ENOMEM,
	      "after the region");
	/* a region larger than what is left of the dataspace */
	CHECK(attach_own(&w, rm, 0x100000, 4 * PG, SPMM_DS_R, d, 1, 3 * PG, 0,
			 NULL) == 0,
	      "attach past the end");
	CHECK(fault(&w, rm, 0x101000, &out) == 0, "last page");
	CHECK(fault(&w, rm, 0x102000, &out) == -SPMM_ENOMEM,
	      "beyond the dataspace");

	/* what l4re_itas reads back */
	CHECK(by_addr(&w, rm, SPMM_RM_OP_GET_REGIONS, 0, &out) == 3 &&
		  out.mr[0] == 0x10000 && out.mr[1] == 0x13fff &&
		  out.mr[2] == (SPMM_DS_R | SPMM_DS_W) &&
		  out.mr[3] == 0x100000 && out.mr[6] == 0x200000,
	      "get_regions");
	CHECK(by_addr(&w, rm, SPMM_RM_OP_GET_REGIONS, 0x14000, &out) == 2,
	      "get_regions from an address");
	CHECK(by_addr(&w, rm, SPMM_RM_OP_GET_AREAS, 0, &out) == 2 &&
		  out.mr[0] == 0 && out.mr[1] == PG - 1 &&
		  out.mr[2] == 0x80000000ull,
	      "get_areas");
	CHECK(by_addr(&w, rm, SPMM_RM_OP_GET_INFO, 0x10000, &out) == 0 &&
		  out.mr[0] == 4 && !memcmp(&out.mr[1], "seg", 4) &&
		  out.mr[2] == 0x1000,
	      "get_info");
	CHECK(by_addr(&w, rm, SPMM_RM_OP_GET_INFO, 0x9000, &out) ==
		  -SPMM_ENOENT,
	      "get_info nowhere");
	struct msg m;
	msg_op(&m, SPMM_RM_OP_FIND);
	put8(&m, 0x12345);
	put8(&m, 1);
	CHECK(send(&w, rm, 0, SPMM_PROTO_RM, &m, &out) == 0 &&
		  out.mr[0] == 0x10000 && out.mr[1] == 4 * PG &&
		  out.mr[3] == PG && out.mr[4] == 0x4321000,
	      "find");
	invariants(&w, "attach");
	world_fini(&w);
}

/* Read faults answered with a block: never beyond the region. */
static void fault_blocks(void)
{
	struct world w;
	world_init(&w);
	w.core.max_map_order = 21;
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, 8u << 20);
	if (!rm || !d)
		return;
	struct spmm_ipc_out out;
	/* 16 pages at 1 MiB, from dataspace offset 0 */
	CHECK(attach_own(&w, rm, 0x100000, 16 * PG, SPMM_DS_R | SPMM_DS_W, d,
			 1, 0, 0, NULL) == 0 &&
		  attach_own(&w, rm, 0x400000, 4u << 20, SPMM_DS_R, d, 1,
			     2u << 20, 0, NULL) == 0,
	      "attach");
	CHECK(fault(&w, rm, 0x105000, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 16 &&
		  (out.mr[1] & ~0xfffull) == d->win_base &&
		  (out.mr[0] & ~0xfffull) == 0x105000,
	      "64 KiB region: a 64 KiB block, order %u",
	      (unsigned)((out.mr[1] >> 6) & 0x3f));
	CHECK(fault(&w, rm, 0x105000 | SPMM_PF_W, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 12,
	      "write fault: a page");
	CHECK(fault(&w, rm, 0x533000, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 21 &&
		  (out.mr[1] & ~0xfffull) == d->win_base + (2u << 20),
	      "4 MiB region: 2 MiB blocks");
	invariants(&w, "fault blocks");
	world_fini(&w);
}

static void areas(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, 64 * PG);
	if (!rm || !d)
		return;
	uint64_t a = 0, at = 0;
	CHECK(reserve(&w, rm, 0x100000, 16 * PG, 0, 0, &a) == 0 &&
		  a == 0x100000,
	      "reserve fixed");
	CHECK(reserve(&w, rm, 0x104000, PG, 0, 0, NULL) ==
		  -SPMM_EADDRNOTAVAIL,
	      "overlapping area");
	/* a plain attach may not go into an area, In_area must */
	CHECK(attach_own(&w, rm, 0x101000, PG, SPMM_DS_R, d, 1, 0, 0, NULL) ==
		  -SPMM_EADDRNOTAVAIL,
	      "plain attach into an area");
	CHECK(attach_own(&w, rm, 0x101000, PG, SPMM_DS_R | SPMM_RM_F_IN_AREA,
			 d, 1, 0, 0, &at) == 0 &&
		  at == 0x101000,
	      "In_area");
	CHECK(attach_own(&w, rm, 0x100000, 2 * PG,
			 SPMM_DS_R | SPMM_RM_F_IN_AREA |
			     SPMM_RM_F_SEARCH_ADDR,
			 d, 1, 0, 0, &at) == 0 &&
		  at == 0x102000,
	      "search in an area: %llx", (unsigned long long)at);
	CHECK(attach_own(&w, rm, 0x100000, 16 * PG,
			 SPMM_DS_R | SPMM_RM_F_IN_AREA |
			     SPMM_RM_F_SEARCH_ADDR,
			 d, 1, 0, 0, NULL) == -SPMM_EADDRNOTAVAIL,
	      "area full");
	/* searching outside areas skips them */
	CHECK(attach_own(&w, rm, 0x100000, PG,
			 SPMM_DS_R | SPMM_RM_F_SEARCH_ADDR, d, 1, 0, 0,
			 &at) == 0 &&
		  at == 0x110000,
	      "search skips the area: %llx", (unsigned long long)at);
	CHECK(reserve(&w, rm, 0x100000, 4 * PG, SPMM_RM_F_SEARCH_ADDR, 16,
			  &a) == 0 &&
		  a == 0x120000,
	      "reserve searching: %llx", (unsigned long long)a);
	struct spmm_ipc_out out;
	CHECK(by_addr(&w, rm, SPMM_RM_OP_FREE_AREA, 0x100000, &out) == 0,
	      "free_area");
	CHECK(by_addr(&w, rm, SPMM_RM_OP_FREE_AREA, 0x100000, &out) ==
		  -SPMM_ENOENT,
	      "free_area twice");
	/* regions in a freed area stay */
	CHECK(fault(&w, rm, 0x101000, &out) == 0, "region outlives its area");
	world_fini(&w);
}

static void detaching(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, 16 * PG);
	if (!rm || !d)
		return;
	struct spmm_ipc_out out;
	CHECK(attach_own(&w, rm, 0x10000, 8 * PG,
			 SPMM_DS_R | SPMM_DS_W | SPMM_RM_F_DETACH_FREE, d, 1,
			 4 * PG, 0, NULL) == 0,
	      "attach");
	unsigned char page[4096];
	memset(page, 0x5a, sizeof(page));
	for (unsigned i = 4; i < 12; i++)
		CHECK(spm_write(w.v.e, d->space, i * PG, page, PG) == 0,
		      "fill");
	/* the head: two pages; the region now starts 2 pages later */
	CHECK(detach(&w, rm, 0x10000, 2 * PG, SPMM_RM_DETACH_EXACT, &out) ==
		      SPMM_RM_KEPT_DS &&
		  out.mr[0] == 0x10000 && out.mr[1] == 2 * PG &&
		  out.mr[2] == SPMM_INVALID_CAP,
	      "head");
	CHECK(fault(&w, rm, 0x12000, &out) == 0 &&
		  (out.mr[1] & ~0xfffull) == d->win_base + 6 * PG,
	      "head moved, offset follows");
	unsigned char got[4096];
	CHECK(spm_read(w.v.e, d->space, 4 * PG, got, PG) == 0 && got[0] == 0,
	      "Detach_free cleared the head");
	CHECK(spm_read(w.v.e, d->space, 6 * PG, got, PG) == 0 &&
		  got[0] == 0x5a,
	      "the rest kept");
	/* the tail */
	CHECK(detach(&w, rm, 0x16000, 2 * PG, SPMM_RM_DETACH_EXACT, &out) ==
		      SPMM_RM_KEPT_DS &&
		  out.mr[0] == 0x16000 && out.mr[1] == 2 * PG,
	      "tail");
	/* the middle: [0x12000, 0x16000) -> cut out 0x13000 */
	CHECK(detach(&w, rm, 0x13000, PG, SPMM_RM_DETACH_EXACT |
						  SPMM_RM_DETACH_KEEP,
		     &out) == SPMM_RM_SPLIT_DS &&
		  out.mr[0] == 0x13000 && out.mr[1] == PG &&
		  out.mr[2] == 0x4321000,
	      "middle");
	CHECK(spm_read(w.v.e, d->space, 7 * PG, got, PG) == 0 &&
		  got[0] == 0x5a,
	      "Detach_keep keeps the content");
	CHECK(d->refs == 2, "both pieces hold the dataspace: %u", d->refs);
	CHECK(fault(&w, rm, 0x14000, &out) == 0 &&
		  (out.mr[1] & ~0xfffull) == d->win_base + 8 * PG,
	      "tail piece maps its offset");
	CHECK(fault(&w, rm, 0x13000, &out) == -SPMM_ENOMEM, "hole");
	/* overlap: everything in [0x10000, 0x20000), one region at a time */
	CHECK(detach(&w, rm, 0x10000, 0x10000, SPMM_RM_DETACH_OVERLAP, &out) ==
		  (SPMM_RM_DETACHED_DS | SPMM_RM_DETACH_AGAIN),
	      "overlap, more to do");
	CHECK(detach(&w, rm, 0x10000, 0x10000, SPMM_RM_DETACH_OVERLAP, &out) ==
		  SPMM_RM_DETACHED_DS,
	      "overlap, done");
	CHECK(detach(&w, rm, 0x10000, 0x10000, SPMM_RM_DETACH_OVERLAP, &out) ==
		  -SPMM_ENOENT,
	      "nothing left");
	CHECK(d->refs == 0, "no region holds it");
	world_fini(&w);
}

/* A region keeps its dataspace alive after the client dropped the
 * dataspace's capability (ned does so once the program is loaded); the
 * last region going frees it.  A region map that dies frees what it
 * held. */
static void lifetime(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, 4 * PG);
	struct spmm_ds *e = create(&w, SPMM_PROTO_DATASPACE, 4 * PG);
	if (!rm || !d || !e)
		return;
	struct spmm_ipc_out out;
	CHECK(attach_own(&w, rm, 0x10000, 4 * PG, SPMM_DS_R | SPMM_DS_W, d, 1,
			 0, 0, NULL) == 0 &&
		  attach_own(&w, rm, 0x20000, 4 * PG, SPMM_DS_R | SPMM_DS_W, e,
			     1, 0, 0, NULL) == 0 &&
		  attach_foreign(&w, rm, 0x30000, 8 * PG, SPMM_DS_R, 0,
				 NULL) == 0,
	      "attach");
	CHECK(fault(&w, rm, 0x10000 | SPMM_PF_W, &out) == 0 &&
		  fault(&w, rm, 0x20000 | SPMM_PF_W, &out) == 0,
	      "faults");
	unsigned long before = w.core.nds;
	host_sys_kill(&w.h, cap_of(&w, d));
	host_sys_kill(&w.h, cap_of(&w, e));
	spmm_core_reap(&w.core);
	CHECK(w.core.nds == before, "held dataspaces survive the reap");
	CHECK(fault(&w, rm, 0x10000 | SPMM_PF_W, &out) == 0,
	      "and still page");
	CHECK(detach(&w, rm, 0x10000, 1, SPMM_RM_DETACH_OVERLAP, &out) == 0,
	      "detach");
	CHECK(w.core.nds == before - 1, "the last region frees it");
	invariants(&w, "after detach");
	CHECK(w.h.foreign_live == 1, "one foreign capability held");
	host_sys_kill(&w.h, cap_of(&w, rm));
	spmm_core_reap(&w.core);
	CHECK(w.core.nrm == 0 && w.core.nds == before - 2 &&
		  w.h.foreign_live == 0,
	      "a dead region map frees everything: rm %lu ds %lu foreign %u",
	      w.core.nrm, w.core.nds, w.h.foreign_live);
	world_fini(&w);
}

static void foreign(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	if (!rm)
		return;
	struct spmm_ipc_out out;
	uint64_t at;
	CHECK(attach_foreign(&w, rm, 0x40000, 6 * PG, SPMM_DS_R | SPMM_DS_X,
			     0x7000, &at) == 0 &&
		  at == 0x40000 && w.h.foreign_new == 1,
	      "attach the ROM");
	CHECK(fault(&w, rm, 0x42010 | SPMM_PF_X, &out) == 0, "exec fault");
	uint64_t base = w.h.last_foreign_map[2] - 2 * PG;
	CHECK(w.h.last_foreign_map[1] == 0x7000 + 2 * PG &&
		  (out.mr[1] & ~0xfffull) == w.h.last_foreign_map[2] &&
		  (out.mr[0] & ~0xfffull) == 0x42000 &&
		  (out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_X),
	      "mapped through our range");
	/* split: both pieces share the capability */
	CHECK(detach(&w, rm, 0x42000, PG, SPMM_RM_DETACH_EXACT, &out) ==
		  SPMM_RM_SPLIT_DS,
	      "split");
	CHECK(fault(&w, rm, 0x44000, &out) == 0 &&
		  w.h.last_foreign_map[1] == 0x7000 + 4 * PG &&
		  w.h.last_foreign_map[2] == base + 4 * PG,
	      "tail piece maps its offset");
	w.h.foreign_map_fail = 1;
	CHECK(fault(&w, rm, 0x40000, &out) == -SPMM_ENOMEM,
	      "a foreign server that does not answer");
	w.h.foreign_map_fail = 0;
	CHECK(detach(&w, rm, 0x40000, 1, SPMM_RM_DETACH_OVERLAP, &out) == 0 &&
		  w.h.foreign_live == 1,
	      "one piece gone, capability kept");
	CHECK(detach(&w, rm, 0x43000, 1, SPMM_RM_DETACH_OVERLAP, &out) == 0 &&
		  w.h.foreign_live == 0,
	      "last piece gone, capability dropped");
	/* the loader's reserved utcb range: no dataspace, Kernel flag */
	CHECK(attach_own(&w, rm, 0x50000, PG,
			 SPMM_DS_R | SPMM_DS_W | SPMM_RM_F_KERNEL, NULL, 0, 0,
			 0, NULL) == 0,
	      "kernel region");
	CHECK(fault(&w, rm, 0x50000, &out) == -SPMM_ENOMEM,
	      "no paging there");
	world_fini(&w);
}

/* Limits, and a flood of random region-map messages. */
static void hostile(void)
{
	struct world w;
	world_init(&w);
	struct spmm_rm *rm = create(&w, SPMM_PROTO_RM, 0);
	struct spmm_ds *d = create(&w, SPMM_PROTO_DATASPACE, PG);
	if (!rm || !d)
		return;
	unsigned n = 0;
	long r = 0;
	while (n < 2 * SPMM_RM_REGIONS_MAX) {
		r = attach_own(&w, rm, 0x100000 + n * PG, PG, SPMM_DS_R, d, 1, 0,
			       0, NULL);
		if (r)
			break;
		n++;
	}
	CHECK(n == SPMM_RM_REGIONS_MAX && r == -SPMM_ENOMEM,
	      "regions bounded: %u, %ld", n, r);
	n = 0;
	while (n < 2 * SPMM_RM_AREAS_MAX) {
		r = reserve(&w, rm, 0x10000000 + n * PG, PG, 0, 0, NULL);
		if (r)
			break;
		n++;
	}
	CHECK(n + 2 == SPMM_RM_AREAS_MAX && r == -SPMM_ENOMEM,
	      "areas bounded: %u, %ld", n, r);
	CHECK(attach_own(&w, rm, UINT64_MAX - PG, 4 * PG, SPMM_DS_R, d, 1, 0, 0,
			 NULL) < 0 &&
		  attach_own(&w, rm, 0, UINT64_MAX, SPMM_DS_R, d, 1, 0, 0,
			     NULL) < 0 &&
		  attach_own(&w, rm, 0, 4 * PG,
			     SPMM_DS_R | SPMM_RM_F_SEARCH_ADDR, d, 1, 0, 200,
			     NULL) < 0 &&
		  reserve(&w, rm, UINT64_MAX - 10, 100, 0, 0, NULL) < 0 &&
		  reserve(&w, rm, 0, UINT64_MAX, SPMM_RM_F_SEARCH_ADDR, 63,
			  NULL) < 0,
	      "addresses at the edge");

	/* random words, random labels, random items, to a fresh map */
	struct spmm_rm *rm2 = create(&w, SPMM_PROTO_RM, 0);
	uint64_t x = 88172645463325252ull;
	struct spmm_ipc_out out;
	for (unsigned i = 0; i < 200000; i++) {
		struct spmm_ipc_in in;
		memset(&in, 0, sizeof(in));
		for (unsigned k = 0; k < 12; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			in.mr[k] = (k & 1) ? x % 0x400000 : x;
		}
		in.mr[0] &= 7;
		if (i & 1)
			in.mr[1] &= 0xfffff000;
		unsigned words = (unsigned)(x >> 3) % 14;
		unsigned items = (unsigned)(x >> 9) % 3;
		long label = (x >> 13) % 3 == 0 ? SPMM_PROTO_PAGE_FAULT
						 : SPMM_PROTO_RM;
		if (items) {
			static const uint64_t kinds[] = {
			    SPMM_RCV_ID, SPMM_RCV_CAP_MAPPED, 0, 0x3e};
			in.mr[words] = kinds[(x >> 20) & 3];
			in.mr[words + 1] = ((x >> 22) & 1)
					       ? (uint64_t)(uintptr_t)d | 1
					       : x;
			if (in.mr[words] == SPMM_RCV_ID &&
			    (uint64_t)(uintptr_t)d != (in.mr[words + 1] & ~3ull))
				in.mr[words] = 0;
		}
		in.tag = spmm_ipc_tag(label, words, items, 0);
		in.label = (uint64_t)(uintptr_t)rm2;
		spmm_core_handle(&w.core, &in, &out);
		w.cases++;
		if (i % 20000 == 0)
			invariants(&w, "flood");
	}
	printf("check: region-map flood: %llu requests\n", w.cases);
	host_sys_kill(&w.h, cap_of(&w, rm2));
	host_sys_kill(&w.h, cap_of(&w, rm));
	spmm_core_reap(&w.core);
	CHECK(w.core.nrm == 0 && w.h.foreign_live == 0 && d->refs == 0,
	      "all released");
	world_fini(&w);
}

int main(int argc, char **argv)
{
	static const struct test_case tests[] = {
	    {"rm_wire_attach", wire_attach},
	    {"rm_attach_and_fault", attach_and_fault},
	    {"rm_fault_blocks", fault_blocks},
	    {"rm_areas", areas},
	    {"rm_detach", detaching},
	    {"rm_lifetime", lifetime},
	    {"rm_foreign", foreign},
	    {"rm_hostile", hostile},
	};
	return run_tests(tests, sizeof(tests) / sizeof(tests[0]),
			 argc > 1 ? argv[1] : NULL);
}
