/*
 * meta.c - L4::Meta, the protocol that tells what an object speaks
 * (see ipc.h).
 *
 * ned asks a capability it has no type for, "interface 0", and picks its
 * Lua methods by the name; L4Re's Meta_svr (cxx/ipc_epiface) reports the
 * interfaces of the object's type, most derived first, with the C++ RTTI
 * name of each type (typeid(T).name(), Itanium mangling).  We report the
 * names an RTTI-enabled L4Re server would, so nothing can tell us apart.
 */
#include <string.h>

#include "ipc_impl.h"

/* Mangled name of a C++ class spmm::Control, for our own protocol. */
#define CONTROL_NAME "N4spmm7ControlE"

static const struct spmm_ipc_iface factory_ifaces[] = {
    {SPMM_PROTO_FACTORY, "N2L47FactoryE"}, /* L4::Factory */
    {SPMM_CTL_PROTO, CONTROL_NAME},
};

/* L4Re::Rm derives from L4::Pager, which derives from L4::Io_pager. */
static const struct spmm_ipc_iface rm_ifaces[] = {
    {SPMM_PROTO_RM, "N4L4Re2RmE"},		 /* L4Re::Rm */
    {SPMM_PROTO_PAGE_FAULT, "N2L45PagerE"}, /* L4::Pager */
    {SPMM_CTL_PROTO, CONTROL_NAME},
};

static const struct spmm_ipc_iface dataspace_ifaces[] = {
    {SPMM_PROTO_DATASPACE, "N4L4Re9DataspaceE"}, /* L4Re::Dataspace */
    {SPMM_CTL_PROTO, CONTROL_NAME},
};

const struct spmm_ipc_iface *spmm_ipc_meta_ifaces(int kind, unsigned *n)
{
	switch (kind) {
	case SPMM_IPC_FACTORY:
		*n = sizeof(factory_ifaces) / sizeof(factory_ifaces[0]);
		return factory_ifaces;
	case SPMM_IPC_DATASPACE:
		*n = sizeof(dataspace_ifaces) / sizeof(dataspace_ifaces[0]);
		return dataspace_ifaces;
	case SPMM_IPC_RM:
		*n = sizeof(rm_ifaces) / sizeof(rm_ifaces[0]);
		return rm_ifaces;
	default:
		*n = 0;
		return NULL;
	}
}

int spmm_ipc_decode_meta(const struct spmm_ipc_in *in, struct spmm_req *req)
{
	uint32_t op;
	int r = spmm_ipc_begin(in, SPMM_PROTO_META, req);
	if (r < 0)
		return r;
	r = spmm_ipc_opcode(in, &op);
	if (r < 0)
		return r;
	switch (op) {
	case SPMM_META_OP_NUM_INTERFACES:
		r = spmm_ipc_need(in, 1, 0);
		if (r < 0)
			return r;
		req->op = SPMM_OP_META_NUM_INTERFACES;
		return 0;
	case SPMM_META_OP_INTERFACE:
		r = spmm_ipc_need(in, 2, 0);
		if (r < 0)
			return r;
		req->op = SPMM_OP_META_INTERFACE;
		req->iface.index = in->mr[1];
		return 0;
	case SPMM_META_OP_SUPPORTS:
		r = spmm_ipc_need(in, 2, 0);
		if (r < 0)
			return r;
		req->op = SPMM_OP_META_SUPPORTS;
		req->supports.protocol = (long)spmm_ipc_s64(in->mr[1]);
		return 0;
	default:
		return -SPMM_ENOSYS;
	}
}

/* The reply to interface(i): protocol, then an L4::Ipc::String with an
 * unsigned long length (the NUL counted) and the bytes from MR2 on. */
static int encode_interface(struct spmm_ipc_out *out,
			    const struct spmm_ipc_iface *f)
{
	const size_t room = sizeof(uint64_t) * (SPMM_MR_WORDS - 2);
	const char *name = f->name ? f->name : "";
	size_t len = 0;
	while (len < room && name[len])
		len++;
	len++; /* the NUL */
	if (len > room) {
		spmm_ipc_encode_ret(out, -SPMM_EMSGTOOLONG);
		return -SPMM_EMSGTOOLONG;
	}
	spmm_ipc_reply(out, 0, 2 + (unsigned)((len + 7) / 8), 0);
	out->mr[0] = (uint64_t)f->protocol;
	out->mr[1] = len;
	memcpy(&out->mr[2], name, len);
	return 0;
}

int spmm_ipc_encode_meta(struct spmm_ipc_out *out, const struct spmm_req *req,
			 const struct spmm_ipc_iface *ifs, unsigned n)
{
	switch (req->op) {
	case SPMM_OP_META_NUM_INTERFACES:
		spmm_ipc_encode_ret(out, (long)n);
		return 0;
	case SPMM_OP_META_INTERFACE:
		if (req->iface.index >= n) {
			spmm_ipc_encode_ret(out, -SPMM_ERANGE);
			return 0;
		}
		return encode_interface(out, &ifs[req->iface.index]);
	case SPMM_OP_META_SUPPORTS: {
		long yes = 0;
		/* Meta_svr's has_proto() never claims protocol 0. */
		for (unsigned i = 0; i < n && req->supports.protocol; i++)
			yes |= ifs[i].protocol == req->supports.protocol;
		spmm_ipc_encode_ret(out, yes);
		return 0;
	}
	default:
		spmm_ipc_encode_ret(out, -SPMM_EINVAL);
		return -SPMM_EINVAL;
	}
}
