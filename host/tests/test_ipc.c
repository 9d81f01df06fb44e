/*
 * test_ipc.c - unit tests of the ipc layer (spmm/lib/ipc): every decoder
 * and encoder, every error it answers, boundary sizes, and register
 * layouts compared word by word with values worked out by hand from the
 * L4Re headers (l4sys/include/types.h l4_msgtag(), __l4_fpage.h l4_fpage()
 * and l4_map_control(), cxx/ipc_types Snd_fpage, cxx/ipc_varg, moe).
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ipc.h"

/* Registers beyond the message are filled with this; a decoder that read
 * one would see a value no test expects. */
#define POISON 0xa5a5a5a5a5a5a5a5ull

/* Varg tag words (cxx/ipc_varg, factory.h l4_factory_create_add_*_u):
 * type | length << 16. */
#define VARG_MWORD  (0x81ull | 8ull << 16) /* 0x80081 */
#define VARG_UMWORD (0x01ull | 8ull << 16) /* 0x80001 */

static void msg(struct spmm_ipc_in *in, long label, unsigned words,
		unsigned items, uint64_t gate, const uint64_t *mr)
{
	for (unsigned i = 0; i < SPMM_MR_WORDS; i++)
		in->mr[i] = POISON;
	in->tag = spmm_ipc_tag(label, words, items, 0);
	in->label = gate;
	unsigned n = spmm_ipc_msg_words(in->tag);
	if (mr)
		memcpy(in->mr, mr, n * sizeof(uint64_t));
}

#define MR(...) ((const uint64_t[]){__VA_ARGS__})

/* ---- tags and flexpages --------------------------------------------- */

static void tag_layout_matches_l4_msgtag(void)
{
	/* l4_msgtag(-15, 1, 0, 0): (l4_umword_t)-15 << 16 | 1 */
	CHECK(spmm_ipc_tag(-15, 1, 0, 0) == 0xfffffffffff10001ull,
	      "factory tag %llx",
	      (unsigned long long)spmm_ipc_tag(-15, 1, 0, 0));
	/* l4_msgtag(0x4000, 4, 0, 0) */
	CHECK(spmm_ipc_tag(0x4000, 4, 0, 0) == 0x40000004ull, "ds tag");
	/* l4_msgtag(0, 0, 1, 0): items << 6 */
	CHECK(spmm_ipc_tag(0, 0, 1, 0) == 0x40ull, "one item");
	/* l4_msgtag(-22, 0, 0, 0): an error reply */
	CHECK(spmm_ipc_tag(-22, 0, 0, 0) == 0xffffffffffea0000ull, "error tag");
	/* out-of-range fields are masked as l4_msgtag() masks them */
	CHECK(spmm_ipc_tag(1, 0x7f, 0x7f, 0x1ffff) == 0x1ffffull,
	      "masking %llx",
	      (unsigned long long)spmm_ipc_tag(1, 0x7f, 0x7f, 0x1ffff));
}

static void tag_fields_round_trip(void)
{
	static const long labels[] = {
	    0, 1, -1, -15, -21, 0x4000, 0x5350, -(1l << 47), (1l << 47) - 1};
	for (unsigned i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		uint64_t t = spmm_ipc_tag(labels[i], 5, 3, 0x8000);
		CHECK(spmm_ipc_tag_label(t) == labels[i], "label %ld -> %ld",
		      labels[i], spmm_ipc_tag_label(t));
		CHECK(spmm_ipc_tag_words(t) == 5, "words");
		CHECK(spmm_ipc_tag_items(t) == 3, "items");
		CHECK(spmm_ipc_tag_flags(t) == 0x8000, "flags");
	}
	CHECK(spmm_ipc_msg_words(spmm_ipc_tag(0, 3, 2, 0)) == 7, "3 + 2*2");
	CHECK(spmm_ipc_msg_words(spmm_ipc_tag(0, 63, 63, 0)) == 63,
	      "clamped to 63");
	CHECK(spmm_ipc_msg_words(spmm_ipc_tag(0, 63, 0, 0)) == 63, "63");
}

static void fpage_layout_matches_l4_fpage(void)
{
	/* l4_fpage(0x12345000, 12, RWX): addr | 12 << 6 | 1 << 4 | 7 */
	CHECK(spmm_ipc_fpage(0x12345000, 12, 7) == 0x12345317ull, "4K RWX");
	/* l4_fpage(0x40000000, 21, RX) = 0x40000000 | 0x540 | 0x10 | 5 */
	CHECK(spmm_ipc_fpage(0x40000000, 21, 5) == 0x40000555ull, "2M RX");
	/* address bits below 12 are not part of an fpage */
	CHECK(spmm_ipc_fpage(0x12345fff, 12, 4) == 0x12345314ull, "low bits");
	/* l4_obj_fpage(5 << L4_CAP_SHIFT, 0, L4_CAP_FPAGE_RWSD) */
	CHECK(spmm_ipc_obj_fpage(0x5000, 0, 0xf) == 0x503full, "obj fpage");
}

static void cap_mapped_finds_foreign_caps(void)
{
	struct spmm_ipc_in in;
	/* return item of a mapped capability: (w0 & 0x3e) == 0x38 */
	msg(&in, 0x4000, 4, 1, 0, MR(3, 0, 0, 0, 0x38, 0x7000));
	CHECK(spmm_ipc_cap_mapped(&in), "0x38 item");
	/* own gate, label delivered: nothing in the slot */
	msg(&in, 0x4000, 4, 1, 0, MR(3, 0, 0, 0, 0x3c, 0x7001));
	CHECK(!spmm_ipc_cap_mapped(&in), "0x3c item");
	/* the second of two items */
	msg(&in, 0x4000, 1, 2, 0, MR(2, 0, 0, 0x39, 0));
	CHECK(spmm_ipc_cap_mapped(&in), "second item, compound bit set");
	msg(&in, 0x4000, 4, 0, 0, MR(3, 0x38, 0x38, 0x38));
	CHECK(!spmm_ipc_cap_mapped(&in), "data words are not items");
	/* items that would lie past MR62 are not looked at */
	msg(&in, 0x4000, 61, 2, 0, NULL);
	in.mr[61] = 0;
	in.mr[62] = 0;
	CHECK(!spmm_ipc_cap_mapped(&in), "past the registers");
}

/* ---- Factory -------------------------------------------------------- */

/* ned: L4.cast(L4.Proto.Factory, ch):create(L4.Proto.Dataspace,
 * 0x40000000, 7, 21), every Lua number a signed word (lua_factory.cc). */
static void factory_ned_create(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	msg(&in, -15, 7, 0, 0x1002,
	    MR(0x4000, VARG_MWORD, 0x40000000, VARG_MWORD, 7, VARG_MWORD, 21));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "decode");
	CHECK(r.op == SPMM_OP_CREATE, "op %d", r.op);
	CHECK(r.obj == 0x1000 && r.rights == SPMM_CAP_FPAGE_S, "label");
	CHECK(r.create.protocol == 0x4000, "protocol");
	CHECK(r.create.size == 0x40000000, "size");
	CHECK(r.create.flags == 7, "flags");
	CHECK(r.create.align == 21, "align");
	CHECK(r.create.nargs == 3, "nargs %u", r.create.nargs);
	CHECK(spmm_ipc_create_check(&r) == 0, "S right");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_create_check(&r) == -SPMM_EPERM, "no S right");
}

/* C++ L4Re::Mem_alloc::alloc(): size signed, flags and align unsigned
 * (l4re/include/impl/mem_alloc_impl.h). */
static void factory_mem_alloc_create(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	msg(&in, -15, 7, 0, 0x2003,
	    MR(0x4000, VARG_MWORD, 0x5000, VARG_UMWORD, 0, VARG_UMWORD, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "decode");
	CHECK(r.create.size == 0x5000 && r.create.flags == 0 &&
		  r.create.align == 0,
	      "args");
	CHECK(r.rights == 3 && r.obj == 0x2000, "rights");
}

static void factory_size_kinds(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	/* size alone, unsigned */
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_UMWORD, 4096));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "unsigned size");
	CHECK(r.create.size == 4096 && r.create.nargs == 1, "size alone");
	/* no size */
	msg(&in, -15, 1, 0, 0, MR(0x4000));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "no size");
	/* a string is not a size: "4096" with its NUL, 5 bytes */
	msg(&in, -15, 3, 0, 0, MR(0x4000, 0x02 | 5ull << 16, 0x0036393034));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "string");
	/* an flexpage is not a size either */
	msg(&in, -15, 3, 0, 0, MR(0x4000, 0x03 | 8ull << 16, 0x1000));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "fpage");
	/* an integer of 4 bytes */
	msg(&in, -15, 3, 0, 0, MR(0x4000, 0x81 | 4ull << 16, 4096));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "4 bytes");
	/* zero and negative sizes: moe's Bounds_error, -L4_ERANGE */
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ERANGE, "size 0");
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, (uint64_t)-4096));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ERANGE, "negative");
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_UMWORD, 1ull << 63));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ERANGE,
	      "unsigned with the sign bit");
	/* the largest size the wire can carry */
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, INT64_MAX));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0 &&
		  r.create.size == (uint64_t)INT64_MAX,
	      "INT64_MAX");
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, 1));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0 && r.create.size == 1,
	      "one byte");
}

static void factory_flags_align_and_address(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	/* flags and align that are not integers count as 0 (moe) */
	msg(&in, -15, 7, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, 0x02 | 2ull << 16, 0x37,
	       0x03 | 8ull << 16, 0x1000));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "odd flags");
	CHECK(r.create.flags == 0 && r.create.align == 0, "ignored");
	/* align 63 is the largest */
	msg(&in, -15, 7, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, VARG_MWORD, 0, VARG_MWORD, 63));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0 && r.create.align == 63,
	      "align 63");
	msg(&in, -15, 7, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, VARG_MWORD, 0, VARG_MWORD, 64));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "align 64");
	/* a flags integer of the wrong length */
	msg(&in, -15, 6, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, 0x01 | 16ull << 16, 1, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "16 bytes");
	/* an align integer of the wrong length */
	msg(&in, -15, 7, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, VARG_MWORD, 0, 0x81 | 4ull << 16, 21));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "align 4 B");
	/* a physical address (Mem_alloc::Fixed_paddr): -L4_EINVAL on MMU */
	msg(&in, -15, 9, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, VARG_UMWORD, 8, VARG_UMWORD, 0,
	       VARG_UMWORD, 0x80000000));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "paddr");
	/* a nil 4th argument (type 0, some length) is fine, and so is
	 * anything after it */
	msg(&in, -15, 11, 0, 0,
	    MR(0x4000, VARG_MWORD, 8192, VARG_UMWORD, 8, VARG_UMWORD, 0,
	       0x00 | 8ull << 16, 0x1234, VARG_UMWORD, 99));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "nil 4th");
	CHECK(r.create.nargs == 5, "5 args, got %u", r.create.nargs);
}

static void factory_list_ends(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	/* a zero tag word ends the list: what follows is not read */
	msg(&in, -15, 7, 0, 0, MR(0x4000, VARG_MWORD, 8192, 0, 0x80081, 7, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0, "zero tag");
	CHECK(r.create.nargs == 1 && r.create.flags == 0, "stopped");
	/* the end of the message ends it: words beyond are poison that
	 * would look like flags if read */
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, 8192));
	in.mr[3] = VARG_MWORD;
	in.mr[4] = 7;
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0 && r.create.flags == 0 &&
		  r.create.nargs == 1,
	      "read past words");
	/* an argument longer than the message */
	msg(&in, -15, 2, 0, 0, MR(0x4000, VARG_MWORD));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "truncated int");
	msg(&in, -15, 3, 0, 0, MR(0x4000, 0x02 | 9ull << 16, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "truncated string");
	msg(&in, -15, 3, 0, 0, MR(0x4000, 0x02 | 0xffffffffffffull << 16, 0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "huge length");
	/* a string exactly filling the message, then nothing */
	msg(&in, -15, 4, 0, 0, MR(0x4000, VARG_MWORD, 8192, 0x02 | 0ull << 16));
	CHECK(spmm_ipc_decode_factory(&in, &r) == 0 && r.create.nargs == 2,
	      "empty string at the end");
}

static void factory_errors(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	msg(&in, -15, 0, 0, 0, NULL);
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "no words");
	/* unknown protocols: Namespace (0x4001), Log (-13), gate (0) */
	msg(&in, -15, 3, 0, 0, MR(0x4001, VARG_MWORD, 8192));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ENODEV, "namespace");
	msg(&in, -15, 1, 0, 0, MR((uint64_t)-13));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ENODEV, "log");
	msg(&in, -15, 1, 0, 0, MR(0));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_ENODEV, "gate");
	/* malformed list beats unknown protocol, as in L4Re */
	msg(&in, -15, 2, 0, 0, MR(0x4001, VARG_MWORD));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT, "order");
	/* items are not taken */
	msg(&in, -15, 3, 1, 0, MR(0x4000, VARG_MWORD, 8192, 8, 0x503f));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EINVAL, "item");
	/* not the factory protocol */
	msg(&in, 0x4000, 3, 0, 0, MR(0x4000, VARG_MWORD, 8192));
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EBADPROTO, "label");
	/* more registers than there are */
	msg(&in, -15, 62, 1, 0, NULL);
	in.mr[0] = 0x4000;
	in.mr[1] = 0;
	CHECK(spmm_ipc_decode_factory(&in, &r) == -SPMM_EMSGTOOSHORT, "62 + 2");
}

static void factory_reply_layout(void)
{
	struct spmm_ipc_out out;
	memset(&out, 0xff, sizeof(out));
	/* capability index 5: selector 5 << L4_CAP_SHIFT (12) */
	spmm_ipc_encode_create(&out, 5ull << 12);
	/* l4_msgtag(0, 0, 1, 0) */
	CHECK(out.tag == 0x40, "tag %llx", (unsigned long long)out.tag);
	/* Snd_fpage(cap, RWSD): L4_ITEM_MAP | map | (rights & 0xf0) */
	CHECK(out.mr[0] == 8, "control %llx", (unsigned long long)out.mr[0]);
	/* l4_obj_fpage(0x5000, 0, 0xf): 0x5000 | 3 << 4 | 0xf */
	CHECK(out.mr[1] == 0x503f, "fpage %llx", (unsigned long long)out.mr[1]);
	CHECK(spmm_ipc_msg_words(out.tag) == 2, "2 registers");
}

/* ---- Dataspace ------------------------------------------------------ */

static void ds_decode_each_op(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	/* the opcode is the low 32 bits; the upper half is garbage */
	msg(&in, 0x4000, 4, 0, 0x3001,
	    MR(0xdeadbeef00000000ull, 0x12345, 0x7f123456, 0x17));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0, "map");
	CHECK(r.op == SPMM_OP_DS_MAP && r.map.offset == 0x12345 &&
		  r.map.spot == 0x7f123456 && r.map.flags == 0x17,
	      "map args");
	CHECK(r.obj == 0x3000 && r.rights == SPMM_CAP_FPAGE_W, "label");

	msg(&in, 0x4000, 3, 0, 0, MR(1, 0x1000, 0x2000));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.op == SPMM_OP_DS_CLEAR && r.range.offset == 0x1000 &&
		  r.range.size == 0x2000,
	      "clear");
	msg(&in, 0x4000, 1, 0, 0, MR(2));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.op == SPMM_OP_DS_INFO,
	      "info");
	msg(&in, 0x4000, 3, 0, 0, MR(4, 0x3000, 0x100));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.op == SPMM_OP_DS_ALLOCATE && r.range.offset == 0x3000 &&
		  r.range.size == 0x100,
	      "allocate");
	msg(&in, 0x4000, 1, 0, 0, MR(5));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.op == SPMM_OP_DS_MAP_INFO,
	      "map_info");
	/* extra words are ignored */
	msg(&in, 0x4000, 9, 0, 0, MR(2, 1, 2, 3, 4, 5, 6, 7, 8));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.op == SPMM_OP_DS_INFO,
	      "info with extra words");
}

static void ds_decode_copy_in_sources(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	/* one of our gates: label 0x7000 with W, delivered as an id */
	msg(&in, 0x4000, 4, 1, 1, MR(3, 0x1000, 0x2000, 0x3000, 0x3c, 0x7001));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0, "own");
	CHECK(r.op == SPMM_OP_DS_COPY_IN && r.copy_in.dst_offset == 0x1000 &&
		  r.copy_in.src_offset == 0x2000 && r.copy_in.size == 0x3000,
	      "args");
	CHECK(r.copy_in.src == SPMM_SRC_OWN && r.copy_in.src_obj == 0x7000 &&
		  r.copy_in.src_rights == 1,
	      "source");
	CHECK(!spmm_ipc_cap_mapped(&in), "slot empty");
	/* someone else's dataspace, mapped into our slot */
	msg(&in, 0x4000, 4, 1, 1, MR(3, 0, 0, 0x1000, 0x38, 0x4000));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.copy_in.src == SPMM_SRC_FOREIGN,
	      "foreign");
	CHECK(spmm_ipc_cap_mapped(&in), "slot full");
	/* a void item (nothing was sent), and a local flexpage */
	msg(&in, 0x4000, 4, 1, 1, MR(3, 0, 0, 0x1000, 0, 0));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.copy_in.src == SPMM_SRC_NONE,
	      "void");
	msg(&in, 0x4000, 4, 1, 1, MR(3, 0, 0, 0x1000, 0x3e, 0x503f));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.copy_in.src == SPMM_SRC_NONE,
	      "local fpage");
	/* no item at all, and two */
	msg(&in, 0x4000, 4, 0, 1, MR(3, 0, 0, 0x1000));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "no item");
	msg(&in, 0x4000, 4, 2, 1, MR(3, 0, 0, 1, 0x3c, 0x7001, 0x3c, 0x7001));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EINVAL, "2 items");
	/* the item follows the words the tag announces, extra words too */
	msg(&in, 0x4000, 5, 1, 1, MR(3, 1, 2, 3, 0x38, 0x3c, 0x7001));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.copy_in.src == SPMM_SRC_OWN && r.copy_in.src_obj == 0x7000,
	      "item after 5 words");
}

static void ds_decode_errors(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	static const struct {
		uint64_t op;
		unsigned words;
	} short_msgs[] = {{0, 3}, {1, 2}, {3, 3}, {4, 2}, {4, 1}};
	for (unsigned i = 0; i < sizeof(short_msgs) / sizeof(short_msgs[0]);
	     i++) {
		msg(&in, 0x4000, short_msgs[i].words, short_msgs[i].op == 3, 0,
		    MR(short_msgs[i].op, 1, 2, 3, 0x3c, 0));
		/* the item of copy_in sits right after the words */
		if (short_msgs[i].op == 3) {
			in.mr[3] = 0x3c;
			in.mr[4] = 0x7000;
		}
		CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EMSGTOOSHORT,
		      "op %llu with %u words",
		      (unsigned long long)short_msgs[i].op,
		      short_msgs[i].words);
	}
	msg(&in, 0x4000, 0, 0, 0, NULL);
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "no opcode");
	msg(&in, 0x4000, 1, 0, 0, MR(6));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_ENOSYS, "op 6");
	msg(&in, 0x4000, 1, 0, 0, MR(0xffffffff));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_ENOSYS, "op -1");
	/* items where none belong */
	msg(&in, 0x4000, 4, 1, 0, MR(0, 0, 0, 4, 0x38, 0));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EINVAL, "map item");
	msg(&in, 0x4000, 1, 1, 0, MR(2, 0x3c, 0x7000));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EINVAL, "info item");
	msg(&in, 0x4001, 1, 0, 0, MR(2));
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EBADPROTO, "label");
	msg(&in, 0x4000, 63, 1, 0, NULL);
	in.mr[0] = 2;
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "63 + 2");
	/* 61 words and an item fill the registers exactly */
	msg(&in, 0x4000, 61, 1, 0, NULL);
	in.mr[0] = 3;
	in.mr[61] = 0x3c;
	in.mr[62] = 0x7000;
	CHECK(spmm_ipc_decode_dataspace(&in, &r) == 0 &&
		  r.copy_in.src == SPMM_SRC_OWN,
	      "61 + 2");
}

static void decode_chooses_by_kind(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	msg(&in, 0x4000, 1, 0, 0, MR(2));
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) == 0 &&
		  r.op == SPMM_OP_DS_INFO,
	      "ds on ds");
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) == -SPMM_EBADPROTO,
	      "ds on factory");
	msg(&in, -15, 3, 0, 0, MR(0x4000, VARG_MWORD, 4096));
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) == 0 &&
		  r.op == SPMM_OP_CREATE,
	      "factory on factory");
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) == -SPMM_EBADPROTO,
	      "factory on ds");
	msg(&in, -21, 1, 0, 0, MR(0));
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) == 0 &&
		  spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) == 0 &&
		  r.op == SPMM_OP_META_NUM_INTERFACES,
	      "meta on both");
	msg(&in, SPMM_CTL_PROTO, 1, 0, 0, MR(SPMM_CTL_OP_INFO));
	CHECK(spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) == 0 &&
		  spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) == 0 &&
		  r.op == SPMM_OP_CTL_INFO,
	      "control on both");
	static const long others[] = {0, -2, -13, 0x4001, 0x400b, 1};
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		msg(&in, others[i], 1, 0, 0, MR(0));
		CHECK(spmm_ipc_decode(&in, SPMM_IPC_DATASPACE, &r) ==
			      -SPMM_EBADPROTO &&
			  spmm_ipc_decode(&in, SPMM_IPC_FACTORY, &r) ==
			      -SPMM_EBADPROTO,
		      "label %ld", others[i]);
	}
	msg(&in, 0x4000, 1, 0, 0, MR(2));
	CHECK(spmm_ipc_decode(&in, 0, &r) == -SPMM_EBADPROTO, "no kind");
}

/* A request as the decoder would give it. */
static struct spmm_req ds_req(int op, unsigned rights, uint64_t a, uint64_t b,
			      uint64_t c)
{
	struct spmm_req r;
	memset(&r, 0, sizeof(r));
	r.op = op;
	r.rights = rights;
	if (op == SPMM_OP_DS_MAP) {
		r.map.offset = a;
		r.map.spot = b;
		r.map.flags = c;
	} else {
		r.range.offset = a;
		r.range.size = b;
	}
	return r;
}

static void ds_check_map_rights(void)
{
	struct spmm_ds_grant g;
	const uint64_t rwx = SPMM_DS_RWX, size = 0x10000;
	struct spmm_req r = ds_req(SPMM_OP_DS_MAP, 0, 0x1234, 0, SPMM_DS_R);
	CHECK(spmm_ipc_ds_check(&r, size, rwx, &g) == 0 && g.rights == 4 &&
		  g.offset == 0x1000 && g.cache == 0,
	      "R without W");
	r.map.flags = SPMM_DS_R | SPMM_DS_W;
	CHECK(spmm_ipc_ds_check(&r, size, rwx, &g) == -SPMM_EPERM,
	      "W without W");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_ds_check(&r, size, rwx, &g) == 0 && g.rights == 6,
	      "W with W");
	CHECK(spmm_ipc_ds_check(&r, size, SPMM_DS_R | SPMM_DS_X, &g) ==
		  -SPMM_EPERM,
	      "W on a read-only dataspace");
	r.map.flags = SPMM_DS_RWX;
	CHECK(spmm_ipc_ds_check(&r, size, SPMM_DS_R | SPMM_DS_W, &g) ==
		  -SPMM_EPERM,
	      "X on a dataspace without X");
	CHECK(spmm_ipc_ds_check(&r, size, rwx, &g) == 0 && g.rights == 7,
	      "RWX");
	/* bits beyond RWX are not rights */
	r.map.flags = 0xff0f;
	CHECK(spmm_ipc_ds_check(&r, size, 0xf, &g) == 0 && g.rights == 7,
	      "rights %u", g.rights);
	/* W asked on a capability with S only */
	r.rights = SPMM_CAP_FPAGE_S;
	r.map.flags = SPMM_DS_W;
	CHECK(spmm_ipc_ds_check(&r, size, rwx, &g) == -SPMM_EPERM, "S is no W");
}

static void ds_check_map_range_and_cache(void)
{
	struct spmm_ds_grant g;
	/* 0x1001 bytes: two pages, offsets up to 0x1fff map */
	struct spmm_req r = ds_req(SPMM_OP_DS_MAP, 1, 0x1fff, 0, SPMM_DS_R);
	CHECK(spmm_ipc_ds_check(&r, 0x1001, SPMM_DS_RWX, &g) == 0 &&
		  g.offset == 0x1000,
	      "last page");
	r.map.offset = 0x2000;
	CHECK(spmm_ipc_ds_check(&r, 0x1001, SPMM_DS_RWX, &g) == -SPMM_ERANGE,
	      "round_page(size)");
	r.map.offset = UINT64_MAX;
	CHECK(spmm_ipc_ds_check(&r, UINT64_MAX, SPMM_DS_RWX, &g) ==
		  -SPMM_ERANGE,
	      "top of the range");
	/* permission before range, as moe's op_map */
	r.map.flags = SPMM_DS_W;
	r.rights = 0;
	CHECK(spmm_ipc_ds_check(&r, 0x1001, SPMM_DS_RWX, &g) == -SPMM_EPERM,
	      "EPERM first");

	/* moe's cache_map over max(ds caching, request caching) */
	static const struct {
		uint64_t ds, want;
		unsigned cache;
	} c[] = {
	    {0, 0, 0},		{0, 0x10, 0x50},    {0, 0x20, 0x10},
	    {0, 0x30, 0},	{0x20, 0x10, 0x10}, {0x10, 0, 0x50},
	    {0x10, 0x20, 0x10},
	};
	r = ds_req(SPMM_OP_DS_MAP, 1, 0, 0, 0);
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r.map.flags = SPMM_DS_R | c[i].want;
		CHECK(spmm_ipc_ds_check(&r, 4096, SPMM_DS_RWX | c[i].ds, &g) ==
			      0 &&
			  g.cache == c[i].cache,
		      "cache %llx/%llx -> %x", (unsigned long long)c[i].ds,
		      (unsigned long long)c[i].want, g.cache);
	}
}

static void ds_check_clear_copy_allocate(void)
{
	struct spmm_ds_grant g;
	const uint64_t rwx = SPMM_DS_RWX;
	struct spmm_req r = ds_req(SPMM_OP_DS_CLEAR, 0, 0, 4096, 0);
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == -SPMM_EACCESS,
	      "clear without W");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, SPMM_DS_R, &g) == -SPMM_EACCESS,
	      "clear read-only dataspace");
	r.range.offset = 0x1800;
	r.range.size = 0x2000;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == 0 &&
		  g.offset == 0x1800 && g.size == 0x800,
	      "clear clamped: %llx", (unsigned long long)g.size);
	/* clear may reach the end of the last page, past the size */
	r.range.offset = 0x1000;
	r.range.size = UINT64_MAX;
	CHECK(spmm_ipc_ds_check(&r, 0x1001, rwx, &g) == 0 && g.size == 0x1000,
	      "clear to round_page");
	r.range.offset = 0x2000;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == -SPMM_ERANGE,
	      "clear outside");
	r.rights = 0;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == -SPMM_EACCESS,
	      "EACCESS before ERANGE");

	/* copy_in: W first, then the source (moe's op_copy_in) */
	r = ds_req(SPMM_OP_DS_COPY_IN, 0, 0, 0, 0);
	r.copy_in.src = SPMM_SRC_FOREIGN;
	CHECK(spmm_ipc_ds_check(&r, 4096, rwx, &g) == -SPMM_EACCESS,
	      "copy_in without W");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_ds_check(&r, 4096, rwx, &g) == -SPMM_EINVAL,
	      "foreign source");
	r.copy_in.src = SPMM_SRC_NONE;
	CHECK(spmm_ipc_ds_check(&r, 4096, rwx, &g) == -SPMM_EINVAL,
	      "no source");
	r.copy_in.src = SPMM_SRC_OWN;
	CHECK(spmm_ipc_ds_check(&r, 4096, rwx, &g) == 0, "own source");
	CHECK(spmm_ipc_ds_check(&r, 4096, SPMM_DS_R, &g) == -SPMM_EACCESS,
	      "read-only destination");

	/* allocate: no right needed; range against the size (moe) */
	r = ds_req(SPMM_OP_DS_ALLOCATE, 0, 0x1000, 0x1000, 0);
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == 0 && g.rights == 0 &&
		  g.offset == 0x1000 && g.size == 0x1000,
	      "allocate read-only");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == 0 &&
		  g.rights == SPMM_FPAGE_W,
	      "allocate writable");
	r.range.size = 0x1001;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == -SPMM_ERANGE,
	      "allocate past the end");
	r.range.offset = 0x2000;
	r.range.size = 0;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == -SPMM_ERANGE,
	      "allocate at the end");
	r.range.offset = 0x1fff;
	r.range.size = 1;
	CHECK(spmm_ipc_ds_check(&r, 0x2000, rwx, &g) == 0, "last byte");

	r = ds_req(SPMM_OP_DS_INFO, 0, 0, 0, 0);
	CHECK(spmm_ipc_ds_check(&r, 0, 0, &g) == 0, "info");
	r.op = SPMM_OP_DS_MAP_INFO;
	CHECK(spmm_ipc_ds_check(&r, 0, 0, &g) == 0, "map_info");
	r.op = SPMM_OP_CREATE;
	CHECK(spmm_ipc_ds_check(&r, 0, 0, &g) == -SPMM_EINVAL, "not ds");
}

struct block_log {
	unsigned calls;
	unsigned refuse_above;
	uint64_t last_off;
	unsigned last_order;
};

static bool block_ok(void *ctx, uint64_t off, unsigned order)
{
	struct block_log *l = ctx;
	l->calls++;
	l->last_off = off;
	l->last_order = order;
	return order <= l->refuse_above;
}

static void map_order_choice(void)
{
	const uint64_t win = 0x40000000, mb4 = 0x400000;
	/* fault at region offset 0x123456 of a 2 MiB-aligned region */
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x123456, 21, NULL,
				 NULL) == 21,
	      "2M");
	/* 4 MiB fits the dataspace exactly; 8 MiB does not */
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x123456, 30, NULL,
				 NULL) == 22,
	      "4M");
	/* only the page bits of the hot spot count */
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x123fff, 30, NULL,
				 NULL) == 22,
	      "spot offset in page");
	/* spot in another 8K block: nothing larger than a page */
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x122456, 30, NULL,
				 NULL) == 12,
	      "spot differs in bit 12");
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x113456, 30, NULL,
				 NULL) == 16,
	      "spot differs in bit 16");
	/* a window not aligned: blocks may not start before page 0 */
	CHECK(spmm_ipc_map_order(0, mb4, win + 0x1000, 0x1000, 30, NULL,
				 NULL) == 12,
	      "unaligned window");
	/* dataspace of 3 pages at an aligned window */
	CHECK(spmm_ipc_map_order(0, 0x3000, win, 0, 30, NULL, NULL) == 13,
	      "3 pages");
	CHECK(spmm_ipc_map_order(0x2000, 0x3000, win, 0x2000, 30, NULL, NULL) ==
		  12,
	      "third page");
	CHECK(spmm_ipc_map_order(0x3000, 0x3000, win, 0x3000, 30, NULL, NULL) ==
		  12,
	      "outside");
	/* max_order below a page, and the 1 GiB limit */
	CHECK(spmm_ipc_map_order(0, mb4, win, 0, 5, NULL, NULL) == 12,
	      "max_order 5");
	CHECK(spmm_ipc_map_order(0, 1ull << 40, 0, 0, 63, NULL, NULL) == 30,
	      "1G limit");
	/* the callback sees each larger block and can stop the growth */
	struct block_log l = {0, 16, 0, 0};
	CHECK(spmm_ipc_map_order(0x123456, mb4, win, 0x123456, 30, block_ok,
				 &l) == 16,
	      "callback limit");
	CHECK(l.calls == 5 && l.last_order == 17 && l.last_off == 0x120000,
	      "calls %u order %u off %llx", l.calls, l.last_order,
	      (unsigned long long)l.last_off);
	/* a window at the top of the address space does not wrap */
	CHECK(spmm_ipc_map_order(0, 0x10000, UINT64_MAX & ~0xfffull,
				 UINT64_MAX & ~0xfffull, 30, NULL, NULL) == 12,
	      "top window");
}

static void map_reply_layout(void)
{
	struct spmm_ipc_out out;
	memset(&out, 0xff, sizeof(out));
	spmm_ipc_encode_map(&out, 0x123456, SPMM_CACHE_BUFFERED, 0x40123000, 21,
			    SPMM_FPAGE_RWX);
	CHECK(out.tag == 0x40, "tag %llx", (unsigned long long)out.tag);
	/* l4_map_control(0x123456, L4_FPAGE_BUFFERABLE, 0):
	 * 0x123000 | 5 << 4 | L4_ITEM_MAP */
	CHECK(out.mr[0] == 0x123058, "control %llx",
	      (unsigned long long)out.mr[0]);
	/* l4_fpage(0x40000000, 21, RWX): the block around the address */
	CHECK(out.mr[1] == 0x40000557, "fpage %llx",
	      (unsigned long long)out.mr[1]);
	spmm_ipc_encode_map(&out, 0x5000, SPMM_CACHE_NONE, 0x7f0000005000, 12,
			    SPMM_FPAGE_RO);
	CHECK(out.mr[0] == 0x5008 && out.mr[1] == 0x7f0000005314,
	      "4K read-only %llx %llx", (unsigned long long)out.mr[0],
	      (unsigned long long)out.mr[1]);
	/* orders are clamped to 12..63 */
	spmm_ipc_encode_map(&out, 0, 0, 0x5000, 3, 4);
	CHECK(out.mr[1] == (0x5000 | 12 << 6 | 0x14), "order 3");
	spmm_ipc_encode_map(&out, 0, 0, 0x5000, 99, 4);
	CHECK(out.mr[1] == ((uint64_t)63 << 6 | 0x14), "order 99 %llx",
	      (unsigned long long)out.mr[1]);
}

static void ds_info_and_ret_layout(void)
{
	struct spmm_ipc_out out;
	memset(&out, 0xff, sizeof(out));
	/* Stats {size, flags}: two words; W hidden without W (moe) */
	spmm_ipc_encode_ds_info(&out, 0x5000, SPMM_DS_RWX | 0x10, 0);
	CHECK(out.tag == 2 && out.mr[0] == 0x5000 && out.mr[1] == 0x15,
	      "info without W: %llx", (unsigned long long)out.mr[1]);
	spmm_ipc_encode_ds_info(&out, 0x5000, SPMM_DS_RWX | 0x10,
				SPMM_CAP_FPAGE_W);
	CHECK(out.mr[1] == 0x17, "info with W");
	spmm_ipc_encode_map_info(&out);
	CHECK(out.tag == 2 && out.mr[0] == 0 && out.mr[1] == 0, "map_info");
	spmm_ipc_encode_ret(&out, -SPMM_EINVAL);
	CHECK(out.tag == 0xffffffffffea0000ull &&
		  spmm_ipc_tag_label(out.tag) == -22 &&
		  spmm_ipc_msg_words(out.tag) == 0,
	      "error reply %llx", (unsigned long long)out.tag);
	spmm_ipc_encode_ret(&out, 0);
	CHECK(out.tag == 0, "ok reply");
}

/* ---- Meta ----------------------------------------------------------- */

static void meta_decode(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	msg(&in, -21, 1, 0, 2, MR(0xffffffff00000000ull));
	CHECK(spmm_ipc_decode_meta(&in, &r) == 0 &&
		  r.op == SPMM_OP_META_NUM_INTERFACES && r.rights == 2,
	      "num_interfaces");
	msg(&in, -21, 2, 0, 0, MR(1, 7));
	CHECK(spmm_ipc_decode_meta(&in, &r) == 0 &&
		  r.op == SPMM_OP_META_INTERFACE && r.iface.index == 7,
	      "interface");
	msg(&in, -21, 2, 0, 0, MR(2, (uint64_t)-15));
	CHECK(spmm_ipc_decode_meta(&in, &r) == 0 &&
		  r.op == SPMM_OP_META_SUPPORTS && r.supports.protocol == -15,
	      "supports");
	msg(&in, -21, 1, 0, 0, MR(1));
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "interface without index");
	msg(&in, -21, 1, 0, 0, MR(2));
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_EMSGTOOSHORT,
	      "supports without protocol");
	msg(&in, -21, 0, 0, 0, NULL);
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_EMSGTOOSHORT, "empty");
	msg(&in, -21, 1, 0, 0, MR(3));
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_ENOSYS, "op 3");
	msg(&in, -21, 1, 1, 0, MR(0, 0x38, 0));
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_EINVAL, "item");
	msg(&in, -15, 1, 0, 0, MR(0));
	CHECK(spmm_ipc_decode_meta(&in, &r) == -SPMM_EBADPROTO, "label");
}

static void meta_replies(void)
{
	struct spmm_ipc_out out;
	struct spmm_req r;
	unsigned n;
	const struct spmm_ipc_iface *f =
	    spmm_ipc_meta_ifaces(SPMM_IPC_FACTORY, &n);
	memset(&r, 0, sizeof(r));

	CHECK(f && n == 2 && f[0].protocol == -15 &&
		  f[1].protocol == SPMM_CTL_PROTO,
	      "factory interfaces");
	r.op = SPMM_OP_META_NUM_INTERFACES;
	CHECK(spmm_ipc_encode_meta(&out, &r, f, n) == 0 && out.tag == 2ull
									  << 16,
	      "num %llx", (unsigned long long)out.tag);

	/* interface 0: proto, then L4::Ipc::String<char> with an unsigned
	 * long length: "N2L47FactoryE" is 13 bytes + NUL = 14, 2 words */
	r.op = SPMM_OP_META_INTERFACE;
	r.iface.index = 0;
	memset(&out, 0xff, sizeof(out));
	CHECK(spmm_ipc_encode_meta(&out, &r, f, n) == 0, "interface 0");
	CHECK(out.tag == 4, "tag %llx", (unsigned long long)out.tag);
	CHECK(out.mr[0] == (uint64_t)-15 && out.mr[1] == 14, "proto, len");
	CHECK(memcmp(&out.mr[2], "N2L47FactoryE", 14) == 0, "name");
	CHECK((out.mr[3] >> 48) == 0, "padding is zero");

	const struct spmm_ipc_iface *d =
	    spmm_ipc_meta_ifaces(SPMM_IPC_DATASPACE, &n);
	CHECK(spmm_ipc_encode_meta(&out, &r, d, n) == 0 && out.tag == 5 &&
		  out.mr[0] == 0x4000 && out.mr[1] == 18 &&
		  memcmp(&out.mr[2], "N4L4Re9DataspaceE", 18) == 0,
	      "dataspace interface 0");
	r.iface.index = 1;
	CHECK(spmm_ipc_encode_meta(&out, &r, d, n) == 0 &&
		  out.mr[0] == SPMM_CTL_PROTO,
	      "control interface");
	r.iface.index = 2;
	CHECK(spmm_ipc_encode_meta(&out, &r, d, n) == 0 &&
		  spmm_ipc_tag_label(out.tag) == -SPMM_ERANGE &&
		  spmm_ipc_msg_words(out.tag) == 0,
	      "interface 2");
	r.iface.index = UINT64_MAX;
	CHECK(spmm_ipc_encode_meta(&out, &r, d, n) == 0 &&
		  spmm_ipc_tag_label(out.tag) == -SPMM_ERANGE,
	      "interface -1");

	r.op = SPMM_OP_META_SUPPORTS;
	static const struct {
		long p;
		long factory, ds;
	} s[] = {{-15, 1, 0}, {0x4000, 0, 1}, {SPMM_CTL_PROTO, 1, 1},
		 {-21, 0, 0}, {0, 0, 0},      {0x400b, 0, 0}};
	for (unsigned i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		r.supports.protocol = s[i].p;
		spmm_ipc_encode_meta(&out, &r, f, 2);
		CHECK(out.tag == spmm_ipc_tag(s[i].factory, 0, 0, 0),
		      "factory supports %ld", s[i].p);
		spmm_ipc_encode_meta(&out, &r, d, 2);
		CHECK(out.tag == spmm_ipc_tag(s[i].ds, 0, 0, 0),
		      "ds supports %ld", s[i].p);
	}

	CHECK(spmm_ipc_meta_ifaces(0, &n) == NULL && n == 0, "unknown kind");
	r.op = SPMM_OP_DS_INFO;
	CHECK(spmm_ipc_encode_meta(&out, &r, f, 2) == -SPMM_EINVAL &&
		  spmm_ipc_tag_label(out.tag) == -SPMM_EINVAL,
	      "not meta");
}

static void meta_name_limits(void)
{
	/* 61 registers hold 488 bytes: 487 characters and the NUL */
	static char name[600];
	struct spmm_ipc_iface i = {0x4000, name};
	struct spmm_ipc_out out;
	struct spmm_req r;
	memset(&r, 0, sizeof(r));
	r.op = SPMM_OP_META_INTERFACE;
	memset(name, 'x', 487);
	CHECK(spmm_ipc_encode_meta(&out, &r, &i, 1) == 0 && out.tag == 63 &&
		  out.mr[1] == 488 && (out.mr[62] >> 56) == 0,
	      "487 characters");
	name[487] = 'x';
	CHECK(spmm_ipc_encode_meta(&out, &r, &i, 1) == -SPMM_EMSGTOOLONG &&
		  spmm_ipc_tag_label(out.tag) == -SPMM_EMSGTOOLONG,
	      "488 characters");
	i.name = NULL;
	CHECK(spmm_ipc_encode_meta(&out, &r, &i, 1) == 0 && out.tag == 3 &&
		  out.mr[1] == 1 && out.mr[2] == 0,
	      "no name: the empty string");
	i.name = "";
	CHECK(spmm_ipc_encode_meta(&out, &r, &i, 1) == 0 && out.tag == 3,
	      "empty name");
	i.name = "1234567";
	CHECK(spmm_ipc_encode_meta(&out, &r, &i, 1) == 0 && out.tag == 3 &&
		  out.mr[1] == 8,
	      "8 bytes in one word");
}

/* ---- Control -------------------------------------------------------- */

static void control_decode_and_check(void)
{
	struct spmm_ipc_in in;
	struct spmm_req r;
	static const int ops[] = {SPMM_OP_CTL_INFO, SPMM_OP_CTL_STATS,
				  SPMM_OP_CTL_DS_STATS, SPMM_OP_CTL_POLICY};
	for (unsigned op = 0; op < 4; op++) {
		msg(&in, SPMM_CTL_PROTO, 1, 0, 0x8002,
		    MR(0x1234567800000000ull | op));
		CHECK(spmm_ipc_decode_control(&in, &r) == 0 &&
			  r.op == ops[op] && r.obj == 0x8000 &&
			  r.rights == SPMM_CAP_FPAGE_S,
		      "op %u", op);
	}
	msg(&in, SPMM_CTL_PROTO, 1, 0, 0, MR(4));
	CHECK(spmm_ipc_decode_control(&in, &r) == -SPMM_ENOSYS, "op 4");
	msg(&in, SPMM_CTL_PROTO, 1, 0, 0, MR(0xffffffff));
	CHECK(spmm_ipc_decode_control(&in, &r) == -SPMM_ENOSYS, "op -1");
	msg(&in, SPMM_CTL_PROTO, 0, 0, 0, NULL);
	CHECK(spmm_ipc_decode_control(&in, &r) == -SPMM_EMSGTOOSHORT, "empty");
	msg(&in, SPMM_CTL_PROTO, 1, 1, 0, MR(1, 0x38, 0));
	CHECK(spmm_ipc_decode_control(&in, &r) == -SPMM_EINVAL, "item");
	msg(&in, 0x5351, 1, 0, 0, MR(1));
	CHECK(spmm_ipc_decode_control(&in, &r) == -SPMM_EBADPROTO, "label");

	memset(&r, 0, sizeof(r));
	r.op = SPMM_OP_CTL_INFO;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_FACTORY) == 0, "info");
	r.op = SPMM_OP_CTL_STATS;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_FACTORY) == -SPMM_EPERM,
	      "stats without S");
	r.rights = SPMM_CAP_FPAGE_W;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_DATASPACE) == -SPMM_EPERM,
	      "W is no S");
	r.rights = SPMM_CAP_FPAGE_S;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_DATASPACE) == 0,
	      "stats with S");
	r.op = SPMM_OP_CTL_POLICY;
	r.rights = 0;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_FACTORY) == -SPMM_EPERM,
	      "policy without S");
	r.op = SPMM_OP_CTL_DS_STATS;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_DATASPACE) == 0,
	      "ds stats on a dataspace");
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_FACTORY) == -SPMM_ENOSYS,
	      "ds stats on the factory");
	r.op = SPMM_OP_DS_MAP;
	CHECK(spmm_ipc_control_check(&r, SPMM_IPC_DATASPACE) == -SPMM_EINVAL,
	      "not control");
}

static void control_reply_layout(void)
{
	struct spmm_ipc_out out;
	uint64_t v[SPMM_CTL_STATS_WORDS] = {0};
	for (unsigned i = 0; i < SPMM_CTL_STATS_WORDS; i++)
		v[i] = 0x1000 + i;

	struct spmm_ctl_stats st;
	memcpy(&st, v, sizeof(st));
	spmm_ipc_encode_ctl_stats(&out, &st);
	CHECK(out.tag == SPMM_CTL_STATS_WORDS, "stats tag");
	CHECK(memcmp(out.mr, v, sizeof(st)) == 0, "stats in member order");
	CHECK(out.mr[2] == st.pages_sharing && out.mr[14] == st.metadata_bytes,
	      "named members");

	struct spmm_ctl_ds_stats ds;
	memcpy(&ds, v, sizeof(ds));
	spmm_ipc_encode_ctl_ds_stats(&out, &ds);
	CHECK(out.tag == 6 && memcmp(out.mr, v, sizeof(ds)) == 0, "ds stats");

	struct spmm_ctl_policy p;
	memcpy(&p, v, sizeof(p));
	spmm_ipc_encode_ctl_policy(&out, &p);
	CHECK(out.tag == 9 && memcmp(out.mr, v, sizeof(p)) == 0 &&
		  out.mr[8] == p.max_frames,
	      "policy");

	spmm_ipc_encode_ctl_info(&out);
	CHECK(out.tag == 5 && out.mr[0] == SPMM_CTL_VERSION &&
		  out.mr[1] == 15 && out.mr[2] == 6 && out.mr[3] == 9 &&
		  out.mr[4] == 4096,
	      "info");
}

TESTS_MAIN(T(tag_layout_matches_l4_msgtag), T(tag_fields_round_trip),
	   T(fpage_layout_matches_l4_fpage), T(cap_mapped_finds_foreign_caps),
	   T(factory_ned_create), T(factory_mem_alloc_create),
	   T(factory_size_kinds), T(factory_flags_align_and_address),
	   T(factory_list_ends), T(factory_errors), T(factory_reply_layout),
	   T(ds_decode_each_op), T(ds_decode_copy_in_sources),
	   T(ds_decode_errors), T(decode_chooses_by_kind),
	   T(ds_check_map_rights), T(ds_check_map_range_and_cache),
	   T(ds_check_clear_copy_allocate), T(map_order_choice),
	   T(map_reply_layout), T(ds_info_and_ret_layout), T(meta_decode),
	   T(meta_replies), T(meta_name_limits), T(control_decode_and_check),
	   T(control_reply_layout))
