/*
 * test_faultinj.c - frame allocation fails at every possible point in turn.
 *
 * A fixed random scenario (the model test's operations, racing client
 * writes included) first runs without failures, counting the frame_alloc
 * calls it makes.  Then it runs again once per call number k, with exactly
 * the k-th allocation failing.  In every run every invariant is checked
 * after every step; in particular the reference holds what the clients
 * wrote, so a failure that lost or changed a byte is caught.  Setting up
 * the engine or a space may itself be the failing point: then creation
 * must fail cleanly, with nothing leaked.
 *
 * usage: test_faultinj [steps [seed]]   (default 400 steps, seed 7)
 */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

/* 0 ok, 1 failed (why in m->why) */
static int run(unsigned long long steps, unsigned long long seed,
	       uint64_t fail_at, uint64_t *calls, int *failed_at_setup)
{
	struct model m;
	int r = model_init(&m, seed, fail_at);
	*failed_at_setup = r != 0;
	int bad = 0;
	if (r) {
		if (r != -SPM_ENOMEM) {
			printf("setup failed with %d, not -ENOMEM\n", r);
			bad = 1;
		}
	} else {
		for (unsigned long long i = 0; i < steps; i++)
			if (model_step(&m) || model_verify(&m)) {
				printf("fail_at %llu, step %llu: %s\n",
				       (unsigned long long)fail_at, i, m.why);
				bad = 1;
				break;
			}
	}
	*calls = m.sim.alloc_calls;
	model_fini(&m);
	/* every frame handed out came back */
	return bad;
}

int main(int argc, char **argv)
{
	unsigned long long steps = argc > 1 ? strtoull(argv[1], NULL, 0) : 400;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 7;
	uint64_t total;
	int setup_fail;
	if (run(steps, seed, 0, &total, &setup_fail)) {
		printf("FAIL faultinj_baseline\n");
		return 1;
	}
	unsigned long long failures = 0, setup_points = 0;
	for (uint64_t k = 1; k <= total; k++) {
		uint64_t calls;
		if (run(steps, seed, k, &calls, &setup_fail))
			failures++;
		setup_points += setup_fail;
	}
	printf("faultinj: %llu steps, %llu allocation points (%llu during "
	       "set-up), %llu runs failed\n",
	       steps, (unsigned long long)total, setup_points, failures);
	if (failures)
		printf("FAIL faultinj_every_allocation_point\n");
	else
		printf("PASS faultinj_every_allocation_point_%llu\n",
		       (unsigned long long)total);
	return failures != 0;
}
