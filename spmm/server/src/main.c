/*
 * main.c - the spmm server: factories and dataspaces on IPC gates, the
 * merging engine on the L4Re platform, and the event loop.
 *
 * One thread does everything.  It waits for requests with a receive
 * timeout; when a scanner step is due (every sleep_ms) it runs one before
 * it waits again, so clients are served between steps and a busy client
 * cannot starve the scanner.  Requests are decoded and encoded by the ipc
 * layer (spmm/lib/ipc), which the host tests and fuzzers exercise; this
 * file only moves registers and calls the engine.
 *
 * Objects: a gate's label is the address of its object (8-byte aligned,
 * so the kernel's two rights bits are free).  Dataspace gates are created
 * here and handed out with the create reply; our own reference to them
 * is weak (dec_refcnt), so a dataspace dies with its last client
 * capability.  The deletion IRQ then tells us to look for dead gates.
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
#include <l4/sys/rcv_endpoint.h>
#include <l4/sys/task.h>
#include <l4/sys/thread.h>

#include "args.h"
#include "ipc.h"
#include "platform_l4re.h"
#include "spm.h"

struct obj {
	int kind; /* SPMM_IPC_FACTORY or SPMM_IPC_DATASPACE */
};

struct factory {
	struct obj o;
	uint32_t domain;
	l4_cap_idx_t cap;
	const char *name;
};

struct ds {
	struct obj o;
	struct spm_space *space;
	struct spmm_window win;
	uint64_t size;
	uint64_t flags;
	l4_cap_idx_t cap;
	struct ds *next;
};

static struct spmm_args args;
static struct spmm_plat plat;
static struct spm_engine *eng;
static struct factory factories[SPMM_MAX_FACTORIES];
static struct ds *all_ds;
static unsigned long nds;
static l4_cap_idx_t rcv_cap;
static l4_addr_t scratch; /* one page of address space for copy_in */

/* How long a foreign dataspace may take to answer one map request of a
 * copy_in before we give up on it: it cannot stall us for longer. */
#define FOREIGN_TIMEOUT_US 1000000
static struct obj del_irq_obj; /* label of the deletion IRQ */
static unsigned long long requests, errors;

static l4_uint64_t now_us(void)
{
	return l4_kip_clock(l4re_kip());
}

/* ---- dataspaces ------------------------------------------------------ */

static void ds_destroy(struct ds *d)
{
	spm_space_destroy(eng, d->space);
	spmm_window_fini(&d->win);
	l4re_util_cap_free_um(d->cap);
	for (struct ds **p = &all_ds; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	nds--;
	if (args.verbose)
		printf("spmm: dataspace %p gone, %lu left\n", (void *)d, nds);
	free(d);
}

/* The deletion IRQ says some gate lost its last client capability. */
static void reap_dead(void)
{
	struct ds *d = all_ds;
	while (d) {
		struct ds *next = d->next;
		if (!l4_msgtag_label(
			l4_task_cap_valid(L4RE_THIS_TASK_CAP, d->cap)))
			ds_destroy(d);
		d = next;
	}
}

static int ds_create(const struct factory *f, const struct spmm_req *req,
		     struct spmm_ipc_out *out)
{
	struct ds *d = calloc(1, sizeof(*d));
	if (!d)
		return -L4_ENOMEM;
	d->o.kind = SPMM_IPC_DATASPACE;
	d->size = req->create.size;
	d->flags = SPMM_DS_RWX;
	unsigned long pages =
	    (unsigned long)((d->size + L4_PAGESIZE - 1) >> L4_PAGESHIFT);
	int r = spmm_window_init(&d->win, pages);
	if (r) {
		free(d);
		return r;
	}
	r = spm_space_create(eng, d->size, f->domain, &d->win, &d->space);
	if (r) {
		spmm_window_fini(&d->win);
		free(d);
		return r;
	}
	d->cap = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(d->cap) ||
	    l4_error(l4_factory_create_gate(l4re_env()->factory, d->cap,
					    l4re_env()->main_thread,
					    (l4_umword_t)d))) {
		spm_space_destroy(eng, d->space);
		spmm_window_fini(&d->win);
		if (!l4_is_invalid_cap(d->cap))
			l4re_util_cap_free(d->cap);
		free(d);
		return -L4_ENOMEM;
	}
	/* our own capability must not keep the dataspace alive */
	l4_kobject_dec_refcnt(d->cap, 1);
	d->next = all_ds;
	all_ds = d;
	nds++;
	if (args.verbose)
		printf("spmm: dataspace %p: %llu bytes, domain %u, via %s\n",
		       (void *)d, (unsigned long long)d->size, f->domain,
		       f->name);
	spmm_ipc_encode_create(out, d->cap);
	return 0;
}

/* A source label of copy_in: one of our dataspaces? */
static struct ds *ds_of_label(uint64_t obj)
{
	for (struct ds *d = all_ds; d; d = d->next)
		if ((uint64_t)(l4_umword_t)d == obj)
			return d;
	return NULL;
}

static int ds_map(struct ds *d, const struct spmm_req *req,
		  const struct spmm_ds_grant *g, struct spmm_ipc_out *out)
{
	uint64_t page = g->offset >> L4_PAGESHIFT;
	unsigned want = SPM_R | ((g->rights & SPMM_FPAGE_W) ? SPM_W : 0);
	spm_frame_t f;
	unsigned rights;
	int r = spm_fault(eng, d->space, page, want, &f, &rights);
	if (r)
		return r;
	unsigned send = g->rights;
	if (!(rights & SPM_W))
		send &= ~(unsigned)SPMM_FPAGE_W;
	spmm_ipc_encode_map(out, req->map.spot, g->cache,
			    d->win.base + (page << L4_PAGESHIFT), L4_PAGESHIFT,
			    send);
	return 0;
}

/* Ask a foreign dataspace (in rcv_cap) to map the page at src_off into
 * our scratch page, read-only, with a timeout. */
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

/*
 * copy_in from a dataspace of another server (the L4Re loader copies
 * program images from the ROM this way): read it page by page through
 * our scratch page.  If the source does not answer, or answers with an
 * error, the answer is -L4_EINVAL, which uvmm takes as "copy it
 * yourself".
 */
static int copy_foreign(struct ds *d, const struct spmm_req *req)
{
	uint64_t dst = req->copy_in.dst_offset, src = req->copy_in.src_offset;
	uint64_t left = req->copy_in.size;
	if (dst > d->size || left > d->size - dst)
		return -L4_ERANGE;
	while (left) {
		uint64_t in = src & (L4_PAGESIZE - 1);
		uint64_t n = L4_PAGESIZE - in;
		if (n > left)
			n = left;
		int r = map_foreign(src - in);
		if (!r)
			r = spm_write(eng, d->space, dst,
				      (const void *)(scratch + in), n);
		l4_task_unmap(L4RE_THIS_TASK_CAP,
			      l4_fpage(scratch, L4_PAGESHIFT, L4_FPAGE_RWX),
			      L4_FP_ALL_SPACES);
		if (r)
			return r;
		src += n;
		dst += n;
		left -= n;
	}
	return 0;
}

static int ds_request(struct ds *d, const struct spmm_req *req,
		      struct spmm_ipc_out *out)
{
	struct spmm_ds_grant g;
	int r = spmm_ipc_ds_check(req, d->size, d->flags, &g);
	if (r == -L4_EINVAL && req->op == SPMM_OP_DS_COPY_IN &&
	    req->copy_in.src == SPMM_SRC_FOREIGN) {
		r = copy_foreign(d, req);
		if (r)
			return r;
		spmm_ipc_encode_ret(out, 0);
		return 0;
	}
	if (r)
		return r;
	switch (req->op) {
	case SPMM_OP_DS_MAP:
		return ds_map(d, req, &g, out);
	case SPMM_OP_DS_CLEAR:
		r = spm_clear(eng, d->space, g.offset, g.size);
		break;
	case SPMM_OP_DS_ALLOCATE:
		/* Every page is backed already (by the zero frame until it
		 * is written); nothing to populate. */
		r = 0;
		break;
	case SPMM_OP_DS_INFO:
		spmm_ipc_encode_ds_info(out, d->size, d->flags, req->rights);
		return 0;
	case SPMM_OP_DS_MAP_INFO:
		spmm_ipc_encode_map_info(out);
		return 0;
	case SPMM_OP_DS_COPY_IN: {
		struct ds *src = ds_of_label(req->copy_in.src_obj);
		if (!src)
			return -L4_EINVAL;
		r = spm_copy(eng, d->space, req->copy_in.dst_offset, src->space,
			     req->copy_in.src_offset, req->copy_in.size);
		break;
	}
	default:
		return -L4_ENOSYS;
	}
	spmm_ipc_encode_ret(out, r);
	return 0;
}

/* ---- control --------------------------------------------------------- */

static void fill_stats(struct spmm_ctl_stats *c)
{
	struct spm_stats st;
	spm_stats(eng, &st);
	*c = (struct spmm_ctl_stats){.pages_total = st.pages_total,
				     .pages_shared = st.pages_shared,
				     .pages_sharing = st.pages_sharing,
				     .pages_unshared = st.pages_unshared,
				     .pages_volatile = st.pages_volatile,
				     .zero_pages = st.zero_pages,
				     .pages_private = st.pages_private,
				     .full_scans = st.full_scans,
				     .pages_scanned = st.pages_scanned,
				     .pages_hashed = st.pages_hashed,
				     .merges = st.merges,
				     .cow_breaks = st.cow_breaks,
				     .alloc_failures = st.alloc_failures,
				     .frames_in_use = st.frames_in_use,
				     .metadata_bytes = st.metadata_bytes};
}

static int control(struct obj *o, const struct spmm_req *req,
		   struct spmm_ipc_out *out)
{
	int r = spmm_ipc_control_check(req, o->kind);
	if (r)
		return r;
	switch (req->op) {
	case SPMM_OP_CTL_INFO:
		spmm_ipc_encode_ctl_info(out);
		return 0;
	case SPMM_OP_CTL_STATS: {
		struct spmm_ctl_stats c;
		fill_stats(&c);
		spmm_ipc_encode_ctl_stats(out, &c);
		return 0;
	}
	case SPMM_OP_CTL_DS_STATS: {
		struct spm_space_stats s;
		spm_space_stats(((struct ds *)o)->space, &s);
		struct spmm_ctl_ds_stats c = {.pages = s.pages,
					      .pages_private = s.pages_private,
					      .pages_stable = s.pages_stable,
					      .zero_pages = s.zero_pages,
					      .cow_breaks = s.cow_breaks,
					      .pages_volatile =
						  s.pages_volatile};
		spmm_ipc_encode_ctl_ds_stats(out, &c);
		return 0;
	}
	case SPMM_OP_CTL_POLICY: {
		const struct spm_policy *p = spm_engine_policy(eng);
		struct spmm_ctl_policy c = {.pages_per_step = p->pages_per_step,
					    .sleep_ms = p->sleep_ms,
					    .merge_zero = p->merge_zero,
					    .merge_first_pass =
						p->merge_first_pass,
					    .track_dirty = p->track_dirty,
					    .secure = p->secure,
					    .max_backoff = p->max_backoff,
					    .max_sharing = p->max_sharing,
					    .max_frames = p->max_frames};
		spmm_ipc_encode_ctl_policy(out, &c);
		return 0;
	}
	default:
		return -L4_ENOSYS;
	}
}

/* ---- dispatch -------------------------------------------------------- */

static void handle(const struct spmm_ipc_in *in, struct spmm_ipc_out *out)
{
	struct obj *o = (struct obj *)(l4_umword_t)(in->label & ~3ull);
	struct spmm_req req;
	int r = spmm_ipc_decode(in, o->kind, &req);
	if (!r) {
		switch (req.op) {
		case SPMM_OP_CREATE:
			r = spmm_ipc_create_check(&req);
			if (!r)
				r = ds_create((struct factory *)o, &req, out);
			break;
		case SPMM_OP_META_NUM_INTERFACES:
		case SPMM_OP_META_INTERFACE:
		case SPMM_OP_META_SUPPORTS: {
			unsigned n;
			const struct spmm_ipc_iface *ifs =
			    spmm_ipc_meta_ifaces(o->kind, &n);
			r = spmm_ipc_encode_meta(out, &req, ifs, n);
			break;
		}
		case SPMM_OP_CTL_INFO:
		case SPMM_OP_CTL_STATS:
		case SPMM_OP_CTL_DS_STATS:
		case SPMM_OP_CTL_POLICY:
			r = control(o, &req, out);
			break;
		default:
			r = ds_request((struct ds *)o, &req, out);
			break;
		}
	}
	if (r) {
		errors++;
		spmm_ipc_encode_ret(out, r);
	}
}

/* ---- statistics line ------------------------------------------------- */

static void log_stats(l4_uint64_t us_since, unsigned long long scanned_since)
{
	struct spm_stats st;
	spm_stats(eng, &st);
	unsigned long long saved = st.pages_total - st.frames_in_use;
	unsigned long long rate =
	    us_since ? scanned_since * 1000000ull / us_since : 0;
	printf("spmm: stats shared=%llu sharing=%llu zero=%llu volatile=%llu "
	       "cow=%llu saved_mib=%llu.%llu scan_rate=%llu full_scans=%llu "
	       "frames=%llu dataspaces=%lu requests=%llu errors=%llu "
	       "alloc_failures=%llu\n",
	       (unsigned long long)st.pages_shared,
	       (unsigned long long)st.pages_sharing,
	       (unsigned long long)st.zero_pages,
	       (unsigned long long)st.pages_volatile,
	       (unsigned long long)st.cow_breaks, saved / 256,
	       (saved % 256) * 10 / 256, rate,
	       (unsigned long long)st.full_scans,
	       (unsigned long long)st.frames_in_use, nds, requests, errors,
	       (unsigned long long)st.alloc_failures);
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
	int r = spm_engine_create(&eng, &ops, &args.pol, seed);
	if (r) {
		printf("spmm: cannot start the engine: %d\n", r);
		return r;
	}
	for (unsigned i = 0; i < args.nfactories; i++) {
		struct factory *f = &factories[i];
		f->o.kind = SPMM_IPC_FACTORY;
		f->domain = args.factory[i].domain;
		f->name = args.factory[i].cap;
		f->cap = l4re_env_get_cap(f->name);
		if (l4_is_invalid_cap(f->cap)) {
			printf("spmm: no capability '%s' in my environment\n",
			       f->name);
			return -L4_ENOENT;
		}
		if (l4_error(l4_rcv_ep_bind_thread(
			f->cap, l4re_env()->main_thread, (l4_umword_t)f))) {
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
			reap_dead(); /* the deletion IRQ */
		}
		l4_uint64_t t = now_us();
		if (t >= next_scan) {
			spm_scan(eng, 0); /* -ENOENT: nothing to scan yet */
			next_scan = now_us() + step_us;
		}
		if (stats_us && t >= next_stats) {
			struct spm_stats st;
			spm_stats(eng, &st);
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
		requests++;
		handle(&in, &out);
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
	       "secure=%u max_backoff=%u max_sharing=%u max_mib=%llu\n",
	       args.nfactories, p->pages_per_step, p->sleep_ms, p->merge_zero,
	       p->merge_first_pass, p->track_dirty, p->secure, p->max_backoff,
	       p->max_sharing, (unsigned long long)args.max_mib);
	fflush(stdout);
	run();
	return 0;
}
