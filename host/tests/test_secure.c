/*
 * test_secure.c - secure mode hides whether a page was merged.
 *
 * Two clients own page 0 of spaces A and B (same domain).  In one world
 * the pages have the same content, so the scanner merges them (one
 * page's frame becomes the shared frame, the other page is re-pointed at
 * it); in the other world they differ, so nothing is merged.  After the
 * same scanner passes, both clients run the same accesses on their page.  What
 * it can observe is the sequence of faults it takes and the rights each fault
 * reply grants (and, on real hardware, the time each takes: a fault that copies
 * costs the same in both worlds because in secure mode both copy).  In secure
 * mode the two sequences must be equal; in normal mode they differ, which shows
 * the test can tell.
 */
#include <string.h>

#include "check.h"
#include "harness.h"

#define MAX_EVENTS 32

struct trace {
	unsigned n;
	unsigned ev[MAX_EVENTS]; /* space << 12 | access << 8 | faulted << 4 |
				    rights */
	uint64_t cow;		 /* copies the engine made for the pages */
};

/* Access page 0 of s as a client and log what it could see. */
static void touch1(struct env *v, struct spm_space *s, unsigned who, bool write,
		   struct trace *t)
{
	struct sim_space *sp = spm_space_priv(s);
	uint64_t faults = sp->faults;
	unsigned char b = 0x42;
	int r = sim_access(&v->sim, v->e, s, 17, &b, 1, write);
	CHECK(r == 0, "access failed: %d", r);
	unsigned faulted = sp->faults != faults;
	if (t->n < MAX_EVENTS)
		t->ev[t->n++] = who << 12 | (unsigned)write << 8 |
				faulted << 4 | sp->rights[0];
}

/* Both clients do the same access. */
static void touch(struct env *v, struct spm_space *a, struct spm_space *b,
		  bool write, struct trace *t)
{
	touch1(v, a, 0, write, t);
	touch1(v, b, 1, write, t);
}

/* secure: 0 off, 1 by policy (all spaces), 2 for these two spaces only */
static void run_world(bool partner_equal, uint8_t secure, struct trace *t)
{
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.secure = secure == 1;
	struct env v;
	CHECK(env_init(&v, &pol, 0) == 0, "init");
	struct spm_space *a = env_space(&v, 4, 0), *b = env_space(&v, 4, 0);
	if (secure == 2) {
		spm_space_set_secure(a, 1);
		spm_space_set_secure(b, 1);
	}
	env_fill(&v, a, 0, 0x33);
	env_fill(&v, b, 0, partner_equal ? 0x33 : 0x34);
	/* other pages, the same in both worlds */
	for (uint64_t i = 1; i < 4; i++) {
		env_fill(&v, a, i, (unsigned char)(i + 100));
		env_fill(&v, b, i, (unsigned char)(i + 200));
	}
	memset(t, 0, sizeof(*t));
	touch(&v, a, b, false, t); /* clients read their page now and then */
	env_passes(&v, 2);
	struct spm_page_info pi;
	spm_page_info(a, 0, &pi);
	CHECK((pi.state == SPM_PAGE_STABLE) == partner_equal,
	      "world set-up: merged=%d", pi.state == SPM_PAGE_STABLE);
	struct spm_stats before, after;
	spm_stats(v.e, &before);
	touch(&v, a, b, false, t);
	touch(&v, a, b, false, t);
	touch(&v, a, b, true, t);
	touch(&v, a, b, false, t);
	touch(&v, a, b, true, t);
	env_passes(&v, 2); /* and once more after the scanner ran again */
	touch(&v, a, b, false, t);
	touch(&v, a, b, true, t);
	spm_stats(v.e, &after);
	t->cow = after.cow_breaks - before.cow_breaks;
	char msg[256];
	CHECK(spm_check(v.e, msg, sizeof(msg)) == 0, "%s", msg);
	CHECK(v.sim.bugs == 0, "%s", v.sim.bug);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

static bool same(const struct trace *x, const struct trace *y)
{
	return x->n == y->n && x->cow == y->cow &&
	       !memcmp(x->ev, y->ev, x->n * sizeof(x->ev[0]));
}

static void secure_mode_looks_the_same(void)
{
	struct trace merged, alone;
	run_world(true, 1, &merged);
	run_world(false, 1, &alone);
	CHECK(same(&merged, &alone),
	      "secure mode: merged and unmerged pages behave differently "
	      "(%u/%u events, %llu/%llu copies)",
	      merged.n, alone.n, (unsigned long long)merged.cow,
	      (unsigned long long)alone.cow);
	CHECK(merged.cow > 0, "the writes copied");
}

static void secure_domain_looks_the_same(void)
{
	struct trace merged, alone;
	run_world(true, 2, &merged);
	run_world(false, 2, &alone);
	CHECK(same(&merged, &alone),
	      "secure spaces: merged and unmerged pages behave differently");
}

static void normal_mode_shows_the_merge(void)
{
	struct trace merged, alone;
	run_world(true, 0, &merged);
	run_world(false, 0, &alone);
	CHECK(!same(&merged, &alone),
	      "normal mode: no observable difference, so the secure-mode "
	      "test could not fail");
}

TESTS_MAIN(T(secure_mode_looks_the_same), T(secure_domain_looks_the_same),
	   T(normal_mode_shows_the_merge))
