/*
 * ipc.h - spmm's messages: requests decoded from message registers,
 * replies encoded into them.
 *
 * This layer owns the wire format of the four protocols spmm speaks and
 * nothing else: no objects, no policy, no L4Re header (the values it needs
 * are mirrored in l4abi.h).  Every function is pure, so the server only
 * moves registers in and out, and the host tests and fuzzers see exactly
 * what the server sees.
 *
 *   protocol   label    objects            decoder
 *   Factory    -15      factory            spmm_ipc_decode_factory()
 *   Dataspace  0x4000   dataspace          spmm_ipc_decode_dataspace()
 *   Meta       -21      all                spmm_ipc_decode_meta()
 *   Control    0x5350   all                spmm_ipc_decode_control()
 *   Rm         0x4005   region map         spmm_ipc_decode_rm()
 *   Page fault -2       region map         spmm_ipc_decode_page_fault()
 *
 * Contract of every decoder:
 *  - It reads in->mr[0 .. w + 2i - 1] only, where w and i are the words
 *    and items of in->tag, and only if w + 2i <= SPMM_MR_WORDS; it never
 *    reads beyond the words the tag announces.
 *  - It returns 0 and fills *req, or a negative L4 error number, which the
 *    server sends back unchanged (spmm_ipc_encode_ret()); the values are
 *    the ones L4Re's own servers answer (cxx/ipc_server, moe):
 *      -L4_EBADPROTO    the label is not a protocol the object speaks,
 *      -L4_EMSGTOOSHORT fewer words (or items) than the request needs,
 *                       or words + 2 * items > 63,
 *      -L4_ENOSYS       unknown opcode,
 *      -L4_EINVAL       an item the request does not take, or a bad
 *                       argument (see each decoder),
 *      -L4_ENODEV, -L4_ERANGE  Factory::create only.
 *  - Extra words after the arguments are ignored, as in L4Re.
 *
 * Rights are not the decoders' business: a request carries the caller's
 * rights (the low two bits of the gate label) and the server asks the
 * pure checks below (spmm_ipc_create_check(), spmm_ipc_ds_check(),
 * spmm_ipc_control_check()) before it acts.
 *
 * Every encoder writes a complete reply: out->tag and the registers it
 * announces.  The server copies spmm_ipc_msg_words(out->tag) registers
 * to its UTCB and replies with out->tag.
 *
 * Receiving: the server arms one capability receive buffer with
 * SPMM_RCV_ITEM_SINGLE_CAP | SPMM_RCV_ITEM_LOCAL_ID, so a capability of
 * its own arrives as a label (copy_in's source); any other capability is
 * mapped into the slot, and then spmm_ipc_cap_mapped() is true whatever
 * the request: the server must free the slot before the next receive.
 */
#ifndef SPMM_IPC_H
#define SPMM_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "l4abi.h"
#include "spmm/control.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- messages --------------------------------------------------------- */

/* A received message.  Copy spmm_ipc_msg_words(tag) registers into mr;
 * the rest may be left uninitialised. */
struct spmm_ipc_in {
	uint64_t tag;	/* l4_msgtag_t raw value, as received */
	uint64_t label; /* gate label | caller's rights (W = 1, S = 2) */
	uint64_t mr[SPMM_MR_WORDS];
};

/* A reply: send out->tag and the first spmm_ipc_msg_words(tag) of mr. */
struct spmm_ipc_out {
	uint64_t tag;
	uint64_t mr[SPMM_MR_WORDS];
};

/* Message tags, as l4_msgtag() and l4_msgtag_label() etc. build and read
 * them.  Out-of-range words, items or flags are masked off. */
uint64_t spmm_ipc_tag(long label, unsigned words, unsigned items,
		      unsigned flags);
long spmm_ipc_tag_label(uint64_t tag);
unsigned spmm_ipc_tag_words(uint64_t tag);
unsigned spmm_ipc_tag_items(uint64_t tag);
unsigned spmm_ipc_tag_flags(uint64_t tag);
/* Registers a message with this tag occupies: words + 2 * items, at most
 * SPMM_MR_WORDS (a tag that claims more is refused by the decoders). */
unsigned spmm_ipc_msg_words(uint64_t tag);

/* Flexpage words, as l4_fpage() and l4_obj_fpage(): addr (or capability
 * selector, idx << 12) from bit 12, order bits 6-11, type, rights 0-3. */
uint64_t spmm_ipc_fpage(uint64_t addr, unsigned order, unsigned rights);
uint64_t spmm_ipc_obj_fpage(uint64_t cap, unsigned order, unsigned rights);

/* True if any return item of the message reports a capability mapped into
 * the receive slot ((w0 & 0x3e) == 0x38): the server must free the slot. */
bool spmm_ipc_cap_mapped(const struct spmm_ipc_in *in);

/* ---- requests ------------------------------------------------------- */

/* What the gate label names; decides which protocols are spoken. */
enum spmm_ipc_kind {
	SPMM_IPC_FACTORY = 1,	/* Factory, Meta, Control */
	SPMM_IPC_DATASPACE = 2, /* Dataspace, Meta, Control */
	SPMM_IPC_RM = 3,	/* Rm, page faults, Meta, Control */
};

enum spmm_ipc_op {
	SPMM_OP_CREATE = 1, /* Factory::create(Dataspace or Rm, ...) */
	SPMM_OP_DS_MAP,
	SPMM_OP_DS_CLEAR,
	SPMM_OP_DS_INFO,
	SPMM_OP_DS_COPY_IN,
	SPMM_OP_DS_ALLOCATE,
	SPMM_OP_DS_MAP_INFO,
	SPMM_OP_META_NUM_INTERFACES,
	SPMM_OP_META_INTERFACE,
	SPMM_OP_META_SUPPORTS,
	SPMM_OP_CTL_INFO,
	SPMM_OP_CTL_STATS,
	SPMM_OP_CTL_DS_STATS,
	SPMM_OP_CTL_POLICY,
	SPMM_OP_RM_ATTACH,
	SPMM_OP_RM_DETACH,
	SPMM_OP_RM_FIND,
	SPMM_OP_RM_RESERVE_AREA,
	SPMM_OP_RM_FREE_AREA,
	SPMM_OP_RM_GET_REGIONS,
	SPMM_OP_RM_GET_AREAS,
	SPMM_OP_RM_GET_INFO,
	SPMM_OP_PAGE_FAULT,
};

/* Where copy_in's source capability came from. */
enum spmm_ipc_src {
	SPMM_SRC_NONE = 0,    /* no capability (void or other item) */
	SPMM_SRC_OWN = 1,     /* one of our gates: src_obj, src_rights */
	SPMM_SRC_FOREIGN = 2, /* someone else's: mapped into our slot */
};

/* Region names longer than this are cut (moe keeps them whole; they only
 * serve debugging listings). */
#define SPMM_RM_NAME_MAX 40

struct spmm_req {
	int op;		 /* enum spmm_ipc_op */
	uint64_t obj;	 /* gate label without the rights bits */
	unsigned rights; /* SPMM_CAP_FPAGE_W | SPMM_CAP_FPAGE_S of the caller */
	union {
		struct {
			long protocol;	/* SPMM_PROTO_DATASPACE or _RM */
			uint64_t size;	/* bytes, > 0 */
			uint64_t flags; /* SPMM_MA_*, 0 if not given */
			uint64_t align; /* log2 bytes, < 64, 0 if not given */
			unsigned nargs; /* arguments on the wire */
		} create;
		struct {
			uint64_t offset; /* byte offset, not page aligned */
			uint64_t spot;	 /* hot spot in the receive window */
			uint64_t flags;	 /* SPMM_DS_* rights and caching */
		} map;
		struct {
			uint64_t offset;
			uint64_t size;
		} range; /* clear, allocate */
		struct {
			uint64_t dst_offset;
			uint64_t src_offset;
			uint64_t size;
			int src;	     /* enum spmm_ipc_src */
			uint64_t src_obj;    /* SPMM_SRC_OWN: the gate label */
			unsigned src_rights; /* SPMM_SRC_OWN: W and S */
		} copy_in;
		struct {
			uint64_t index;
		} iface; /* Meta interface */
		struct {
			long protocol;
		} supports; /* Meta supports */
		struct {
			uint64_t start;	      /* wanted address (or search) */
			uint64_t size;	      /* bytes, not rounded */
			uint32_t flags;	      /* SPMM_RM_F_*: region | attach */
			uint64_t offset;      /* into the dataspace */
			unsigned align;	      /* log2 bytes */
			uint64_t client_cap;  /* the client's name for the ds */
			uint64_t backing_offset;
			/* the region's name (debugging), cut to fit, no NUL */
			char name[SPMM_RM_NAME_MAX];
			unsigned name_len;
			int src;	      /* enum spmm_ipc_src */
			uint64_t src_obj;     /* SPMM_SRC_OWN: gate label */
			unsigned src_rights;  /* SPMM_SRC_OWN: W and S */
		} attach;
		struct {
			uint64_t addr;
			uint64_t size;
			unsigned flags; /* SPMM_RM_DETACH_* */
		} detach;
		struct {
			uint64_t addr;
			uint64_t size;
		} find;
		struct {
			uint64_t start;
			uint64_t size;
			uint32_t flags;
			unsigned align;
		} area; /* reserve_area */
		struct {
			uint64_t addr;
		} at; /* free_area, get_regions, get_areas, get_info */
		struct {
			uint64_t pfa; /* address | SPMM_PF_W | SPMM_PF_X */
			uint64_t pc;
		} pf;
	};
};

/* Decode a request to an object of `kind` (enum spmm_ipc_kind): chooses
 * the decoder by label; another label is -L4_EBADPROTO. */
int spmm_ipc_decode(const struct spmm_ipc_in *in, int kind,
		    struct spmm_req *req);

/*
 * Factory::create, label -15.  MR0 is the protocol of the object to create
 * (a whole signed word), then variable arguments: a tag word
 * type | length << 16 and ceil(length / 8) data words each, until the
 * message ends or a zero tag word.  For a dataspace: size, flags, align
 * (integers, signed 0x81 or unsigned 0x01, 8 bytes) and nothing else.
 * Errors, in moe's order:
 *  -L4_EMSGTOOSHORT  no protocol word, or an argument longer than the
 *                    message (L4Re's Varg_list parser);
 *  -L4_ENODEV        a protocol other than Dataspace or Rm (a region
 *                    map: no argument is looked at, as in moe);
 *  -L4_EINVAL        size missing or not an integer, an integer argument
 *                    that is not 8 bytes long, align > 63, a 4th
 *                    argument (a physical address: moe refuses it on MMU
 *                    systems), or any item;
 *  -L4_ERANGE        size 0 or negative (as a signed word; moe's
 *                    Bounds_error).
 * Flags and align that are not integers count as 0, as in moe.
 */
int spmm_ipc_decode_factory(const struct spmm_ipc_in *in, struct spmm_req *req);

/*
 * L4Re::Dataspace, label 0x4000; opcode in the low 32 bits of MR0,
 * arguments in MR1.. (64-bit each):
 *   map       offset, spot, flags        0 items
 *   clear     offset, size               0 items
 *   info      -                          0 items
 *   copy_in   dst offset, src offset, size, 1 item (source capability)
 *   allocate  offset, size               0 items
 *   map_info  -                          0 items
 * copy_in without an item is -L4_EMSGTOOSHORT; with a capability that is
 * not one of our gates the request still decodes (src says which), so
 * that the rights check answers as moe does.
 */
int spmm_ipc_decode_dataspace(const struct spmm_ipc_in *in,
			      struct spmm_req *req);

/* L4::Meta, label -21: num_interfaces (no argument), interface (MR1
 * index), supports (MR1 protocol, signed). */
int spmm_ipc_decode_meta(const struct spmm_ipc_in *in, struct spmm_req *req);

/* spmm's control protocol, label SPMM_CTL_PROTO (spmm/control.h). */
int spmm_ipc_decode_control(const struct spmm_ipc_in *in, struct spmm_req *req);

/*
 * L4Re::Rm, label 0x4005; 32-bit opcode in MR0, then the arguments in
 * L4::Ipc's layout (each aligned to its size, 8-byte words):
 *   attach        start, size, flags (32 bit), offset, align (8 bit),
 *                 client_cap, name (length word, bytes with the NUL),
 *                 backing_offset; the dataspace as an optional item
 *   detach        addr, size, flags (32 bit)
 *   find          addr, size
 *   reserve_area  start, size, flags (32 bit), align (8 bit)
 *   free_area, get_regions, get_areas, get_info   addr
 * A message that ends inside an argument (or a name longer than the
 * message) is -L4_EMSGTOOSHORT; an unknown opcode -L4_ENOSYS; more than
 * one item (attach) or any item (others) -L4_EINVAL.
 */
int spmm_ipc_decode_rm(const struct spmm_ipc_in *in, struct spmm_req *req);

/* L4::Pager::page_fault, label -2, as the kernel sends it for a thread
 * whose pager we are, or a client calls it: pfa, pc (2 words). */
int spmm_ipc_decode_page_fault(const struct spmm_ipc_in *in,
			       struct spmm_req *req);

/* ---- rights checks ---------------------------------------------------- */

/* L4::Factory::create is declared Call_t<L4_CAP_FPAGE_S>: L4Re's
 * dispatcher answers -L4_EPERM to a caller without S.  0 or -L4_EPERM. */
int spmm_ipc_create_check(const struct spmm_req *req);

/* What a dataspace request may do, filled by spmm_ipc_ds_check(). */
struct spmm_ds_grant {
	uint64_t offset; /* map: the page to map (page aligned); clear,
			    allocate: the byte offset asked for */
	uint64_t size;	 /* clear: bytes to zero, clamped to the end of the
			    dataspace's last page; allocate: bytes asked for */
	unsigned rights; /* map: flexpage rights to send (SPMM_FPAGE_*);
			    allocate: SPMM_FPAGE_W if pages may be writable */
	unsigned cache;	 /* map: control-word cacheability (SPMM_CACHE_*) */
};

/*
 * The rights and range checks of L4Re's moe for one dataspace request, for
 * a dataspace of ds_size bytes with flags ds_flags (SPMM_DS_*).  Returns 0
 * and fills *g, or the error to answer:
 *   map       -L4_EPERM if W (or X) is asked for and the capability or
 *             the dataspace lacks it; -L4_ERANGE if offset >=
 *             round_page(ds_size).  Rights sent: the asked rights that
 *             are allowed.  Caching: the stronger of the dataspace's and
 *             the request's caching flags (moe's cache_map).
 *   clear     -L4_EACCESS without W (capability or dataspace);
 *             -L4_ERANGE if offset >= round_page(ds_size).
 *   copy_in   -L4_EACCESS without W; -L4_EINVAL unless the source is
 *             one of our gates (uvmm then copies by itself).
 *             Ranges are the engine's business (spm_copy()).
 *   allocate  -L4_ERANGE unless offset < ds_size and size <= ds_size -
 *             offset.  No right needed (moe populates read-only then).
 *   info, map_info  always 0.
 * Other requests: -L4_EINVAL.
 */
int spmm_ipc_ds_check(const struct spmm_req *req, uint64_t ds_size,
		      uint64_t ds_flags, struct spmm_ds_grant *g);

/* Control opcodes on an object of `kind`: -L4_EPERM for STATS and POLICY
 * without S, -L4_ENOSYS for DS_STATS on the factory, else 0. */
int spmm_ipc_control_check(const struct spmm_req *req, int kind);

/* ---- map replies ------------------------------------------------------ */

/* Is the block of 2^order bytes at dataspace offset `offset` (aligned
 * in the monitor) backed and mapped in the monitor with the rights
 * about to be sent, page by page? */
typedef bool spmm_ipc_block_fn(void *ctx, uint64_t offset, unsigned order);

/*
 * The largest flexpage order for answering map at dataspace `offset` of
 * a dataspace of ds_size bytes whose page 0 the monitor maps at `window`
 * (page aligned; page i at window + i * 4096), for hot spot `spot`.
 * An order o > 12 is used only if all of these hold (as moe decides):
 *  - (monitor address ^ spot) & (2^o - 1) has no bit at 12 or above, so
 *    the kernel puts the faulting page where the client faulted;
 *  - the aligned 2^o block around the monitor address lies within the
 *    dataspace's pages;
 *  - o <= max_order (and <= SPMM_FPAGE_MAX_ORDER);
 *  - ok(ctx, block offset, o) if ok is not NULL.
 * The client's receive window is not on the wire; the kernel clips a
 * larger flexpage to it around the hot spot, so it needs no check here.
 * Returns 12 if nothing larger fits.
 */
unsigned spmm_ipc_map_order(uint64_t offset, uint64_t ds_size, uint64_t window,
			    uint64_t spot, unsigned max_order,
			    spmm_ipc_block_fn *ok, void *ctx);

/* ---- replies ---------------------------------------------------------- */

/* A reply with label ret and nothing else: every error (negative ret)
 * and the plain results (clear, allocate, copy_in, supports,
 * num_interfaces). */
void spmm_ipc_encode_ret(struct spmm_ipc_out *out, long ret);

/* Factory::create done: label 0, 0 words, 1 item mapping capability
 * selector `cap` (idx << 12, an l4_cap_idx_t) with rights RWSD. */
void spmm_ipc_encode_create(struct spmm_ipc_out *out, uint64_t cap);

/* map done: label 0, 0 words, 1 item: MR0 = L4_ITEM_MAP | (spot &
 * ~0xfff) | cache, MR1 = the flexpage of 2^order bytes around monitor
 * address addr with `rights`.  order is clamped to 12..63. */
void spmm_ipc_encode_map(struct spmm_ipc_out *out, uint64_t spot,
			 unsigned cache, uint64_t addr, unsigned order,
			 unsigned rights);

/* Rm replies.  attach, reserve_area: label 0, one word (the start).
 * detach: label = result (SPMM_RM_DETACHED_DS ...), words: start, size,
 * the client's capability index for the region's dataspace.  find:
 * label 0, words: start, size, flags (32 bit), offset, capability. */
void spmm_ipc_encode_rm_start(struct spmm_ipc_out *out, uint64_t start);
void spmm_ipc_encode_rm_detach(struct spmm_ipc_out *out, long result,
			       uint64_t start, uint64_t size, uint64_t cap);
void spmm_ipc_encode_rm_find(struct spmm_ipc_out *out, uint64_t start,
			     uint64_t size, uint32_t flags, uint64_t offset,
			     uint64_t cap);

/* get_info: label 0, words: the name's length with its NUL, the name
 * and NUL (padded to a word), the backing offset. */
void spmm_ipc_encode_rm_info(struct spmm_ipc_out *out, const char *name,
			     unsigned len, uint64_t backing_offset);

/* get_regions / get_areas: label n, then n entries of (start, end,
 * region flags as a 16-bit value padded to a word) or (start, end).
 * At most SPMM_RM_MAX_REGIONS / SPMM_RM_MAX_AREAS per reply. */
#define SPMM_RM_MAX_REGIONS (SPMM_MR_WORDS / 3)
#define SPMM_RM_MAX_AREAS   (SPMM_MR_WORDS / 2)
struct spmm_ipc_rm_entry {
	uint64_t start, end;
	uint32_t flags; /* regions only */
};
void spmm_ipc_encode_rm_regions(struct spmm_ipc_out *out,
				const struct spmm_ipc_rm_entry *e, unsigned n);
void spmm_ipc_encode_rm_areas(struct spmm_ipc_out *out,
			      const struct spmm_ipc_rm_entry *e, unsigned n);

/* info: label 0, 2 words: size, flags (W cleared unless cap_rights has
 * W, as moe does). */
void spmm_ipc_encode_ds_info(struct spmm_ipc_out *out, uint64_t size,
			     uint64_t flags, unsigned cap_rights);

/* map_info on an MMU system: label 0 ("no constraint"), 2 words, zero. */
void spmm_ipc_encode_map_info(struct spmm_ipc_out *out);

/* One interface an object reports through Meta. */
struct spmm_ipc_iface {
	long protocol;
	const char *name; /* what an RTTI-enabled L4Re server reports */
};

/* The interfaces of an object of `kind`: its main protocol first (ned
 * asks for interface 0), then Control.  NULL and *n = 0 if kind is
 * unknown. */
const struct spmm_ipc_iface *spmm_ipc_meta_ifaces(int kind, unsigned *n);

/*
 * The reply to a Meta request, as L4Re's Meta_svr answers:
 *   num_interfaces  label n, 0 words;
 *   interface i     label 0, words: protocol, name length with its NUL,
 *                   name bytes; -L4_ERANGE if i >= n;
 *   supports p      label 1 if some interface has protocol p != 0, else 0.
 * Returns 0, or the error it encoded instead (-L4_EMSGTOOLONG for a name
 * that does not fit, -L4_EINVAL if req is not a Meta request).
 */
int spmm_ipc_encode_meta(struct spmm_ipc_out *out, const struct spmm_req *req,
			 const struct spmm_ipc_iface *ifs, unsigned n);

/* Control replies: label 0, one word per member of the struct, in order
 * (spmm/control.h). */
void spmm_ipc_encode_ctl_info(struct spmm_ipc_out *out);
void spmm_ipc_encode_ctl_stats(struct spmm_ipc_out *out,
			       const struct spmm_ctl_stats *st);
void spmm_ipc_encode_ctl_ds_stats(struct spmm_ipc_out *out,
				  const struct spmm_ctl_ds_stats *st);
void spmm_ipc_encode_ctl_policy(struct spmm_ipc_out *out,
				const struct spmm_ctl_policy *p);

#ifdef __cplusplus
}
#endif

#endif
