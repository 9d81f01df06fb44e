/*
 * workload.c - the default guest memory of spmm-sim (see workload.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spm.h"
#include "workload.h"

struct paths {
	char **v;
	size_t n, cap;
};

static int add_path(struct paths *p, const char *s)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		char **v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n] = strdup(s);
	return p->v[p->n++] ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of at least one page under dir, depth-limited. */
static void collect(struct paths *p, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096];
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		struct stat st;
		if (lstat(path, &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0)
			collect(p, path, depth - 1);
		else if (S_ISREG(st.st_mode) && st.st_size >= SPM_PAGE_SIZE)
			(void)add_path(p, path);
	}
	closedir(d);
}

static uint64_t read_file(const char *path, unsigned char *dst, uint64_t max)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	uint64_t got = 0;
	while (got < max) {
		ssize_t n = read(fd, dst + got, max - got);
		if (n <= 0)
			break;
		got += (uint64_t)n;
	}
	close(fd);
	return got;
}

int wl_corpus_load(struct wl_corpus *c, const char *const *dirs,
		   uint64_t max_bytes, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	struct paths p = {0};
	for (unsigned i = 0; dirs[i]; i++)
		collect(&p, dirs[i], 3);
	qsort(p.v, p.n, sizeof(*p.v), cmp_str);
	uint64_t maxpages = max_bytes / SPM_PAGE_SIZE;
	c->data = malloc(maxpages * SPM_PAGE_SIZE);
	c->start = malloc((p.n + 1) * sizeof(*c->start));
	if (!c->data || !c->start) {
		snprintf(err, errlen, "out of memory for the corpus");
		goto fail;
	}
	for (size_t i = 0; i < p.n && c->pages < maxpages; i++) {
		unsigned char *dst = c->data + c->pages * SPM_PAGE_SIZE;
		uint64_t room = (maxpages - c->pages) * SPM_PAGE_SIZE;
		uint64_t got = read_file(p.v[i], dst, room);
		if (!got)
			continue;
		uint64_t pages = (got + SPM_PAGE_SIZE - 1) / SPM_PAGE_SIZE;
		memset(dst + got, 0, pages * SPM_PAGE_SIZE - got);
		c->start[c->nfiles++] = c->pages;
		c->pages += pages;
	}
	c->start[c->nfiles] = c->pages;
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	if (!c->nfiles) {
		snprintf(err, errlen,
			 "no readable files found for the "
			 "default workload");
		wl_corpus_free(c);
		return -1;
	}
	return 0;
fail:
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i]);
	free(p.v);
	wl_corpus_free(c);
	return -1;
}

void wl_corpus_free(struct wl_corpus *c)
{
	free(c->data);
	free(c->start);
	memset(c, 0, sizeof(*c));
}

static void fill_random(unsigned char *pg, uint64_t *rng)
{
	for (unsigned i = 0; i < SPM_PAGE_SIZE; i += 8) {
		uint64_t r = wl_rand(rng);
		memcpy(pg + i, &r, 8);
	}
}

static void fill_heap(unsigned char *pg, uint64_t *rng)
{
	memset(pg, 0, SPM_PAGE_SIZE);
	unsigned words = 1 + (unsigned)(wl_rand(rng) % 32);
	for (unsigned i = 0; i < words; i++) {
		uint64_t r = wl_rand(rng);
		memcpy(pg + (wl_rand(rng) % (SPM_PAGE_SIZE / 8)) * 8, &r, 8);
	}
}

void wl_guest_image(const struct wl_corpus *c, const struct wl_mix *mix,
		    unsigned guest, uint64_t seed, unsigned char *img,
		    uint64_t pages)
{
	uint64_t rng = (seed + guest + 1) * 0x9E3779B97F4A7C15ull;
	uint64_t other = mix->zero_pct + mix->private_pct + mix->heap_pct;
	uint64_t lib_pages = pages * (100 - (other > 100 ? 100 : other)) / 100;
	/* Library page cache: this guest's order of the same files, each
	 * file left out now and then (a different set of programs ran). */
	uint32_t *order = malloc(c->nfiles * sizeof(*order));
	uint64_t at = 0;
	if (order) {
		for (uint32_t i = 0; i < c->nfiles; i++)
			order[i] = i;
		for (uint32_t i = c->nfiles; i > 1; i--) {
			uint32_t j = (uint32_t)(wl_rand(&rng) % i);
			uint32_t t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		for (uint32_t k = 0; k < c->nfiles && at < lib_pages; k++) {
			uint32_t f = order[k];
			if (wl_rand(&rng) % 10 == 0)
				continue;
			uint64_t n = c->start[f + 1] - c->start[f];
			if (n > lib_pages - at)
				n = lib_pages - at;
			memcpy(img + at * SPM_PAGE_SIZE,
			       c->data + c->start[f] * SPM_PAGE_SIZE,
			       n * SPM_PAGE_SIZE);
			at += n;
		}
		free(order);
	}
	/* The rest: zero, private and heap pages, interleaved. */
	uint64_t rest = pages - at;
	for (uint64_t i = at; i < pages; i++) {
		unsigned char *pg = img + i * SPM_PAGE_SIZE;
		uint64_t r = wl_rand(&rng) % (other ? other : 1);
		if (!other || r < mix->zero_pct || !rest)
			memset(pg, 0, SPM_PAGE_SIZE);
		else if (r < mix->zero_pct + mix->private_pct)
			fill_random(pg, &rng);
		else
			fill_heap(pg, &rng);
	}
}
