/*
 * args.c - the spmm server's command line (see args.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

const char spmm_args_usage[] =
    "usage: spmm [options] [CAP[=DOMAIN] ...]\n"
    "  CAP                      serve this capability (a channel from ned)\n"
    "                           as a factory; default: spmm.  Dataspaces of\n"
    "                           one channel share a merge domain; CAP=N puts\n"
    "                           channels into numbered domain N\n"
    "  --pages-per-step N       pages per scanner step (default 1024)\n"
    "  --sleep-ms N             pause between scanner steps (default 20)\n"
    "  --merge-zero 0|1         zero pages map the zero frame (default 1)\n"
    "  --merge-first-pass 0|1   merge pages on first sight (default 1)\n"
    "  --track-dirty 0|1        write-protect pages that held still (1)\n"
    "  --secure 0|1             no merge side channel (default 0)\n"
    "  --secure-domain N        secure mode for domain N only (repeatable)\n"
    "  --max-backoff N          longest skip of a changing page, passes (8)\n"
    "  --max-sharing N          pages per merged frame, 0: no limit (0)\n"
    "  --max-mib N              memory spmm may take from moe, MiB (0: any)\n"
    "  --max-ds-mib N           largest dataspace a client may create, MiB\n"
    "                           (16384; its page table costs 2 KiB per MiB)\n"
    "  --map-order N            largest block one read fault maps, log2\n"
    "                           bytes, 12 (a page) to 30 (default 12)\n"
    "  --lazy-zero 0|1          answer a zero page's first writable map\n"
    "                           read-only; the next one copies (default 0)\n"
    "  --target-pass-ms N       adapt steps so a full pass takes about N ms,\n"
    "                           slower while idle (0: fixed steps)\n"
    "  --stats-interval S       seconds between statistics lines (10; 0: "
    "off)\n"
    "  --verbose                log every dataspace created and destroyed\n";

int spmm_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

struct opt {
	const char *name;
	uint64_t lo, hi;
};

static const struct opt opts[] = {
    {"--pages-per-step", 1, 1u << 24},
    {"--sleep-ms", 1, 60000},
    {"--merge-zero", 0, 1},
    {"--merge-first-pass", 0, 1},
    {"--track-dirty", 0, 1},
    {"--secure", 0, 1},
    {"--max-backoff", 0, 1u << 15},
    {"--max-sharing", 0, 1u << 31},
    {"--max-mib", 0, (1u << 20) - 1},
    {"--stats-interval", 0, 86400},
    {"--target-pass-ms", 0, 86400000},
    {"--max-ds-mib", 1, 1u << 24},
    {"--map-order", 12, 30},
    {"--lazy-zero", 0, 1},
};

static void set(struct spmm_args *a, unsigned k, uint64_t v)
{
	struct spm_policy *p = &a->pol;
	switch (k) {
	case 0:
		p->pages_per_step = (uint32_t)v;
		break;
	case 1:
		p->sleep_ms = (uint32_t)v;
		break;
	case 2:
		p->merge_zero = (uint8_t)v;
		break;
	case 3:
		p->merge_first_pass = (uint8_t)v;
		break;
	case 4:
		p->track_dirty = (uint8_t)v;
		break;
	case 5:
		p->secure = (uint8_t)v;
		break;
	case 6:
		p->max_backoff = (uint32_t)v;
		break;
	case 7:
		p->max_sharing = (uint32_t)v;
		break;
	case 8:
		a->max_mib = v;
		break;
	case 9:
		a->stats_interval = (uint32_t)v;
		break;
	case 10:
		p->target_pass_ms = (uint32_t)v;
		break;
	case 11:
		a->max_ds_mib = v;
		break;
	case 12:
		a->max_map_order = (uint32_t)v;
		break;
	default:
		a->lazy_zero = (uint32_t)v;
		break;
	}
}

static int add_factory(struct spmm_args *a, const char *arg, char *err,
		       size_t errlen)
{
	if (a->nfactories == SPMM_MAX_FACTORIES) {
		snprintf(err, errlen, "at most %d channels",
			 SPMM_MAX_FACTORIES);
		return -1;
	}
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	if (!len || len > SPMM_CAP_NAME_MAX) {
		snprintf(err, errlen, "bad capability name '%.40s'", arg);
		return -1;
	}
	uint64_t dom = 0x80000000u + a->nfactories; /* its own domain */
	if (eq && spmm_parse_u64(eq + 1, 0, 0x7fffffffu, &dom)) {
		snprintf(err, errlen, "bad domain in '%.40s' (0 to 2^31-1)",
			 arg);
		return -1;
	}
	for (unsigned i = 0; i < a->nfactories; i++)
		if (strlen(a->factory[i].cap) == len &&
		    !strncmp(a->factory[i].cap, arg, len)) {
			snprintf(err, errlen, "channel '%.*s' given twice",
				 (int)len, arg);
			return -1;
		}
	memcpy(a->factory[a->nfactories].cap, arg, len);
	a->factory[a->nfactories].cap[len] = 0;
	a->factory[a->nfactories].domain = (uint32_t)dom;
	a->nfactories++;
	return 0;
}

int spmm_args_parse(struct spmm_args *a, int argc, char *const *argv, char *err,
		    size_t errlen)
{
	struct spmm_args t;
	memset(&t, 0, sizeof(t));
	spm_policy_default(&t.pol);
	t.stats_interval = 10;
	t.max_ds_mib = 16384;
	t.max_map_order = 12;
	t.lazy_zero = 0;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (!s || !*s) {
			snprintf(err, errlen, "empty argument");
			return -1;
		}
		if (s[0] != '-') {
			if (add_factory(&t, s, err, errlen))
				return -1;
			continue;
		}
		if (!strncmp(s, "--secure-domain", 15) &&
		    (s[15] == 0 || s[15] == '=')) {
			const char *v =
			    s[15] ? s + 16 : (i + 1 < argc ? argv[++i] : NULL);
			uint64_t n;
			if (!v || spmm_parse_u64(v, 0, 0x7fffffffu, &n) ||
			    t.nsecure == SPMM_MAX_FACTORIES) {
				snprintf(
				    err, errlen,
				    "--secure-domain: bad value '%.40s' (a "
				    "domain number from 0 to 2^31-1)",
				    v ? v : "");
				return -1;
			}
			t.secure_domain[t.nsecure++] = (uint32_t)n;
			continue;
		}
		if (!strcmp(s, "--verbose")) {
			t.verbose = 1;
			continue;
		}
		const char *eq = strchr(s, '=');
		size_t len = eq ? (size_t)(eq - s) : strlen(s);
		unsigned k;
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++)
			if (strlen(opts[k].name) == len &&
			    !strncmp(opts[k].name, s, len))
				break;
		if (k == sizeof(opts) / sizeof(opts[0])) {
			snprintf(err, errlen, "unknown option '%.*s'",
				 (int)(len > 40 ? 40 : len), s);
			return -1;
		}
		const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
		uint64_t n;
		if (!v || spmm_parse_u64(v, opts[k].lo, opts[k].hi, &n)) {
			snprintf(err, errlen,
				 "%s: bad value '%.40s' (a number from %llu to "
				 "%llu)",
				 opts[k].name, v ? v : "",
				 (unsigned long long)opts[k].lo,
				 (unsigned long long)opts[k].hi);
			return -1;
		}
		set(&t, k, n);
	}
	if (!t.nfactories)
		(void)add_factory(&t, "spmm", err, errlen);
	for (unsigned f = 0; f < t.nfactories; f++)
		for (unsigned k = 0; k < t.nsecure; k++)
			if (t.factory[f].domain == t.secure_domain[k])
				t.factory[f].secure = 1;
	if (t.max_mib)
		t.pol.max_frames = t.max_mib * 256;
	if (spm_policy_check(&t.pol)) {
		snprintf(err, errlen,
			 "invalid policy (--max-sharing 1, or "
			 "--max-mib too small?)");
		return -1;
	}
	*a = t;
	return 0;
}
