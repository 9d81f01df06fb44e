/*
 * l4abi.h - the L4Re wire values the ipc layer needs, mirrored.
 *
 * The ipc layer is compiled on the Linux host (tests, fuzzing) and inside
 * the L4Re server, so it cannot include an L4Re header.  Every value here
 * is a copy of an L4Re definition; the comment next to each group names
 * the header of l4re-core (kernkonzept/l4re-core) it mirrors.  The names
 * carry an SPMM_ prefix so that this header and the L4Re headers can be
 * included side by side; l4abi_check.h asserts, in an L4Re build, that
 * every value still equals its original.
 *
 * Only 64-bit targets are supported (a message word is 8 bytes).
 */
#ifndef SPMM_L4ABI_H
#define SPMM_L4ABI_H

/*
 * Error numbers, as positive values: a reply label of -SPMM_EINVAL is
 * -L4_EINVAL.  [l4sys/include/err.h, enum l4_error_code_t]
 */
enum {
	SPMM_EOK = 0,
	SPMM_EPERM = 1,		  /* L4_EPERM */
	SPMM_ENOENT = 2,	  /* L4_ENOENT */
	SPMM_ENOMEM = 12,	  /* L4_ENOMEM */
	SPMM_EACCESS = 13,	  /* L4_EACCESS */
	SPMM_EBUSY = 16,	  /* L4_EBUSY */
	SPMM_ENODEV = 19,	  /* L4_ENODEV */
	SPMM_EINVAL = 22,	  /* L4_EINVAL */
	SPMM_ERANGE = 34,	  /* L4_ERANGE */
	SPMM_ENOSYS = 38,	  /* L4_ENOSYS */
	SPMM_EBADPROTO = 39,	  /* L4_EBADPROTO */
	SPMM_EADDRNOTAVAIL = 99,  /* L4_EADDRNOTAVAIL */
	SPMM_EMSGTOOSHORT = 1001, /* L4_EMSGTOOSHORT */
	SPMM_EMSGTOOLONG = 1002,  /* L4_EMSGTOOLONG */
};

/*
 * Message tag: label << 16 | flags (bits 12-15) | items << 6 | words.
 * The label is signed (sign-extended from bit 63).
 * [l4sys/include/types.h: l4_msgtag(), l4_msgtag_label() and friends,
 *  enum l4_msgtag_flags]
 */
enum {
	SPMM_TAG_WORDS_MASK = 0x3f,
	SPMM_TAG_ITEMS_SHIFT = 6,
	SPMM_TAG_ITEMS_MASK = 0x3f,
	SPMM_TAG_FLAGS_MASK = 0xf000, /* L4_MSGTAG_FLAGS */
	SPMM_TAG_FLAG_ERROR = 0x8000, /* L4_MSGTAG_ERROR */
	SPMM_TAG_LABEL_SHIFT = 16,
};

/*
 * Message registers per UTCB: L4_UTCB_GENERIC_DATA_SIZE on every
 * architecture.  A typed item takes two of them (L4::Ipc::Msg::Item_words).
 * [l4sys/include/ARCH-<arch>/arch/utcb.h, l4sys/include/cxx/ipc_basics]
 */
enum {
	SPMM_MR_WORDS = 63,
	SPMM_ITEM_WORDS = 2,
};

/*
 * Protocol numbers (tag labels).
 * [l4sys/include/types.h enum L4_msgtag_protocol: L4_PROTO_FACTORY,
 *  L4_PROTO_META; l4re/include/protocols.h: L4RE_PROTO_DATASPACE,
 *  L4RE_PROTO_MEM_ALLOC]
 */
enum {
	SPMM_PROTO_FACTORY = -15,
	SPMM_PROTO_META = -21,
	SPMM_PROTO_DATASPACE = 0x4000,
	SPMM_PROTO_MEM_ALLOC = 0x400b,
};

/*
 * Variable arguments of Factory::create: a tag word type | length << 16,
 * then ceil(length / 8) data words.  A zero tag word ends the list.
 * [l4sys/include/types.h enum L4_varg_type; l4sys/include/cxx/ipc_varg]
 */
enum {
	SPMM_VARG_NIL = 0x00,	 /* L4_VARG_TYPE_NIL */
	SPMM_VARG_UMWORD = 0x01, /* L4_VARG_TYPE_UMWORD */
	SPMM_VARG_STRING = 0x02, /* L4_VARG_TYPE_STRING */
	SPMM_VARG_FPAGE = 0x03,	 /* L4_VARG_TYPE_FPAGE */
	SPMM_VARG_SIGN = 0x80,	 /* L4_VARG_TYPE_SIGN */
	SPMM_VARG_MWORD = 0x81,	 /* L4_VARG_TYPE_MWORD */
	SPMM_VARG_TYPE_MASK = 0xff,
	SPMM_VARG_LEN_SHIFT = 16,
};

/*
 * Flexpage word: rights bits 0-3, type bits 4-5, order bits 6-11, address
 * (or capability index) from bit 12.  [l4sys/include/__l4_fpage.h]
 */
enum {
	SPMM_FPAGE_TYPE_SHIFT = 4,  /* L4_FPAGE_TYPE_SHIFT */
	SPMM_FPAGE_SIZE_SHIFT = 6,  /* L4_FPAGE_SIZE_SHIFT */
	SPMM_FPAGE_ADDR_SHIFT = 12, /* L4_FPAGE_ADDR_SHIFT */
	SPMM_FPAGE_RIGHTS_MASK = 0x0f,
	SPMM_FPAGE_SIZE_MASK = 0x3f,
	SPMM_FPAGE_MEMORY = 1, /* L4_FPAGE_MEMORY */
	SPMM_FPAGE_OBJ = 3,    /* L4_FPAGE_OBJ */
	/* memory rights, enum L4_fpage_rights */
	SPMM_FPAGE_X = 1,
	SPMM_FPAGE_W = 2,
	SPMM_FPAGE_RO = 4,
	SPMM_FPAGE_RWX = 7,
	/* capability rights, enum L4_cap_fpage_rights */
	SPMM_CAP_FPAGE_W = 0x1,
	SPMM_CAP_FPAGE_S = 0x2,
	SPMM_CAP_FPAGE_R = 0x4,
	SPMM_CAP_FPAGE_D = 0x8,
	SPMM_CAP_FPAGE_RWSD = 0xf,
};

/* Page size, L4_PAGESHIFT / L4_PAGESIZE on every supported target. */
#define SPMM_PAGE_SHIFT 12u
#define SPMM_PAGE_SIZE	4096ull
/* Largest flexpage order L4Re servers send (l4_fpage_max_order() and
 * moe's Dataspace_cont::address() stop at 1 GiB). */
#define SPMM_FPAGE_MAX_ORDER 30u

/*
 * Typed items in message registers.  A send item is a control word and a
 * flexpage word; the control word of a map item is L4_ITEM_MAP | snd_base
 * (bits 12 and up) | cacheability << 4 (memory only).
 * [l4sys/include/consts.h enum l4_msg_item_consts_t;
 *  __l4_fpage.h l4_map_control(), enum l4_fpage_cacheability_opt_t]
 */
enum {
	SPMM_ITEM_MAP = 8,	 /* L4_ITEM_MAP */
	SPMM_MAP_ITEM_GRANT = 2, /* L4_MAP_ITEM_GRANT */
	/* control-word values, L4::Ipc::Snd_fpage::Cacheopt (cxx/ipc_types) */
	SPMM_CACHE_NONE = 0x00,	    /* copy the sender's attributes */
	SPMM_CACHE_UNCACHED = 0x10, /* L4_FPAGE_UNCACHEABLE << 4 */
	SPMM_CACHE_CACHED = 0x30,   /* L4_FPAGE_CACHEABLE << 4 */
	SPMM_CACHE_BUFFERED = 0x50, /* L4_FPAGE_BUFFERABLE << 4 */
};

/*
 * Return items: what the kernel writes into the receiver's message
 * registers for each item it transferred.  (w0 & 0x3e) tells what
 * happened.  [l4sys/include/cxx/ipc_types, L4::Ipc::Snd_fpage::
 * cap_received(), id_received(), local_id_received()]
 */
enum {
	SPMM_RCV_KIND_MASK = 0x3e,
	SPMM_RCV_CAP_MAPPED = 0x38,  /* a capability was mapped into our slot */
	SPMM_RCV_ID = 0x3c,	     /* own gate: w1 = gate label | rights */
	SPMM_RCV_LOCAL_FPAGE = 0x3e, /* same task: w1 = raw flexpage */
};

/*
 * Receive-buffer word for one capability, as servers arm br[0]:
 * slot | L4_RCV_ITEM_SINGLE_CAP | L4_RCV_ITEM_LOCAL_ID.  [consts.h]
 */
enum {
	SPMM_RCV_ITEM_SINGLE_CAP = 0xa, /* L4_ITEM_MAP | 2 */
	SPMM_RCV_ITEM_LOCAL_ID = 0x4,
};

/*
 * Dataspace flags and map flags: rights bits 0-3 (the L4_FPAGE_* bits),
 * caching bits 4-5.  [l4re/include/dataspace, L4Re::Dataspace::F]
 */
enum {
	SPMM_DS_X = 0x01,
	SPMM_DS_W = 0x02,
	SPMM_DS_R = 0x04,
	SPMM_DS_RWX = 0x07,
	SPMM_DS_RIGHTS_MASK = 0x0f,
	SPMM_DS_BUFFERABLE = 0x10,
	SPMM_DS_UNCACHEABLE = 0x20,
	SPMM_DS_CACHING_MASK = 0x30,
	SPMM_DS_CACHING_SHIFT = 4,
};

/*
 * Dataspace opcodes: the position in L4Re::Dataspace::Rpcs (map, clear,
 * info, copy_in, allocate, map_info), sent as a 32-bit int (L4::Opcode)
 * in the low half of MR0.  The old enum in dataspace-sys.h is not what
 * goes on the wire.  [l4re/include/dataspace]
 */
enum {
	SPMM_DS_OP_MAP = 0,
	SPMM_DS_OP_CLEAR = 1,
	SPMM_DS_OP_INFO = 2,
	SPMM_DS_OP_COPY_IN = 3,
	SPMM_DS_OP_ALLOCATE = 4,
	SPMM_DS_OP_MAP_INFO = 5,
};

/*
 * Meta opcodes: the position in L4::Meta::Rpcs (num_interfaces,
 * interface, supports), 32-bit int in the low half of MR0.
 * [l4sys/include/meta; server side: cxx/ipc_epiface Meta_svr]
 */
enum {
	SPMM_META_OP_NUM_INTERFACES = 0,
	SPMM_META_OP_INTERFACE = 1,
	SPMM_META_OP_SUPPORTS = 2,
};

/*
 * Memory-allocation flags of Factory::create(Dataspace, size, flags,
 * align).  [l4re/include/mem_alloc, L4Re::Mem_alloc::Mem_alloc_flags]
 */
enum {
	SPMM_MA_CONTINUOUS = 0x01,
	SPMM_MA_PINNED = 0x02,
	SPMM_MA_SUPER_PAGES = 0x04,
	SPMM_MA_FIXED_PADDR = 0x08,
};

/*
 * Region maps (L4Re::Rm, protocol L4RE_PROTO_RM) and the pager protocol
 * the kernel uses for page faults (L4_PROTO_PAGE_FAULT; L4Re::Rm derives
 * from L4::Pager, so a region map answers both).
 * [l4re/include/protocols.h; l4sys/include/types.h; l4re/include/rm]
 */
enum {
	SPMM_PROTO_RM = 0x4005,
	SPMM_PROTO_PAGE_FAULT = -2,
	SPMM_PROTO_EXCEPTION = -5,
};

/* Rm opcodes: the position in L4Re::Rm::Rpcs, a 32-bit int in MR0. */
enum {
	SPMM_RM_OP_ATTACH = 0,
	SPMM_RM_OP_DETACH = 1,
	SPMM_RM_OP_FIND = 2,
	SPMM_RM_OP_RESERVE_AREA = 3,
	SPMM_RM_OP_FREE_AREA = 4,
	SPMM_RM_OP_GET_REGIONS = 5,
	SPMM_RM_OP_GET_AREAS = 6,
	SPMM_RM_OP_GET_INFO = 7,
};

/*
 * Rm flags (a 32-bit word): region flags in the low 16 bits (rights as
 * the dataspace's, caching, and the kinds below), attach flags above.
 * Detach flags and results.  [l4re/include/rm: L4Re::Rm::F,
 * Detach_flags, Detach_result; l4re_c/include/rm.h]
 */
enum {
	SPMM_RM_F_RIGHTS_MASK = 0x0f,
	SPMM_RM_F_KERNEL = 0x100,
	SPMM_RM_F_DETACH_FREE = 0x200,
	SPMM_RM_F_PAGER = 0x400,
	SPMM_RM_F_RESERVED = 0x800,
	SPMM_RM_F_REGION_MASK = 0xffff,
	SPMM_RM_F_SEARCH_ADDR = 0x20000,
	SPMM_RM_F_IN_AREA = 0x40000,
	SPMM_RM_F_EAGER_MAP = 0x80000,
	SPMM_RM_F_NO_EAGER_MAP = 0x100000,
	SPMM_RM_F_ATTACH_MASK = 0x1f0000,
	SPMM_RM_DETACH_EXACT = 1,
	SPMM_RM_DETACH_OVERLAP = 2,
	SPMM_RM_DETACH_KEEP = 4,
	SPMM_RM_DETACHED_DS = 0,
	SPMM_RM_KEPT_DS = 1,
	SPMM_RM_SPLIT_DS = 2,
	SPMM_RM_DETACH_AGAIN = 4,
};

/* A page fault's first word: the address, bit 1 set for a write, bit 2
 * for an instruction fetch.  [l4sys/include/pager, L4::Pager::page_fault] */
enum {
	SPMM_PF_W = 2,
	SPMM_PF_X = 4,
};

/* The invalid capability index, L4_INVALID_CAP (detach's answer when no
 * capability goes with the region).  [l4sys/include/consts.h] */
#define SPMM_INVALID_CAP (~0ull << 11)

#endif
