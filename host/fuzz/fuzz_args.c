/*
 * fuzz_args.c - the command lines: the spmm server's (spmm_args_parse) and
 * spmm-sim's (sim_opts_parse).  The input is split at NUL bytes into argv;
 * the parsers must never crash, must end err with a NUL, and on success
 * must leave a policy the engine accepts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "spm.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	argv[argc++] = "prog";
	for (size_t i = 0; i < size && argc < MAX_ARGS; i++) {
		argv[argc++] = &buf[i];
		i += strlen(&buf[i]);
	}
	argv[argc] = NULL;

	char err[256];
	memset(err, 'x', sizeof(err));
	struct spmm_args a;
	if (spmm_args_parse(&a, argc, argv, err, sizeof(err)) == 0) {
		if (spm_policy_check(&a.pol) != 0 || a.nfactories == 0)
			abort();
	} else if (!memchr(err, 0, sizeof(err))) {
		abort();
	}
	struct sim_opts o;
	sim_opts_default(&o);
	memset(err, 'x', sizeof(err));
	if (sim_opts_parse(&o, argc, argv, err, sizeof(err)) == 0) {
		if (spm_policy_check(&o.pol) != 0)
			abort();
	} else if (!memchr(err, 0, sizeof(err))) {
		abort();
	}
	free(buf);
	return 0;
}
