/*
 * harness.h - an engine on the simulated MMU, for tests.
 */
#ifndef SPM_HARNESS_H
#define SPM_HARNESS_H

#include "sim.h"
#include "spm.h"

struct env {
	struct sim sim;
	struct spm_engine *e;
};

static inline int env_init(struct env *v, const struct spm_policy *pol,
			   uint64_t frame_limit)
{
	struct spm_platform pl;
	sim_init(&v->sim, frame_limit, 42);
	sim_platform(&v->sim, &pl);
	return spm_engine_create(&v->e, &pl, pol, 0x1234567890abcdefull);
}

static inline struct spm_space *env_space(struct env *v, uint64_t pages,
					  uint32_t domain)
{
	struct sim_space *sp = sim_space_new(pages);
	struct spm_space *s = NULL;
	if (!sp ||
	    spm_space_create(v->e, pages * SPM_PAGE_SIZE, domain, sp, &s)) {
		sim_space_free(sp);
		return NULL;
	}
	return s;
}

static inline void env_space_free(struct env *v, struct spm_space *s)
{
	struct sim_space *sp = spm_space_priv(s);
	spm_space_destroy(v->e, s);
	sim_space_free(sp);
}

static inline void env_fini(struct env *v)
{
	spm_engine_destroy(v->e);
	sim_fini(&v->sim);
}

/* Fill one page as a client with byte value c. */
static inline int env_fill(struct env *v, struct spm_space *s, uint64_t page,
			   unsigned char c)
{
	unsigned char buf[SPM_PAGE_SIZE];
	memset(buf, c, sizeof(buf));
	return sim_access(&v->sim, v->e, s, page * SPM_PAGE_SIZE, buf,
			  sizeof(buf), true);
}

/* Full passes until nothing is left to do (bounded). */
static inline void env_passes(struct env *v, unsigned n)
{
	struct spm_stats st;
	spm_stats(v->e, &st);
	uint64_t target = st.full_scans + n;
	while (st.full_scans < target) {
		if (spm_scan(v->e, 0) < 0)
			return;
		spm_stats(v->e, &st);
	}
}

#endif
