/*
 * test_args.c - the spmm server's command line (spmm/server/src/args.c):
 * defaults, every option, channels and domains, and every error.
 */
#include <string.h>

#include "args.h"
#include "check.h"

static int parse(struct spmm_args *a, char *err, int argc, ...)
{
	char *argv[32];
	__builtin_va_list ap;
	__builtin_va_start(ap, argc);
	argv[0] = "spmm";
	for (int i = 1; i < argc; i++)
		argv[i] = __builtin_va_arg(ap, char *);
	__builtin_va_end(ap);
	return spmm_args_parse(a, argc, argv, err, 200);
}

static void defaults(void)
{
	struct spmm_args a;
	char err[200];
	CHECK(parse(&a, err, 1) == 0, "no arguments: %s", err);
	struct spm_policy def;
	spm_policy_default(&def);
	CHECK(!memcmp(&a.pol, &def, sizeof(def)), "engine defaults");
	CHECK(a.stats_interval == 10 && a.max_mib == 0 && !a.verbose &&
		  a.max_ds_mib == 16384,
	      "server defaults");
	CHECK(a.nfactories == 1 && !strcmp(a.factory[0].cap, "spmm"),
	      "serves 'spmm' by default");
}

static void every_option(void)
{
	struct spmm_args a;
	char err[200];
	int r = parse(&a, err, 16, "--target-pass-ms=500", "--pages-per-step",
		      "77", "--sleep-ms=5", "--merge-zero", "0",
		      "--merge-first-pass=0", "--track-dirty", "0",
		      "--secure=1", "--max-backoff=3", "--max-sharing=9",
		      "--max-mib=64", "--stats-interval=0", "--verbose");
	CHECK(r == 0, "parse: %s", err);
	CHECK(a.pol.pages_per_step == 77 && a.pol.sleep_ms == 5 &&
		  a.pol.merge_zero == 0 && a.pol.merge_first_pass == 0 &&
		  a.pol.track_dirty == 0 && a.pol.secure == 1 &&
		  a.pol.max_backoff == 3 && a.pol.max_sharing == 9,
	      "policy");
	CHECK(a.pol.target_pass_ms == 500, "target pass");
	CHECK(a.max_mib == 64 && a.pol.max_frames == 64 * 256 &&
		  a.stats_interval == 0 && a.verbose,
	      "server options");
}

static void channels_and_domains(void)
{
	struct spmm_args a;
	char err[200];
	CHECK(parse(&a, err, 4, "vm1=7", "vm2=7", "other") == 0, "parse: %s",
	      err);
	CHECK(a.nfactories == 3, "three channels");
	CHECK(a.factory[0].domain == 7 && a.factory[1].domain == 7,
	      "grouped by number");
	CHECK(a.factory[2].domain != 7 && a.factory[2].domain >= 0x80000000u,
	      "own domain by default");
	CHECK(!strcmp(a.factory[1].cap, "vm2"), "name kept");
	CHECK(!a.factory[0].secure && !a.factory[2].secure, "not secure");
	CHECK(parse(&a, err, 5, "--secure-domain", "7", "vm1=7", "other") == 0,
	      "secure domain: %s", err);
	CHECK(a.factory[0].secure && !a.factory[1].secure,
	      "only domain 7 is secure");
	CHECK(parse(&a, err, 3, "--secure-domain", "x") == -1,
	      "bad secure domain");
}

static void errors(void)
{
	struct spmm_args a;
	char err[200];
	memset(&a, 0x5a, sizeof(a));
	struct spmm_args before = a;
	CHECK(parse(&a, err, 2, "--bogus") == -1 &&
		  strstr(err, "unknown option '--bogus'"),
	      "unknown option: %s", err);
	CHECK(!memcmp(&a, &before, sizeof(a)), "nothing touched on error");
	CHECK(parse(&a, err, 3, "--sleep-ms", "0") == -1 &&
		  strstr(err, "bad value '0'"),
	      "out of range: %s", err);
	CHECK(parse(&a, err, 3, "--secure", "2") == -1, "not a bool");
	CHECK(parse(&a, err, 3, "--pages-per-step", "-1") == -1, "negative");
	CHECK(parse(&a, err, 3, "--pages-per-step", "12x") == -1, "trailing");
	CHECK(parse(&a, err, 2, "--max-mib") == -1 && strstr(err, "bad value"),
	      "missing value: %s", err);
	CHECK(parse(&a, err, 3, "--max-sharing", "1") == -1 &&
		  strstr(err, "invalid policy"),
	      "policy check: %s", err);
	CHECK(parse(&a, err, 3, "a", "a") == -1 && strstr(err, "twice"),
	      "duplicate channel: %s", err);
	CHECK(parse(&a, err, 2, "vm=x") == -1 && strstr(err, "bad domain"),
	      "bad domain: %s", err);
	CHECK(parse(&a, err, 2, "=3") == -1, "empty name");
	CHECK(parse(&a, err, 2, "") == -1, "empty argument");
	char long_name[100];
	memset(long_name, 'n', 99);
	long_name[99] = 0;
	CHECK(parse(&a, err, 2, long_name) == -1, "name too long");
}

TESTS_MAIN(T(defaults), T(every_option), T(channels_and_domains), T(errors))
