/*
 * server_sys.c - the server core's system on the host (see server_sys.h).
 */
#include "server_sys.h"
#include "sim.h"

static int h_window_new(void *ctx, uint64_t pages, void **win, uint64_t *base)
{
	(void)ctx;
	struct sim_space *sp = sim_space_new(pages);
	if (!sp)
		return -SPMM_ENOMEM;
	*win = sp;
	*base = 0x10000000ull;
	return 0;
}

static void h_window_free(void *ctx, void *win)
{
	(void)ctx;
	sim_space_free(win);
}

static int h_gate_new(void *ctx, uint64_t label, uint64_t *cap)
{
	struct host_sys *h = ctx;
	if (h->gate_fail) {
		h->gate_fail--;
		return -SPMM_ENOMEM;
	}
	if (h->ngates == MAX_GATES)
		return -SPMM_ENOMEM;
	h->label[h->ngates] = label;
	h->alive[h->ngates] = 1;
	*cap = (uint64_t)(h->ngates++ + 1) << 12;
	return 0;
}

static void h_gate_free(void *ctx, uint64_t cap)
{
	struct host_sys *h = ctx;
	h->alive[(cap >> 12) - 1] = 0;
}

static int h_gate_alive(void *ctx, uint64_t cap)
{
	const struct host_sys *h = ctx;
	return h->alive[(cap >> 12) - 1];
}

/* Foreign dataspaces: a capability index and a 4 GiB range of "our"
 * addresses per claim; nothing is mapped, the calls are counted. */
static int h_foreign_new(void *ctx, uint64_t size, uint64_t *cap,
			 uint64_t *base)
{
	struct host_sys *h = ctx;
	(void)size;
	h->foreign_live++;
	h->foreign_new++;
	*cap = (0x100000ull + h->foreign_new) << 12;
	*base = 0x4000000000ull + (h->foreign_new << 32);
	return 0;
}

static int h_foreign_map(void *ctx, uint64_t cap, uint64_t ds_offset,
			 uint64_t local, unsigned rights)
{
	struct host_sys *h = ctx;
	(void)rights;
	if (h->foreign_map_fail)
		return -SPMM_EINVAL;
	h->foreign_maps++;
	h->last_foreign_map[0] = cap;
	h->last_foreign_map[1] = ds_offset;
	h->last_foreign_map[2] = local;
	return 0;
}

static void h_foreign_free(void *ctx, uint64_t cap, uint64_t base,
			   uint64_t size)
{
	struct host_sys *h = ctx;
	(void)cap;
	(void)base;
	(void)size;
	h->foreign_live--;
}

static void h_forget_label(void *ctx, uint64_t label)
{
	struct host_sys *h = ctx;
	h->forgotten[h->nforgotten++ % 16] = label;
}

void host_sys_ops(struct host_sys *h, struct spmm_sys *sys)
{
	*sys = (struct spmm_sys){.ctx = h,
				 .window_new = h_window_new,
				 .window_free = h_window_free,
				 .gate_new = h_gate_new,
				 .gate_free = h_gate_free,
				 .gate_alive = h_gate_alive,
				 .read_foreign = NULL,
				 .foreign_new = h_foreign_new,
				 .foreign_map = h_foreign_map,
				 .foreign_free = h_foreign_free,
				 .forget_label = h_forget_label};
}

uint64_t host_sys_label_of(const struct host_sys *h, uint64_t cap)
{
	return h->label[(cap >> 12) - 1];
}

void host_sys_kill(struct host_sys *h, uint64_t cap)
{
	h->alive[(cap >> 12) - 1] = 0;
}
