/*
 * ksm_vs_spmm.c - the same content mix merged by Linux KSM and by spmm's
 * engine, on this machine: CPU and wall time to reach 90% and 100% of the
 * saving the mix allows, against the machine's memory read bandwidth.
 *
 * The mix (mix.h) is written once into Linux anonymous memory (mmap,
 * filled, MADV_MERGEABLE) and scanned by ksmd, whose CPU time comes from
 * /proc/<ksmd>/stat; and once into spmm spaces on the simulated MMU
 * (filled through sim_access like a guest writing its RAM), scanned by
 * spm_scan() steps in a loop, timed on the thread's CPU clock.  Every KSM
 * knob written is restored at exit, also on SIGINT/SIGTERM.
 *
 * Output: a table, the ratios spmm/KSM, the machine, and last one line of
 * key=value pairs (see usage below).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "ksm.h"
#include "mix.h"
#include "spmm_side.h"

static const char usage[] =
    "usage: ksm_vs_spmm [options]\n"
    "\n"
    "Lays out one content mix twice, in Linux anonymous memory for KSM and\n"
    "in spmm's engine on the simulated MMU, and measures the CPU and wall\n"
    "time each needs to reach 90% and 100% of the saving the mix allows.\n"
    "The KSM side needs root and /sys/kernel/mm/ksm; every KSM setting it\n"
    "changes is restored at exit.\n"
    "\n"
    "Mix:\n"
    "  --regions N            regions (default 4)\n"
    "  --mib N                MiB per region (default 256)\n"
    "  --zero-pct N           zero pages, percent (default 20)\n"
    "  --dup-pct N            copies of template pages, percent (default 50)\n"
    "  --templates N          template pages, random content (default 64)\n"
    "  --rewrite-pct N        pages rewritten every tick, percent, taken\n"
    "                         from the unique pages (default 0)\n"
    "  --tick-ms N            writer tick, ms (default 100)\n"
    "  --seed N               random seed (default 1)\n"
    "KSM:\n"
    "  --no-ksm               measure spmm only\n"
    "  --ksm-pages-to-scan N  pages_to_scan (default 5000)\n"
    "  --ksm-sleep-ms N       sleep_millisecs (default 1)\n"
    "  --ksm-zero-pages 0|1   use_zero_pages (default 1: zero pages map the\n"
    "                         zero page, as spmm's merge_zero does)\n"
    "  --ksm-thp              leave transparent huge pages on for the KSM\n"
    "                         regions (default: MADV_NOHUGEPAGE, 4 KiB\n"
    "                         pages as spmm sees them)\n"
    "  --poll-ms N            KSM counter polling period (default 2)\n"
    "spmm:\n"
    "  --spmm-pages-per-step N  pages per spm_scan() step (default 5000)\n"
    "  --spmm-sleep-ms N      sleep between steps (default 0)\n"
    "Both:\n"
    "  --time-limit S         give up after S seconds per system (default "
    "600)\n"
    "  --help                 this text\n"
    "\n"
    "The last line of output is\n"
    "  spmm_cpu_us_per_page=X ksm_cpu_us_per_page=X|na cpu_ratio=X|na "
    "pass_us_per_page=X\n"
    "  read_limit_us_per_page=X metadata_bytes_per_page=X\n"
    "where cpu_us_per_page is the CPU to reach 100% over all pages of the "
    "mix,\n"
    "pass_us_per_page spmm's CPU for one full pass over unchanged memory "
    "after\n"
    "convergence, per page, and read_limit_us_per_page the time to read a "
    "page\n"
    "at this machine's single-core read bandwidth.\n";

struct opts {
	struct mix_params mix;
	uint64_t tick_ms;
	bool no_ksm, ksm_thp;
	uint64_t ksm_pages_to_scan, ksm_sleep_ms, ksm_zero_pages, poll_ms;
	uint64_t spmm_pages_per_step, spmm_sleep_ms;
	uint64_t time_limit;
};

/* ---- command line ---------------------------------------------------- */

static int parse_opts(struct opts *o, int argc, char **argv, char *err,
		      size_t len)
{
	uint64_t v;
	uint64_t regions = 4, zero = 20, dup = 50, templates = 64, rewrite = 0;
	*o = (struct opts){.mix = {.mib = 256, .seed = 1},
			   .tick_ms = 100,
			   .ksm_pages_to_scan = 5000,
			   .ksm_sleep_ms = 1,
			   .ksm_zero_pages = 1,
			   .poll_ms = 2,
			   .spmm_pages_per_step = 5000,
			   .time_limit = 600};
	static const struct {
		const char *name;
		uint64_t lo, hi;
		int slot;
	} num[] = {
	    {"regions", 1, 64, 0},
	    {"mib", 1, 1u << 20, 1},
	    {"zero-pct", 0, 100, 2},
	    {"dup-pct", 0, 100, 3},
	    {"templates", 1, 1u << 24, 4},
	    {"rewrite-pct", 0, 100, 5},
	    {"tick-ms", 1, 3600000, 6},
	    {"seed", 0, UINT64_MAX, 7},
	    {"ksm-pages-to-scan", 1, 1000000, 8},
	    {"ksm-sleep-ms", 0, 60000, 9},
	    {"ksm-zero-pages", 0, 1, 10},
	    {"poll-ms", 1, 1000, 11},
	    {"spmm-pages-per-step", 1, 1u << 24, 12},
	    {"spmm-sleep-ms", 0, 60000, 13},
	    {"time-limit", 1, 86400, 14},
	};
	uint64_t *slot[] = {&regions,
			    &o->mix.mib,
			    &zero,
			    &dup,
			    &templates,
			    &rewrite,
			    &o->tick_ms,
			    &o->mix.seed,
			    &o->ksm_pages_to_scan,
			    &o->ksm_sleep_ms,
			    &o->ksm_zero_pages,
			    &o->poll_ms,
			    &o->spmm_pages_per_step,
			    &o->spmm_sleep_ms,
			    &o->time_limit};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!strcmp(a, "--no-ksm")) {
			o->no_ksm = true;
			continue;
		}
		if (!strcmp(a, "--ksm-thp")) {
			o->ksm_thp = true;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, len, "unexpected argument '%s'", a);
			return -1;
		}
		const char *name = a + 2, *eq = strchr(name, '='), *val;
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		size_t k;
		for (k = 0; k < sizeof(num) / sizeof(num[0]); k++)
			if (strlen(num[k].name) == nlen &&
			    !strncmp(num[k].name, name, nlen))
				break;
		if (k == sizeof(num) / sizeof(num[0])) {
			snprintf(err, len, "unknown option '%s'", a);
			return -1;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, len, "--%s needs a value", num[k].name);
			return -1;
		}
		if (spmm_parse_u64(val, num[k].lo, num[k].hi, &v)) {
			snprintf(err, len,
				 "--%s: '%s' is not a whole number from %llu "
				 "to %llu",
				 num[k].name, val,
				 (unsigned long long)num[k].lo,
				 (unsigned long long)num[k].hi);
			return -1;
		}
		*slot[num[k].slot] = v;
	}
	if (zero + dup + rewrite > 100) {
		snprintf(err, len,
			 "--zero-pct + --dup-pct + --rewrite-pct is %u, more "
			 "than 100",
			 (unsigned)(zero + dup + rewrite));
		return -1;
	}
	if ((unsigned long long)regions * o->mix.mib * 256ull >= (1ull << 32)) {
		snprintf(err, len, "--regions x --mib: at most 16 TiB");
		return -1;
	}
	o->mix.regions = (unsigned)regions;
	o->mix.zero_pct = (unsigned)zero;
	o->mix.dup_pct = (unsigned)dup;
	o->mix.rewrite_pct = (unsigned)rewrite;
	o->mix.templates = (uint32_t)templates;
	return 0;
}

/* ---- small helpers --------------------------------------------------- */

/* KSM's knobs go back (and its regions away) before the process does. */
static void on_signal(int sig)
{
	ksm_restore();
	_exit(128 + sig);
}

static uint64_t at_least_1(uint64_t v)
{
	return v ? v : 1;
}

static double wall(void)
{
	return spmm_now(CLOCK_MONOTONIC);
}

static void sleep_ms(double ms)
{
	if (ms <= 0)
		return;
	struct timespec ts = {
	    (time_t)(ms / 1000),
	    (long)((ms - 1000.0 * (double)(time_t)(ms / 1000)) * 1e6)};
	nanosleep(&ts, NULL);
}

static double mib_of(uint64_t pages)
{
	return (double)pages * MIX_PAGE / (1024.0 * 1024.0);
}

static uint64_t meminfo_kib(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	uint64_t v = 0;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':')
			v = strtoull(line + kl + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];
	snprintf(buf, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		const char *c = strchr(line, ':');
		if (c) {
			c += 1 + (c[1] == ' ');
			snprintf(buf, len, "%.*s", (int)strcspn(c, "\n"), c);
		}
		break;
	}
	if (f)
		fclose(f);
}

/* ---- the mix in Linux memory, and the read limit --------------------- */

struct linux_mem {
	unsigned char **reg;
	unsigned n;
	size_t bytes; /* per region */
};

static int linux_fill(struct linux_mem *lm, const struct mix *m, bool thp,
		      char *err, size_t len)
{
	lm->n = 0;
	lm->bytes = m->region_pages * MIX_PAGE;
	lm->reg = calloc(m->p.regions, sizeof(*lm->reg));
	if (!lm->reg) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (unsigned r = 0; r < m->p.regions; r++) {
		void *p = mmap(NULL, lm->bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			snprintf(err, len, "mmap of %zu bytes: %s", lm->bytes,
				 strerror(errno));
			return -1;
		}
		lm->reg[lm->n++] = p;
		if (!thp)
			(void)madvise(p, lm->bytes, MADV_NOHUGEPAGE);
		for (uint64_t pg = 0; pg < m->region_pages; pg++)
			mix_page(m, r * m->region_pages + pg,
				 lm->reg[r] + pg * MIX_PAGE);
	}
	return 0;
}

static void linux_free(struct linux_mem *lm)
{
	for (unsigned r = 0; r < lm->n; r++)
		if (lm->reg[r])
			munmap(lm->reg[r], lm->bytes);
	free(lm->reg);
	lm->reg = NULL;
	lm->n = 0;
}

static uint64_t read_all(const struct linux_mem *lm)
{
	uint64_t a = 0, b = 0, c = 0, d = 0;
	for (unsigned r = 0; r < lm->n; r++) {
		const uint64_t *w = (const uint64_t *)(void *)lm->reg[r];
		size_t n = lm->bytes / 8;
		for (size_t i = 0; i < n; i += 4) {
			a += w[i];
			b += w[i + 1];
			c += w[i + 2];
			d += w[i + 3];
		}
	}
	return a + b + c + d;
}

struct read_limit {
	double s;    /* one read of all memory, best run */
	double gbps; /* 1e9 bytes per second */
	double us_per_page;
};

static struct read_limit measure_read(const struct linux_mem *lm,
				      uint64_t pages)
{
	volatile uint64_t sink = read_all(lm); /* warm-up: TLB, caches */
	double best = 1e30;
	for (int k = 0; k < 5; k++) {
		double t0 = wall();
		sink += read_all(lm);
		double t = wall() - t0;
		if (t < best)
			best = t;
	}
	(void)sink;
	struct read_limit rl = {.s = best};
	rl.gbps = (double)pages * MIX_PAGE / best / 1e9;
	rl.us_per_page = best / (double)pages * 1e6;
	return rl;
}

/* The engine's content hash alone over all memory (best of 3): the floor
 * of any pass that has to read pages. */
static double measure_hash(const struct linux_mem *lm, uint64_t seed)
{
	volatile uint64_t sink = 0;
	double best = 1e30;
	for (int k = 0; k < 3; k++) {
		double t0 = wall();
		uint64_t h = 0;
		for (unsigned r = 0; r < lm->n; r++)
			for (size_t off = 0; off < lm->bytes; off += MIX_PAGE)
				h ^= spm_hash_page(lm->reg[r] + off, seed);
		sink += h;
		double t = wall() - t0;
		if (t < best)
			best = t;
	}
	(void)sink;
	return best;
}

/* ---- results --------------------------------------------------------- */

struct result {
	bool ran;
	char why[256]; /* skipped: the reason */
	bool got90, got100;
	double cpu90, cpu100, wall90, wall100;
	double cpu_end, wall_end; /* at the end of the convergence run */
	uint64_t saved_end, expected;
	uint64_t scanned100, hashed100, full_scans100;
	double meta_per_page;
	/* after convergence */
	bool have_pass;
	double pass_cpu, pass2_cpu;
	uint64_t pass_pages, pass_hashed, pass2_hashed;
};

static void mark(struct result *r, uint64_t saved, uint64_t expected,
		 double cpu, double t)
{
	if (!r->got90 && saved * 10 >= expected * 9) {
		r->got90 = true;
		r->cpu90 = cpu;
		r->wall90 = t;
	}
	if (!r->got100 && saved >= expected) {
		r->got100 = true;
		r->cpu100 = cpu;
		r->wall100 = t;
	}
}

/* ---- KSM ------------------------------------------------------------- */

/* What KSM has done for this process: /proc/self/ksm_stat, and the
 * global counters (which include other processes' pages). */
struct ksm_now {
	long long merging, zero, rmap_items; /* this process */
	long long shared, scanned, full_scans, chains;
};

static void ksm_now(struct ksm_now *k)
{
	k->merging = ksm_self_stat("ksm_merging_pages");
	k->zero = ksm_self_stat("ksm_zero_pages");
	k->rmap_items = ksm_self_stat("ksm_rmap_items");
	k->shared = ksm_get("pages_shared");
	k->scanned = ksm_get("pages_scanned");
	k->full_scans = ksm_get("full_scans");
	k->chains = ksm_get("stable_node_chains");
}

/*
 * Pages of this process that need no frame of their own: KSM's
 * pages_sharing + ksm_zero_pages, counted for our pages only (other
 * processes may have mergeable memory too).  Each KSM page that our pages
 * map saves one page less than it has mappers; we cannot count those KSM
 * pages per process, but there is at most one per content of the mix
 * (max_page_sharing allows all copies on one), and no more than KSM's
 * global pages_shared grew by.  Exact once every copy is merged.
 */
static uint64_t ksm_saving(const struct ksm_now *k, const struct ksm_now *k0,
			   uint64_t contents, bool zero_pages)
{
	long long pages = k->merging - k0->merging;
	long long ksm_pages = k->shared - k0->shared;
	if (ksm_pages > (long long)contents)
		ksm_pages = (long long)contents;
	if (ksm_pages > pages)
		ksm_pages = pages;
	if (ksm_pages < 0)
		ksm_pages = 0;
	long long s = pages - ksm_pages + (zero_pages ? k->zero - k0->zero : 0);
	return s > 0 ? (uint64_t)s : 0;
}

/* KSM's bookkeeping for our pages: an rmap_item per page it looked at,
 * a stable node per KSM page (and per chain). */
static double ksm_meta_per_page(const struct mix *m, const struct ksm_now *k,
				const struct ksm_now *k0, uint64_t contents)
{
	long long nodes = k->shared - k0->shared;
	if (nodes > (long long)contents)
		nodes = (long long)contents;
	nodes += k->chains - k0->chains;
	if (k->rmap_items < 0)
		return 0;
	return ((double)k->rmap_items *
		    (double)ksm_slab_size("ksm_rmap_item", 64) +
		(double)nodes * (double)ksm_slab_size("ksm_stable_node", 64)) /
	       (double)m->npages;
}

static int ksm_setn(const char *knob, uint64_t v, struct result *r)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	int e = ksm_set(knob, buf);
	if (e)
		snprintf(r->why, sizeof(r->why), "cannot set %s=%s: %s", knob,
			 buf, strerror(-e));
	return e;
}

/* Knobs for the run; what was decided is printed.  0 or -1 (r->why). */
static int ksm_configure(const struct opts *o, uint64_t need_sharing,
			 struct result *r)
{
	char s[64], was_run[16] = "?";
	ksm_get_str("run", was_run, sizeof(was_run));
	/* Knobs that need an empty stable tree are only touched when KSM
	 * was off with nothing merged: then the restore can unmerge all. */
	bool idle = !strcmp(was_run, "0") && ksm_get("pages_shared") == 0;
	if (ksm_set("run", "0")) {
		snprintf(r->why, sizeof(r->why), "cannot stop ksmd");
		return -1;
	}
	if (!ksm_get_str("advisor_mode", s, sizeof(s)) &&
	    strcmp(s, "none") != 0 && ksm_set("advisor_mode", "none")) {
		snprintf(r->why, sizeof(r->why), "cannot set advisor_mode");
		return -1;
	}
	if (ksm_setn("pages_to_scan", o->ksm_pages_to_scan, r) ||
	    ksm_setn("sleep_millisecs", o->ksm_sleep_ms, r))
		return -1;
	if (ksm_get("use_zero_pages") != (long long)o->ksm_zero_pages &&
	    ksm_setn("use_zero_pages", o->ksm_zero_pages, r))
		return -1;
	/* Every copy of a content must be able to share one KSM page, as in
	 * spmm (no limit there); otherwise KSM needs extra frames
	 * (stable_node_dups) and could not reach the same saving. */
	long long cur = ksm_get("max_page_sharing");
	if (cur >= 0 && cur < (long long)need_sharing) {
		if (!idle)
			printf("ksm: max_page_sharing=%lld stays (KSM was in "
			       "use); 100%% may be out of reach\n",
			       cur);
		else if (ksm_setn("max_page_sharing", need_sharing, r))
			return -1;
	}
	if (ksm_get("merge_across_nodes") == 0) {
		if (!idle)
			printf("ksm: merge_across_nodes=0 stays (KSM was in "
			       "use); 100%% may be out of reach\n");
		else if (ksm_setn("merge_across_nodes", 1, r))
			return -1;
	}
	return 0;
}

static void ksm_rewrite(const struct linux_mem *lm, const struct mix *m,
			uint64_t version)
{
	for (uint64_t k = 0; k < m->nvolatile; k++) {
		uint64_t g = m->volatile_pages[k];
		struct mix_rewrite w = mix_rewrite(g, version);
		unsigned char *p = lm->reg[g / m->region_pages] +
				   (g % m->region_pages) * MIX_PAGE + w.offset;
		memcpy(p, &w.value, sizeof(w.value));
	}
}

static void thp_mode(char *buf, size_t len)
{
	snprintf(buf, len, "?");
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char line[128];
	if (f && fgets(line, sizeof(line), f)) {
		const char *lb = strchr(line, '['), *rb = strchr(line, ']');
		if (lb && rb > lb)
			snprintf(buf, len, "%.*s", (int)(rb - lb - 1), lb + 1);
	}
	if (f)
		fclose(f);
}

static void ksm_report_others(const char *when)
{
	long long items;
	char names[256];
	int n = ksm_others(getpid(), &items, names, sizeof(names));
	if (n > 0)
		printf("ksm: WARNING: %s, %d other process(es) have mergeable "
		       "memory (%lld rmap_items): %s; ksmd scans them too, so "
		       "its CPU time is not ours alone\n",
		       when, n, items, names);
}

/* The KSM side; *steady_cpu: ksmd CPU of one full scan after convergence
 * (-1 if not measured). */
static void ksm_run(const struct opts *o, const struct mix *m,
		    struct linux_mem *lm, struct result *r, double *steady_cpu)
{
	*steady_cpu = -1;
	if (o->no_ksm) {
		snprintf(r->why, sizeof(r->why), "--no-ksm");
		return;
	}
	if (ksm_usable(r->why, sizeof(r->why)))
		return;
	pid_t ksmd = ksm_ksmd_pid();
	bool zp = o->ksm_zero_pages;
	/* Without use_zero_pages the zero pages are one more content that
	 * needs a KSM page: one page less to save than spmm's zero frame. */
	uint64_t contents = m->templates_used + (!zp && m->nzero);
	uint64_t expected = m->expected_saving - (!zp && m->nzero);
	uint64_t all_merged = m->ndup + (zp ? 0 : m->nzero);
	uint64_t most = m->max_copies > (zp ? 0 : m->nzero)
			    ? m->max_copies
			    : (zp ? 0 : m->nzero);
	r->expected = expected;
	ksm_baseline();
	if (ksm_configure(o, most + 1, r)) {
		ksm_restore();
		return;
	}
	for (unsigned i = 0; i < lm->n; i++) {
		if (madvise(lm->reg[i], lm->bytes, MADV_MERGEABLE)) {
			snprintf(r->why, sizeof(r->why),
				 "madvise(MADV_MERGEABLE): %s",
				 strerror(errno));
			ksm_restore();
			return;
		}
		ksm_track(lm->reg[i], lm->bytes);
	}
	char thp[32], smart[32] = "?";
	thp_mode(thp, sizeof(thp));
	ksm_get_str("smart_scan", smart, sizeof(smart));
	printf("ksm: pages_to_scan=%lld sleep_millisecs=%lld "
	       "use_zero_pages=%d max_page_sharing=%lld smart_scan=%s "
	       "advisor_mode=none; regions %s (system THP: %s)\n",
	       ksm_get("pages_to_scan"), ksm_get("sleep_millisecs"), zp,
	       ksm_get("max_page_sharing"), smart,
	       o->ksm_thp ? "may use THP" : "MADV_NOHUGEPAGE", thp);
	printf("ksm: use_zero_pages=%d: %s\n", zp,
	       zp ? "zero pages map the kernel's zero page, as spmm maps them "
		    "to its zero frame: the same saving for both"
		  : "zero pages merge into one KSM page like any content "
		    "(one page less to save than spmm)");
	ksm_report_others("at start");
	fflush(stdout);

	struct ksm_now k0, k;
	ksm_now(&k0);
	double cpu0 = ksm_task_cpu_s(ksmd), sched0 = ksm_task_sched_s(ksmd);
	double t0 = wall(), next_tick = (double)o->tick_ms / 1000.0;
	uint64_t version = 0;
	if (ksm_set("run", "1")) {
		snprintf(r->why, sizeof(r->why), "cannot start ksmd");
		ksm_restore();
		return;
	}
	r->ran = true;
	double t = 0, cpu = 0;
	uint64_t saved = 0;
	for (;;) {
		sleep_ms((double)o->poll_ms);
		t = wall() - t0;
		if (m->nvolatile && t >= next_tick) {
			ksm_rewrite(lm, m, ++version);
			next_tick += (double)o->tick_ms / 1000.0;
		}
		ksm_now(&k);
		cpu = ksm_task_cpu_s(ksmd) - cpu0;
		saved = ksm_saving(&k, &k0, contents, zp);
		bool done = (uint64_t)(k.merging - k0.merging) >= all_merged &&
			    (!zp || (uint64_t)(k.zero - k0.zero) >= m->nzero);
		if (done && saved < expected)
			saved = expected; /* every copy merged */
		bool had100 = r->got100;
		mark(r, saved, expected, cpu, t);
		if (r->got100 && !had100) {
			r->scanned100 = (uint64_t)(k.scanned - k0.scanned);
			r->full_scans100 =
			    (uint64_t)(k.full_scans - k0.full_scans);
			r->meta_per_page =
			    ksm_meta_per_page(m, &k, &k0, contents);
		}
		if (r->got100 || t >= (double)o->time_limit)
			break;
	}
	r->cpu_end = cpu;
	r->wall_end = t;
	r->saved_end = saved;
	if (!r->got100)
		r->meta_per_page = ksm_meta_per_page(m, &k, &k0, contents);
	double sched = ksm_task_sched_s(ksmd) - sched0;
	ksm_report_others("at convergence");
	if (r->got100) {
		/* KSM's steady state: one complete scan after convergence */
		long long fs = ksm_get("full_scans");
		double c1 = -1, tl = wall() + (double)o->time_limit;
		while (wall() < tl) {
			sleep_ms((double)o->poll_ms);
			long long now_fs = ksm_get("full_scans");
			if (now_fs < fs + 1)
				continue;
			if (c1 >= 0) {
				*steady_cpu = ksm_task_cpu_s(ksmd) - c1;
				break;
			}
			c1 = ksm_task_cpu_s(ksmd);
			fs = now_fs;
		}
	}
	printf("ksm: %s after %.2f s wall: saving %llu of %llu pages "
	       "(%.1f%%), ksmd cpu %.2f s (stat) / %.3f s (schedstat), "
	       "full_scans %llu, rmap_items %lld\n",
	       r->got100 ? "converged" : "gave up", r->wall_end,
	       (unsigned long long)saved, (unsigned long long)expected,
	       100.0 * (double)saved / (double)at_least_1(expected), r->cpu_end,
	       sched, (unsigned long long)r->full_scans100, k.rmap_items);
	ksm_restore(); /* unmaps the regions too */
	for (unsigned i = 0; i < lm->n; i++)
		lm->reg[i] = NULL;
	const char *bad = ksm_restore_failures();
	if (*bad)
		printf("ksm: WARNING: could not restore %s\n", bad);
	else
		printf("ksm: settings restored (run=%lld max_page_sharing=%lld "
		       "pages_shared=%lld)\n",
		       ksm_get("run"), ksm_get("max_page_sharing"),
		       ksm_get("pages_shared"));
}

/* ---- spmm ------------------------------------------------------------ */

static int spmm_run(const struct opts *o, const struct mix *m, uint64_t key,
		    struct result *r)
{
	struct spmm_side b;
	char err[256];
	double f0 = wall();
	if (spmm_side_init(&b, m, (uint32_t)o->spmm_pages_per_step, key, err,
			   sizeof(err))) {
		fprintf(stderr, "ksm_vs_spmm: spmm: %s\n", err);
		return -1;
	}
	printf("spmm: %u spaces filled through sim_access in %.2f s; "
	       "policy defaults (merge_zero=1 merge_first_pass=1 "
	       "track_dirty=1), %llu pages per step, sleep %llu ms\n",
	       b.n, wall() - f0, (unsigned long long)o->spmm_pages_per_step,
	       (unsigned long long)o->spmm_sleep_ms);
	fflush(stdout);
	r->ran = true;
	double t0 = wall(), t = 0, next_tick = (double)o->tick_ms / 1000.0;
	uint64_t version = 0, saved = 0;
	struct spm_stats st;
	for (;;) {
		t = wall() - t0;
		if (m->nvolatile && t >= next_tick) {
			if (spmm_side_rewrite(&b, m, ++version))
				fprintf(stderr, "spmm: a rewrite failed\n");
			next_tick += (double)o->tick_ms / 1000.0;
		}
		if (spmm_side_scan(&b, 0) < 0)
			break;
		t = wall() - t0;
		saved = spmm_side_saved(&b);
		bool had100 = r->got100;
		mark(r, saved, m->expected_saving, b.cpu_s, t);
		if (r->got100 && !had100) {
			spm_stats(b.e, &st);
			r->scanned100 = st.pages_scanned;
			r->hashed100 = st.pages_hashed;
			r->full_scans100 = st.full_scans;
			r->meta_per_page =
			    (double)st.metadata_bytes / (double)st.pages_total;
		}
		if (r->got100 || t >= (double)o->time_limit)
			break;
		sleep_ms((double)o->spmm_sleep_ms);
	}
	r->cpu_end = b.cpu_s;
	r->wall_end = t;
	r->saved_end = saved;
	if (!r->got100) {
		spm_stats(b.e, &st);
		r->meta_per_page =
		    (double)st.metadata_bytes / (double)st.pages_total;
	}
	{
		/* Unchanged memory (the writer is off now): one complete pass
		 * after convergence, and the one after it. */
		spmm_side_finish_pass(&b);
		spm_stats(b.e, &st);
		uint64_t h0 = st.pages_hashed;
		r->pass_pages = spmm_side_pass(&b, &r->pass_cpu);
		spm_stats(b.e, &st);
		r->pass_hashed = st.pages_hashed - h0;
		h0 = st.pages_hashed;
		spmm_side_pass(&b, &r->pass2_cpu);
		spm_stats(b.e, &st);
		r->pass2_hashed = st.pages_hashed - h0;
		r->have_pass = true;
	}
	spm_stats(b.e, &st);
	char msg[256] = "";
	int bad = spm_check(b.e, msg, sizeof(msg));
	printf("spmm: %s after %.2f s wall: saving %llu of %llu pages "
	       "(%.1f%%), engine cpu %.3f s, full_scans %llu, pages_hashed "
	       "%llu (at 100%%), metadata %llu bytes; spm_check: %s; "
	       "simulated MMU: %s\n",
	       r->got100 ? "converged" : "gave up", r->wall_end,
	       (unsigned long long)r->saved_end,
	       (unsigned long long)m->expected_saving,
	       100.0 * (double)r->saved_end /
		   (double)at_least_1(m->expected_saving),
	       r->cpu_end, (unsigned long long)r->full_scans100,
	       (unsigned long long)r->hashed100,
	       (unsigned long long)st.metadata_bytes, bad ? msg : "ok",
	       b.sim.bugs ? b.sim.bug : "ok");
	if (r->saved_end > m->expected_saving)
		printf("spmm: WARNING: saved more pages than the mix allows\n");
	spmm_side_fini(&b);
	return bad || b.sim.bugs ? -1 : 0;
}

/* ---- report ---------------------------------------------------------- */

static void cell(char *buf, size_t len, bool ok, double v, const char *fmt)
{
	if (ok)
		snprintf(buf, len, fmt, v);
	else
		snprintf(buf, len, "na");
}

static void row(const char *name, const struct result *r, uint64_t pages)
{
	char c90[32], c100[32], w90[32], w100[32], upp[32], sc[32], md[32];
	cell(c90, sizeof(c90), r->got90, r->cpu90, "%.3f");
	cell(c100, sizeof(c100), r->got100, r->cpu100, "%.3f");
	cell(w90, sizeof(w90), r->got90, r->wall90, "%.3f");
	cell(w100, sizeof(w100), r->got100, r->wall100, "%.3f");
	cell(upp, sizeof(upp), r->got100, r->cpu100 / (double)pages * 1e6,
	     "%.3f");
	cell(sc, sizeof(sc), r->got100, (double)r->scanned100, "%.0f");
	cell(md, sizeof(md), r->ran && r->meta_per_page > 0, r->meta_per_page,
	     "%.2f");
	printf("%-6s %10s %11s %10s %11s %16s %14s %24s\n", name, c90, c100,
	       w90, w100, upp, sc, md);
}

static void ratio(const char *what, bool ok, double a, double b)
{
	if (ok && b > 0)
		printf("  %-26s %.3f\n", what, a / b);
	else
		printf("  %-26s na\n", what);
}

int main(int argc, char **argv)
{
	struct opts o;
	char err[512];
	if (parse_opts(&o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "ksm_vs_spmm: %s\nTry 'ksm_vs_spmm --help'.\n",
			err);
		return 2;
	}
	atexit(ksm_restore);
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	struct mix m;
	if (mix_build(&m, &o.mix)) {
		fprintf(stderr, "ksm_vs_spmm: out of memory for the mix\n");
		return 1;
	}
	uint64_t need_kib = m.npages * 4 * 23 / 20; /* pages + 15% */
	uint64_t avail_kib = meminfo_kib("MemAvailable");
	if (avail_kib && need_kib > avail_kib) {
		fprintf(stderr,
			"ksm_vs_spmm: the mix needs about %llu MiB, only %llu "
			"MiB are available\n",
			(unsigned long long)(need_kib / 1024),
			(unsigned long long)(avail_kib / 1024));
		return 1;
	}
	printf("mix: %u regions x %llu MiB = %llu pages; zero %llu, copies of "
	       "%u templates %llu (%u templates used, at most %u copies of "
	       "one), rewritten every %llu ms %llu, unique %llu; seed %llu\n",
	       o.mix.regions, (unsigned long long)o.mix.mib,
	       (unsigned long long)m.npages, (unsigned long long)m.nzero,
	       o.mix.templates, (unsigned long long)m.ndup, m.templates_used,
	       m.max_copies, (unsigned long long)o.tick_ms,
	       (unsigned long long)m.nvolatile, (unsigned long long)m.nunique,
	       (unsigned long long)o.mix.seed);
	printf("mix: expected saving %llu pages (%.1f MiB, %.1f%%): every "
	       "zero page, and each used template's copies but one\n",
	       (unsigned long long)m.expected_saving, mib_of(m.expected_saving),
	       100.0 * (double)m.expected_saving / (double)m.npages);
	fflush(stdout);

	struct linux_mem lm;
	if (linux_fill(&lm, &m, o.ksm_thp, err, sizeof(err))) {
		fprintf(stderr, "ksm_vs_spmm: %s\n", err);
		linux_free(&lm);
		mix_free(&m);
		return 1;
	}
	struct read_limit rl = measure_read(&lm, m.npages);
	printf("read limit: %.1f MiB read in %.3f s (best of 5 after a "
	       "warm-up read, one core): %.2f GB/s, %.3f us per page\n",
	       mib_of(m.npages), rl.s, rl.gbps, rl.us_per_page);
	uint64_t key = o.mix.seed * 0x9E3779B97F4A7C15ull ^ 0x5eed;
	double hash_s = measure_hash(&lm, key);
	double hash_upp = hash_s / (double)m.npages * 1e6;
	printf("hash: spm_hash_page alone over the same memory in %.3f s "
	       "(best of 3): %.2f GB/s, %.3f us per page = %.2f x read "
	       "limit\n",
	       hash_s, (double)m.npages * MIX_PAGE / hash_s / 1e9, hash_upp,
	       hash_upp / rl.us_per_page);
	fflush(stdout);

	struct result ksm = {0}, spmm = {0};
	double ksm_steady = -1;
	ksm_run(&o, &m, &lm, &ksm, &ksm_steady);
	if (!ksm.ran)
		printf("ksm: skipped (%s)\n", ksm.why);
	linux_free(&lm);
	fflush(stdout);

	int bad = spmm_run(&o, &m, key, &spmm);

	/* the report */
	struct utsname u;
	char cpu[256];
	cpu_model(cpu, sizeof(cpu));
	uname(&u);
	printf("\nmachine: %s, %ld cores online, %llu MiB RAM; kernel %s %s "
	       "%s\n",
	       cpu, sysconf(_SC_NPROCESSORS_ONLN),
	       (unsigned long long)(meminfo_kib("MemTotal") / 1024), u.sysname,
	       u.release, u.version);
	printf("\n%-6s %10s %11s %10s %11s %16s %14s %24s\n", "system",
	       "cpu_s_90", "cpu_s_100", "wall_s_90", "wall_s_100",
	       "cpu_us_per_page", "pages_scanned", "metadata_bytes_per_page");
	if (ksm.ran)
		row("KSM", &ksm, m.npages);
	else
		printf("%-6s skipped (%s)\n", "KSM", ksm.why);
	row("spmm", &spmm, m.npages);
	printf("\nspmm/KSM:\n");
	ratio("cpu_s_90", ksm.got90 && spmm.got90, spmm.cpu90, ksm.cpu90);
	ratio("cpu_s_100 (cpu per page)", ksm.got100 && spmm.got100,
	      spmm.cpu100, ksm.cpu100);
	ratio("wall_s_90", ksm.got90 && spmm.got90, spmm.wall90, ksm.wall90);
	ratio("wall_s_100", ksm.got100 && spmm.got100, spmm.wall100,
	      ksm.wall100);
	ratio("metadata_bytes_per_page", ksm.got100, spmm.meta_per_page,
	      ksm.meta_per_page);
	if (!ksm.got100 && ksm.ran)
		printf("  KSM reached %llu of %llu pages (%.1f%%) in %.1f s, "
		       "ksmd cpu %.2f s\n",
		       (unsigned long long)ksm.saved_end,
		       (unsigned long long)ksm.expected,
		       100.0 * (double)ksm.saved_end /
			   (double)at_least_1(ksm.expected),
		       ksm.wall_end, ksm.cpu_end);

	double pass_upp =
	    spmm.have_pass ? spmm.pass_cpu / (double)spmm.pass_pages * 1e6 : -1;
	printf("\nspmm after convergence (memory unchanged):\n");
	if (spmm.have_pass) {
		printf("  first full pass:  %.3f s cpu, %llu pages, %llu "
		       "hashed, %.3f us/page = %.2f x read limit\n",
		       spmm.pass_cpu, (unsigned long long)spmm.pass_pages,
		       (unsigned long long)spmm.pass_hashed, pass_upp,
		       pass_upp / rl.us_per_page);
		double p2 = spmm.pass2_cpu / (double)spmm.pass_pages * 1e6;
		printf("  second full pass: %.3f s cpu, %llu hashed, %.3f "
		       "us/page = %.2f x read limit\n",
		       spmm.pass2_cpu, (unsigned long long)spmm.pass2_hashed,
		       p2, p2 / rl.us_per_page);
	}
	if (ksm_steady >= 0)
		printf("  (KSM: one full scan after convergence: ksmd cpu %.2f "
		       "s, %.3f us/page)\n",
		       ksm_steady, ksm_steady / (double)m.npages * 1e6);
	printf("  hash alone:       %.3f us/page = %.2f x read limit\n",
	       hash_upp, hash_upp / rl.us_per_page);
	printf("  read limit:       %.3f us/page (%.2f GB/s)\n", rl.us_per_page,
	       rl.gbps);
	printf("  spmm pages_scanned to 100%%: %llu, pages_hashed: %llu\n",
	       (unsigned long long)spmm.scanned100,
	       (unsigned long long)spmm.hashed100);

	char s_upp[32], k_upp[32], rat[32], p_upp[32];
	cell(s_upp, sizeof(s_upp), spmm.got100,
	     spmm.cpu100 / (double)m.npages * 1e6, "%.4f");
	cell(k_upp, sizeof(k_upp), ksm.got100,
	     ksm.cpu100 / (double)m.npages * 1e6, "%.4f");
	cell(rat, sizeof(rat), ksm.got100 && spmm.got100 && ksm.cpu100 > 0,
	     spmm.cpu100 / (ksm.cpu100 > 0 ? ksm.cpu100 : 1), "%.4f");
	cell(p_upp, sizeof(p_upp), spmm.have_pass, pass_upp, "%.4f");
	printf("\nspmm_cpu_us_per_page=%s ksm_cpu_us_per_page=%s "
	       "cpu_ratio=%s pass_us_per_page=%s read_limit_us_per_page=%.4f "
	       "metadata_bytes_per_page=%.2f\n",
	       s_upp, k_upp, rat, p_upp, rl.us_per_page, spmm.meta_per_page);
	mix_free(&m);
	return bad ? 1 : 0;
}
