/*
 * model.h - a randomized model of clients using spmm, checked against a
 * plain reference: one byte array per space holding what the clients
 * wrote.  Used by test_model (millions of random operations) and
 * test_faultinj (frame allocation failing at every point in turn).
 *
 * After every operation model_verify() checks every invariant of the
 * design: content equals the reference, mappings are backed by the window
 * and writable only where private, refcounts, domains, frame accounting
 * (spm_check), and that the simulated MMU saw no breach.
 */
#ifndef SPM_MODEL_H
#define SPM_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "spm.h"

#define MODEL_SPACES	5
#define MODEL_MAX_PAGES 24

struct model {
	struct sim sim;
	struct spm_engine *e;
	struct spm_policy pol;
	struct {
		struct spm_space *s;
		uint64_t npages;
		uint32_t domain;
		unsigned char *ref;
	} sp[MODEL_SPACES];
	uint64_t rng;
	unsigned fail_steps; /* steps left with allocation failing */
	bool allow_fail_mode;
	uint64_t ops[10];
	uint64_t enomem;
	uint64_t races; /* client writes during scanner steps */
	char why[512];
};

static inline uint64_t model_rand(struct model *m)
{
	uint64_t x = m->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	m->rng = x;
	return x;
}

static inline uint64_t model_below(struct model *m, uint64_t n)
{
	return model_rand(m) % n;
}

static int model_new_space(struct model *m, int i)
{
	uint64_t n = 1 + model_below(m, MODEL_MAX_PAGES);
	uint32_t dom = (uint32_t)model_below(m, 3);
	struct sim_space *sp = sim_space_new(n);
	struct spm_space *s;
	if (!sp)
		return -SPM_ENOMEM;
	/* sizes not a multiple of the page size are rounded up */
	uint64_t bytes = n * SPM_PAGE_SIZE - model_below(m, SPM_PAGE_SIZE);
	int r = spm_space_create(m->e, bytes, dom, sp, &s);
	if (r) {
		sim_space_free(sp);
		return r;
	}
	m->sp[i].s = s;
	m->sp[i].npages = n;
	m->sp[i].domain = dom;
	m->sp[i].ref = calloc(n, SPM_PAGE_SIZE);
	return m->sp[i].ref ? 0 : -SPM_ENOMEM;
}

static void model_free_space(struct model *m, int i)
{
	struct sim_space *sp = spm_space_priv(m->sp[i].s);
	spm_space_destroy(m->e, m->sp[i].s);
	sim_space_free(sp);
	free(m->sp[i].ref);
	m->sp[i].s = NULL;
	m->sp[i].ref = NULL;
}

/* Returns 0, or the engine's error if even setting up failed (which the
 * fault-injection test expects at its first failure points). */
static int model_init(struct model *m, uint64_t seed, uint64_t fail_at)
{
	memset(m, 0, sizeof(*m));
	m->rng = seed * 0x9E3779B97F4A7C15ull + 1;
	sim_init(&m->sim, 0, seed);
	m->sim.fail_at = fail_at;
	/* even seeds: clients ask for writes as the server's map requests do
	 * (a zero page's first write request is deferred) */
	m->sim.defer_writes = (seed & 1) == 0;
	spm_policy_default(&m->pol);
	m->pol.pages_per_step = 16;
	struct spm_platform pl;
	sim_platform(&m->sim, &pl);
	int r = spm_engine_create(&m->e, &pl, &m->pol, seed ^ 0xabcdef);
	if (r) {
		m->e = NULL;
		return r;
	}
	for (int i = 0; i < MODEL_SPACES; i++) {
		r = model_new_space(m, i);
		if (r)
			return r;
	}
	return 0;
}

static void model_fini(struct model *m)
{
	if (m->e) {
		for (int i = 0; i < MODEL_SPACES; i++)
			if (m->sp[i].s)
				model_free_space(m, i);
		spm_engine_destroy(m->e);
	}
	for (int i = 0; i < MODEL_SPACES; i++)
		free(m->sp[i].ref);
	sim_fini(&m->sim);
}

/* Page content from a small alphabet so that duplicates are common. */
static void model_content(struct model *m, unsigned char *page)
{
	unsigned kind = (unsigned)model_below(m, 10);
	if (kind < 3) {
		memset(page, 0, SPM_PAGE_SIZE);
	} else if (kind < 8) {
		unsigned v = (unsigned)model_below(m, 4);
		for (unsigned i = 0; i < SPM_PAGE_SIZE; i++)
			page[i] = (unsigned char)(v * 31 + i % (v + 2));
	} else {
		for (unsigned i = 0; i < SPM_PAGE_SIZE; i += 8) {
			uint64_t r = model_rand(m);
			memcpy(page + i, &r, 8);
		}
	}
}

static bool model_is_alloc_error(int r)
{
	return r == -SPM_ENOMEM;
}

/* A client writes one page fully or a few bytes of it. */
static int op_client_write(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	uint64_t pg = model_below(m, m->sp[i].npages);
	unsigned char buf[SPM_PAGE_SIZE];
	uint64_t off = pg * SPM_PAGE_SIZE, len = SPM_PAGE_SIZE;
	if (model_below(m, 3) == 0) {
		off += model_below(m, SPM_PAGE_SIZE);
		len = 1 +
		      model_below(m, pg * SPM_PAGE_SIZE + SPM_PAGE_SIZE - off);
		for (uint64_t k = 0; k < len; k++)
			buf[k] = (unsigned char)model_rand(m);
	} else {
		model_content(m, buf);
	}
	int r = sim_access(&m->sim, m->e, m->sp[i].s, off, buf, len, true);
	if (r == 0)
		memcpy(m->sp[i].ref + off, buf, len);
	return r;
}

static int op_client_read(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	uint64_t pg = model_below(m, m->sp[i].npages);
	unsigned char buf[SPM_PAGE_SIZE];
	int r = sim_access(&m->sim, m->e, m->sp[i].s, pg * SPM_PAGE_SIZE, buf,
			   SPM_PAGE_SIZE, false);
	if (r)
		return r; /* a read needs no frame: verify() will flag it */
	if (memcmp(buf, m->sp[i].ref + pg * SPM_PAGE_SIZE, SPM_PAGE_SIZE)) {
		snprintf(m->why, sizeof(m->why),
			 "client read of space %d page %llu differs", i,
			 (unsigned long long)pg);
		return -1000;
	}
	return 0;
}

static void random_range(struct model *m, int i, uint64_t *off, uint64_t *len)
{
	uint64_t bytes = m->sp[i].npages * SPM_PAGE_SIZE;
	*off = model_below(m, bytes);
	if (model_below(m, 2))
		*off &= ~(uint64_t)(SPM_PAGE_SIZE - 1);
	*len = model_below(m, 3 * SPM_PAGE_SIZE);
	if (*len > bytes - *off)
		*len = bytes - *off;
}

static int op_clear(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	uint64_t off, len;
	random_range(m, i, &off, &len);
	int r = spm_clear(m->e, m->sp[i].s, off, len);
	if (r == 0)
		memset(m->sp[i].ref + off, 0, len);
	return r;
}

static int op_copy(struct model *m)
{
	int d = (int)model_below(m, MODEL_SPACES);
	int s = (int)model_below(m, MODEL_SPACES);
	uint64_t doff, len, soff, slen;
	random_range(m, d, &doff, &len);
	random_range(m, s, &soff, &slen);
	if (slen < len)
		len = slen;
	int r = spm_copy(m->e, m->sp[d].s, doff, m->sp[s].s, soff, len);
	if (r == 0)
		memmove(m->sp[d].ref + doff, m->sp[s].ref + soff, len);
	return r;
}

static int op_monitor_write(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	uint64_t off, len;
	random_range(m, i, &off, &len);
	unsigned char buf[3 * SPM_PAGE_SIZE];
	unsigned char v = (unsigned char)model_below(m, 3);
	memset(buf, v, len);
	int r = spm_write(m->e, m->sp[i].s, off, buf, len);
	if (r == 0)
		memcpy(m->sp[i].ref + off, buf, len);
	return r;
}

static int op_policy(struct model *m)
{
	struct spm_policy p = m->pol;
	switch (model_below(m, 6)) {
	case 0:
		p.secure ^= 1;
		break;
	case 1:
		p.track_dirty ^= 1;
		break;
	case 2:
		p.merge_zero ^= 1;
		break;
	case 3:
		p.merge_first_pass ^= 1;
		break;
	case 4:
		p.max_sharing = (uint32_t)model_below(m, 4);
		if (p.max_sharing == 1)
			p.max_sharing = 0;
		break;
	default:
		p.max_backoff = (uint32_t)model_below(m, 9);
		break;
	}
	int r = spm_engine_set_policy(m->e, &p);
	if (r == 0)
		m->pol = p;
	return r;
}

/* A space's own secure mode (as for a domain marked secure). */
static void op_space_secure(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	spm_space_set_secure(m->sp[i].s, (int)model_below(m, 2));
}

static int op_respace(struct model *m)
{
	int i = (int)model_below(m, MODEL_SPACES);
	model_free_space(m, i);
	return model_new_space(m, i);
}

/* A client on another CPU writes through a writable mapping it holds,
 * without faulting, while the scanner works. */
static void model_racer(void *ctx)
{
	struct model *m = ctx;
	if (model_below(m, 4))
		return;
	int i = (int)model_below(m, MODEL_SPACES);
	uint64_t pg = model_below(m, m->sp[i].npages);
	struct sim_space *sp = spm_space_priv(m->sp[i].s);
	if (!(sp->rights[pg] & SPM_W))
		return;
	uint64_t off = model_below(m, SPM_PAGE_SIZE);
	unsigned char v = (unsigned char)model_rand(m);
	sim_frame(&m->sim, sp->tlb[pg])[off] = v;
	m->sp[i].ref[pg * SPM_PAGE_SIZE + off] = v;
	m->races++;
}

/* One random operation.  Returns 0, an expected allocation error, or a
 * model failure (m->why says what). */
static int model_step(struct model *m)
{
	if (m->fail_steps) {
		m->fail_steps--;
		m->sim.fail_all = m->fail_steps != 0;
	}
	unsigned w = (unsigned)model_below(m, 100);
	int r;
	if (w < 28) {
		m->ops[0]++;
		r = op_client_write(m);
	} else if (w < 42) {
		m->ops[1]++;
		r = op_client_read(m);
	} else if (w < 78) {
		m->ops[2]++;
		m->sim.racer = model_racer;
		m->sim.racer_ctx = m;
		long n = spm_scan(m->e, (uint32_t)(1 + model_below(m, 40)));
		m->sim.racer = NULL;
		r = n < 0 ? (int)n : 0;
	} else if (w < 83) {
		m->ops[3]++;
		r = op_clear(m);
	} else if (w < 88) {
		m->ops[4]++;
		r = op_copy(m);
	} else if (w < 93) {
		m->ops[5]++;
		r = op_monitor_write(m);
	} else if (w < 96) {
		m->ops[6]++;
		if (m->allow_fail_mode && !m->fail_steps) {
			m->fail_steps = 1 + (unsigned)model_below(m, 20);
			m->sim.fail_all = true;
		}
		r = 0;
	} else if (w < 99) {
		m->ops[7]++;
		r = op_policy(m);
	} else if (model_below(m, 2)) {
		m->ops[8]++;
		r = op_respace(m);
	} else {
		m->ops[9]++;
		op_space_secure(m);
		r = 0;
	}
	if (model_is_alloc_error(r)) {
		m->enomem++;
		return 0;
	}
	return r;
}

/* No frame but the zero frame is mapped by pages of two domains. */
static int model_verify_domains(struct model *m)
{
	uint32_t frame[MODEL_SPACES * MODEL_MAX_PAGES];
	uint32_t dom[MODEL_SPACES * MODEL_MAX_PAGES];
	unsigned n = 0;
	for (int i = 0; i < MODEL_SPACES; i++)
		for (uint64_t pg = 0; pg < m->sp[i].npages; pg++) {
			struct spm_page_info pi;
			spm_page_info(m->sp[i].s, pg, &pi);
			if (pi.frame == spm_zero_frame(m->e))
				continue;
			for (unsigned k = 0; k < n; k++)
				if (frame[k] == pi.frame &&
				    dom[k] != m->sp[i].domain) {
					snprintf(m->why, sizeof(m->why),
						 "frame %u shared by domains "
						 "%u and %u",
						 pi.frame, dom[k],
						 m->sp[i].domain);
					return -1;
				}
			frame[n] = pi.frame;
			dom[n++] = m->sp[i].domain;
		}
	return 0;
}

/* Every invariant, after every step.  0 or -1 with m->why set. */
static int model_verify(struct model *m)
{
	if (sim_check(&m->sim, m->e, m->why, sizeof(m->why)))
		return -1;
	if (model_verify_domains(m))
		return -1;
	for (int i = 0; i < MODEL_SPACES; i++) {
		struct sim_space *sp = spm_space_priv(m->sp[i].s);
		for (uint64_t pg = 0; pg < m->sp[i].npages; pg++) {
			struct spm_page_info pi;
			spm_page_info(m->sp[i].s, pg, &pi);
			if (sp->window[pg] != SPM_NO_FRAME &&
			    sp->window[pg] != pi.frame) {
				snprintf(m->why, sizeof(m->why),
					 "space %d page %llu: window frame %u, "
					 "page frame %u",
					 i, (unsigned long long)pg,
					 sp->window[pg], pi.frame);
				return -1;
			}
			if (sp->rights[pg] && sp->tlb[pg] != sp->window[pg]) {
				snprintf(m->why, sizeof(m->why),
					 "space %d page %llu: client maps a "
					 "frame the window does not",
					 i, (unsigned long long)pg);
				return -1;
			}
			if ((sp->rights[pg] & SPM_W) &&
			    (pi.state != SPM_PAGE_PRIVATE || !pi.writable)) {
				snprintf(m->why, sizeof(m->why),
					 "space %d page %llu: writable but not "
					 "private",
					 i, (unsigned long long)pg);
				return -1;
			}
			unsigned char buf[SPM_PAGE_SIZE];
			spm_read(m->e, m->sp[i].s, pg * SPM_PAGE_SIZE, buf,
				 SPM_PAGE_SIZE);
			if (memcmp(buf, m->sp[i].ref + pg * SPM_PAGE_SIZE,
				   SPM_PAGE_SIZE)) {
				snprintf(m->why, sizeof(m->why),
					 "space %d page %llu: content differs "
					 "from what the client wrote",
					 i, (unsigned long long)pg);
				return -1;
			}
		}
	}
	return 0;
}

#endif
