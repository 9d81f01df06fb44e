/*
 * main.c - the spmm server on L4Re: the event loop and the few system
 * calls the core (core.c) needs.
 *
 * One thread does everything.  It waits for requests with a receive
 * timeout; when a scanner step is due (every sleep_ms) it runs one before
 * it waits again, so clients are served between steps and a busy client
 * cannot starve the scanner.  Objects and request handling live in core.c
 * (host-tested); decoding and encoding in spmm/lib/ipc (host-tested and
 * fuzzed).
 *
 * Dataspace gates are created here and handed out with the create reply;
 * our own reference to them is weak (dec_refcnt), so a dataspace dies
 * with its last client capability.  The deletion IRQ then tells us to
 * look for dead gates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/re/env.h>
#include <l4/sys/err.h>
#include <l4/sys/factory.h>
#include <l4/sys/ipc.h>
#include <l4/sys/ipc_gate.h>
#include <l4/sys/irq.h>
#include <l4/sys/kernel_object.h>
#include <l4/sys/kip.h>
#include <l4/sys/memdesc.h>
#include <l4/sys/rcv_endpoint.h>
#include <l4/sys/task.h>
#include <l4/sys/thread.h>

#include "args.h"
#include "core.h"
#include "ipc.h"
#include "platform_l4re.h"
#include "spm.h"

static struct spmm_args args;
static struct spmm_plat plat;
static struct spmm_core core;
static struct spmm_factory factories[SPMM_MAX_FACTORIES];
static l4_cap_idx_t rcv_cap;
static l4_addr_t scratch;	    /* one page of address space for copy_in */
static struct spmm_obj del_irq_obj; /* label of the deletion IRQ */

/* How long a foreign dataspace may take to answer one map request of a
 * copy_in before we give up on it: it cannot stall us for longer. */
#define FOREIGN_TIMEOUT_US 1000000

static l4_uint64_t now_us(void)
{
	return l4_kip_clock(l4re_kip());
}

/* ---- what the core needs from the system ------------------------------ */

static int window_new(void *ctx, uint64_t pages, void **win, uint64_t *base)
{
	(void)ctx;
	struct spmm_window *w = malloc(sizeof(*w));
	if (!w)
		return -L4_ENOMEM;
	int r = spmm_window_init(w, (unsigned long)pages);
	if (r) {
		free(w);
		return r;
	}
	*win = w;
	*base = w->base;
	return 0;
}

static void window_free(void *ctx, void *win)
{
	(void)ctx;
	spmm_window_fini(win);
	free(win);
}

static int gate_new(void *ctx, uint64_t label, uint64_t *cap)
{
	(void)ctx;
	l4_cap_idx_t c = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(c))
		return -L4_ENOMEM;
	if (l4_error(l4_factory_create_gate(l4re_env()->factory, c,
					    l4re_env()->main_thread,
					    (l4_umword_t)label))) {
		l4re_util_cap_free(c);
		return -L4_ENOMEM;
	}
	/* our own capability must not keep the dataspace alive */
	l4_kobject_dec_refcnt(c, 1);
	*cap = c;
	return 0;
}

static void gate_free(void *ctx, uint64_t cap)
{
	(void)ctx;
	l4re_util_cap_free_um((l4_cap_idx_t)cap);
}

static int gate_alive(void *ctx, uint64_t cap)
{
	(void)ctx;
	return l4_msgtag_label(l4_task_cap_valid(L4RE_THIS_TASK_CAP,
						 (l4_cap_idx_t)cap)) != 0;
}

/* Ask the foreign dataspace in rcv_cap to map the page at src_off into our
 * scratch page, read-only, with a timeout. */
static int map_foreign(uint64_t src_off)
{
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *mr = l4_utcb_mr_u(u);
	l4_buf_regs_t *br = l4_utcb_br_u(u);
	mr->mr[0] = SPMM_DS_OP_MAP;
	mr->mr[1] = src_off;
	mr->mr[2] = scratch;
	mr->mr[3] = SPMM_DS_R;
	br->bdr = 0;
	br->br[0] = L4_ITEM_MAP;
	br->br[1] = l4_fpage(scratch, L4_PAGESHIFT, 0).raw;
	br->br[2] = 0;
	l4_timeout_s to = l4_timeout_from_us(FOREIGN_TIMEOUT_US);
	l4_msgtag_t t =
	    l4_ipc_call(rcv_cap, u, l4_msgtag(SPMM_PROTO_DATASPACE, 4, 0, 0),
			l4_timeout(to, to));
	if (l4_ipc_error(t, u) || l4_msgtag_label(t) < 0 ||
	    l4_msgtag_items(t) != 1)
		return -L4_EINVAL;
	return 0;
}

/* ---- region maps' foreign dataspaces ----------------------------------- */

/* The capability in the receive slot becomes the region's: a new slot
 * takes the receive slot's place (the old one is not freed after this
 * request), and `size` bytes of our address space take its pages. */
static int foreign_new(void *ctx, uint64_t size, uint64_t *cap, uint64_t *base)
{
	(void)ctx;
	l4_cap_idx_t fresh = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(fresh))
		return -L4_ENOMEM;
	l4_addr_t at = 0;
	if (l4re_rm_reserve_area(&at, size, L4RE_RM_F_SEARCH_ADDR,
				 L4_SUPERPAGESHIFT)) {
		l4re_util_cap_free(fresh);
		return -L4_ENOMEM;
	}
	*cap = rcv_cap;
	*base = at;
	rcv_cap = fresh;
	return 0;
}

static int foreign_map(void *ctx, uint64_t cap, uint64_t ds_offset,
		       uint64_t local, unsigned rights)
{
	(void)ctx;
	l4_utcb_t *u = l4_utcb();
	l4_msg_regs_t *mr = l4_utcb_mr_u(u);
	l4_buf_regs_t *br = l4_utcb_br_u(u);
	mr->mr[0] = SPMM_DS_OP_MAP;
	mr->mr[1] = ds_offset;
	mr->mr[2] = local;
	mr->mr[3] = rights & SPMM_DS_RWX;
	br->bdr = 0;
	br->br[0] = L4_ITEM_MAP;
	br->br[1] = l4_fpage(local, L4_PAGESHIFT, 0).raw;
	br->br[2] = 0;
	l4_timeout_s to = l4_timeout_from_us(FOREIGN_TIMEOUT_US);
	l4_msgtag_t t = l4_ipc_call((l4_cap_idx_t)cap, u,
				    l4_msgtag(SPMM_PROTO_DATASPACE, 4, 0, 0),
				    l4_timeout(to, to));
	if (l4_ipc_error(t, u) || l4_msgtag_label(t) < 0 ||
	    l4_msgtag_items(t) != 1)
		return -L4_EINVAL;
	return 0;
}

/* Unmap [base, base + size) from us and everyone we passed it on to, in
 * the largest aligned pieces. */
static void unmap_range(l4_addr_t base, l4_addr_t size)
{
	while (size) {
		unsigned o = L4_PAGESHIFT;
		while (o < 40 && !(base & ((1ul << (o + 1)) - 1)) &&
		       (1ul << (o + 1)) <= size)
			o++;
		l4_task_unmap(L4RE_THIS_TASK_CAP, l4_fpage(base, o, L4_FPAGE_RWX),
			      L4_FP_ALL_SPACES);
		base += 1ul << o;
		size -= 1ul << o;
	}
}

static void foreign_free(void *ctx, uint64_t cap, uint64_t base, uint64_t size)
{
	(void)ctx;
	unmap_range(base, size);
	l4re_rm_free_area(base);
	l4re_util_cap_free_um((l4_cap_idx_t)cap);
}

/* Memory-descriptor types (the C API has no names for them; C++:
 * L4::Kip::Mem_desc::Mem_type in l4sys/include/kip). */
enum { KIP_MEM_CONVENTIONAL = 1, KIP_MEM_RESERVED = 2 };

/* Requests still queued through a gate whose object we free now carry a
 * label that will be gone: the kernel rewrites them to the dead object's
 * (rights bits kept). */
static void forget_label(void *ctx, uint64_t label)
{
	(void)ctx;
	l4_msgtag_t t = l4_thread_modify_sender_start();
	l4_thread_modify_sender_add(~3ul, (l4_umword_t)label, ~3ul,
				    (l4_umword_t)&spmm_dead_obj, &t);
	l4_thread_modify_sender_commit(l4re_env()->main_thread, t);
}

/* The addresses a program may use and the ranges the kernel keeps, from
 * the KIP, as moe's region maps take them. */
static void rm_limits(void)
{
	l4_kernel_info_t *kip = (l4_kernel_info_t *)l4re_kip();
	l4_kernel_info_mem_desc_t *md = l4_kernel_info_get_mem_descs(kip);
	unsigned n = l4_kernel_info_get_num_mem_descs(kip);
	core.rm_min = L4_PAGESIZE;
	core.rm_max = (1ull << 48) - 1;
	core.n_rm_reserved = 0;
	/* the first page stays unmapped: NULL-pointer accesses fault */
	core.rm_reserved[core.n_rm_reserved++] =
	    (struct spmm_area){.start = 0, .end = L4_PAGESIZE - 1};
	for (unsigned i = 0; i < n; i++, md++) {
		if (!l4_kernel_info_get_mem_desc_is_virtual(md))
			continue;
		l4_umword_t s = l4_kernel_info_get_mem_desc_start(md);
		l4_umword_t e = l4_kernel_info_get_mem_desc_end(md);
		int type = l4_kernel_info_get_mem_desc_type(md);
		if (type == KIP_MEM_CONVENTIONAL) {
			core.rm_min = s < L4_PAGESIZE ? L4_PAGESIZE : s;
			core.rm_max = e;
		} else if (type == KIP_MEM_RESERVED &&
			   core.n_rm_reserved < 8) {
			core.rm_reserved[core.n_rm_reserved++] =
			    (struct spmm_area){.start = s,
					       .end = e,
					       .flags = SPMM_RM_F_RESERVED};
		}
	}
}

static int read_foreign(void *ctx, uint64_t src_off, void *buf, uint64_t len)
{
	(void)ctx;
	uint64_t in = src_off & (L4_PAGESIZE - 1);
	int r = map_foreign(src_off - in);
	if (!r)
		memcpy(buf, (const void *)(scratch + in), len);
	l4_task_unmap(L4RE_THIS_TASK_CAP,
		      l4_fpage(scratch, L4_PAGESHIFT, L4_FPAGE_RWX),
		      L4_FP_ALL_SPACES);
	return r;
}

/* ---- statistics line ------------------------------------------------- */

/* CPU time this thread has used, in microseconds (0 if the kernel does not
 * say). */
static l4_uint64_t cpu_used_us(void)
{
	l4_kernel_clock_t us = 0;
	if (l4_error(l4_thread_stats_time(l4re_env()->main_thread, &us)) < 0)
		return 0;
	return us;
}

static void log_stats(l4_uint64_t us_since, unsigned long long scanned_since)
{
	static l4_uint64_t cpu_last;
	char line[512];
	l4_uint64_t cpu = cpu_used_us();
	spmm_core_stats_line(&core, line, sizeof(line), us_since,
			     scanned_since, cpu - cpu_last, cpu);
	cpu_last = cpu;
	/* what spmm holds of its allocator's memory, in MiB */
	printf("%s obtained_mib=%lu chunks_returned=%llu\n", line,
	       (unsigned long)plat.live_chunks * 2, plat.chunks_returned);
	fflush(stdout);
}

/* ---- set-up and loop -------------------------------------------------- */

static int setup(void)
{
	struct spm_platform ops;
	l4_uint64_t seed =
	    now_us() * 0x9E3779B97F4A7C15ull ^ (l4_uint64_t)(l4_umword_t)&seed;
	spmm_plat_init(&plat, args.max_mib << 20, seed);
	spmm_plat_ops(&plat, &ops);
	struct spm_engine *eng;
	int r = spm_engine_create(&eng, &ops, &args.pol, seed);
	if (r) {
		printf("spmm: cannot start the engine: %d\n", r);
		return r;
	}
	struct spmm_sys sys = {.window_new = window_new,
			       .window_free = window_free,
			       .gate_new = gate_new,
			       .gate_free = gate_free,
			       .gate_alive = gate_alive,
			       .read_foreign = read_foreign,
			       .foreign_new = foreign_new,
			       .foreign_map = foreign_map,
			       .foreign_free = foreign_free,
			       .forget_label = forget_label};
	spmm_core_init(&core, eng, &sys, args.verbose);
	rm_limits();
	core.max_ds_size = args.max_ds_mib << 20;
	core.max_map_order = args.max_map_order;
	core.lazy_zero = (int)args.lazy_zero;
	for (unsigned i = 0; i < args.nfactories; i++) {
		struct spmm_factory *f = &factories[i];
		spmm_factory_init(f, args.factory[i].domain,
				  args.factory[i].cap);
		f->secure = args.factory[i].secure;
		l4_cap_idx_t cap = l4re_env_get_cap(f->name);
		if (l4_is_invalid_cap(cap)) {
			printf("spmm: no capability '%s' in my environment\n",
			       f->name);
			return -L4_ENOENT;
		}
		if (l4_error(l4_rcv_ep_bind_thread(cap, l4re_env()->main_thread,
						   (l4_umword_t)f))) {
			printf("spmm: cannot bind '%s' (give it with :svr())\n",
			       f->name);
			return -L4_EINVAL;
		}
	}
	/* deletion IRQ: tells us when one of our gates may have died */
	l4_cap_idx_t irq = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(irq) ||
	    l4_error(l4_factory_create_irq(l4re_env()->factory, irq)) ||
	    l4_error(l4_rcv_ep_bind_thread(irq, l4re_env()->main_thread,
					   (l4_umword_t)&del_irq_obj)) ||
	    l4_error(
		l4_thread_register_del_irq(l4re_env()->main_thread, irq))) {
		printf("spmm: cannot set up the deletion IRQ\n");
		return -L4_ENOMEM;
	}
	rcv_cap = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(rcv_cap) ||
	    l4re_rm_reserve_area(&scratch, L4_PAGESIZE, L4RE_RM_F_SEARCH_ADDR,
				 L4_PAGESHIFT))
		return -L4_ENOMEM;
	return 0;
}

static void arm_receive(l4_utcb_t *u)
{
	l4_buf_regs_t *br = l4_utcb_br_u(u);
	br->bdr = 0;
	br->br[0] = rcv_cap | L4_RCV_ITEM_SINGLE_CAP | L4_RCV_ITEM_LOCAL_ID;
	br->br[1] = 0;
}

static l4_timeout_t wait_until(l4_uint64_t due)
{
	l4_uint64_t t = now_us();
	l4_uint64_t us = due > t ? due - t : 0;
	return l4_timeout(L4_IPC_TIMEOUT_0, l4_timeout_from_us(us));
}

static void run(void)
{
	l4_utcb_t *u = l4_utcb();
	static struct spmm_ipc_in in;
	static struct spmm_ipc_out out;
	l4_uint64_t step_us = (l4_uint64_t)args.pol.sleep_ms * 1000;
	l4_uint64_t next_scan = now_us() + step_us;
	l4_uint64_t stats_us = (l4_uint64_t)args.stats_interval * 1000000;
	l4_uint64_t next_stats = now_us() + stats_us, last_stats = now_us();
	unsigned long long scanned_at_stats = 0;
	l4_umword_t label;
	arm_receive(u);
	l4_msgtag_t tag = l4_ipc_wait(u, &label, wait_until(next_scan));
	for (;;) {
		/* Take the message out of the UTCB first: the scanner's map and
		 * unmap system calls below use the same registers. */
		bool msg = !l4_ipc_error(tag, u) &&
			   (label & ~3ul) != (l4_umword_t)&del_irq_obj;
		bool mapped = false;
		if (msg) {
			in.tag = tag.raw;
			in.label = label;
			unsigned n = spmm_ipc_msg_words(tag.raw);
			memcpy(in.mr, l4_utcb_mr_u(u)->mr,
			       n * sizeof(in.mr[0]));
			mapped = spmm_ipc_cap_mapped(&in);
		} else if (!l4_ipc_error(tag, u)) {
			spmm_core_reap(&core); /* the deletion IRQ */
		}
		l4_uint64_t t = now_us();
		if (t >= next_scan) {
			spm_scan(core.e, 0); /* -ENOENT: nothing to scan */
			next_scan = now_us() + step_us;
		}
		if (stats_us && t >= next_stats) {
			struct spm_stats st;
			spm_stats(core.e, &st);
			log_stats(t - last_stats,
				  st.pages_scanned - scanned_at_stats);
			scanned_at_stats = st.pages_scanned;
			last_stats = t;
			next_stats = t + stats_us;
		}
		if (!msg) {
			/* a timeout (the scanner's tick), a failed receive or
			 * send, or the deletion IRQ: no reply */
			arm_receive(u);
			tag = l4_ipc_wait(u, &label, wait_until(next_scan));
			continue;
		}
		spmm_core_handle(&core, &in, &out);
		if (mapped) /* a foreign capability landed in our slot */
			l4_task_unmap(
			    L4RE_THIS_TASK_CAP,
			    l4_obj_fpage(rcv_cap, 0, L4_CAP_FPAGE_RWSD),
			    L4_FP_ALL_SPACES);
		memcpy(l4_utcb_mr_u(u)->mr, out.mr,
		       spmm_ipc_msg_words(out.tag) * sizeof(out.mr[0]));
		arm_receive(u);
		l4_msgtag_t reply;
		reply.raw = (l4_mword_t)out.tag;
		tag = l4_ipc_reply_and_wait(u, reply, &label,
					    wait_until(next_scan));
		/* An error with bit 0 clear is one of the send phase: the
		 * reply did not arrive. */
		if (l4_ipc_error(tag, u) &&
		    !(l4_utcb_tcr_u(u)->error & L4_IPC_SND_ERR_MASK)) {
			spmm_core_reply_failed(&core);
			/* that used the UTCB: receive afresh */
			arm_receive(u);
			tag = l4_ipc_wait(u, &label, wait_until(next_scan));
		}
	}
}

int main(int argc, char **argv)
{
	char err[256];
	if (spmm_args_parse(&args, argc, argv, err, sizeof(err))) {
		printf("spmm: %s\n%s", err, spmm_args_usage);
		return 2;
	}
	if (setup())
		return 1;
	const struct spm_policy *p = &args.pol;
	printf("spmm: serving %u factories, policy pages_per_step=%u "
	       "sleep_ms=%u merge_zero=%u merge_first_pass=%u track_dirty=%u "
	       "secure=%u max_backoff=%u max_sharing=%u max_mib=%llu "
	       "map_order=%u lazy_zero=%u\n",
	       args.nfactories, p->pages_per_step, p->sleep_ms, p->merge_zero,
	       p->merge_first_pass, p->track_dirty, p->secure, p->max_backoff,
	       p->max_sharing, (unsigned long long)args.max_mib,
	       args.max_map_order, args.lazy_zero);
	fflush(stdout);
	run();
	return 0;
}
