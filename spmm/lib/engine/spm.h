/*
 * spm.h - the spmm merging engine: public interface.
 *
 * The engine owns every decision of same-page merging: which page of which
 * space maps which frame with which rights, when two pages are merged and
 * when a write gets a private copy again.  It is portable C11 and reaches
 * the system only through struct spm_platform (platform.h).
 *
 * Model (see doc/design in the repository):
 *  - A space is one dataspace: a size, a merge domain and a page table.
 *  - A page maps the zero frame (never written, or found all-zero), a
 *    private frame (its own, may be writable to clients) or a stable frame
 *    (merged, read-only, reference counted, in the stable index).
 *  - Pages of different merge domains never share a frame; only the zero
 *    frame is shared by everybody, and only where the policy allows it.
 *
 * Errors are negative numbers with the values of L4Re's error codes, so the
 * server can pass them to clients unchanged.
 */
#ifndef SPM_H
#define SPM_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"

/* Error codes: the values of L4Re's l4/sys/err.h. */
enum {
	SPM_EPERM = 1,
	SPM_ENOENT = 2,
	SPM_ENOMEM = 12,
	SPM_EACCESS = 13,
	SPM_EBUSY = 16,
	SPM_EINVAL = 22,
	SPM_ERANGE = 34,
};

/* Access rights as the engine hands them out (the server adds X). */
enum {
	SPM_R = 1u << 0,
	SPM_W = 1u << 1,
	/* With SPM_W: the first write request to a page that is all zero
	 * (never written, or merged with the zero frame) is answered
	 * read-only with the zero frame and remembered; the next one copies.
	 * For clients that ask for write access eagerly (uvmm maps all of its
	 * RAM writable before the guest starts): only what they really write
	 * takes a frame.  A real writer faults once more.  Ignored for
	 * spaces in secure mode. */
	SPM_W_DEFER = 1u << 2,
};

struct spm_policy {
	/* Pages the scanner looks at per spm_scan() call when the caller asks
	 * for the default (0).  KSM: pages_to_scan, default 100. */
	uint32_t pages_per_step;
	/* Milliseconds the caller should wait between steps; advisory, the
	 * engine has no clock.  KSM: sleep_millisecs, default 20. */
	uint32_t sleep_ms;
	/* Remap pages found all-zero to the shared zero frame (1) or merge
	 * them like any other content within their domain (0). */
	uint8_t merge_zero;
	/* Merge a page the first time it is seen (1) or only once its
	 * content has been seen unchanged over one full pass (0, as KSM). */
	uint8_t merge_first_pass;
	/* Write-protect pages that were unchanged over a full pass, so that
	 * later passes skip them until they are written again (1). */
	uint8_t track_dirty;
	/* Secure mode: every page the scanner considers is write-protected
	 * and copied on its next write, merged or not, and frames are taken
	 * from random places of the pool (VUsion's "same behaviour"). */
	uint8_t secure;
	/* Passes a page that changed between two looks is skipped for, at
	 * most (the wait doubles each time it changes again). 0 disables. */
	uint32_t max_backoff;
	/* Pages that may share one stable frame; 0 means no limit. */
	uint32_t max_sharing;
	/* Frames the engine may hold at most (data, stable and zero frames);
	 * 0 means no limit besides what the platform can give. */
	uint64_t max_frames;
	/* Adaptive scan rate: steps grow or shrink so that a full pass over
	 * all pages takes about this long (given sleep_ms between steps);
	 * after passes that found nothing to do the rate drops, down to an
	 * eighth, until merges, copies or changes show up again.
	 * pages_per_step is then the smallest step.  0: fixed steps. */
	uint32_t target_pass_ms;
};

/* Fill *p with the defaults. */
void spm_policy_default(struct spm_policy *p);
/* 0 if *p is usable, else -SPM_EINVAL. */
int spm_policy_check(const struct spm_policy *p);

/* Statistics.  Names follow Linux KSM where the meaning is the same. */
struct spm_stats {
	uint64_t pages_total;	 /* pages of all spaces */
	uint64_t pages_shared;	 /* stable frames in use */
	uint64_t pages_sharing;	 /* pages mapping a stable frame, minus one
				    per stable frame: the frames saved */
	uint64_t pages_unshared; /* pages in the unstable index this pass */
	uint64_t pages_volatile; /* pages seen changed during this pass */
	uint64_t zero_pages;	 /* pages mapping the zero frame */
	uint64_t pages_private;	 /* pages with a private frame */
	uint64_t full_scans;	 /* completed passes over all spaces */
	uint64_t pages_scanned;	 /* pages looked at by the scanner, ever */
	uint64_t pages_hashed;	 /* pages whose content was read and hashed */
	uint64_t merges;	 /* pages merged, ever (zero or stable) */
	uint64_t cow_breaks;	 /* write faults that copied a shared page */
	uint64_t alloc_failures; /* frames that could not be had */
	uint64_t frames_in_use;	 /* frames holding client data (private and
				    stable; not the zero frame) */
	uint64_t metadata_bytes; /* all engine bookkeeping, index included */
};

/* Per-space statistics (a subset that is meaningful per space). */
struct spm_space_stats {
	uint64_t pages;
	uint64_t pages_private;
	uint64_t pages_stable; /* pages mapping a stable frame */
	uint64_t zero_pages;
	uint64_t cow_breaks;
	uint64_t pages_volatile;
};

struct spm_engine;
struct spm_space;

/* seed keys the content hash; choose it at random at start-up so that no
 * client can aim for collisions. */
int spm_engine_create(struct spm_engine **out, const struct spm_platform *pl,
		      const struct spm_policy *policy, uint64_t seed);
/* All spaces must have been destroyed. */
void spm_engine_destroy(struct spm_engine *e);
int spm_engine_set_policy(struct spm_engine *e, const struct spm_policy *p);
const struct spm_policy *spm_engine_policy(const struct spm_engine *e);
spm_frame_t spm_zero_frame(const struct spm_engine *e);

/* A space of `size` bytes (rounded up to pages) in merge domain `domain`.
 * `priv` is handed back to the platform's map/revoke calls. */
int spm_space_create(struct spm_engine *e, uint64_t size, uint32_t domain,
		     void *priv, struct spm_space **out);
/* Drops every page (revoking all client mappings) and frees the space. */
void spm_space_destroy(struct spm_engine *e, struct spm_space *s);
/* Secure mode for this space alone (the server sets it for every space
 * of a domain marked secure); the policy's `secure` covers all spaces. */
void spm_space_set_secure(struct spm_space *s, int on);
/* Is the space in secure mode (its own flag or the policy's)? */
int spm_space_is_secure(const struct spm_engine *e, const struct spm_space *s);
uint64_t spm_space_pages(const struct spm_space *s);
uint32_t spm_space_domain(const struct spm_space *s);
void *spm_space_priv(const struct spm_space *s);

/* What a page maps right now (for the server's map replies and tests). */
enum { SPM_PAGE_ZERO = 0, SPM_PAGE_PRIVATE = 1, SPM_PAGE_STABLE = 2 };
struct spm_page_info {
	spm_frame_t frame;
	uint8_t state;	  /* SPM_PAGE_* */
	uint8_t writable; /* clients may hold a writable mapping */
	uint8_t mapped;	  /* the window page points at frame */
};
int spm_page_info(const struct spm_space *s, uint64_t page,
		  struct spm_page_info *out);

/*
 * A client touches `page` with `access` (SPM_R and/or SPM_W).  On success
 * the window page is backed, *frame is the frame it maps and *rights the
 * rights the client may be given (SPM_W only if the page is private).
 * A write to a shared page copies it first (copy on write); see
 * SPM_W_DEFER for a zero page's first write request.
 * Errors: -SPM_ERANGE (page outside), -SPM_ENOMEM (no frame for the copy;
 * nothing changed).
 */
int spm_fault(struct spm_engine *e, struct spm_space *s, uint64_t page,
	      unsigned access, spm_frame_t *frame, unsigned *rights);

/* Zero [offset, offset+size): whole pages go back to the zero frame,
 * partial pages are zeroed in place (which may need a private copy). */
int spm_clear(struct spm_engine *e, struct spm_space *s, uint64_t offset,
	      uint64_t size);

/* Copy bytes between spaces (or within one) as the monitor: the
 * destination pages get private frames first. */
int spm_copy(struct spm_engine *e, struct spm_space *dst, uint64_t dst_off,
	     struct spm_space *src, uint64_t src_off, uint64_t size);

/* Monitor access to a space's bytes (used by copy and by tools). */
int spm_read(struct spm_engine *e, struct spm_space *s, uint64_t off, void *buf,
	     uint64_t len);
int spm_write(struct spm_engine *e, struct spm_space *s, uint64_t off,
	      const void *buf, uint64_t len);

/*
 * One scanner step over at most `pages` pages (0: the policy's
 * pages_per_step).  A step ends early at the end of a full pass.  Returns
 * the number of pages looked at, or -SPM_ENOENT if there is nothing to
 * scan.
 */
long spm_scan(struct spm_engine *e, uint32_t pages);

/* Pages the next spm_scan(e, 0) step will look at (see target_pass_ms). */
uint32_t spm_step_pages(const struct spm_engine *e);

void spm_stats(const struct spm_engine *e, struct spm_stats *st);
void spm_space_stats(const struct spm_space *s, struct spm_space_stats *st);

/*
 * Consistency check of every invariant the engine keeps (for tests and
 * debugging; costs a walk over all pages).  Returns 0, or a negative number
 * and writes a description into msg.
 */
int spm_check(struct spm_engine *e, char *msg, size_t msglen);

/* The keyed content hash the engine uses (exposed for tests, benchmarks). */
uint64_t spm_hash_page(const void *page, uint64_t seed);

#endif
