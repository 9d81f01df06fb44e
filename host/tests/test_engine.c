/*
 * test_engine.c - unit tests of the engine's modules: hash, pool, indices,
 * pages (faults, copy on write, clear, read/write/copy) and the scanner.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "harness.h"
#include "internal.h"
#include "pool.h"

static void check_engine(struct env *v)
{
	char why[320];
	CHECK(sim_check(&v->sim, v->e, why, sizeof(why)) == 0, "%s", why);
}

/* ---- hash ---------------------------------------------------------- */

static void hash_deterministic_and_keyed(void)
{
	static unsigned char a[SPM_PAGE_SIZE], b[SPM_PAGE_SIZE];
	for (unsigned i = 0; i < SPM_PAGE_SIZE; i++)
		a[i] = (unsigned char)(i * 7 + 3);
	memcpy(b, a, sizeof(a));
	CHECK(spm_hash_page(a, 1) == spm_hash_page(b, 1), "same input");
	CHECK(spm_hash_page(a, 1) != spm_hash_page(a, 2), "seed matters");
}

static void hash_every_bit_matters(void)
{
	static unsigned char a[SPM_PAGE_SIZE];
	uint64_t base = spm_hash_page(a, 99);
	unsigned same = 0, low_same = 0;
	for (unsigned bit = 0; bit < SPM_PAGE_SIZE * 8; bit++) {
		a[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		uint64_t h = spm_hash_page(a, 99);
		same += h == base;
		/* the engine keeps 26 bits: they must change too */
		low_same += ((h ^ base) & ((1u << 26) - 1)) == 0;
		a[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	CHECK(same == 0, "%u single-bit flips kept the hash", same);
	CHECK(low_same == 0, "%u flips kept the low 26 bits", low_same);
}

static void hash_spreads_similar_pages(void)
{
	/* pages that differ in one word position only: low bits spread */
	static unsigned char a[SPM_PAGE_SIZE];
	unsigned buckets[256] = {0};
	for (uint32_t i = 0; i < 65536; i++) {
		memcpy(a + 1000, &i, sizeof(i));
		buckets[spm_hash_page(a, 5) & 255]++;
	}
	unsigned lo = 65536, hi = 0;
	for (unsigned i = 0; i < 256; i++) {
		lo = buckets[i] < lo ? buckets[i] : lo;
		hi = buckets[i] > hi ? buckets[i] : hi;
	}
	CHECK(lo > 150 && hi < 370, "bucket spread %u..%u (expect ~256)", lo,
	      hi);
}

/* ---- pool ---------------------------------------------------------- */

static void pool_gives_each_frame_once(void)
{
	struct spm_pool p;
	spm_pool_init(&p, 7);
	CHECK(spm_pool_grow(&p, 1000) == 0, "grow");
	static unsigned char seen[1000];
	memset(seen, 0, sizeof(seen));
	uint32_t f;
	for (int i = 0; i < 1000; i++) {
		CHECK(spm_pool_get(&p, i & 1, &f) == 0, "get %d", i);
		CHECK(f < 1000 && !seen[f], "frame %u given twice", f);
		if (f < 1000)
			seen[f] = 1;
	}
	CHECK(spm_pool_get(&p, false, &f) == -12, "empty pool");
	spm_pool_put(&p, 500);
	CHECK(spm_pool_is_free(&p, 500) && !spm_pool_is_free(&p, 501),
	      "is_free");
	CHECK(spm_pool_get(&p, true, &f) == 0 && f == 500, "the one free");
	CHECK(spm_pool_grow(&p, 10) == 0 && p.nfree == 10, "grow again");
	spm_pool_fini(&p);
}

/* A platform gives a wholly free range back and gets it again later: the
 * range is never handed out meanwhile, and is again afterwards. */
static void pool_ranges_leave_and_return(void)
{
	struct spm_pool p;
	spm_pool_init(&p, 3);
	CHECK(spm_pool_grow(&p, 1536) == 0, "grow");
	uint32_t f;
	for (int i = 0; i < 600; i++) /* frames 0..599: 512..599 in use */
		spm_pool_get(&p, false, &f);
	CHECK(spm_pool_take_range(&p, 512, 8) == -1, "range in use stays");
	CHECK(spm_pool_take_range(&p, 1024, 8) == 0 && p.nfree == 1536 - 600 - 512,
	      "free range leaves: nfree %u", p.nfree);
	CHECK(spm_pool_take_range(&p, 1024, 8) == -1, "not twice");
	CHECK(spm_pool_take_range(&p, 1000, 8) == -1 &&
		  spm_pool_take_range(&p, 1536, 1) == -1,
	      "unaligned or outside");
	bool in_range = false;
	for (int i = 0; i < 1536 - 600 - 512; i++) {
		CHECK(spm_pool_get(&p, i & 1, &f) == 0, "get %d", i);
		in_range = in_range || (f >= 1024 && f < 1536);
	}
	CHECK(!in_range && spm_pool_get(&p, true, &f) == -12,
	      "a frame of the range was handed out");
	spm_pool_return_range(&p, 1024, 8);
	CHECK(p.nfree == 512 && spm_pool_get(&p, false, &f) == 0 && f == 1024,
	      "the range is back");
	spm_pool_fini(&p);
}

static void pool_random_spreads(void)
{
	struct spm_pool p;
	spm_pool_init(&p, 11);
	spm_pool_grow(&p, 4096);
	uint32_t f, lowhalf = 0;
	for (int i = 0; i < 1000; i++) {
		spm_pool_get(&p, true, &f);
		lowhalf += f < 2048;
	}
	CHECK(lowhalf > 400 && lowhalf < 600, "random picks: %u of 1000 low",
	      lowhalf);
	spm_pool_fini(&p);
}

/* ---- indices ------------------------------------------------------- */

static void stable_index_insert_find_remove(void)
{
	struct spm_stable_index ix;
	CHECK(spm__stable_init(&ix) == 0, "init");
	/* many entries, with colliding sums and domains */
	for (uint32_t i = 0; i < 5000; i++)
		CHECK(spm__stable_insert(&ix, i % 700, i % 3, i, 1) == 0,
		      "insert %u", i);
	CHECK(ix.count == 5000, "count %u", ix.count);
	for (uint32_t i = 0; i < 5000; i++)
		CHECK(spm__stable_find(&ix, i % 700, i % 3, i, 0) != NULL,
		      "find %u", i);
	CHECK(!spm__stable_find(&ix, 5, 0, 5, 0), "wrong domain");
	/* remove every other one; the rest must stay reachable */
	for (uint32_t i = 0; i < 5000; i += 2)
		spm__stable_remove(&ix,
				   spm__stable_find(&ix, i % 700, i % 3, i, 0));
	for (uint32_t i = 0; i < 5000; i++) {
		struct spm_stable *s =
		    spm__stable_find(&ix, i % 700, i % 3, i, 0);
		CHECK((s != NULL) == (i % 2 == 1), "after remove: %u", i);
	}
	CHECK(ix.count == 2500, "count %u", ix.count);
	for (uint32_t i = 1; i < 5000; i += 2)
		spm__stable_remove(&ix,
				   spm__stable_find(&ix, i % 700, i % 3, i, 0));
	CHECK(ix.count == 0 && ix.cap == 64, "shrunk to %u", ix.cap);
	spm__stable_fini(&ix);
}

static void stable_index_respects_max_refs(void)
{
	struct spm_stable_index ix;
	spm__stable_init(&ix);
	spm__stable_insert(&ix, 9, 0, 100, 4);
	spm__stable_insert(&ix, 9, 0, 101, 2);
	struct spm_stable *s = spm__stable_find(&ix, 9, 0, SPM_NO_FRAME, 4);
	CHECK(s && s->frame == 101, "skips the full frame");
	s = spm__stable_find(&ix, 9, 0, SPM_NO_FRAME, 0);
	CHECK(s != NULL, "no limit");
	spm__stable_fini(&ix);
}

static bool match_even(void *ctx, uint32_t id)
{
	(void)ctx;
	return id % 2 == 0;
}

static void unstable_index_find_and_reset(void)
{
	struct spm_unstable_index ix;
	CHECK(spm__unstable_init(&ix) == 0, "init");
	for (uint32_t i = 0; i < 3000; i++)
		spm__unstable_insert(&ix, i / 2, i);
	CHECK(spm__unstable_find(&ix, 10, match_even, NULL) == 20, "tag 10");
	CHECK(spm__unstable_find(&ix, 5000, match_even, NULL) == SPM_NO_ID,
	      "absent tag");
	uint32_t cap = ix.cap;
	spm__unstable_reset(&ix);
	CHECK(ix.count == 0 && ix.cap <= cap, "reset");
	CHECK(spm__unstable_find(&ix, 10, match_even, NULL) == SPM_NO_ID,
	      "empty after reset");
	spm__unstable_reset(&ix);
	CHECK(ix.cap == 64, "shrinks after an empty pass: %u", ix.cap);
	spm__unstable_fini(&ix);
}

/* ---- pages --------------------------------------------------------- */

static void fault_zero_then_private(void)
{
	struct env v;
	CHECK(env_init(&v, NULL, 0) == 0, "init");
	struct spm_space *s = env_space(&v, 4, 0);
	spm_frame_t f;
	unsigned rights;
	CHECK(spm_fault(v.e, s, 0, SPM_R, &f, &rights) == 0, "read fault");
	CHECK(f == spm_zero_frame(v.e) && rights == SPM_R, "zero, read-only");
	CHECK(spm_fault(v.e, s, 4, SPM_R, &f, &rights) == -SPM_ERANGE,
	      "out of range");
	CHECK(spm_fault(v.e, s, 0, SPM_W | SPM_R, &f, &rights) == 0, "write");
	CHECK(f != spm_zero_frame(v.e) && rights == (SPM_R | SPM_W),
	      "private, writable");
	unsigned char buf[16];
	CHECK(spm_read(v.e, s, 0, buf, sizeof(buf)) == 0 && buf[0] == 0 &&
		  buf[15] == 0,
	      "a new private page is zero");
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 1 && st.zero_pages == 3 &&
		  st.pages_private == 1 && st.cow_breaks == 0,
	      "stats");
	check_engine(&v);
	env_space_free(&v, s);
	env_fini(&v);
}

static void space_create_errors(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *s;
	CHECK(spm_space_create(v.e, 0, 0, NULL, &s) == -SPM_EINVAL, "size 0");
	CHECK(spm_space_create(v.e, UINT64_MAX, 0, NULL, &s) == -SPM_ERANGE,
	      "huge");
	CHECK(spm_space_create(v.e, (uint64_t)1 << 46, 0, NULL, &s) ==
		  -SPM_ENOMEM,
	      "more pages than ids");
	check_engine(&v);
	env_fini(&v);
}

static void read_write_copy_clear(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 8, 0), *b = env_space(&v, 8, 0);
	static unsigned char buf[3 * SPM_PAGE_SIZE], out[3 * SPM_PAGE_SIZE];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + 1);
	CHECK(spm_write(v.e, a, 100, buf, sizeof(buf)) == 0, "write");
	CHECK(spm_read(v.e, a, 100, out, sizeof(out)) == 0 &&
		  !memcmp(buf, out, sizeof(buf)),
	      "read back");
	CHECK(spm_write(v.e, a, 8 * SPM_PAGE_SIZE - 1, buf, 2) == -SPM_ERANGE,
	      "write past the end");
	CHECK(spm_copy(v.e, b, 5, a, 100, sizeof(buf)) == 0, "copy");
	CHECK(spm_read(v.e, b, 5, out, sizeof(out)) == 0 &&
		  !memcmp(buf, out, sizeof(buf)),
	      "copied");
	/* overlapping copy within one space, both directions */
	static unsigned char ref[8 * SPM_PAGE_SIZE];
	spm_read(v.e, b, 0, ref, sizeof(ref));
	CHECK(spm_copy(v.e, b, 1000, b, 10, 2 * SPM_PAGE_SIZE) == 0, "fwd");
	memmove(ref + 1000, ref + 10, 2 * SPM_PAGE_SIZE);
	CHECK(spm_copy(v.e, b, 20, b, 3000, 2 * SPM_PAGE_SIZE) == 0, "back");
	memmove(ref + 20, ref + 3000, 2 * SPM_PAGE_SIZE);
	static unsigned char got[8 * SPM_PAGE_SIZE];
	spm_read(v.e, b, 0, got, sizeof(got));
	CHECK(!memcmp(ref, got, sizeof(ref)), "overlapping copies");
	/* clear a range with partial pages at both ends */
	CHECK(spm_clear(v.e, b, 50, 3 * SPM_PAGE_SIZE) == 0, "clear");
	memset(ref + 50, 0, 3 * SPM_PAGE_SIZE);
	spm_read(v.e, b, 0, got, sizeof(got));
	CHECK(!memcmp(ref, got, sizeof(ref)), "cleared");
	struct spm_page_info pi;
	spm_page_info(b, 1, &pi);
	CHECK(pi.state == SPM_PAGE_ZERO, "whole page back to zero");
	CHECK(spm_clear(v.e, b, 8 * SPM_PAGE_SIZE, 1) == -SPM_ERANGE,
	      "clear out of range");
	CHECK(spm_clear(v.e, b, 0, UINT64_MAX) == 0, "clear to the end");
	spm_read(v.e, b, 0, got, sizeof(got));
	memset(ref, 0, sizeof(ref));
	CHECK(!memcmp(ref, got, sizeof(ref)), "all zero");
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

/* ---- scanner ------------------------------------------------------- */

static void merges_equal_pages_in_a_domain(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 16, 0), *b = env_space(&v, 16, 0);
	for (uint64_t i = 0; i < 16; i++) {
		env_fill(&v, a, i, (unsigned char)(1 + i % 4));
		env_fill(&v, b, i, (unsigned char)(1 + i % 4));
	}
	env_passes(&v, 2);
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.pages_shared == 4 && st.pages_sharing == 28,
	      "shared %llu sharing %llu", (unsigned long long)st.pages_shared,
	      (unsigned long long)st.pages_sharing);
	CHECK(st.frames_in_use == 4, "frames %llu",
	      (unsigned long long)st.frames_in_use);
	check_engine(&v);
	/* every byte still reads as written */
	unsigned char buf[SPM_PAGE_SIZE];
	for (uint64_t i = 0; i < 16; i++) {
		sim_access(&v.sim, v.e, b, i * SPM_PAGE_SIZE, buf, sizeof(buf),
			   false);
		CHECK(buf[0] == 1 + i % 4 && buf[4095] == 1 + i % 4,
		      "content %llu", (unsigned long long)i);
	}
	/* a write breaks the sharing for that page only */
	CHECK(env_fill(&v, b, 0, 0x77) == 0, "cow write");
	spm_stats(v.e, &st);
	CHECK(st.cow_breaks == 1 && st.pages_sharing == 27, "cow %llu",
	      (unsigned long long)st.cow_breaks);
	sim_access(&v.sim, v.e, a, 0, buf, sizeof(buf), false);
	CHECK(buf[0] == 1, "the other page kept its content");
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

static void never_merges_across_domains(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 4, 1), *b = env_space(&v, 4, 2);
	for (uint64_t i = 0; i < 4; i++) {
		env_fill(&v, a, i, 9);
		env_fill(&v, b, i, 9);
	}
	env_passes(&v, 3);
	struct spm_page_info pa, pb;
	spm_page_info(a, 0, &pa);
	spm_page_info(b, 0, &pb);
	CHECK(pa.state == SPM_PAGE_STABLE && pb.state == SPM_PAGE_STABLE,
	      "merged within each domain");
	CHECK(pa.frame != pb.frame, "but not across domains");
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.pages_shared == 2 && st.frames_in_use == 2, "two frames");
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

static void zero_pages_go_to_the_zero_frame(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 8, 1), *b = env_space(&v, 8, 2);
	for (uint64_t i = 0; i < 8; i++) {
		env_fill(&v, a, i, 0);
		env_fill(&v, b, i, 0);
	}
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 16 && st.zero_pages == 0, "written zeros");
	env_passes(&v, 1);
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 0 && st.zero_pages == 16,
	      "zero merged: frames %llu zero %llu",
	      (unsigned long long)st.frames_in_use,
	      (unsigned long long)st.zero_pages);
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);

	/* merge_zero off: zero content is merged per domain like any other */
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.merge_zero = 0;
	env_init(&v, &pol, 0);
	a = env_space(&v, 8, 1);
	b = env_space(&v, 8, 2);
	for (uint64_t i = 0; i < 8; i++) {
		env_fill(&v, a, i, 0);
		env_fill(&v, b, i, 0);
	}
	env_passes(&v, 2);
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 2 && st.pages_shared == 2,
	      "one zero frame per domain: %llu",
	      (unsigned long long)st.frames_in_use);
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

static void first_pass_knob_and_volatile_pages(void)
{
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.merge_first_pass = 0;
	struct env v;
	env_init(&v, &pol, 0);
	struct spm_space *a = env_space(&v, 2, 0);
	env_fill(&v, a, 0, 3);
	env_fill(&v, a, 1, 3);
	env_passes(&v, 1);
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.pages_shared == 0, "not merged on first sight");
	env_passes(&v, 1);
	spm_stats(v.e, &st);
	CHECK(st.pages_shared == 1 && st.pages_sharing == 1,
	      "merged on the second pass");
	/* a page that changes every pass is volatile and backs off */
	struct spm_space *b = env_space(&v, 1, 0);
	for (int i = 0; i < 6; i++) {
		env_fill(&v, b, 0, (unsigned char)(10 + i));
		env_passes(&v, 1);
	}
	spm_stats(v.e, &st);
	struct spm_space_stats ss;
	spm_space_stats(b, &ss);
	CHECK(ss.pages_volatile >= 2, "volatile seen %llu",
	      (unsigned long long)ss.pages_volatile);
	CHECK(ss.pages_volatile < 5, "backoff skipped some looks: %llu",
	      (unsigned long long)ss.pages_volatile);
	check_engine(&v);
	env_space_free(&v, a);
	env_space_free(&v, b);
	env_fini(&v);
}

static void unchanged_pages_are_not_read_again(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 64, 0);
	for (uint64_t i = 0; i < 64; i++)
		env_fill(&v, a, i, (unsigned char)(i + 1)); /* all distinct */
	env_passes(&v, 3);
	struct spm_stats s1, s2;
	spm_stats(v.e, &s1);
	env_passes(&v, 5);
	spm_stats(v.e, &s2);
	CHECK(s2.pages_hashed == s1.pages_hashed,
	      "%llu hashes over unchanged memory",
	      (unsigned long long)(s2.pages_hashed - s1.pages_hashed));
	CHECK(s2.pages_scanned - s1.pages_scanned == 5 * 64, "all scanned");
	/* written again: hashed again */
	env_fill(&v, a, 7, 0xee);
	env_passes(&v, 1);
	spm_stats(v.e, &s1);
	CHECK(s1.pages_hashed == s2.pages_hashed + 1, "one rehash: %llu",
	      (unsigned long long)(s1.pages_hashed - s2.pages_hashed));
	check_engine(&v);
	env_space_free(&v, a);
	env_fini(&v);
}

static void max_sharing_limits_a_frame(void)
{
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.max_sharing = 4;
	struct env v;
	env_init(&v, &pol, 0);
	struct spm_space *a = env_space(&v, 10, 0);
	for (uint64_t i = 0; i < 10; i++)
		env_fill(&v, a, i, 5);
	env_passes(&v, 2);
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 3, "ceil(10/4) frames, got %llu",
	      (unsigned long long)st.frames_in_use);
	check_engine(&v);
	env_space_free(&v, a);
	env_fini(&v);
}

static void out_of_frames_leaves_pages_alone(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 4, 0);
	env_fill(&v, a, 0, 1);
	env_fill(&v, a, 1, 1);
	env_passes(&v, 1);
	v.sim.fail_all = true;
	unsigned char buf[SPM_PAGE_SIZE];
	memset(buf, 2, sizeof(buf));
	CHECK(sim_access(&v.sim, v.e, a, 0, buf, 1, true) == -SPM_ENOMEM,
	      "cow fails");
	CHECK(env_fill(&v, a, 3, 1) == -SPM_ENOMEM, "first write fails");
	CHECK(spm_clear(v.e, a, 10, 10) == -SPM_ENOMEM, "partial clear fails");
	v.sim.fail_all = false;
	sim_access(&v.sim, v.e, a, 0, buf, sizeof(buf), false);
	CHECK(buf[0] == 1 && buf[20] == 1, "content unchanged");
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.alloc_failures == 3, "failures counted: %llu",
	      (unsigned long long)st.alloc_failures);
	check_engine(&v);
	env_space_free(&v, a);
	env_fini(&v);
}

static void frame_limit_policy(void)
{
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.max_frames = 3; /* zero frame + 2 */
	struct env v;
	env_init(&v, &pol, 0);
	struct spm_space *a = env_space(&v, 4, 0);
	CHECK(env_fill(&v, a, 0, 1) == 0 && env_fill(&v, a, 1, 2) == 0,
	      "two frames");
	CHECK(env_fill(&v, a, 2, 3) == -SPM_ENOMEM, "third refused");
	env_fill(&v, a, 1, 1);
	env_passes(&v, 1);
	CHECK(env_fill(&v, a, 2, 3) == 0, "merging made room");
	check_engine(&v);
	env_space_free(&v, a);
	env_fini(&v);
}

static void policy_checks(void)
{
	struct spm_policy p;
	spm_policy_default(&p);
	CHECK(spm_policy_check(&p) == 0, "defaults valid");
	p.pages_per_step = 0;
	CHECK(spm_policy_check(&p) == -SPM_EINVAL, "zero step");
	spm_policy_default(&p);
	p.max_sharing = 1;
	CHECK(spm_policy_check(&p) == -SPM_EINVAL, "sharing 1");
	spm_policy_default(&p);
	p.secure = 2;
	CHECK(spm_policy_check(&p) == -SPM_EINVAL, "bool knob");
}

static void destroy_releases_everything(void)
{
	struct env v;
	env_init(&v, NULL, 0);
	struct spm_space *a = env_space(&v, 32, 0), *b = env_space(&v, 32, 0);
	for (uint64_t i = 0; i < 32; i++) {
		env_fill(&v, a, i, (unsigned char)(i % 3));
		env_fill(&v, b, i, (unsigned char)(i % 5));
	}
	env_passes(&v, 2);
	env_space_free(&v, a);
	check_engine(&v);
	struct spm_space *c = env_space(&v, 8, 0); /* reuses a's ids */
	env_fill(&v, c, 0, 4);
	env_passes(&v, 2);
	check_engine(&v);
	env_space_free(&v, b);
	env_space_free(&v, c);
	struct spm_stats st;
	spm_stats(v.e, &st);
	CHECK(st.frames_in_use == 0 && st.pages_total == 0, "all gone");
	check_engine(&v);
	env_fini(&v);
}

static void adaptive_scan_rate(void)
{
	struct spm_policy pol;
	spm_policy_default(&pol);
	pol.pages_per_step = 4;
	pol.sleep_ms = 10;
	pol.target_pass_ms = 100; /* 10 steps per pass */
	struct env v;
	CHECK(env_init(&v, &pol, 0) == 0, "init");
	CHECK(spm_step_pages(v.e) == 4, "no pages: the smallest step");
	struct spm_space *a = env_space(&v, 1000, 0);
	CHECK(spm_step_pages(v.e) == 100, "1000 pages in 10 steps: %u",
	      spm_step_pages(v.e));
	for (uint64_t i = 0; i < 1000; i++)
		env_fill(&v, a, i, (unsigned char)(i % 7));
	env_passes(&v, 1);
	CHECK(spm_step_pages(v.e) == 100, "busy pass keeps the rate: %u",
	      spm_step_pages(v.e));
	env_passes(&v, 1);
	CHECK(spm_step_pages(v.e) == 50, "idle pass halves it: %u",
	      spm_step_pages(v.e));
	env_passes(&v, 3);
	CHECK(spm_step_pages(v.e) == 12, "down to an eighth: %u",
	      spm_step_pages(v.e));
	env_fill(&v, a, 3, 0x55);
	env_passes(&v, 1);
	CHECK(spm_step_pages(v.e) == 100, "activity restores it: %u",
	      spm_step_pages(v.e));
	pol.target_pass_ms = 5;
	CHECK(spm_engine_set_policy(v.e, &pol) == -SPM_EINVAL,
	      "a pass shorter than one step");
	env_space_free(&v, a);
	env_fini(&v);
}

TESTS_MAIN(T(hash_deterministic_and_keyed), T(hash_every_bit_matters),
	   T(hash_spreads_similar_pages), T(pool_gives_each_frame_once), T(pool_ranges_leave_and_return),
	   T(pool_random_spreads), T(stable_index_insert_find_remove),
	   T(stable_index_respects_max_refs), T(unstable_index_find_and_reset),
	   T(fault_zero_then_private), T(space_create_errors),
	   T(read_write_copy_clear), T(merges_equal_pages_in_a_domain),
	   T(never_merges_across_domains), T(zero_pages_go_to_the_zero_frame),
	   T(first_pass_knob_and_volatile_pages),
	   T(unchanged_pages_are_not_read_again), T(max_sharing_limits_a_frame),
	   T(out_of_frames_leaves_pages_alone), T(frame_limit_policy),
	   T(policy_checks), T(destroy_releases_everything),
	   T(adaptive_scan_rate))
