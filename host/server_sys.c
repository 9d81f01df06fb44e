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

void host_sys_ops(struct host_sys *h, struct spmm_sys *sys)
{
	*sys = (struct spmm_sys){.ctx = h,
				 .window_new = h_window_new,
				 .window_free = h_window_free,
				 .gate_new = h_gate_new,
				 .gate_free = h_gate_free,
				 .gate_alive = h_gate_alive,
				 .read_foreign = NULL};
}

uint64_t host_sys_label_of(const struct host_sys *h, uint64_t cap)
{
	return h->label[(cap >> 12) - 1];
}

void host_sys_kill(struct host_sys *h, uint64_t cap)
{
	h->alive[(cap >> 12) - 1] = 0;
}
