/*
 * test_model.c - the randomized model test: several spaces in several
 * merge domains driven through random operations (client writes and
 * reads, scanner steps, clear, copy, monitor writes, frame exhaustion,
 * policy changes, spaces replaced) against a plain reference, with every
 * invariant checked after every step.
 *
 * usage: test_model [steps [seed]]   (default 1000000 steps, seed 1)
 */
#include <stdio.h>
#include <stdlib.h>

#include "model.h"

int main(int argc, char **argv)
{
	unsigned long long steps =
	    argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000ull;
	unsigned long long seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	struct model m;
	if (model_init(&m, seed, 0)) {
		printf("FAIL model_init\n");
		return 1;
	}
	m.allow_fail_mode = true;
	unsigned long long i;
	int bad = 0;
	for (i = 0; i < steps; i++) {
		if (model_step(&m) || model_verify(&m)) {
			bad = 1;
			break;
		}
	}
	struct spm_stats st;
	spm_stats(m.e, &st);
	printf("model: seed %llu, %llu steps: writes %llu reads %llu scans "
	       "%llu clears %llu copies %llu monitor-writes %llu "
	       "exhaustions %llu policy %llu respace %llu space-secure %llu; "
	       "enomem %llu; "
	       "racing writes %llu; "
	       "merges %llu cow %llu full_scans %llu deferred %llu\n",
	       seed, i, (unsigned long long)m.ops[0],
	       (unsigned long long)m.ops[1], (unsigned long long)m.ops[2],
	       (unsigned long long)m.ops[3], (unsigned long long)m.ops[4],
	       (unsigned long long)m.ops[5], (unsigned long long)m.ops[6],
	       (unsigned long long)m.ops[7], (unsigned long long)m.ops[8],
	       (unsigned long long)m.ops[9], (unsigned long long)m.enomem,
	       (unsigned long long)m.races, (unsigned long long)st.merges,
	       (unsigned long long)st.cow_breaks,
	       (unsigned long long)st.full_scans,
	       (unsigned long long)m.sim.deferred);
	if (bad)
		printf("FAIL model_seed_%llu: step %llu: %s\n", seed, i, m.why);
	else
		printf("PASS model_seed_%llu_%llu_steps\n", seed, steps);
	model_fini(&m);
	return bad;
}
