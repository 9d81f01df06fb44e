/*
 * content.c - test dataspaces and the model of their contents.
 *
 * Each test dataspace is attached read-write in full pages, and a plain
 * buffer (in the test's own memory, from its ordinary allocator) holds
 * what every byte must read.  Every write goes to both; clear and copy_in
 * are applied to the model by the rules of the Dataspace protocol; a
 * verification compares all bytes, including the tail of a last page that
 * is only partly inside the dataspace (it must read as zero).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <l4/re/c/dataspace.h>
#include <l4/re/c/mem_alloc.h>
#include <l4/re/c/rm.h>
#include <l4/re/c/util/cap_alloc.h>
#include <l4/sys/err.h>

#include "spmm_test.h"

/* Deterministic bytes for a seed: identical seeds give identical pages. */
static void pattern(uint8_t *dst, uint64_t seed, unsigned n)
{
	uint64_t s = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;

	for (unsigned i = 0; i < n; i += 8) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		unsigned k = n - i < 8 ? n - i : 8;
		memcpy(dst + i, &s, k);
	}
}

/*
 * Every access goes through a map request sent by hand first, with the
 * receive window the region manager would use for a fault there (the
 * largest aligned block around the page inside the attached region).
 * spmm sees exactly the request a fault would bring, but an error becomes
 * a FAIL line instead of a crash of this client.
 */
static unsigned rm_order(const struct tds *d, unsigned p)
{
	l4_addr_t start = (l4_addr_t)d->map;
	l4_addr_t end = start + (l4_addr_t)d->pages * PAGE;
	l4_addr_t a = start + (l4_addr_t)p * PAGE;
	unsigned o = L4_PAGESHIFT;

	while (o < 30) {
		l4_addr_t sz = 1UL << (o + 1);
		l4_addr_t b = a & ~(sz - 1);
		if (b < start || b + sz > end)
			break;
		o++;
	}
	return o;
}

static bool page_ready(const struct tds *d, unsigned p, unsigned long flags,
		       const char *name)
{
	struct map_reply rep;
	unsigned o = rm_order(d, p);
	long r = raw_map(d->cap, (uint64_t)p * PAGE, flags,
			 (l4_addr_t)d->map + (l4_addr_t)p * PAGE, o, &rep);

	if (r == 0)
		return true;
	fail(name,
	     "%s page %u: map %s (window 2^%u) answered %ld (%u words, "
	     "%u items, mr0 0x%llx mr1 0x%llx)",
	     d->name, p, (flags & L4RE_DS_F_W) ? "rw" : "r", o, r, rep.words,
	     rep.items, (unsigned long long)rep.mr0,
	     (unsigned long long)rep.mr1);
	return false;
}

static bool range_writable(struct tds *d, uint64_t off, uint64_t len)
{
	char name[40];

	snprintf(name, sizeof(name), "write_%s", d->name);
	for (uint64_t p = off / PAGE; p * PAGE < off + len; p++)
		if (!page_ready(d, (unsigned)p, L4RE_DS_F_RW, name))
			return false;
	return true;
}

long tds_create(struct tds *d, l4_cap_idx_t fab, const char *name,
		uint64_t size, unsigned long flags, unsigned long align)
{
	memset(d, 0, sizeof(*d));
	d->name = name;
	d->size = size;
	d->pages = (unsigned)((size + PAGE - 1) / PAGE);
	d->cap = l4re_util_cap_alloc();
	if (l4_is_invalid_cap(d->cap))
		return -L4_ENOMEM;

	long r = l4re_ma_alloc_align_srv(fab, (long)size, d->cap, flags, align);
	if (r < 0) {
		l4re_util_cap_free(d->cap);
		d->cap = L4_INVALID_CAP;
		return r;
	}

	unsigned char ra = align < L4_PAGESHIFT ? L4_PAGESHIFT
			   : align > 21		? 21
						: (unsigned char)align;
	void *addr = 0;
	r = l4re_rm_attach(&addr, (unsigned long)d->pages * PAGE,
			   L4RE_RM_F_SEARCH_ADDR | L4RE_RM_F_RW, d->cap, 0, ra);
	if (r < 0) {
		printf("spmm-test: attach %s failed: %ld\n", name, r);
		cap_drop(d->cap);
		d->cap = L4_INVALID_CAP;
		return r;
	}
	d->map = addr;
	d->model = calloc(d->pages, PAGE);
	if (!d->model) {
		tds_destroy(d);
		return -L4_ENOMEM;
	}
	return 0;
}

void tds_destroy(struct tds *d)
{
	if (d->map)
		l4re_rm_detach(d->map);
	cap_drop(d->cap);
	free(d->model);
	d->map = NULL;
	d->model = NULL;
	d->cap = L4_INVALID_CAP;
}

void tds_fill(struct tds *d, unsigned page, uint64_t seed, unsigned n)
{
	uint8_t buf[PAGE];

	if (n == 0 || n > PAGE)
		n = PAGE;
	pattern(buf, seed, n);
	if (!range_writable(d, (uint64_t)page * PAGE, n))
		return;
	memcpy(d->map + (uint64_t)page * PAGE, buf, n);
	memcpy(d->model + (uint64_t)page * PAGE, buf, n);
}

void tds_write(struct tds *d, uint64_t off, const void *src, unsigned len)
{
	if (!range_writable(d, off, len))
		return;
	memcpy(d->map + off, src, len);
	memcpy(d->model + off, src, len);
}

void tds_model_clear(struct tds *d, uint64_t off, uint64_t size)
{
	uint64_t end = (uint64_t)d->pages * PAGE;

	if (off >= end)
		return;
	if (size > end - off)
		size = end - off;
	memset(d->model + off, 0, size);
}

void tds_model_copy(struct tds *dst, uint64_t dst_off, const struct tds *src,
		    uint64_t src_off, uint64_t size)
{
	memmove(dst->model + dst_off, src->model + src_off, size);
}

long tds_diff(const struct tds *d)
{
	for (unsigned p = 0; p < d->pages; p++) {
		const uint8_t *a = d->map + (uint64_t)p * PAGE;
		const uint8_t *b = d->model + (uint64_t)p * PAGE;
		if (memcmp(a, b, PAGE) == 0)
			continue;
		for (unsigned i = 0; i < PAGE; i++)
			if (a[i] != b[i])
				return (long)p * PAGE + i;
	}
	return -1;
}

bool tds_verify(const char *name, const struct tds *d)
{
	for (unsigned p = 0; p < d->pages; p++)
		if (!page_ready(d, p, L4RE_DS_F_R, name))
			return false;

	long off = tds_diff(d);

	if (off < 0) {
		pass(name);
		return true;
	}
	return check(false, name,
		     "%s byte 0x%lx (page %ld) reads 0x%02x, want 0x%02x",
		     d->name, off, off / PAGE, d->map[off], d->model[off]);
}
