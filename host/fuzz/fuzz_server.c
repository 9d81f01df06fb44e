/*
 * fuzz_server.c - the server core (the code the L4Re server runs) behind
 * its gates: the input is a sequence of messages, each sent to the
 * factory or to one of the dataspaces or region maps created so far
 * (factory, dataspace, Rm, page-fault and other labels), with any label,
 * rights, words and items.  Every few messages a client drops a
 * capability or the scanner runs.  The engine's invariants and the frame
 * accounting must hold throughout, and every answer must be a result or
 * an L4 error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "server_sys.h"
#include "sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct in_stream {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct in_stream *s, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n && s->left; i++, s->left--)
		v |= (uint64_t)*s->p++ << (8 * i);
	return v;
}

static void check(struct spm_engine *e, struct sim *sim)
{
	char why[320];
	if (sim_check(sim, e, why, sizeof(why)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long labels[] = {-15, -21, 0x4000, 0x5350, 0,
				      -1,  7,	-39,	0x4005, -2};
	struct sim sim;
	struct spm_platform pl;
	struct spm_engine *e;
	sim_init(&sim, 2048, 1);
	sim_platform(&sim, &pl);
	if (spm_engine_create(&e, &pl, NULL, 5))
		abort();
	static struct host_sys h;
	memset(&h, 0, sizeof(h));
	struct spmm_sys sys;
	host_sys_ops(&h, &sys);
	struct spmm_core c;
	spmm_core_init(&c, e, &sys, 0);
	c.max_ds_size = 64ull << 20;
	c.rm_min = 4096;
	c.rm_max = (1ull << 40) - 1;
	struct spmm_factory fac;
	spmm_factory_init(&fac, 1, "f");

	struct in_stream s = {data, size};
	for (unsigned n = 0; s.left && n < 64; n++) {
		uint64_t ctl = take(&s, 2);
		struct spmm_ipc_in in;
		memset(&in, 0, sizeof(in));
		unsigned words = (unsigned)(take(&s, 1) % 12);
		unsigned items = (unsigned)(ctl >> 8) % 3;
		in.tag = spmm_ipc_tag(labels[ctl % 10], words, items, 0);
		/* the object: the factory, or a live dataspace */
		uintptr_t obj = (uintptr_t)&fac;
		unsigned pick = (unsigned)(ctl >> 3) % 8;
		if (pick && h.ngates) {
			unsigned g = pick % h.ngates;
			if (h.alive[g])
				obj = (uintptr_t)h.label[g];
		}
		in.label = obj | ((ctl >> 6) & 3);
		unsigned nw = spmm_ipc_msg_words(in.tag);
		for (unsigned k = 0; k < nw; k++)
			in.mr[k] = take(&s, (unsigned)(ctl >> 10) % 2 ? 8 : 2);
		struct spmm_ipc_out out;
		spmm_core_handle(&c, &in, &out);
		long r = spmm_ipc_tag_label(out.tag);
		if (r < -1002 || r > 64)
			abort();
		if ((ctl >> 12) % 4 == 0 && h.ngates) {
			host_sys_kill(&h, (uint64_t)(take(&s, 1) % h.ngates + 1)
					      << 12);
			spmm_core_reap(&c);
		}
		if ((ctl >> 14) % 2)
			spm_scan(e, 64);
		check(e, &sim);
	}
	spmm_core_fini(&c);
	check(e, &sim);
	if (h.foreign_live) /* a region map leaked a foreign capability */
		abort();
	spm_engine_destroy(e);
	sim_fini(&sim);
	return 0;
}
