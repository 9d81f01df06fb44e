/*
 * factory.c - Factory::create of a dataspace, and its reply (see ipc.h).
 *
 * The request is MR0 = protocol, then L4Re's variable argument list
 * (cxx/ipc_varg): each argument is a tag word type | length << 16 and
 * ceil(length / 8) data words; a zero tag word or the end of the message
 * ends the list (clients never send the terminating nil).  We walk it as
 * L4Re's server side does, so a message moe accepts is accepted here, and
 * then read the arguments as moe's Allocator::op_create does for
 * L4Re::Dataspace::Protocol: size, flags, align, and no physical address.
 */
#include "ipc_impl.h"

enum { MAX_ARGS = 4 }; /* size, flags, align, physical address */

enum arg_class { ARG_NIL, ARG_INT, ARG_OTHER };

struct varg {
	uint64_t len;  /* bytes */
	unsigned type; /* SPMM_VARG_* */
	unsigned word; /* first data word */
};

/* Split the message into arguments; *n counts them all, a[] keeps the
 * first MAX_ARGS.  -L4_EMSGTOOSHORT if one is longer than the message. */
static int split_args(const struct spmm_ipc_in *in, struct varg *a, unsigned *n)
{
	const uint64_t limit = 8ull * spmm_ipc_tag_words(in->tag);
	uint64_t at = 8; /* bytes; MR0 is the protocol */

	*n = 0;
	while (at < limit) {
		uint64_t tag = in->mr[at / 8];
		if (tag == 0)
			break;
		at += 8;
		uint64_t len = tag >> SPMM_VARG_LEN_SHIFT;
		if (len > limit - at)
			return -SPMM_EMSGTOOSHORT;
		if (*n < MAX_ARGS) {
			a[*n].type = (unsigned)(tag & SPMM_VARG_TYPE_MASK);
			a[*n].len = len;
			a[*n].word = (unsigned)(at / 8);
		}
		(*n)++;
		at = (at + len + 7) & ~7ull;
	}
	return 0;
}

/* Signed and unsigned words are both integers (Varg::is_of_int()). */
static enum arg_class arg_class(const struct varg *a)
{
	if (a->type == SPMM_VARG_NIL)
		return ARG_NIL;
	if ((a->type & ~(unsigned)SPMM_VARG_SIGN) == SPMM_VARG_UMWORD)
		return ARG_INT;
	return ARG_OTHER;
}

/*
 * Argument i as an integer: *v = its word, or 0 if it is missing or not an
 * integer (moe's "is_of_int() ? value : 0").  An integer must be exactly
 * one word: moe would read a word past a shorter one.
 */
static int int_arg(const struct spmm_ipc_in *in, const struct varg *a,
		   unsigned n, unsigned i, bool *is_int, uint64_t *v)
{
	*is_int = false;
	*v = 0;
	if (i >= n || arg_class(&a[i]) != ARG_INT)
		return 0;
	if (a[i].len != 8)
		return -SPMM_EINVAL;
	*is_int = true;
	*v = in->mr[a[i].word];
	return 0;
}

static int read_dataspace_args(const struct spmm_ipc_in *in,
			       const struct varg *a, unsigned n,
			       struct spmm_req *req)
{
	bool is_int;
	uint64_t v;
	int r = int_arg(in, a, n, 0, &is_int, &v);
	if (r < 0)
		return r;
	if (!is_int)
		return -SPMM_EINVAL;
	/* moe reads the size as a signed word whatever its tag says. */
	if (spmm_ipc_s64(v) <= 0)
		return -SPMM_ERANGE;
	req->create.size = v;

	r = int_arg(in, a, n, 1, &is_int, &req->create.flags);
	if (r < 0)
		return r;
	r = int_arg(in, a, n, 2, &is_int, &req->create.align);
	if (r < 0)
		return r;
	if (req->create.align > 63)
		return -SPMM_EINVAL;
	/* A physical address means nothing with an MMU (moe: -L4_EINVAL). */
	if (n > 3 && arg_class(&a[3]) != ARG_NIL)
		return -SPMM_EINVAL;
	return 0;
}

int spmm_ipc_decode_factory(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	struct varg a[MAX_ARGS];
	unsigned n;
	int r = spmm_ipc_begin(in, SPMM_PROTO_FACTORY, req);
	if (r < 0)
		return r;
	r = spmm_ipc_need(in, 1, 0);
	if (r < 0)
		return r;
	r = split_args(in, a, &n);
	if (r < 0)
		return r;
	req->create.protocol = (long)spmm_ipc_s64(in->mr[0]);
	if (req->create.protocol == SPMM_PROTO_RM) {
		/* A region map takes no arguments (moe ignores any). */
		req->create.nargs = n;
		req->op = SPMM_OP_CREATE;
		return 0;
	}
	if (req->create.protocol != SPMM_PROTO_DATASPACE)
		return -SPMM_ENODEV;
	req->create.nargs = n;
	r = read_dataspace_args(in, a, n, req);
	if (r < 0)
		return r;
	req->op = SPMM_OP_CREATE;
	return 0;
}

int spmm_ipc_create_check(const struct spmm_req *req)
{
	return req->rights & SPMM_CAP_FPAGE_S ? 0 : -SPMM_EPERM;
}

void spmm_ipc_encode_create(struct spmm_ipc_out *out, uint64_t cap)
{
	spmm_ipc_reply(out, 0, 0, 1);
	out->mr[0] = SPMM_ITEM_MAP;
	out->mr[1] = spmm_ipc_obj_fpage(cap, 0, SPMM_CAP_FPAGE_RWSD);
}
