/*
 * mix.c - the benchmark's content mix (see mix.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mix.h"

/* desc: kind in the top 2 bits, template number below. */
enum { K_ZERO = 0, K_UNIQUE = 1, K_VOLATILE = 2, K_DUP = 3 };
#define KIND(d)	   ((d) >> 30)
#define TMPL(d)	   ((d)&0x3fffffffu)
#define DESC(k, t) (((uint32_t)(k) << 30) | (t))

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Random content for stream `id`; the first word names the page, so
 * different ids never give equal (or zero) pages. */
static void fill_random(unsigned char *out, uint64_t seed, uint64_t id)
{
	uint64_t w[MIX_PAGE / 8];
	uint64_t s = seed ^ (id * 0xD1B54A32D192ED03ull);
	w[0] = id | (1ull << 63);
	for (unsigned i = 1; i < MIX_PAGE / 8; i++)
		w[i] = splitmix(&s);
	memcpy(out, w, sizeof(w));
}

static uint64_t share(uint64_t n, unsigned pct)
{
	return (n * pct + 50) / 100;
}

int mix_build(struct mix *m, const struct mix_params *p)
{
	memset(m, 0, sizeof(*m));
	m->p = *p;
	m->region_pages = p->mib * (1024 * 1024 / MIX_PAGE);
	m->npages = m->region_pages * p->regions;
	m->nzero = share(m->npages, p->zero_pct);
	m->ndup = share(m->npages, p->dup_pct);
	m->nvolatile = share(m->npages, p->rewrite_pct);
	if (m->nzero + m->ndup + m->nvolatile > m->npages)
		m->nvolatile = m->npages - m->nzero - m->ndup;
	m->nunique = m->npages - m->nzero - m->ndup - m->nvolatile;
	m->desc = malloc(m->npages * sizeof(*m->desc));
	m->volatile_pages = malloc((m->nvolatile + 1) * sizeof(uint64_t));
	uint32_t *copies = calloc(p->templates + 1u, sizeof(*copies));
	if (!m->desc || !m->volatile_pages || !copies) {
		free(copies);
		mix_free(m);
		return -1;
	}
	uint64_t rng = p->seed * 0x2545F4914F6CDD1Dull + 1;
	uint64_t i = 0;
	for (uint64_t k = 0; k < m->nzero; k++)
		m->desc[i++] = DESC(K_ZERO, 0);
	for (uint64_t k = 0; k < m->ndup; k++) {
		uint32_t t = (uint32_t)(splitmix(&rng) % p->templates);
		copies[t]++;
		m->desc[i++] = DESC(K_DUP, t);
	}
	for (uint64_t k = 0; k < m->nvolatile; k++)
		m->desc[i++] = DESC(K_VOLATILE, 0);
	while (i < m->npages)
		m->desc[i++] = DESC(K_UNIQUE, 0);
	for (uint64_t k = m->npages; k > 1; k--) { /* Fisher-Yates */
		uint64_t j = splitmix(&rng) % k;
		uint32_t t = m->desc[k - 1];
		m->desc[k - 1] = m->desc[j];
		m->desc[j] = t;
	}
	uint64_t v = 0;
	for (uint64_t k = 0; k < m->npages; k++)
		if (KIND(m->desc[k]) == K_VOLATILE)
			m->volatile_pages[v++] = k;
	m->expected_saving = m->nzero;
	for (uint32_t t = 0; t < p->templates; t++) {
		if (!copies[t])
			continue;
		m->templates_used++;
		m->expected_saving += copies[t] - 1;
		if (copies[t] > m->max_copies)
			m->max_copies = copies[t];
	}
	free(copies);
	return 0;
}

void mix_free(struct mix *m)
{
	free(m->desc);
	free(m->volatile_pages);
	m->desc = NULL;
	m->volatile_pages = NULL;
}

void mix_page(const struct mix *m, uint64_t page, unsigned char *out)
{
	uint32_t d = m->desc[page];
	switch (KIND(d)) {
	case K_ZERO:
		memset(out, 0, MIX_PAGE);
		break;
	case K_DUP:
		/* ids of templates are above any page number */
		fill_random(out, m->p.seed, (1ull << 62) + TMPL(d));
		break;
	default:
		fill_random(out, m->p.seed, page);
		break;
	}
}

struct mix_rewrite mix_rewrite(uint64_t page, uint64_t version)
{
	uint64_t s = page * 0x9E3779B97F4A7C15ull + version;
	uint64_t r = splitmix(&s);
	struct mix_rewrite w = {
	    .offset = 8u * (1u + (unsigned)(r % (MIX_PAGE / 8 - 1))),
	    .value = version ^ (r << 20)};
	return w;
}
