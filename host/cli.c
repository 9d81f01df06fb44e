/*
 * cli.c - spmm-sim's command line (see cli.h).  Every number is checked
 * for syntax and range; nothing here touches files or exits.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char sim_usage[] =
    "usage: spmm-sim [options] [IMAGE...]\n"
    "\n"
    "Runs the spmm merging engine over guest memory on a simulated MMU and\n"
    "shows what it saves.  Each IMAGE is a raw memory image (a file per\n"
    "guest, e.g. from QEMU's dump-guest-memory, or any file).  Without\n"
    "images a built-in workload is made from shared libraries found on this\n"
    "machine: several guests booting the same system, plus zero, private\n"
    "and heap-like pages, and a writer that keeps dirtying pages.\n"
    "\n"
    "Run:\n"
    "  --passes N           stop after N full scans (default 30)\n"
    "  --seconds S          stop after S seconds (default 50)\n"
    "  --interval S         seconds between progress lines (default 1)\n"
    "  --quiet              no progress lines, only the summary\n"
    "  --dump DIR           write each guest's memory to DIR/guestN.img\n"
    "                       at the end (for host/count_pages.py)\n"
    "  --seed N             random seed (default 1)\n"
    "Workload (built-in):\n"
    "  --guests N           guests (default 4)\n"
    "  --guest-mib N        MiB per guest (default 128)\n"
    "  --zero-pct N         zero pages, percent (default 20)\n"
    "  --private-pct N      private random pages, percent (default 15)\n"
    "  --heap-pct N         heap-like pages, percent (default 15)\n"
    "  --write-rate N       pages per second the writer dirties (default:\n"
    "                       0.5% of all pages; 0 with images)\n"
    "  --write-share F      share of the run the writer is on (default\n"
    "                       0.5; the rest lets merging settle)\n"
    "  --domains N          guest i is in merge domain i mod N (default 1)\n"
    "Engine policy:\n"
    "  --pages-per-step N   pages per scanner step (default 4096)\n"
    "  --sleep-ms N         sleep between steps, ms (default 10)\n"
    "  --merge-zero 0|1     map zero pages to the zero frame (default 1)\n"
    "  --merge-first-pass 0|1  merge pages on first sight (default 1)\n"
    "  --track-dirty 0|1    write-protect pages that held still (default 1)\n"
    "  --secure 0|1         secure mode, no merge side channel (default 0)\n"
    "  --max-backoff N      longest skip of volatile pages, passes (def. 8)\n"
    "  --max-sharing N      pages per stable frame, 0 = no limit (def. 0)\n"
    "  --max-mib N          memory the engine may use, MiB (0 = no limit)\n"
    "  --target-pass-ms N   adapt steps so a full pass takes about N ms,\n"
    "                       slower while idle (0 = fixed steps, default)\n"
    "  --help               this text\n";

void sim_opts_default(struct sim_opts *o)
{
	memset(o, 0, sizeof(*o));
	spm_policy_default(&o->pol);
	o->pol.pages_per_step = 4096;
	o->pol.sleep_ms = 10;
	o->passes = 30;
	o->seconds = 50;
	o->guests = 4;
	o->guest_mib = 128;
	o->zero_pct = 20;
	o->private_pct = 15;
	o->heap_pct = 15;
	o->write_share = 0.5;
	o->domains = 1;
	o->seed = 1;
	o->interval = 1;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	if (!s || !*s || *s == ' ')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

enum kind { U64, U32, UNS, U8BOOL, DBL, STR, FLAG };

struct opt {
	const char *name;
	enum kind kind;
	size_t off;
	double lo, hi;
};

#define O(f) offsetof(struct sim_opts, f)
static const struct opt opts[] = {
    {"--passes", U64, O(passes), 1, 1e12},
    {"--seconds", DBL, O(seconds), 0.001, 1e9},
    {"--interval", DBL, O(interval), 0.01, 3600},
    {"--quiet", FLAG, O(quiet), 0, 0},
    {"--dump", STR, O(dump_dir), 0, 0},
    {"--seed", U64, O(seed), 0, 1.8e19},
    {"--guests", UNS, O(guests), 1, SIM_MAX_GUESTS},
    {"--guest-mib", U64, O(guest_mib), 1, 1 << 20},
    {"--zero-pct", UNS, O(zero_pct), 0, 100},
    {"--private-pct", UNS, O(private_pct), 0, 100},
    {"--heap-pct", UNS, O(heap_pct), 0, 100},
    {"--write-rate", DBL, O(write_rate), 0, 1e9},
    {"--write-share", DBL, O(write_share), 0, 1},
    {"--domains", UNS, O(domains), 1, SIM_MAX_GUESTS},
    {"--pages-per-step", U32, O(pol.pages_per_step), 1, 1 << 24},
    {"--sleep-ms", U32, O(pol.sleep_ms), 0, 60000},
    {"--merge-zero", U8BOOL, O(pol.merge_zero), 0, 1},
    {"--merge-first-pass", U8BOOL, O(pol.merge_first_pass), 0, 1},
    {"--track-dirty", U8BOOL, O(pol.track_dirty), 0, 1},
    {"--secure", U8BOOL, O(pol.secure), 0, 1},
    {"--max-backoff", U32, O(pol.max_backoff), 0, 1 << 15},
    {"--max-sharing", U32, O(pol.max_sharing), 0, 1u << 31},
    {"--max-mib", U64, O(max_mib), 0, 1 << 20},
    {"--target-pass-ms", U32, O(pol.target_pass_ms), 0, 86400000},
    {"--help", FLAG, O(help), 0, 0},
};

static int set_opt(struct sim_opts *o, const struct opt *d, const char *arg,
		   char *err, size_t errlen)
{
	char *base = (char *)o + d->off;
	uint64_t u;
	double v;
	switch (d->kind) {
	case FLAG:
		*(int *)(void *)base = 1;
		return 0;
	case STR:
		if (!*arg) {
			snprintf(err, errlen, "%s: empty argument", d->name);
			return -1;
		}
		*(const char **)(void *)base = arg;
		return 0;
	case DBL:
		if (parse_double(arg, d->lo, d->hi, &v))
			break;
		*(double *)(void *)base = v;
		if (!strcmp(d->name, "--write-rate"))
			o->write_rate_set = 1;
		return 0;
	default:
		if (parse_u64(arg, (uint64_t)d->lo, (uint64_t)d->hi, &u))
			break;
		if (d->kind == U64)
			*(uint64_t *)(void *)base = u;
		else if (d->kind == U32)
			*(uint32_t *)(void *)base = (uint32_t)u;
		else if (d->kind == UNS)
			*(unsigned *)(void *)base = (unsigned)u;
		else
			*(uint8_t *)(void *)base = (uint8_t)u;
		return 0;
	}
	snprintf(err, errlen,
		 "%s: bad value '%.40s' (expected a number from "
		 "%g to %g)",
		 d->name, arg, d->lo, d->hi);
	return -1;
}

int sim_opts_parse(struct sim_opts *o, int argc, char *const *argv, char *err,
		   size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-' || !a[1]) {
			if (o->nfiles == SIM_MAX_GUESTS) {
				snprintf(err, errlen, "at most %d images",
					 SIM_MAX_GUESTS);
				return -1;
			}
			o->files[o->nfiles++] = a;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t len = eq ? (size_t)(eq - a) : strlen(a);
		const struct opt *d = NULL;
		for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strlen(opts[k].name) == len &&
			    !strncmp(opts[k].name, a, len))
				d = &opts[k];
		if (!d) {
			snprintf(err, errlen, "unknown option '%.*s'",
				 (int)(len > 60 ? 60 : len), a);
			return -1;
		}
		const char *arg = NULL;
		if (d->kind != FLAG) {
			if (eq)
				arg = eq + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else {
				snprintf(err, errlen, "%s needs a value",
					 d->name);
				return -1;
			}
		} else if (eq) {
			snprintf(err, errlen, "%s takes no value", d->name);
			return -1;
		}
		if (set_opt(o, d, arg, err, errlen))
			return -1;
	}
	if (o->zero_pct + o->private_pct + o->heap_pct > 100) {
		snprintf(err, errlen,
			 "--zero-pct + --private-pct + --heap-pct "
			 "exceed 100");
		return -1;
	}
	if (o->max_mib)
		o->pol.max_frames = o->max_mib * 256;
	if (spm_policy_check(&o->pol)) {
		snprintf(err, errlen, "invalid policy (see --help)");
		return -1;
	}
	return 0;
}
