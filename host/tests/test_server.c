/*
 * test_server.c - the server core (spmm/server/src/core.c), the code the
 * L4Re server runs, driven on the host by well-behaved and hostile
 * clients: every request of every protocol, malformed in every way we can
 * think of (short, long, wrong items, wrong rights, sizes at and beyond
 * the limits, unaligned offsets, gates that are gone), a client that
 * allocates until memory runs out, clients that drop their capabilities,
 * many clients at once.  After each case: the engine's invariants hold, no
 * frame leaked, and a bystander client's data is unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core.h"
#include "harness.h"
#include "server_sys.h"

struct world {
	struct env v;
	struct host_sys h;
	struct spmm_core core;
	struct spmm_factory fac[2];
	unsigned long long cases;
};

static void world_init(struct world *w, uint64_t frame_limit)
{
	memset(w, 0, sizeof(*w));
	struct spm_policy pol;
	spm_policy_default(&pol);
	CHECK(env_init(&w->v, &pol, frame_limit) == 0, "engine");
	struct spmm_sys sys;
	host_sys_ops(&w->h, &sys);
	spmm_core_init(&w->core, w->v.e, &sys, 0);
	w->core.max_ds_size = 1ull << 30;
	spmm_factory_init(&w->fac[0], 1, "a");
	spmm_factory_init(&w->fac[1], 2, "b");
}

static void world_fini(struct world *w)
{
	spmm_core_fini(&w->core);
	env_fini(&w->v);
}

/* One request: label = object | rights. */
static long call(struct world *w, const void *obj, unsigned rights, long label,
		 const uint64_t *mr, unsigned words, unsigned items,
		 struct spmm_ipc_out *out)
{
	struct spmm_ipc_in in;
	memset(&in, 0, sizeof(in));
	in.tag = spmm_ipc_tag(label, words, items, 0);
	in.label = (uint64_t)(uintptr_t)obj | rights;
	unsigned n = spmm_ipc_msg_words(in.tag);
	if (n)
		memcpy(in.mr, mr, n * sizeof(mr[0]));
	spmm_core_handle(&w->core, &in, out);
	w->cases++;
	return spmm_ipc_tag_label(out->tag);
}

/* Factory::create(Dataspace, size) as ned sends it. */
static struct spmm_ds *create(struct world *w, int fac, uint64_t size)
{
	uint64_t mr[4] = {SPMM_PROTO_DATASPACE, 0x81 | (8u << 16), size, 0};
	struct spmm_ipc_out out;
	long r = call(w, &w->fac[fac], SPMM_CAP_FPAGE_W | SPMM_CAP_FPAGE_S,
		      SPMM_PROTO_FACTORY, mr, 3, 0, &out);
	if (r)
		return NULL;
	uint64_t cap = out.mr[1] & ~0xfffull;
	return (struct spmm_ds *)(uintptr_t)host_sys_label_of(&w->h, cap);
}

static long ds_call(struct world *w, struct spmm_ds *d, unsigned rights,
		    uint64_t op, uint64_t a, uint64_t b, uint64_t c,
		    struct spmm_ipc_out *out)
{
	uint64_t mr[4] = {op, a, b, c};
	return call(w, d, rights, SPMM_PROTO_DATASPACE, mr, 4, 0, out);
}

static void invariants(struct world *w, const char *when)
{
	char why[320];
	CHECK(sim_check(&w->v.sim, w->v.e, why, sizeof(why)) == 0, "%s: %s",
	      when, why);
}

/* ---- well-behaved clients --------------------------------------------- */

static void create_map_write_merge(void)
{
	struct world w;
	world_init(&w, 0);
	struct spmm_ds *a = create(&w, 0, 3 * 4096 + 5);
	struct spmm_ds *b = create(&w, 0, 8192);
	CHECK(a && b, "create");
	if (!a || !b)
		return;
	struct spmm_ipc_out out;
	CHECK(ds_call(&w, a, 1, SPMM_DS_OP_INFO, 0, 0, 0, &out) == 0 &&
		  out.mr[0] == 3 * 4096 + 5,
	      "info size");
	CHECK(ds_call(&w, a, 1, SPMM_DS_OP_MAP, 100, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0,
	      "map rw");
	CHECK((out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_W),
	      "rights sent: %llx", (unsigned long long)out.mr[1]);
	/* same content in both (monitor writes stand in for clients) */
	unsigned char page[4096];
	memset(page, 7, sizeof(page));
	spm_write(w.v.e, a->space, 0, page, 4096);
	spm_write(w.v.e, b->space, 4096, page, 4096);
	env_passes(&w.v, 2);
	struct spm_stats st;
	spm_stats(w.v.e, &st);
	CHECK(st.pages_sharing == 1, "merged across dataspaces of a domain");
	/* a read-only map of the merged page is fine, a write copies */
	CHECK(ds_call(&w, a, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R, &out) == 0,
	      "map r merged");
	CHECK(ds_call(&w, a, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0,
	      "map w merged");
	spm_stats(w.v.e, &st);
	CHECK(st.cow_breaks == 1, "copy on write");
	invariants(&w, "after use");
	world_fini(&w);
}

static void domains_do_not_merge(void)
{
	struct world w;
	world_init(&w, 0);
	struct spmm_ds *a = create(&w, 0, 4096), *b = create(&w, 1, 4096);
	unsigned char page[4096];
	memset(page, 9, sizeof(page));
	spm_write(w.v.e, a->space, 0, page, 4096);
	spm_write(w.v.e, b->space, 0, page, 4096);
	env_passes(&w.v, 3);
	struct spm_stats st;
	spm_stats(w.v.e, &st);
	CHECK(st.pages_sharing == 0 && st.frames_in_use == 2,
	      "factories a and b are separate domains");
	world_fini(&w);
}

static void secure_domain(void)
{
	struct world w;
	world_init(&w, 0);
	w.fac[1].secure = 1; /* as --secure-domain 2 does */
	struct spmm_ds *plain = create(&w, 0, 4096), *sec = create(&w, 1, 4096);
	unsigned char page[4096];
	memset(page, 3, sizeof(page));
	spm_write(w.v.e, plain->space, 0, page, 4096);
	spm_write(w.v.e, sec->space, 0, page, 4096);
	env_passes(&w.v, 2);
	struct spmm_ipc_out out;
	struct spm_stats a, b;
	spm_stats(w.v.e, &a);
	CHECK(ds_call(&w, plain, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0,
	      "map plain");
	spm_stats(w.v.e, &b);
	CHECK(b.cow_breaks == a.cow_breaks, "plain page: no copy");
	CHECK(ds_call(&w, sec, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0,
	      "map secure");
	spm_stats(w.v.e, &a);
	CHECK(a.cow_breaks == b.cow_breaks + 1,
	      "secure domain: an unmerged page is copied on write too");
	invariants(&w, "secure domain");
	world_fini(&w);
}

/* ---- hostile clients -------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Interesting values for sizes, offsets and flags. */
static uint64_t edge(uint64_t *s, uint64_t size)
{
	static const uint64_t v[] = {0,
				     1,
				     4095,
				     4096,
				     4097,
				     0x7fffffffffffffffull,
				     0x8000000000000000ull,
				     ~0ull,
				     ~0ull - 4095,
				     1ull << 32,
				     1ull << 47};
	switch (rnd(s) % 5) {
	case 0:
		return v[rnd(s) % (sizeof(v) / sizeof(v[0]))];
	case 1:
		return size + rnd(s) % 3 - 1;
	case 2:
		return rnd(s) % (size + 1);
	case 3:
		return (rnd(s) % (size / 4096 + 2)) * 4096;
	default:
		return rnd(s);
	}
}

static int allowed_error(long r)
{
	static const long ok[] = {0,
				  -SPMM_EPERM,
				  -SPMM_ENOMEM,
				  -SPMM_EACCESS,
				  -SPMM_ENODEV,
				  -SPMM_EINVAL,
				  -SPMM_ERANGE,
				  -SPMM_ENOSYS,
				  -SPMM_EBADPROTO,
				  -SPMM_EMSGTOOSHORT,
				  -SPMM_EMSGTOOLONG,
				  1};
	for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (r == ok[i])
			return 1;
	return r > 0 && r < 16; /* Meta num_interfaces: a count */
}

static void garbage_everywhere(void)
{
	struct world w;
	world_init(&w, 4096); /* 16 MiB of frames: exhaustion happens */
	struct spmm_ds *victim = create(&w, 0, 64 * 1024);
	unsigned char ref[4096];
	memset(ref, 0x5c, sizeof(ref));
	spm_write(w.v.e, victim->space, 8192, ref, sizeof(ref));
	struct spmm_ds *ds[8];
	for (int i = 0; i < 8; i++)
		ds[i] = create(&w, i % 2, 4096 * (uint64_t)(i + 1) + 7);
	static const long labels[] = {SPMM_PROTO_FACTORY,
				      SPMM_PROTO_META,
				      SPMM_PROTO_DATASPACE,
				      SPMM_CTL_PROTO,
				      0,
				      -1,
				      0x4001,
				      -16};
	uint64_t s = 88172645463325252ull;
	unsigned long long bad = 0;
	for (int i = 0; i < 200000; i++) {
		struct spmm_ds *d = ds[rnd(&s) % 8];
		const void *obj =
		    (rnd(&s) % 4) ? (const void *)d : (const void *)&w.fac[0];
		uint64_t size = d->size;
		uint64_t mr[SPMM_MR_WORDS];
		for (unsigned k = 0; k < SPMM_MR_WORDS; k++)
			mr[k] = edge(&s, size);
		if (rnd(&s) % 2)
			mr[0] = rnd(&s) % 8 | (rnd(&s) % 2 ? rnd(&s) << 32 : 0);
		if (rnd(&s) % 4 == 0) /* a create with odd arguments */
			mr[0] = SPMM_PROTO_DATASPACE,
			mr[1] = (rnd(&s) % 2 ? 0x81u : 0x01u) |
				(uint64_t)(rnd(&s) % 20) << 16;
		unsigned words = (unsigned)(rnd(&s) % 9);
		unsigned items = (unsigned)(rnd(&s) % 3);
		if (rnd(&s) % 50 == 0)
			words = (unsigned)(rnd(&s) % 64);
		struct spmm_ipc_out out;
		long r = call(&w, obj, (unsigned)(rnd(&s) % 4),
			      labels[rnd(&s) % 8], mr, words, items, &out);
		if (!allowed_error(r) && bad++ == 0)
			CHECK(0, "case %d: unexpected answer %ld", i, r);
		if (r == 0 && obj == &w.fac[0] &&
		    spmm_ipc_tag_items(out.tag) == 1) {
			/* it created something: drop it at once (a client
			 * that lets go of its capability) */
			uint64_t cap = out.mr[1] & ~0xfffull;
			host_sys_kill(&w.h, cap);
			spmm_core_reap(&w.core);
		}
		if (i % 512 == 0) {
			spm_scan(w.v.e, 0);
			invariants(&w, "garbage");
		}
	}
	unsigned char now[4096];
	spm_read(w.v.e, victim->space, 8192, now, sizeof(now));
	CHECK(!memcmp(now, ref, sizeof(ref)), "bystander's data changed");
	invariants(&w, "end");
	printf("server: %llu hostile requests, %llu unexpected answers\n",
	       w.cases, bad);
	world_fini(&w);
}

static void exhaustion_and_recovery(void)
{
	struct world w;
	world_init(&w, 512 + 1); /* one chunk of frames */
	struct spmm_ds *keep = create(&w, 0, 4096);
	unsigned char page[4096];
	memset(page, 1, sizeof(page));
	CHECK(spm_write(w.v.e, keep->space, 0, page, 4096) == 0, "keep");
	struct spmm_ipc_out out;
	unsigned long pages = 0, refused = 0;
	struct spmm_ds *hog = create(&w, 1, 4 << 20);
	for (uint64_t off = 0; off < (4u << 20); off += 4096) {
		long r = ds_call(&w, hog, 1, SPMM_DS_OP_MAP, off, 0,
				 SPMM_DS_R | SPMM_DS_W, &out);
		if (r == -SPMM_ENOMEM)
			refused++;
		else if (r == 0)
			pages++;
		else
			CHECK(0, "hog: unexpected %ld", r);
	}
	CHECK(refused > 0 && pages > 0, "ran out: %lu mapped, %lu refused",
	      pages, refused);
	/* others still get answers, and reads still work */
	CHECK(ds_call(&w, keep, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R, &out) == 0,
	      "bystander served");
	unsigned char now[4096];
	spm_read(w.v.e, keep->space, 0, now, sizeof(now));
	CHECK(!memcmp(now, page, sizeof(page)), "bystander's data");
	invariants(&w, "exhausted");
	/* the hog lets go: its frames come back */
	for (unsigned i = 0; i < w.h.ngates; i++)
		if (w.h.label[i] == (uint64_t)(uintptr_t)hog)
			w.h.alive[i] = 0;
	spmm_core_reap(&w.core);
	struct spm_stats st;
	spm_stats(w.v.e, &st);
	CHECK(st.frames_in_use == 1, "frames back after the hog died: %llu",
	      (unsigned long long)st.frames_in_use);
	invariants(&w, "recovered");
	world_fini(&w);
}

static void gate_creation_failure(void)
{
	struct world w;
	world_init(&w, 0);
	w.h.gate_fail = 1;
	CHECK(create(&w, 0, 4096) == NULL, "create fails cleanly");
	CHECK(w.core.nds == 0, "nothing left behind");
	CHECK(create(&w, 0, 4096) != NULL, "then works");
	CHECK(create(&w, 0, (1ull << 30) + 1) == NULL, "over the size limit");
	CHECK(create(&w, 0, 1ull << 30) != NULL, "at the size limit");
	invariants(&w, "gate failure");
	world_fini(&w);
}

static void many_clients(void)
{
	struct world w;
	world_init(&w, 0);
	struct spmm_ds *d[300];
	unsigned char page[4096];
	for (int i = 0; i < 300; i++) {
		d[i] = create(&w, i % 2, 8192);
		CHECK(d[i] != NULL, "create %d", i);
		memset(page, i % 5 + 1, sizeof(page));
		spm_write(w.v.e, d[i]->space, 0, page, 4096);
	}
	env_passes(&w.v, 2);
	struct spm_stats st;
	spm_stats(w.v.e, &st);
	CHECK(st.frames_in_use == 10, "5 contents x 2 domains: %llu",
	      (unsigned long long)st.frames_in_use);
	for (int i = 0; i < 300; i += 2)
		w.h.alive[i] = 0; /* half the clients die */
	spmm_core_reap(&w.core);
	CHECK(w.core.nds == 150, "150 left: %lu", w.core.nds);
	for (int i = 1; i < 300; i += 2) {
		spm_read(w.v.e, d[i]->space, 0, page, 4096);
		CHECK(page[0] == i % 5 + 1 && page[4095] == i % 5 + 1,
		      "client %d", i);
	}
	invariants(&w, "many");
	world_fini(&w);
}

/* A request queued through a gate whose object is freed meanwhile (the
 * client dropped the capability while it waited) comes with the dead
 * object's label and gets -L4_ENOENT; the freed object's label is
 * handed to the kernel for rewriting before the memory goes. */
static void requests_after_the_gate_died(void)
{
	struct world w;
	world_init(&w, 0);
	struct spmm_ds *a = create(&w, 0, 8192);
	struct spmm_ds *b = create(&w, 0, 8192);
	if (!a || !b)
		return;
	uint64_t cap = 0;
	for (unsigned i = 0; i < w.h.ngates; i++)
		if (w.h.label[i] == (uint64_t)(uintptr_t)a)
			cap = (uint64_t)(i + 1) << 12;
	host_sys_kill(&w.h, cap);
	unsigned long before = w.h.nforgotten;
	spmm_core_reap(&w.core);
	CHECK(w.h.nforgotten == before + 1 &&
		  w.h.forgotten[before % 16] == (uint64_t)(uintptr_t)a,
	      "the dead object's label was not redirected");
	struct spmm_ipc_out out;
	for (uint64_t op = 0; op < 8; op++)
		CHECK(ds_call(&w, (struct spmm_ds *)(void *)&spmm_dead_obj,
			      op & 1, op, 0, 4096, 0, &out) == -SPMM_ENOENT,
		      "op %llu through a dead gate", (unsigned long long)op);
	CHECK(w.core.dead_requests == 8, "counted");
	CHECK(ds_call(&w, b, 1, SPMM_DS_OP_INFO, 0, 0, 0, &out) == 0,
	      "the other client is served");
	invariants(&w, "dead gate");
	world_fini(&w);
}

/* A create whose reply cannot be delivered (the client died, or gave no
 * receive buffer) must not leave a dataspace nobody can ever reach. */
static void create_reply_lost(void)
{
	struct world w;
	world_init(&w, 0);
	struct spmm_ds *a = create(&w, 0, 1 << 20);
	if (!a)
		return;
	unsigned long nds = w.core.nds;
	struct spm_stats st0, st1;
	spm_stats(w.v.e, &st0);
	struct spmm_ds *b = create(&w, 0, 1 << 20);
	CHECK(b && w.core.nds == nds + 1, "created");
	spmm_core_reply_failed(&w.core);
	spm_stats(w.v.e, &st1);
	CHECK(w.core.nds == nds && st1.pages_total == st0.pages_total &&
		  w.core.lost_creates == 1,
	      "the unreachable dataspace is freed: %lu dataspaces",
	      w.core.nds);
	/* after any other request nothing is freed */
	struct spmm_ipc_out out;
	CHECK(ds_call(&w, a, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R, &out) == 0,
	      "map");
	spmm_core_reply_failed(&w.core);
	CHECK(w.core.nds == nds, "a failed map reply frees nothing");
	/* a region map's create reply lost */
	uint64_t mr[1] = {SPMM_PROTO_RM};
	CHECK(call(&w, &w.fac[0], SPMM_CAP_FPAGE_S, SPMM_PROTO_FACTORY, mr, 1,
		   0, &out) == 0 &&
		  w.core.nrm == 1,
	      "rm created");
	spmm_core_reply_failed(&w.core);
	CHECK(w.core.nrm == 0, "and freed");
	invariants(&w, "lost create");
	world_fini(&w);
}

/* --map-order: a read-only map answers with a block of neighbours that
 * are all in the window (zero frames for untouched pages, no frame
 * allocated); a writable one, or one of a secure space, with one page. */
static void block_replies(void)
{
	struct world w;
	world_init(&w, 0);
	w.core.max_map_order = 21;
	struct spmm_ds *d = create(&w, 0, 4u << 20);
	if (!d)
		return;
	struct spm_stats st0, st1;
	spm_stats(w.v.e, &st0);
	struct spmm_ipc_out out;
	/* the spot's low 21 bits match the window's: a 2 MiB block */
	uint64_t spot = 0x40000000ull + 0x3000;
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0x3000, spot, SPMM_DS_R,
		      &out) == 0,
	      "map");
	unsigned order = (unsigned)(out.mr[1] >> 6) & 0x3f;
	CHECK(order == 21 && (out.mr[1] & ~0xfffull) == d->win_base &&
		  (out.mr[1] & 0xf) == SPMM_FPAGE_RO,
	      "2 MiB read-only block: order %u, %llx", order,
	      (unsigned long long)out.mr[1]);
	bool all = true;
	for (uint64_t p = 0; p < 512; p++) {
		struct spm_page_info pi;
		all = all && spm_page_info(d->space, p, &pi) == 0 && pi.mapped;
	}
	spm_stats(w.v.e, &st1);
	CHECK(all && st1.frames_in_use == st0.frames_in_use,
	      "every page of the block in the window, no frame allocated");
	/* a spot that does not line up: one page */
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0x3000, 0x40002000ull,
		      SPMM_DS_R, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 12,
	      "misaligned spot: a page");
	/* writable: one page */
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0x3000, spot,
		      SPMM_DS_R | SPMM_DS_W, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 12 &&
		  (out.mr[1] & SPMM_FPAGE_W),
	      "writable: a page");
	/* a block never covers what a page fault must not see: after the
	 * write, page 3 is private and writable in the window, yet a read
	 * block may include it read-only */
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0x2000, spot - 0x1000,
		      SPMM_DS_R, &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 21 &&
		  (out.mr[1] & 0xf) == SPMM_FPAGE_RO,
	      "block with a private page, read-only");
	/* near the end of the dataspace: the block stays inside */
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, (4u << 20) - 4096,
		      0x40000000ull + (4u << 20) - 4096, SPMM_DS_R,
		      &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 21 &&
		  (out.mr[1] & ~0xfffull) == d->win_base + (2u << 20),
	      "last block");
	/* secure: a page */
	spm_space_set_secure(d->space, 1);
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0x3000, spot, SPMM_DS_R,
		      &out) == 0 &&
		  ((out.mr[1] >> 6) & 0x3f) == 12,
	      "secure: a page");
	invariants(&w, "blocks");
	world_fini(&w);
}

/* --lazy-zero: a zero page's first writable map is answered read-only
 * (the zero frame, nothing allocated), the second takes a frame; pages
 * already private get W at once. */
static void lazy_zero_maps(void)
{
	struct world w;
	world_init(&w, 0);
	w.core.lazy_zero = 1;
	struct spmm_ds *d = create(&w, 0, 16 * 4096);
	if (!d)
		return;
	struct spm_stats st0, st1;
	spm_stats(w.v.e, &st0);
	struct spmm_ipc_out out;
	for (uint64_t p = 0; p < 16; p++)
		CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, p * 4096, p * 4096,
			      SPMM_DS_R | SPMM_DS_W, &out) == 0 &&
			  (out.mr[1] & 0xf) == SPMM_FPAGE_RO,
		      "page %llu: first writable map read-only",
		      (unsigned long long)p);
	spm_stats(w.v.e, &st1);
	CHECK(st1.frames_in_use == st0.frames_in_use,
	      "an eager writable mapping took frames");
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0 &&
		  (out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_W),
	      "second writable map: W");
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 0, 0, SPMM_DS_R | SPMM_DS_W,
		      &out) == 0 &&
		  (out.mr[1] & 0xf) == (SPMM_FPAGE_RO | SPMM_FPAGE_W),
	      "private: W at once");
	spm_stats(w.v.e, &st1);
	CHECK(st1.frames_in_use == st0.frames_in_use + 1, "one frame");
	/* off: W at once */
	w.core.lazy_zero = 0;
	CHECK(ds_call(&w, d, 1, SPMM_DS_OP_MAP, 4096 * 5, 0,
		      SPMM_DS_R | SPMM_DS_W, &out) == 0 &&
		  (out.mr[1] & SPMM_FPAGE_W),
	      "--lazy-zero 0");
	invariants(&w, "lazy zero");
	world_fini(&w);
}

TESTS_MAIN(T(create_map_write_merge), T(domains_do_not_merge), T(secure_domain),
	   T(garbage_everywhere), T(exhaustion_and_recovery),
	   T(gate_creation_failure), T(many_clients),
	   T(requests_after_the_gate_died), T(create_reply_lost),
	   T(block_replies), T(lazy_zero_maps))
