/*
 * spmm_sim.c - spmm-sim: the merging engine over several guests on the
 * simulated MMU, paced like the server (a scanner step, then a sleep),
 * showing memory saved over time, scan rate and the engine's CPU use.
 *
 * Progress: one line per --interval.  Last: one summary line of key=value
 * pairs (see README.md for every key).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sim.h"
#include "spm.h"
#include "workload.h"

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct guest {
	struct spm_space *s;
	uint64_t pages;
};

struct run {
	struct sim_opts o;
	struct sim sim;
	struct spm_engine *e;
	struct guest g[SIM_MAX_GUESTS];
	unsigned ng;
	double cpu_s;  /* engine CPU: scanner steps and faults after load */
	double load_s; /* CPU of loading the guests */
	uint64_t load_faults; /* faults taken while loading */
	uint64_t rng;
	uint64_t writes;
	uint64_t write_errors;
};

/* Engine work timed on this thread's CPU clock. */
#define ENGINE_CPU(r, stmt)                                       \
	do {                                                      \
		double t0_ = now(CLOCK_THREAD_CPUTIME_ID);        \
		stmt;                                             \
		(r)->cpu_s += now(CLOCK_THREAD_CPUTIME_ID) - t0_; \
	} while (0)

static int add_guest(struct run *r, uint64_t pages, const unsigned char *img,
		     char *err, size_t errlen)
{
	struct sim_space *sp = sim_space_new(pages);
	struct guest *g = &r->g[r->ng];
	uint32_t dom = r->ng % r->o.domains;
	int rc =
	    sp ? spm_space_create(r->e, pages * SPM_PAGE_SIZE, dom, sp, &g->s)
	       : -SPM_ENOMEM;
	if (rc) {
		sim_space_free(sp);
		snprintf(err, errlen, "guest %u: cannot create its space (%d)",
			 r->ng, rc);
		return -1;
	}
	g->pages = pages;
	r->ng++;
	/* The guest touches all its memory once, as a booted VM has. */
	rc = sim_access(&r->sim, r->e, g->s, 0, (void *)img,
			pages * SPM_PAGE_SIZE, true);
	if (rc) {
		snprintf(err, errlen,
			 "guest %u: out of memory while loading "
			 "(%d); raise --max-mib",
			 r->ng - 1, rc);
		return -1;
	}
	return 0;
}

static int load_images(struct run *r, char *err, size_t errlen)
{
	for (unsigned i = 0; i < r->o.nfiles; i++) {
		const char *path = r->o.files[i];
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			snprintf(err, errlen, "%.4000s: %s", path,
				 strerror(errno));
			return -1;
		}
		struct stat st;
		if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size == 0) {
			snprintf(err, errlen,
				 "%s: not a non-empty regular file", path);
			close(fd);
			return -1;
		}
		uint64_t pages =
		    ((uint64_t)st.st_size + SPM_PAGE_SIZE - 1) / SPM_PAGE_SIZE;
		unsigned char *img = calloc(pages, SPM_PAGE_SIZE);
		ssize_t got = 0;
		uint64_t have = 0;
		while (img && have < (uint64_t)st.st_size &&
		       (got = read(fd, img + have,
				   (uint64_t)st.st_size - have)) > 0)
			have += (uint64_t)got;
		close(fd);
		if (!img || have != (uint64_t)st.st_size) {
			snprintf(err, errlen, "%s: %s", path,
				 img ? "short read" : "out of memory");
			free(img);
			return -1;
		}
		int rc = add_guest(r, pages, img, err, errlen);
		free(img);
		if (rc)
			return -1;
	}
	return 0;
}

static int load_default(struct run *r, char *err, size_t errlen)
{
	static const char *const dirs[] = {"/usr/lib", "/usr/libexec",
					   "/usr/bin", NULL};
	struct wl_corpus c;
	uint64_t pages = r->o.guest_mib * 256;
	/* the same system in every guest: a corpus of about one guest */
	if (wl_corpus_load(&c, dirs, pages * SPM_PAGE_SIZE, err, errlen))
		return -1;
	unsigned char *img = malloc(pages * SPM_PAGE_SIZE);
	if (!img) {
		wl_corpus_free(&c);
		snprintf(err, errlen, "out of memory for a guest image");
		return -1;
	}
	struct wl_mix mix = {r->o.zero_pct, r->o.private_pct, r->o.heap_pct};
	int rc = 0;
	for (unsigned i = 0; i < r->o.guests && !rc; i++) {
		wl_guest_image(&c, &mix, i, r->o.seed, img, pages);
		rc = add_guest(r, pages, img, err, errlen);
	}
	free(img);
	wl_corpus_free(&c);
	return rc;
}

/* The writer: a client dirtying random pages with fresh content. */
static void write_some(struct run *r, uint64_t n)
{
	for (uint64_t k = 0; k < n; k++) {
		struct guest *g = &r->g[wl_rand(&r->rng) % r->ng];
		uint64_t pg = wl_rand(&r->rng) % g->pages;
		uint64_t v = wl_rand(&r->rng);
		unsigned off =
		    (unsigned)(wl_rand(&r->rng) % (SPM_PAGE_SIZE / 8));
		int rc;
		ENGINE_CPU(r, rc = sim_access(&r->sim, r->e, g->s,
					      pg * SPM_PAGE_SIZE + off * 8ull,
					      &v, 8, true));
		r->writes++;
		r->write_errors += rc != 0;
	}
}

static double mib(uint64_t pages)
{
	return (double)pages * SPM_PAGE_SIZE / (1024.0 * 1024.0);
}

static void progress(struct run *r, double t, double rate)
{
	struct spm_stats st;
	spm_stats(r->e, &st);
	uint64_t saved = st.pages_total - st.frames_in_use;
	printf("[%6.1fs] pass %-4llu saved %8.1f MiB (%4.1f%%)  shared %-7llu "
	       "sharing %-8llu zero %-8llu volatile %-6llu cow %-6llu  "
	       "scan %6.0fk pages/s  cpu %5.1f%%\n",
	       t, (unsigned long long)st.full_scans, mib(saved),
	       st.pages_total ? 100.0 * (double)saved / (double)st.pages_total
			      : 0.0,
	       (unsigned long long)st.pages_shared,
	       (unsigned long long)st.pages_sharing,
	       (unsigned long long)st.zero_pages,
	       (unsigned long long)st.pages_volatile,
	       (unsigned long long)st.cow_breaks, rate / 1000.0,
	       t > 0 ? 100.0 * r->cpu_s / t : 0.0);
	fflush(stdout);
}

static void summary(struct run *r, double t)
{
	struct spm_stats st;
	spm_stats(r->e, &st);
	uint64_t saved = st.pages_total - st.frames_in_use;
	printf("guests=%u pages_total=%llu frames_in_use=%llu saved_bytes=%llu "
	       "saved_mib=%.1f pages_shared=%llu pages_sharing=%llu "
	       "zero_pages=%llu pages_volatile=%llu full_scans=%llu "
	       "cow_breaks=%llu pages_scanned=%llu pages_hashed=%llu "
	       "alloc_failures=%llu writes=%llu client_faults=%llu "
	       "metadata_bytes=%llu "
	       "metadata_per_page=%.2f cpu_s=%.3f load_cpu_s=%.3f "
	       "elapsed_s=%.2f\n",
	       r->ng, (unsigned long long)st.pages_total,
	       (unsigned long long)st.frames_in_use,
	       (unsigned long long)(saved * SPM_PAGE_SIZE), mib(saved),
	       (unsigned long long)st.pages_shared,
	       (unsigned long long)st.pages_sharing,
	       (unsigned long long)st.zero_pages,
	       (unsigned long long)st.pages_volatile,
	       (unsigned long long)st.full_scans,
	       (unsigned long long)st.cow_breaks,
	       (unsigned long long)st.pages_scanned,
	       (unsigned long long)st.pages_hashed,
	       (unsigned long long)st.alloc_failures,
	       (unsigned long long)r->writes,
	       (unsigned long long)(r->sim.faults - r->load_faults),
	       (unsigned long long)st.metadata_bytes,
	       st.pages_total
		   ? (double)st.metadata_bytes / (double)st.pages_total
		   : 0.0,
	       r->cpu_s, r->load_s, t);
}

static int dump(struct run *r, char *err, size_t errlen)
{
	static unsigned char buf[SPM_PAGE_SIZE * 256];
	for (unsigned i = 0; i < r->ng; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/guest%u.img", r->o.dump_dir,
			 i);
		FILE *f = fopen(path, "wb");
		if (!f) {
			snprintf(err, errlen, "%.4000s: %s", path,
				 strerror(errno));
			return -1;
		}
		int bad = 0;
		for (uint64_t pg = 0; pg < r->g[i].pages && !bad; pg += 256) {
			uint64_t n = r->g[i].pages - pg;
			n = n > 256 ? 256 : n;
			/* read as the guest does, through the MMU */
			bad = sim_access(&r->sim, r->e, r->g[i].s,
					 pg * SPM_PAGE_SIZE, buf,
					 n * SPM_PAGE_SIZE, false) != 0 ||
			      fwrite(buf, SPM_PAGE_SIZE, n, f) != n;
		}
		if (fclose(f) || bad) {
			snprintf(err, errlen, "%.4000s: write failed", path);
			return -1;
		}
		fprintf(stderr, "domain %u: %s\n", i % r->o.domains, path);
	}
	return 0;
}

static void run_loop(struct run *r)
{
	const struct sim_opts *o = &r->o;
	double t0 = now(CLOCK_MONOTONIC), last = 0, next_print = o->interval;
	uint64_t last_scanned = 0;
	double write_until = o->seconds * o->write_share;
	uint64_t pass_limit = o->passes;
	/* the writer stops early enough for merging to settle */
	uint64_t write_passes = (uint64_t)((double)o->passes * o->write_share);
	double written = 0;
	struct spm_stats st;
	for (;;) {
		double t = now(CLOCK_MONOTONIC) - t0;
		spm_stats(r->e, &st);
		if (interrupted || st.full_scans >= pass_limit ||
		    t >= o->seconds)
			break;
		if (o->write_rate > 0 && t < write_until &&
		    st.full_scans < write_passes) {
			double due = o->write_rate * t - written;
			if (due >= 1) {
				write_some(r, (uint64_t)due);
				written += (double)(uint64_t)due;
			}
		}
		long n;
		ENGINE_CPU(r, n = spm_scan(r->e, 0));
		if (n < 0)
			break;
		if (!o->quiet && t >= next_print) {
			spm_stats(r->e, &st);
			progress(r, t,
				 (double)(st.pages_scanned - last_scanned) /
				     (t - last));
			last = t;
			last_scanned = st.pages_scanned;
			next_print += o->interval;
		}
		if (o->pol.sleep_ms) {
			struct timespec ts = {o->pol.sleep_ms / 1000,
					      (long)(o->pol.sleep_ms % 1000) *
						  1000000L};
			nanosleep(&ts, NULL);
		}
	}
	double t = now(CLOCK_MONOTONIC) - t0;
	spm_stats(r->e, &st);
	if (!o->quiet)
		progress(r, t,
			 (double)(st.pages_scanned - last_scanned) /
			     (t - last > 0 ? t - last : 1));
	summary(r, t);
}

int main(int argc, char **argv)
{
	static struct run r;
	char err[4608];
	sim_opts_default(&r.o);
	if (sim_opts_parse(&r.o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "spmm-sim: %s\nTry 'spmm-sim --help'.\n", err);
		return 2;
	}
	if (r.o.help) {
		fputs(sim_usage, stdout);
		return 0;
	}
	if (!r.o.write_rate_set)
		r.o.write_rate = 0; /* set below for the built-in workload */
	r.rng = r.o.seed * 0x9E3779B97F4A7C15ull + 7;
	sim_init(&r.sim, 0, r.o.seed);
	struct spm_platform pl;
	sim_platform(&r.sim, &pl);
	uint64_t key = 0;
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0 || read(fd, &key, sizeof(key)) != (ssize_t)sizeof(key))
		key = (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull;
	if (fd >= 0)
		close(fd);
	int rc = spm_engine_create(&r.e, &pl, &r.o.pol, key);
	if (rc) {
		fprintf(stderr, "spmm-sim: cannot start the engine (%d)\n", rc);
		return 1;
	}
	signal(SIGINT, on_sigint);
	double l0 = now(CLOCK_THREAD_CPUTIME_ID);
	if (r.o.nfiles) {
		rc = load_images(&r, err, sizeof(err));
	} else {
		rc = load_default(&r, err, sizeof(err));
		if (!r.o.write_rate_set)
			r.o.write_rate =
			    0.005 * (double)(r.o.guest_mib * 256 * r.o.guests);
	}
	r.load_s = now(CLOCK_THREAD_CPUTIME_ID) - l0;
	r.load_faults = r.sim.faults;
	if (rc) {
		fprintf(stderr, "spmm-sim: %s\n", err);
		return 1;
	}
	struct spm_stats st;
	spm_stats(r.e, &st);
	printf("spmm-sim: %u guests, %.0f MiB, %s; step %u pages, sleep %u ms"
	       "%s%s\n",
	       r.ng, mib(st.pages_total),
	       r.o.nfiles ? "images" : "built-in workload",
	       r.o.pol.pages_per_step, r.o.pol.sleep_ms,
	       r.o.pol.secure ? ", secure mode" : "",
	       r.o.write_rate > 0 ? ", writer on" : "");
	fflush(stdout);
	run_loop(&r);
	if (r.o.dump_dir && dump(&r, err, sizeof(err))) {
		fprintf(stderr, "spmm-sim: %s\n", err);
		return 1;
	}
	if (r.sim.bugs) {
		fprintf(stderr, "spmm-sim: simulated MMU caught: %s\n",
			r.sim.bug);
		return 3;
	}
	return 0;
}
